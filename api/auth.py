"""API keys: `name:key:scope` entries; only SHA-256 digests are kept, compared in constant time.

A key file may hold `name:sha256=<hex digest>:scope` so the plain key never sits on disk.
Scopes are ordered: a write key may also read.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Literal

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
        parts = line.split(":")
        if len(parts) != 3 or parts[2] not in _RANK or not parts[0] or not parts[1]:
            # The entry is not echoed: it may hold a key.
            raise ValueError(f"{source} entry {number}: expected name:key:scope with scope read or write")
        name, secret, scope = parts
        hashed = secret.removeprefix("sha256=") if secret.startswith("sha256=") else digest(secret)
        keys.append(ApiKey(name, hashed.lower(), scope))  # type: ignore[arg-type]
    return keys


def find_key(keys: tuple[ApiKey, ...], presented: str) -> ApiKey | None:
    """The key whose digest matches; every entry is compared so timing does not say which matched."""
    wanted = digest(presented)
    found = None
    for key in keys:
        if hmac.compare_digest(key.digest, wanted):
            found = key
    return found
