"""A tiny HTML builder: one self-contained page, tables with ids, charts inline. No template engine,
no scripts, no network: the file opens the same on a laptop on a plane."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1200px;
       color: #1f2328; padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2.2rem; border-bottom: 1px solid #d0d7de; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.88rem; }
th, td { border: 1px solid #d0d7de; padding: 0.25rem 0.55rem; }
th { background: #f6f8fa; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.bad td { background: #ffebe9; } tr.warn td { background: #fff8c5; } tr.dim td { color: #8c959f; }
figure { margin: 1rem 0; } figcaption { font-size: 0.85rem; color: #57606a; }
svg { max-width: 100%; height: auto; }
p.note { color: #57606a; font-size: 0.9rem; }
"""

Cell = object


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value))


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    table_id: str,
    row_classes: Sequence[str] | None = None,
    raw_first_column: bool = False,
) -> str:
    """Cells that are numbers are right-aligned; strings are escaped, except the first column's
    when `raw_first_column` says the caller built that markup (a link) itself."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = []
    for k, row in enumerate(rows):
        cls = row_classes[k] if row_classes and row_classes[k] else ""
        cells = "".join(
            f"<td>{c}</td>"
            if raw_first_column and n == 0
            else f'<td class="num">{esc(c)}</td>'
            if _numeric(c)
            else f"<td>{esc(c)}</td>"
            for n, c in enumerate(row)
        )
        body.append(f'<tr class="{cls}">{cells}</tr>' if cls else f"<tr>{cells}</tr>")
    return f'<table id="{esc(table_id)}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def figure(svg: str, caption: str, figure_id: str) -> str:
    return f'<figure id="{esc(figure_id)}">{svg}<figcaption>{esc(caption)}</figcaption></figure>'


def section(title: str, *parts: str) -> str:
    return f"<section><h2>{esc(title)}</h2>{''.join(parts)}</section>"


def note(text: str) -> str:
    return f'<p class="note">{esc(text)}</p>'


def link(href: str, text: str) -> str:
    return f'<a href="{esc(href)}">{esc(text)}</a>'


def page(title: str, *sections: str, subtitle: str = "") -> str:
    sub = f"<p>{esc(subtitle)}</p>" if subtitle else ""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_CSS}</style></head>'
        f"<body><h1>{esc(title)}</h1>{sub}{''.join(sections)}</body></html>\n"
    )


def _numeric(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    text = str(value).replace(",", "").replace("%", "").replace("→", "").strip()
    try:
        float(text.split()[0] if text else "x")
    except ValueError:
        return False
    return True
