"""Tokens already verified, so that a client's repeated requests skip the RSA check.

A JWT is immutable: once its signature and claims passed, the only thing that can change
is the clock. Entries expire at the token's ``exp`` (plus leeway) or after ``max_age``
seconds, whichever comes first — the latter bounds how long a token signed by a key
since removed from the JWKS keeps working. Only successful verifications are cached.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from cheatcode_api.ports.auth import AuthenticatedUser


class VerifiedTokenCache:
    def __init__(self, max_entries: int, max_age: float) -> None:
        self._max_entries = max_entries
        self._max_age = max_age
        self._entries: OrderedDict[str, tuple[AuthenticatedUser, float]] = OrderedDict()

    def get(self, token: str) -> AuthenticatedUser | None:
        entry = self._entries.get(token)
        if entry is None:
            return None
        user, valid_until = entry
        if time.time() >= valid_until:
            del self._entries[token]
            return None
        self._entries.move_to_end(token)
        return user

    def put(self, token: str, user: AuthenticatedUser, *, expires_at: float) -> None:
        if self._max_entries <= 0:
            return
        self._entries[token] = (user, min(expires_at, time.time() + self._max_age))
        self._entries.move_to_end(token)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)
