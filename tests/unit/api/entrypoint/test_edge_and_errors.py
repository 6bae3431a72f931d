"""The whole app on in-memory stand-ins: auth before the body, only storable text gets in,
and each failure has its one status and detail."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from cheatcode_api.entrypoint.app import create_app
from cheatcode_api.entrypoint.errors import LAGGING, READ_MODELS_DOWN
from cheatcode_contracts.projects import CreateProject
from tests.support.api_in_memory import InMemoryApi, bearer


@pytest.fixture
def api() -> InMemoryApi:
    return InMemoryApi()


@pytest.fixture
async def http(api: InMemoryApi) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(api.container)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
            yield client


JSON = {"Content-Type": "application/json"}
THREAD = "00000000-0000-0000-0000-000000000001"


@pytest.mark.parametrize(
    "body", [b"{not json", b'{"name": 5}', b'{"name": "a\\ud800b"}', b'{"name": "a\xed\xa0\x80"}', b"[" * 100_000]
)
async def test_without_a_token_any_body_gets_401_first(http: httpx.AsyncClient, body: bytes) -> None:
    response = await http.post("/api/projects", content=body, headers=JSON)
    assert response.status_code == 401
    assert response.json() == {"detail": "No valid authentication credentials found"}
    assert response.headers["www-authenticate"] == "Bearer"
    bad_token = await http.post("/api/projects", content=body, headers={**JSON, "Authorization": "Bearer nope"})
    assert bad_token.status_code == 401


async def test_with_a_token_a_malformed_body_is_422_and_nothing_is_sent(
    http: httpx.AsyncClient, api: InMemoryApi
) -> None:
    for body in (b"{not json", b'{"name": 5}', b"[" * 100_000):
        response = await http.post("/api/projects", content=body, headers={**JSON, **bearer()})
        assert 400 <= response.status_code < 500, response.text
    assert api.bus.sent == []


@pytest.mark.parametrize(
    ("path", "body", "detail"),
    [
        ("/api/projects", b'{"name": "a\\ud800b"}', "lone surrogate (U+D800)"),
        ("/api/projects", b'{"name": "ok", "description": "\\udfff"}', "lone surrogate (U+DFFF)"),
        ("/api/projects", b'{"name": "a\\u0000b"}', "NUL character (U+0000)"),
        ("/api/projects", b'{"name": "a\xed\xa0\x80"}', "not valid UTF-8"),
        (
            "/api/threads/00000000-0000-0000-0000-000000000001/messages",
            b'{"content": {"k\\ud83d": 1}}',
            "lone surrogate",
        ),
    ],
)
async def test_unstorable_text_is_422_with_a_clear_detail(
    http: httpx.AsyncClient, api: InMemoryApi, path: str, body: bytes, detail: str
) -> None:
    response = await http.post(path, content=body, headers={**JSON, **bearer()})
    assert response.status_code == 422, response.text
    assert detail in response.json()["detail"]
    assert api.bus.sent == []


@pytest.mark.parametrize(
    ("content", "content_type", "detail"),
    [
        (
            b'--X\r\nContent-Disposition: form-data; name="prompt"\r\n\r\na\x00b\r\n--X--\r\n',
            "multipart/form-data; boundary=X",
            "form field 'prompt'",
        ),
        (
            b'--X\r\nContent-Disposition: form-data; name="prompt"\r\n\r\nhi\r\n'
            b'--X\r\nContent-Disposition: form-data; name="files"; filename="a\x00.txt"\r\n\r\ndata\r\n--X--\r\n',
            "multipart/form-data; boundary=X",
            "the file name of form field 'files'",
        ),
        (b"prompt=hi&model_name=m%00", "application/x-www-form-urlencoded", "form field 'model_name'"),
    ],
)
async def test_nul_in_a_form_is_422_before_anything_is_sent(
    http: httpx.AsyncClient, api: InMemoryApi, content: bytes, content_type: str, detail: str
) -> None:
    response = await http.post(
        "/api/agent/initiate", content=content, headers={**bearer(), "Content-Type": content_type}
    )
    assert response.status_code == 422, response.text
    assert detail in response.json()["detail"] and "U+0000" in response.json()["detail"]
    assert api.bus.sent == []


async def test_a_surrogate_pair_is_ordinary_text(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/api/projects", content=b'{"name": "smile \\ud83d\\ude00"}', headers={**JSON, **bearer()}
    )
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "smile \U0001f600"


async def test_nul_in_a_query_or_path_is_422(http: httpx.AsyncClient) -> None:
    query = await http.get("/api/threads", params={"project_id": "a\x00"}, headers=bearer())
    assert query.status_code == 422 and "query parameter 'project_id'" in query.json()["detail"]
    path = await http.get("/api/projects/a%00b", headers=bearer())
    assert path.status_code == 422 and "path parameter 'project_id'" in path.json()["detail"]


async def test_read_models_down_is_503_naming_the_database(http: httpx.AsyncClient, api: InMemoryApi) -> None:
    api.read_models.down = True
    response = await http.get("/api/projects", headers=bearer())
    assert response.status_code == 503
    assert response.json() == {"detail": READ_MODELS_DOWN}
    assert response.headers["retry-after"] == "2"


async def test_a_write_the_projection_has_not_reached_is_503_lagging(http: httpx.AsyncClient, api: InMemoryApi) -> None:
    api.projecting = False
    response = await http.post("/api/projects", json={"name": "App"}, headers=bearer())
    assert response.status_code == 503
    assert response.json() == {"detail": LAGGING}


async def test_an_owner_that_is_down_is_503_naming_it(http: httpx.AsyncClient, api: InMemoryApi) -> None:
    del api.bus.responders[CreateProject]
    response = await http.post("/api/projects", json={"name": "App"}, headers=bearer())
    assert (response.status_code, response.json()) == (503, {"detail": "agent service unavailable"})


async def test_another_users_project_is_404_and_the_owner_reads_it(http: httpx.AsyncClient) -> None:
    created = (await http.post("/api/projects", json={"name": "App"}, headers=bearer("alice"))).json()
    assert (await http.get(f"/api/projects/{created['id']}", headers=bearer("bob"))).status_code == 404
    mine = await http.get(f"/api/projects/{created['id']}", headers=bearer("alice"))
    assert mine.status_code == 200 and mine.json()["name"] == "App"


async def test_relayed_preview_traffic_is_not_checked_for_text(http: httpx.AsyncClient) -> None:
    """A dev server's own requests may carry any JSON: the proxy relays it (here: no such sandbox)."""
    path = f"/api/preview/{THREAD}/token/3000/api"
    response = await http.post(path, content=b'{"k": "a\\u0000\\ud800"}', headers=JSON)
    assert response.status_code == 404, response.text


async def test_a_json_body_a_route_parses_itself_is_checked_too(http: httpx.AsyncClient) -> None:
    response = await http.post("/api/health", content=b'{"k": "\\ud800"}', headers=JSON)
    assert response.status_code in (405, 422), response.text
