"""API keys: `name:key:scope` entries; only SHA-256 digests are kept, compared in constant time.

A key file may hold `name:sha256=<hex digest>:scope` so the plain key never sits on disk.
Scopes are ordered: a write key may also read. The scope may list several, `|`-separated, as the
README writes it (`name:key:read|write`); the key gets the widest one listed.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Literal, cast

Scope = Literal["read", "write"]
_RANK = {"read": 0, "write": 1}


@dataclass(frozen=True)
class ApiKey:
    name: str
    digest: str  # hex SHA-256 of the key; the key itself is never stored
    scope: Scope

    def __repr__(self) -> str:  # keep digests out of logs and tracebacks too
        return f"ApiKey(name={self.name!r}, scope={self.scope!r})"

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
        scopes = [scope.strip() for scope in parts[-1].split("|")] if len(parts) == 3 else []
        if (
            len(parts) != 3
            or not parts[0]
            or not parts[1]
            or not scopes
            or any(s not in _RANK for s in scopes)
        ):
            # The entry is not echoed: it may hold a key. Its name is shown only when the entry has
            # the three fields, so that the first one is a name and not a key typed without one.
            named = f" (key named {parts[0]!r})" if len(parts) >= 3 and parts[0] else ""
            raise ValueError(
                f"{source} entry {number}: expected name:key:scope with scope read, write or "
                f"read|write{named}"
            )
        name, secret = parts[0], parts[1]
        scope = cast(Scope, max(scopes, key=_RANK.__getitem__))
        hashed = secret.removeprefix("sha256=") if secret.startswith("sha256=") else digest(secret)
        keys.append(ApiKey(name, hashed.lower(), scope))
    return keys


def find_key(keys: tuple[ApiKey, ...], presented: str) -> ApiKey | None:
    """The key whose digest matches; every entry is compared so timing does not say which matched."""
    wanted = digest(presented)
    found = None
    for key in keys:
        if hmac.compare_digest(key.digest, wanted):
            found = key
    return found
