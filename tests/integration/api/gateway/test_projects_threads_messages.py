"""Projects, threads and messages over HTTP: read-your-writes, ownership, validation."""

from __future__ import annotations

import asyncio
from uuid import uuid4

import httpx
import pytest

from tests.integration.api.gateway.conftest import token

pytestmark = pytest.mark.integration

ALICE, BOB = token("user_alice"), token("user_bob")


async def create_project(api: httpx.AsyncClient, name: str = "Todo", headers: dict[str, str] = ALICE) -> dict:
    response = await api.post("/api/projects", json={"name": name, "description": "an app"}, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def create_thread(api: httpx.AsyncClient, project_id: str, headers: dict[str, str] = ALICE) -> dict:
    response = await api.post("/api/threads", json={"project_id": project_id}, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_a_created_project_is_readable_at_once(api: httpx.AsyncClient) -> None:
    project = await create_project(api, "  Todo  ")
    assert project["name"] == "Todo" and project["description"] == "an app"
    assert project["account_id"] == "user_alice" and project["app_type"] == "web"
    assert project["is_public"] is False and project["sandbox"] == {}
    fetched = await api.get(f"/api/projects/{project['id']}", headers=ALICE)
    assert fetched.status_code == 200 and fetched.json() == project
    listed = (await api.get("/api/projects", headers=ALICE)).json()
    assert listed[0] == project  # newest first


async def test_concurrent_creates_are_each_readable_immediately(api: httpx.AsyncClient) -> None:
    async def create_then_get(index: int) -> None:
        project = await create_project(api, f"P{index}")
        response = await api.get(f"/api/projects/{project['id']}", headers=ALICE)
        assert response.status_code == 200

    await asyncio.gather(*(create_then_get(index) for index in range(30)))


async def test_project_paging_is_validated_and_applied(api: httpx.AsyncClient) -> None:
    user = token(f"pager_{uuid4().hex}")
    names = [f"page-{index}" for index in range(3)]
    for name in names:
        await create_project(api, name, user)
    page = (await api.get("/api/projects?limit=2&offset=1", headers=user)).json()
    assert [project["name"] for project in page] == ["page-1", "page-0"]
    for query in ("limit=0", "limit=1001", "offset=-1", "limit=abc"):
        response = await api.get(f"/api/projects?{query}", headers=user)
        assert response.status_code == 422, query


async def test_another_users_project_is_not_found(api: httpx.AsyncClient) -> None:
    project = await create_project(api)
    missing = await api.get(f"/api/projects/{uuid4()}", headers=BOB)
    other = await api.get(f"/api/projects/{project['id']}", headers=BOB)
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json() == {"detail": "Project not found"}
    assert project["id"] not in [p["id"] for p in (await api.get("/api/projects", headers=BOB)).json()]


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "1", "%20", "6f9619ff-8b86-d011-b42d-00c04fc964fg"])
async def test_non_uuid_ids_are_not_found(api: httpx.AsyncClient, bad_id: str) -> None:
    assert (await api.get(f"/api/projects/{bad_id}", headers=ALICE)).status_code == 404
    assert (await api.get(f"/api/threads/{bad_id}/messages", headers=ALICE)).status_code == 404
    posted = await api.post(f"/api/threads/{bad_id}/messages", json={"content": "hi"}, headers=ALICE)
    assert posted.status_code == 404
    thread = await api.post("/api/threads", json={"project_id": bad_id}, headers=ALICE)
    assert thread.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": ""},
        {"name": "   "},
        {"name": "x" * 256},
        {"name": 5},
        {"name": "ok", "description": 3},
        [],
        {"name": "a\u0000b"},  # PostgreSQL cannot store NUL: refused here, not stuck in a projection
        {"name": "ok", "description": "\u0000"},
    ],
)
async def test_bad_project_bodies_are_422(api: httpx.AsyncClient, body: object) -> None:
    response = await api.post("/api/projects", json=body, headers=ALICE)
    assert response.status_code == 422 and "detail" in response.json()


async def test_malformed_json_is_422(api: httpx.AsyncClient) -> None:
    headers = {**ALICE, "content-type": "application/json"}
    response = await api.post("/api/projects", content=b"{not json", headers=headers)
    assert response.status_code == 422


async def test_threads_belong_to_the_project_owner(api: httpx.AsyncClient) -> None:
    project = await create_project(api)
    thread = await create_thread(api, project["id"])
    assert thread["project_id"] == project["id"] and thread["account_id"] == "user_alice"
    assert thread["metadata"] == {} and thread["is_public"] is False
    listed = (await api.get(f"/api/threads?project_id={project['id']}", headers=ALICE)).json()
    assert [t["thread_id"] for t in listed] == [thread["thread_id"]]

    stolen = await api.post("/api/threads", json={"project_id": project["id"]}, headers=BOB)
    nowhere = await api.post("/api/threads", json={"project_id": str(uuid4())}, headers=BOB)
    assert stolen.status_code == nowhere.status_code == 404
    assert stolen.json() == nowhere.json() == {"detail": "Project not found"}
    assert (await api.get(f"/api/threads?project_id={project['id']}", headers=BOB)).json() == []
    assert (await api.get("/api/threads?project_id=garbage", headers=ALICE)).json() == []
    assert (await api.post("/api/threads", json={}, headers=ALICE)).status_code == 422


async def test_threads_are_listed_by_most_recent_activity(api: httpx.AsyncClient) -> None:
    project = await create_project(api)
    first = await create_thread(api, project["id"])
    second = await create_thread(api, project["id"])
    listed = (await api.get(f"/api/threads?project_id={project['id']}", headers=ALICE)).json()
    assert [t["thread_id"] for t in listed] == [second["thread_id"], first["thread_id"]]
    posted = await api.post(f"/api/threads/{first['thread_id']}/messages", json={"content": "bump"}, headers=ALICE)
    assert posted.status_code == 200
    listed = (await api.get(f"/api/threads?project_id={project['id']}", headers=ALICE)).json()
    assert [t["thread_id"] for t in listed] == [first["thread_id"], second["thread_id"]]
    assert listed[0]["updated_at"] > listed[0]["created_at"]


async def test_user_messages_are_posted_and_listed_oldest_first(api: httpx.AsyncClient) -> None:
    project = await create_project(api)
    thread_id = (await create_thread(api, project["id"]))["thread_id"]
    url = f"/api/threads/{thread_id}/messages"
    text = await api.post(url, json={"content": "build a todo app"}, headers=ALICE)
    structured = await api.post(url, json={"content": {"role": "user", "content": "add dark mode"}}, headers=ALICE)
    assert text.status_code == structured.status_code == 200
    message = text.json()
    assert set(message) == {
        "message_id", "thread_id", "type", "is_llm_message", "content", "metadata", "created_at", "updated_at",
        "agent_run_id",
    }  # fmt: skip
    assert (message["thread_id"], message["type"], message["content"]) == (thread_id, "user", "build a todo app")
    assert message["is_llm_message"] is True and message["agent_run_id"] is None
    listed = (await api.get(url, headers=ALICE)).json()
    assert [m["message_id"] for m in listed] == [message["message_id"], structured.json()["message_id"]]
    assert listed[1]["content"] == {"role": "user", "content": "add dark mode"}
    assert [m["message_id"] for m in (await api.get(f"{url}?offset=1&limit=1", headers=ALICE)).json()] == [
        structured.json()["message_id"]
    ]


async def test_messages_of_another_users_thread_are_not_found(api: httpx.AsyncClient) -> None:
    project = await create_project(api)
    thread_id = (await create_thread(api, project["id"]))["thread_id"]
    url = f"/api/threads/{thread_id}/messages"
    await api.post(url, json={"content": "secret"}, headers=ALICE)
    for response in (await api.get(url, headers=BOB), await api.post(url, json={"content": "x"}, headers=BOB)):
        assert response.status_code == 404 and response.json() == {"detail": "Thread not found"}
    assert len((await api.get(url, headers=ALICE)).json()) == 1


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"content": "x", "type": "assistant"},
        {"content": "x", "type": "tool"},
        {"content": 5},
        {"content": None},
        {"content": "x" * (256 * 1024 + 1)},
        {"content": "x", "is_llm_message": False},
        {"content": {"text": "a\u0000b"}},
        {"content": "x", "metadata": {"k": "\u0000"}},
    ],
)
async def test_only_user_messages_with_content_are_accepted(api: httpx.AsyncClient, body: object) -> None:
    project = await create_project(api)
    thread_id = (await create_thread(api, project["id"]))["thread_id"]
    response = await api.post(f"/api/threads/{thread_id}/messages", json=body, headers=ALICE)
    assert response.status_code == 422


async def test_every_route_needs_a_valid_token(api: httpx.AsyncClient) -> None:
    project_id = str(uuid4())
    calls = [
        ("GET", "/api/projects"), ("POST", "/api/projects"), ("GET", f"/api/projects/{project_id}"),
        ("GET", "/api/threads"), ("POST", "/api/threads"), ("GET", f"/api/threads/{project_id}/messages"),
        ("POST", f"/api/threads/{project_id}/messages"),
    ]  # fmt: skip
    for method, path in calls:
        for headers in ({}, {"Authorization": "Bearer garbage"}, {"Authorization": "Basic dXNlcjpwYXNz"}):
            response = await api.request(method, path, headers=headers, json={"name": "x"})
            assert response.status_code == 401, (method, path, headers)
            assert response.headers["www-authenticate"] == "Bearer"
            assert isinstance(response.json()["detail"], str)


async def test_a_large_message_within_the_limit_round_trips(api: httpx.AsyncClient) -> None:
    project = await create_project(api)
    thread_id = (await create_thread(api, project["id"]))["thread_id"]
    content = "x" * (250 * 1024)
    posted = await api.post(f"/api/threads/{thread_id}/messages", json={"content": content}, headers=ALICE)
    assert posted.status_code == 200 and posted.json()["content"] == content
