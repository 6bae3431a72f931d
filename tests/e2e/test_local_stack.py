"""The local stack as a new user meets it: health, dev tokens, a clean shutdown."""

from __future__ import annotations

import httpx

from tests.support.stack import Stack


def test_health_answers(stack: Stack) -> None:
    response = httpx.get(f"{stack.base_url}/api/health", timeout=10)
    assert response.status_code == 200
    assert response.json()["status"]


def test_a_dev_token_is_accepted_and_no_token_is_not(stack: Stack) -> None:
    anonymous = httpx.get(f"{stack.base_url}/api/projects", timeout=10)
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    headers = {"Authorization": f"Bearer {stack.token('e2e_user', email='e2e@example.com')}"}
    authed = httpx.get(f"{stack.base_url}/api/projects", headers=headers, timeout=10)
    assert authed.status_code == 200, authed.text
