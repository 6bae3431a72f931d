"""The rate-limit and Idempotency-Key middleware around a small app, with in-memory stores."""

from __future__ import annotations

import itertools
import json

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from cheatcode_api.adapters.memory.idempotency import InMemoryIdempotencyStore
from cheatcode_api.adapters.memory.rate_limiter import InMemoryRateLimiter
from cheatcode_api.domain.rate_limits import RULES, with_overrides
from cheatcode_api.entrypoint.idempotency import IdempotencyMiddleware
from cheatcode_api.entrypoint.rate_limit import RateLimitMiddleware
from cheatcode_contracts import new_id

ADMIN = "admin-secret"


def build_app(*, fail_first: int = 0) -> tuple[FastAPI, list[str]]:
    app = FastAPI()
    created: list[str] = []
    failures = itertools.count()

    @app.post("/api/projects")
    async def create(request: Request) -> JSONResponse:
        body = await request.json()
        project_id = new_id()
        if next(failures) < fail_first:  # the write happened, the answer did not (a lost reply)
            created.append(project_id)
            return JSONResponse({"detail": "read model catching up"}, status_code=503)
        if project_id not in created:
            created.append(project_id)
        return JSONResponse({"id": project_id, "name": body["name"]}, status_code=200)

    @app.get("/api/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app, created


async def authenticate(token: str) -> str | None:
    return token.removeprefix("user-") if token.startswith("user-") else None


def wrap(app: FastAPI, *, rules: tuple = RULES) -> object:  # type: ignore[type-arg]
    limiter, store = InMemoryRateLimiter(), InMemoryIdempotencyStore()
    inner = IdempotencyMiddleware(app, store=lambda: store, authenticate=authenticate)
    return RateLimitMiddleware(inner, limiter=lambda: limiter, admin_key=ADMIN, rules=rules)


def client(asgi: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(asgi), base_url="http://test")  # type: ignore[arg-type]


async def test_the_eleventh_create_in_a_minute_is_429_with_retry_after() -> None:
    app, _ = build_app()
    async with client(wrap(app)) as http:
        statuses = [
            (await http.post("/api/projects", json={"name": "p"}, headers={"Authorization": "Bearer user-a"}))
            for _ in range(11)
        ]
    assert [r.status_code for r in statuses] == [200] * 10 + [429]
    refused = statuses[-1]
    assert refused.json() == {"message": "Rate limit exceeded", "detail": "10 per 1 minute"}
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


async def test_clients_are_counted_apart_and_admin_and_unlisted_routes_are_exempt() -> None:
    app, _ = build_app()
    rules = with_overrides(RULES, {"projects_create": 1})
    async with client(wrap(app, rules=rules)) as http:
        first = await http.post("/api/projects", json={"name": "p"}, headers={"Authorization": "Bearer user-a"})
        second = await http.post("/api/projects", json={"name": "p"}, headers={"Authorization": "Bearer user-a"})
        other = await http.post("/api/projects", json={"name": "p"}, headers={"Authorization": "Bearer user-b"})
        admin = await http.post("/api/projects", json={"name": "p"}, headers={"X-API-Key": ADMIN})
        health = [await http.get("/api/health") for _ in range(5)]
    assert (first.status_code, second.status_code, other.status_code) == (200, 429, 200)
    assert admin.status_code == 200
    assert {r.status_code for r in health} == {200}


async def test_the_same_key_and_body_answers_the_first_response_and_creates_nothing() -> None:
    app, created = build_app()
    headers = {"Authorization": "Bearer user-a", "Idempotency-Key": "k-1"}
    async with client(wrap(app)) as http:
        first = await http.post("/api/projects", json={"name": "p"}, headers=headers)
        again = await http.post("/api/projects", json={"name": "p"}, headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(created) == 1


async def test_the_same_key_with_another_body_is_422() -> None:
    app, created = build_app()
    headers = {"Authorization": "Bearer user-a", "Idempotency-Key": "k-2"}
    async with client(wrap(app)) as http:
        await http.post("/api/projects", json={"name": "p"}, headers=headers)
        other = await http.post("/api/projects", json={"name": "q"}, headers=headers)
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json()["detail"]
    assert len(created) == 1


async def test_keys_are_per_user() -> None:
    app, created = build_app()
    async with client(wrap(app)) as http:
        for user in ("a", "b"):
            headers = {"Authorization": f"Bearer user-{user}", "Idempotency-Key": "shared"}
            assert (await http.post("/api/projects", json={"name": "p"}, headers=headers)).status_code == 200
    assert len(created) == 2


async def test_a_retry_after_a_5xx_runs_again_with_the_same_ids() -> None:
    """The first attempt wrote but answered 503; the retry makes the same id, so nothing doubles."""
    app, created = build_app(fail_first=1)
    headers = {"Authorization": "Bearer user-a", "Idempotency-Key": "k-3"}
    async with client(wrap(app)) as http:
        failed = await http.post("/api/projects", json={"name": "p"}, headers=headers)
        retried = await http.post("/api/projects", json={"name": "p"}, headers=headers)
    assert failed.status_code == 503
    assert retried.status_code == 200
    assert created == [retried.json()["id"]]


async def test_without_a_valid_token_the_key_is_ignored() -> None:
    app, created = build_app()
    headers = {"Authorization": "Bearer nobody", "Idempotency-Key": "k-4"}
    async with client(wrap(app)) as http:
        for _ in range(2):
            await http.post("/api/projects", content=json.dumps({"name": "p"}), headers=headers)
    assert len(created) == 2
