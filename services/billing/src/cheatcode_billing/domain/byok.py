"""The user's own OpenRouter key on the account (reference §12.4), decided purely.

Only the byok plan may store, test, see or remove a key (403 otherwise, as the reference's gate).
The key itself never reaches this module: it sees the sealed form (ciphertext, hash) only. Each
stored key has its own data key in the secrets box, named :func:`secret_id` of its ``key_id``.
"""

from __future__ import annotations

import re
from datetime import datetime

from cheatcode_billing.domain.account import Account
from cheatcode_contracts import Event
from cheatcode_contracts.billing import ByokKeyRemoved, ByokKeyReply, ByokKeyStored
from cheatcode_contracts.plans import plan

KEY_FORMAT = re.compile(r"^sk-or-v1-[a-f0-9]{64}$", re.IGNORECASE)  # the reference matches case-insensitively
FORMAT_ERROR = "Invalid OpenRouter API key format. Expected format: sk-or-v1- followed by 64 hex characters"
BYOK_PLAN = "byok"


def secret_id(key_id: str) -> str:
    return f"byok.{key_id}"


def well_formed(api_key: str) -> bool:
    return bool(KEY_FORMAT.match(api_key))


def denial(state: Account) -> str | None:
    """Why this account may not use BYOK, or None when it may."""
    if state.plan_id == BYOK_PLAN:
        return None
    return f"BYOK functionality requires upgrade to BYOK plan. Current plan: {state.plan_id}"


def refused(state: Account) -> ByokKeyReply | None:
    reason = denial(state)
    if reason is None:
        return None
    return ByokKeyReply(allowed=False, denial="plan", message=reason, plan_id=state.plan_id)


def store(state: Account, *, key_id: str, key_hash: str, ciphertext: str, display_name: str,
          now: datetime) -> list[Event]:  # fmt: skip
    """Replace any earlier key (its data key is destroyed before this is appended)."""
    if state.byok_key is not None and state.byok_key.key_id == key_id:
        return []  # a retried store of the same key
    events: list[Event] = []
    if state.byok_key is not None:
        events.append(ByokKeyRemoved(user_id=state.user_id, key_id=state.byok_key.key_id, occurred_at=now))
    events.append(
        ByokKeyStored(
            user_id=state.user_id,
            key_id=key_id,
            key_hash=key_hash,
            ciphertext=ciphertext,
            display_name=display_name,
            occurred_at=now,
        )
    )
    return events


def remove(state: Account, now: datetime) -> list[Event]:
    if state.byok_key is None:
        return []
    return [ByokKeyRemoved(user_id=state.user_id, key_id=state.byok_key.key_id, occurred_at=now)]


def status(state: Account) -> ByokKeyReply:
    key = state.byok_key
    spec = plan(state.plan_id)
    if key is None:
        return ByokKeyReply(allowed=True, plan_id=spec.id)
    return ByokKeyReply(allowed=True, plan_id=spec.id, key_id=key.key_id, has_key=True, key_configured=True,
                        display_name=key.display_name, created_at=key.created_at)  # fmt: skip
