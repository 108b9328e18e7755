"""API keys: `name:key:scope[:workspace]` entries; only SHA-256 digests are kept, compared in
constant time.

A key file may hold `name:sha256=<hex digest>:scope` so the plain key never sits on disk.
Scopes are ordered: a write key may also read. The scope may list several, `|`-separated, as the
README writes it (`name:key:read|write`); the key gets the widest one listed.

The optional fourth field names the key's workspace: the data sets, plans, jobs, events,
calendars and hire advice it makes live there, and it sees no other workspace's (404). Without
it the key belongs to workspace `default`, so entries written before workspaces keep their data.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Literal, cast

Scope = Literal["read", "write"]
_RANK = {"read": 0, "write": 1}
DEFAULT_WORKSPACE = "default"
# Letters (any script), digits, `_`, `.` and `-`: no `:` or `,`, which separate entries and fields.
_WORKSPACE = re.compile(r"[^\W_][\w.-]{0,99}")


@dataclass(frozen=True)
class ApiKey:
    name: str
    digest: str  # hex SHA-256 of the key; the key itself is never stored
    scope: Scope
    workspace: str = DEFAULT_WORKSPACE

    def __repr__(self) -> str:  # keep digests out of logs and tracebacks too
        return f"ApiKey(name={self.name!r}, scope={self.scope!r}, workspace={self.workspace!r})"

    def allows(self, needed: Scope) -> bool:
        return _RANK[self.scope] >= _RANK[needed]


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def parse_keys(text: str, source: str) -> list[ApiKey]:
    keys = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = [part.strip() for part in line.split(":")]
        fields = len(parts) in (3, 4)
        scopes = [scope.strip() for scope in parts[2].split("|")] if fields else []
        workspace = parts[3] if len(parts) == 4 else DEFAULT_WORKSPACE
        if (
            not fields
            or not parts[0]
            or not parts[1]
            or not scopes
            or any(s not in _RANK for s in scopes)
            or not _WORKSPACE.fullmatch(workspace)
        ):
            # The entry is not echoed: it may hold a key. Its name is shown only when the entry has
            # three or four fields and the second does not read as a scope, so that the first one
            # is a name and not a key typed without one (`key:write:north`).
            named = (
                f" (key named {parts[0]!r})"
                if fields and parts[0] and not set(parts[1].split("|")) & _RANK.keys()
                else ""
            )
            raise ValueError(
                f"{source} entry {number}: expected name:key:scope or name:key:scope:workspace, with "
                "scope read, write or read|write and a workspace of at most 100 letters, digits, "
                f"'_', '.' or '-'{named}"
            )
        name, secret = parts[0], parts[1]
        scope = cast(Scope, max(scopes, key=_RANK.__getitem__))
        hashed = secret.removeprefix("sha256=") if secret.startswith("sha256=") else digest(secret)
        keys.append(ApiKey(name, hashed.lower(), scope, workspace))
    return keys


def find_key(keys: tuple[ApiKey, ...], presented: str) -> ApiKey | None:
    """The key whose digest matches; every entry is compared so timing does not say which matched."""
    wanted = digest(presented)
    found = None
    for key in keys:
        if hmac.compare_digest(key.digest, wanted):
            found = key
    return found
