"""Which endpoints are rate limited, and how much (reference §2.3), as data.

Limits are per endpoint and per client: ``POST /thread/A/agent/start`` and
``POST /thread/B/agent/start`` share one allowance. A client is the hash of its bearer token
(the original's key: 16 hex characters of SHA-256), or its address when it sends none.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class Rule:
    name: str  # stable id, used in settings overrides and store keys
    method: str
    pattern: re.Pattern[str]  # matched against the path below /api
    per_minute: int

    @property
    def description(self) -> str:
        return f"{self.per_minute} per 1 minute"


def _rule(name: str, method: str, template: str, per_minute: int) -> Rule:
    regex = re.escape(template).replace(re.escape("{id}"), "[^/]+")
    return Rule(name, method, re.compile(f"^{regex}/?$"), per_minute)


RULES: tuple[Rule, ...] = (
    _rule("agent_start", "POST", "/thread/{id}/agent/start", 10),
    _rule("agent_stream", "GET", "/agent-run/{id}/stream", 30),
    _rule("agent_stop", "POST", "/agent-run/{id}/stop", 10),
    _rule("agent_initiate", "POST", "/agent/initiate", 5),
    _rule("projects_create", "POST", "/projects", 10),
    _rule("threads_create", "POST", "/threads", 20),
    _rule("sandbox_upload", "POST", "/sandboxes/{id}/files", 60),
    _rule("sandbox_ensure_active", "POST", "/project/{id}/sandbox/ensure-active", 10),
    _rule("sandbox_execute", "POST", "/sandboxes/{id}/execute", 30),
    _rule("deploy", "POST", "/project/{id}/deploy/git", 5),
    _rule("deploy_update", "POST", "/project/{id}/deploy/git/update", 5),
    _rule("billing_checkout", "POST", "/billing/create-checkout-session", 5),
    _rule("billing_upgrade", "POST", "/billing/upgrade-plan", 5),
    _rule("billing_key_store", "POST", "/billing/openrouter-key", 5),
    _rule("billing_key_test", "POST", "/billing/openrouter-key/test", 5),
    _rule("billing_payment_validate", "POST", "/billing/payment-methods/validate", 10),
    _rule("welcome_email", "POST", "/send-welcome-email", 3),
)


def with_overrides(rules: tuple[Rule, ...], overrides: Mapping[str, int]) -> tuple[Rule, ...]:
    """``overrides`` maps a rule name to its per-minute limit; 0 turns the rule off."""
    unknown = set(overrides) - {rule.name for rule in rules}
    if unknown:
        raise ValueError(f"unknown rate limit rule(s): {', '.join(sorted(unknown))}")
    changed = (Rule(rule.name, rule.method, rule.pattern, overrides.get(rule.name, rule.per_minute)) for rule in rules)
    return tuple(rule for rule in changed if rule.per_minute > 0)


def rule_for(rules: tuple[Rule, ...], method: str, path: str) -> Rule | None:
    for rule in rules:
        if rule.method == method and rule.pattern.match(path):
            return rule
    return None


def client_key(bearer_token: str | None, address: str | None) -> str:
    """16 hex characters naming the client: of its token if it has one, else of its address."""
    source = f"token:{bearer_token}" if bearer_token else f"addr:{address or 'unknown'}"
    return hashlib.sha256(source.encode()).hexdigest()[:16]
