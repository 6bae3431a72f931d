"""No client input yields a 5xx: every operation of the OpenAPI document, fuzzed.

The API runs under uvicorn on real NATS, PostgreSQL and the agent service. Schemathesis
(Hypothesis) draws valid and invalid path, query and body values for every operation, sent
with a valid token (so bodies are reached) and without one. A 5xx is a failure, except a 503
whose detail names a dependency that is really absent here (only the agent service runs in
this test) and the deep-health verdict. Bounded: ``EXAMPLES`` per operation and mode.

JSON cannot carry a lone surrogate through Hypothesis (it never draws one), so a second test
sends raw bodies with ``\\ud800`` and ``\\u0000`` escapes to every JSON operation.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from cheatcode_api.entrypoint.app import create_app
from cheatcode_api.entrypoint.bootstrap import build_infrastructure
from cheatcode_infra.nats_server import NatsServer
from tests.integration.api.gateway.conftest import api_settings, provision, token
from tests.integration.api.streaming.sse import serve
from tests.support.clerk_double import JwksDouble

pytestmark = pytest.mark.integration

EXAMPLES = 10
SLOW = 0.5  # seconds: an answer this slow waited for an absent service (see fuzz_operation)
ADMIN_KEY = "fuzz-admin-key"
# 503 is right when a dependency is down; here only the agent service runs, the others do not.
# And when a route's configuration is missing ("... not configured"), as for Inngest here.
ABSENT_DEPENDENCY = re.compile(r"^(sandbox|integrations|billing) service |not configured")
VERDICT_ROUTES = {"/api/health/deep"}  # 503 is its answer when a component is critical


@pytest.fixture(scope="module")
async def base_url(agent: None, nats_server: NatsServer, database_url: str, jwks: JwksDouble) -> AsyncIterator[str]:
    api = api_settings(
        nats_server, database_url, jwks, command_timeout=1.0, rate_limits_enabled=False, admin_api_key=ADMIN_KEY
    )
    await provision(api)
    infrastructure = await build_infrastructure(api)
    async with serve(create_app(infrastructure.container)) as url:  # the lifespan closes it
        yield url


def credentials() -> dict[str, str]:
    """A user's token and the admin key: every route's body is reached."""
    return {**token("fuzzer"), "X-API-Key": ADMIN_KEY}


def acceptable(path: str, response: Any) -> bool:
    if response.status_code < 500 or path in VERDICT_ROUTES:
        return True
    if response.status_code != 503:
        return False
    try:
        detail = response.json().get("detail", "")
    except ValueError:
        return False
    return isinstance(detail, str) and bool(ABSENT_DEPENDENCY.search(detail))


def fuzz(base: str, document: dict[str, Any], headers: dict[str, str]) -> list[str]:
    """Runs in a worker thread: Hypothesis drives synchronous requests at the live server."""
    failures: list[str] = []
    for result in schemathesis.openapi.from_dict(document).get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                fuzz_operation(operation, mode, base, headers, failures)
            except Unsatisfiable:  # nothing in this operation can be made invalid (no parameters)
                assert mode is GenerationMode.NEGATIVE, operation.path
    return failures


def fuzz_operation(
    operation: schemathesis.APIOperation, mode: GenerationMode, base: str, headers: dict[str, str], failures: list[str]
) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(mode))
    def check(case: schemathesis.Case) -> None:
        if reached_absent_dependency:  # the input got past the edge to a service that is not
            return  # running here: each further try costs the no-responders backoff (~0.8 s) again
        started = time.monotonic()
        response = case.call(base_url=base, headers=headers, timeout=15)
        if not acceptable(operation.path, response):
            failures.append(f"{case.method} {case.formatted_path} → {response.status_code}: {response.text[:300]}")
        elif response.status_code == 503 or time.monotonic() - started > SLOW:
            reached_absent_dependency.append(True)

    reached_absent_dependency: list[bool] = []

    check()


async def test_no_generated_input_gets_a_5xx(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url) as http:
        document = (await http.get("/api/openapi.json")).json()
    assert len(document["paths"]) >= 20
    failures = await asyncio.to_thread(fuzz, base_url, document, credentials())
    failures += await asyncio.to_thread(fuzz, base_url, document, {})
    assert not failures, "\n".join(failures[:20])


def json_operations(document: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    """(method, path with ids filled in, top-level body property names) of every JSON operation."""
    found = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" not in content:
                continue
            body_schema = content["application/json"]["schema"]
            if "$ref" in body_schema:
                body_schema = document["components"]["schemas"][body_schema["$ref"].rsplit("/", 1)[-1]]
            properties = list(body_schema.get("properties", {})) or ["value"]
            found.append((method.upper(), re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path), properties))
    return found


@pytest.mark.parametrize(
    ("escape", "what"), [("a\\ud800b", "lone surrogate"), ("a\\udfffb", "lone surrogate"), ("a\\u0000b", "NUL")]
)
async def test_every_json_route_refuses_unstorable_text_with_422(base_url: str, escape: str, what: str) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=15) as http:
        document = (await http.get("/api/openapi.json")).json()
        operations = json_operations(document)
        assert {path.split("/")[2] for _, path, _ in operations} >= {"projects", "threads", "thread", "sandboxes"}
        for method, path, properties in operations:
            for name in properties:
                raw = '{"%s": "%s"}' % (name, escape)  # noqa: UP031 - the escape must reach the wire as written
                headers = {**credentials(), "Content-Type": "application/json"}
                response = await http.request(method, path, content=raw.encode(), headers=headers)
                assert response.status_code == 422, (method, path, name, response.text)
                assert what in response.json()["detail"]
                # Without a token: 401 first, whatever the body.
                anonymous = await http.request(
                    method, path, content=raw.encode(), headers={"Content-Type": "application/json"}
                )
                assert anonymous.status_code in (401, 404), (method, path, anonymous.text)


async def test_the_known_surrogate_bodies_are_422_not_500(base_url: str) -> None:
    """The inputs of the original report: POST projects, POST messages, agent/start."""
    async with httpx.AsyncClient(base_url=base_url, timeout=15) as http:
        headers = {**token("fuzzer"), "Content-Type": "application/json"}
        created = await http.post("/api/projects", json={"name": "fuzz"}, headers=token("fuzzer"))
        project_id = created.json()["id"]
        thread = await http.post("/api/threads", json={"project_id": project_id}, headers=token("fuzzer"))
        thread_id = thread.json()["thread_id"]
        for path, raw in [
            ("/api/projects", '{"name":"a\\ud800b"}'),
            (f"/api/threads/{thread_id}/messages", '{"content":"a\\ud800b"}'),
            (f"/api/threads/{thread_id}/messages", '{"content":{"k\\ud800":1}}'),
            (f"/api/thread/{thread_id}/agent/start", '{"model_name":"a\\ud800b"}'),
            ("/api/projects", b'{"name":"a\xed\xa0\x80b"}'.decode("latin-1")),
        ]:
            response = await http.post(path, content=raw.encode("latin-1"), headers=headers)
            assert response.status_code == 422, (path, response.text)
        query = await http.get("/api/threads", params={"project_id": "a\x00b"}, headers=token("fuzzer"))
        assert query.status_code == 422, query.text
        assert json.loads(query.text)["detail"].startswith("query parameter 'project_id'")
