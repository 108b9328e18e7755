"""The message catalogue (api/static/messages.json) for the server side: the exports' headers and
words come from the same file the dashboard reads, so a word is changed in one place.

Each entry is `key: {"en": ..., "zh-CN": ...}`; `{name}` placeholders are filled by `text`.
A language is picked from an explicit `lang` (query parameter), else the Accept-Language
header, else English."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, cast

from fastapi import Depends, Header, Query

CATALOGUE = Path(__file__).resolve().parent / "static" / "messages.json"
Lang = Literal["en", "zh-CN"]
LANGS: tuple[Lang, ...] = ("en", "zh-CN")
DEFAULT: Lang = "en"


@cache
def messages() -> dict[str, dict[str, str]]:
    return cast(dict[str, dict[str, str]], json.loads(CATALOGUE.read_text(encoding="utf-8")))


def text(lang: str, key: str, **params: Any) -> str:
    """The entry in `lang` (English when it has none), placeholders filled; a missing key is an error."""
    entry = messages()[key]
    template = entry.get(lang) or entry[DEFAULT]
    return re.sub(
        r"\{(\w+)\}", lambda m: str(params[m.group(1)]) if m.group(1) in params else m.group(0), template
    )


def has(key: str) -> bool:
    return key in messages()


def normalise(tag: str | None) -> Lang | None:
    """One language tag (`zh`, `zh-Hans-CN`, `zh_CN`, `en-GB`…) as a catalogue language, or None."""
    if not tag:
        return None
    primary = tag.strip().replace("_", "-").split("-")[0].lower()
    if primary == "zh":
        return "zh-CN"
    if primary == "en":
        return "en"
    return None


def from_accept_language(header: str | None) -> Lang | None:
    """The catalogue language the client prefers most (RFC 9110 q-values), or None."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        match = re.search(r"q\s*=\s*([0-9.]+)", params)
        if match:
            try:
                q = float(match.group(1))
            except ValueError:
                q = 0.0
        ranked.append((-q, i, tag))
    for neg_q, _, tag in sorted(ranked):
        lang = normalise(tag)
        if lang and neg_q < 0:
            return lang
    return None


def pick(lang: str | None, accept_language: str | None) -> Lang:
    return normalise(lang) or from_accept_language(accept_language) or DEFAULT


def export_language(
    lang: Annotated[
        Lang | None,
        Query(
            description="Language of headers and words: `en` or `zh-CN`. Default: the Accept-Language header, else `en`."
        ),
    ] = None,
    accept_language: Annotated[
        str | None, Header(description="Used when `lang` is not given, e.g. `zh-CN,zh;q=0.9,en;q=0.8`.")
    ] = None,
) -> Lang:
    """A FastAPI dependency: the export's language from `?lang=`, else Accept-Language, else English."""
    return pick(lang, accept_language)


# For an export route: `lang: ExportLang`.
ExportLang = Annotated[Lang, Depends(export_language)]
