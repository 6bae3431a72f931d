"""The admin audit routes over the event_log read model and the JetStream log."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from cheatcode_infra.nats_server import NatsServer
from tests.integration.api.gateway.conftest import api_settings, running_api, token
from tests.support.clerk_double import JwksDouble

pytestmark = pytest.mark.integration

ADMIN = {"X-API-Key": "audit-admin-key"}


@pytest.fixture(scope="module")
async def audited_api(
    agent: None, nats_server: NatsServer, database_url: str, jwks: JwksDouble
) -> AsyncIterator[httpx.AsyncClient]:
    settings = api_settings(nats_server, database_url, jwks, admin_api_key="audit-admin-key")
    async with running_api(settings) as (client, _):
        yield client


async def test_an_admin_lists_one_users_events_and_pages_without_gaps(audited_api: httpx.AsyncClient) -> None:
    frank, grace = token("user_frank_audit"), token("user_grace_audit")
    project_ids = []
    for i in range(5):
        created = await audited_api.post("/api/projects", json={"name": f"f{i}"}, headers=frank)
        project_ids.append(created.json()["id"])
    await audited_api.post("/api/projects", json={"name": "g"}, headers=grace)
    thread = (await audited_api.post("/api/threads", json={"project_id": project_ids[0]}, headers=frank)).json()
    pages, after = [], 0
    while True:
        page = (
            await audited_api.get(
                "/api/admin/events", params={"user": "user_frank_audit", "after": after, "limit": 2}, headers=ADMIN
            )
        ).json()
        pages.append(page)
        if page["next_after"] is None:
            break
        after = page["next_after"]
    events = [event for page in pages for event in page["events"]]
    assert [e["type"] for e in events] == ["project.created"] * 5 + ["thread.created"]
    assert {e["user_id"] for e in events} == {"user_frank_audit"}
    assert {e["actor"] for e in events} == {"user:user_frank_audit"}  # from the request, via the command
    assert all(e["correlation_id"] for e in events)
    assert len({e["correlation_id"] for e in events}) == len(events)  # one request each
    assert [e["body"]["project_id"] for e in events[:5]] == project_ids
    positions = [e["sequence"] for e in events]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    by_aggregate = await audited_api.get(
        "/api/admin/events", params={"aggregate": f"thread:{thread['thread_id']}"}, headers=ADMIN
    )
    assert [e["type"] for e in by_aggregate.json()["events"]] == ["thread.created"]


async def test_admin_routes_need_the_admin_key(audited_api: httpx.AsyncClient) -> None:
    assert (await audited_api.get("/api/admin/events")).status_code == 401
    assert (await audited_api.get("/api/admin/events", headers={"X-API-Key": "wrong"})).status_code == 403
    user = token("user_frank_audit")
    assert (await audited_api.get("/api/admin/events", headers=user)).status_code == 401


async def test_a_thread_folded_before_its_last_message_has_one_message_fewer(audited_api: httpx.AsyncClient) -> None:
    heidi = token("user_heidi_audit")
    project = (await audited_api.post("/api/projects", json={"name": "h"}, headers=heidi)).json()
    thread = (await audited_api.post("/api/threads", json={"project_id": project["id"]}, headers=heidi)).json()
    for text in ("first", "second"):
        response = await audited_api.post(
            f"/api/threads/{thread['thread_id']}/messages", json={"type": "user", "content": text}, headers=heidi
        )
        assert response.status_code == 200, response.text
    history = (
        await audited_api.get("/api/admin/events", params={"aggregate": f"thread:{thread['thread_id']}"}, headers=ADMIN)
    ).json()["events"]
    before_last = history[-1]["sequence"] - 1
    now = (await audited_api.get(f"/api/admin/aggregates/thread/{thread['thread_id']}", headers=ADMIN)).json()
    then = (
        await audited_api.get(
            f"/api/admin/aggregates/thread/{thread['thread_id']}", params={"at_seq": before_last}, headers=ADMIN
        )
    ).json()
    assert now["exists"] and then["exists"]
    assert len(then["state"]["messages"]) == len(now["state"]["messages"]) - 1
    unknown = await audited_api.get("/api/admin/aggregates/nope/x", headers=ADMIN)
    assert unknown.status_code == 422
