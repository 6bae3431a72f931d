"""The Vercel double: real paths, bearer auth, ``teamId``, Vercel's JSON shapes and error bodies.

It keeps what it received so a test can check it: every project, every deployment with its
decoded files (``GET /_double/deployments``). A deployment's ``readyState`` walks QUEUED →
BUILDING → the configured outcome (READY by default; ``POST /_double/outcome`` with
``{"readyState": "ERROR"}`` makes later deployments fail) over ``build_seconds``.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


@dataclass
class DoubleFile:
    file: str
    encoding: str
    content: bytes


@dataclass
class DoubleDeployment:
    id: str
    name: str
    url: str
    created_at_ms: int
    outcome: str
    team_id: str | None
    files: list[DoubleFile]
    body: dict[str, Any]
    polls: int = 0


@dataclass
class VercelDouble:
    """State of the double; ``token`` None accepts any bearer token."""

    token: str | None = None
    build_seconds: float = 0.3
    outcome: str = "READY"
    fail_next: int = 0  # answer this many requests with 500 first (tests retries)
    projects: dict[str, dict[str, Any]] = field(default_factory=dict)
    deployments: dict[str, DoubleDeployment] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)

    def ready_state(self, deployment: DoubleDeployment) -> str:
        elapsed = time.time() - deployment.created_at_ms / 1000
        if elapsed < self.build_seconds / 3:
            return "QUEUED"
        if elapsed < self.build_seconds:
            return "BUILDING"
        return deployment.outcome


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def create_app(double: VercelDouble | None = None) -> Starlette:
    state = double or VercelDouble()

    def guard(request: Request) -> JSONResponse | None:
        state.requests.append((request.method, request.url.path))
        if state.fail_next > 0 and not request.url.path.startswith("/_double"):
            state.fail_next -= 1
            return _error(500, "internal_server_error", "An unexpected error occurred")
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or (state.token is not None and auth != f"Bearer {state.token}"):
            return _error(403, "forbidden", "Not authorized")
        return None

    def project_json(project: dict[str, Any]) -> dict[str, Any]:
        return {**project, "latestDeployments": []}

    async def get_project(request: Request) -> JSONResponse:
        if (refused := guard(request)) is not None:
            return refused
        name = request.path_params["id_or_name"]
        project = state.projects.get(name) or next((p for p in state.projects.values() if p["id"] == name), None)
        if project is None:
            return _error(404, "not_found", "Project not found")
        return JSONResponse(project_json(project))

    async def create_project(request: Request) -> JSONResponse:
        if (refused := guard(request)) is not None:
            return refused
        body = await request.json()
        name = body.get("name")
        if not isinstance(name, str) or not name:
            return _error(400, "bad_request", "Invalid request: missing required property `name`.")
        if name in state.projects:
            return _error(409, "conflict", f"Project {name} already exists")
        project = {
            "id": f"prj_{secrets.token_hex(12)}",
            "name": name,
            "framework": body.get("framework"),
            "accountId": request.query_params.get("teamId") or "team_double",
            "createdAt": int(time.time() * 1000),
        }
        state.projects[name] = project
        return JSONResponse(project_json(project))

    async def create_deployment(request: Request) -> JSONResponse:
        if (refused := guard(request)) is not None:
            return refused
        body = await request.json()
        name, files = body.get("name"), body.get("files")
        if not isinstance(name, str) or not isinstance(files, list):
            return _error(400, "bad_request", "Invalid request: `name` and `files` are required.")
        decoded: list[DoubleFile] = []
        for entry in files:
            encoding = entry.get("encoding", "utf-8")
            data = entry.get("data", "")
            try:
                content = base64.b64decode(data, validate=True) if encoding == "base64" else data.encode("utf-8")
            except (binascii.Error, ValueError):
                return _error(400, "bad_request", f"Invalid base64 data for {entry.get('file')}")
            decoded.append(DoubleFile(file=entry["file"], encoding=encoding, content=content))
        deployment_id = f"dpl_{secrets.token_hex(12)}"
        deployment = DoubleDeployment(
            id=deployment_id,
            name=name,
            url=f"{name}-{secrets.token_hex(4)}.vercel.app",
            created_at_ms=int(time.time() * 1000),
            outcome=state.outcome,
            team_id=request.query_params.get("teamId"),
            files=decoded,
            body={key: value for key, value in body.items() if key != "files"},
        )
        state.deployments[deployment_id] = deployment
        return JSONResponse(deployment_json(state, deployment))

    async def get_deployment(request: Request) -> JSONResponse:
        if (refused := guard(request)) is not None:
            return refused
        deployment = state.deployments.get(request.path_params["id_or_url"])
        if deployment is None:
            return _error(404, "not_found", "Deployment not found")
        deployment.polls += 1
        return JSONResponse(deployment_json(state, deployment))

    async def list_received(request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "deployments": [
                    {
                        "id": d.id,
                        "name": d.name,
                        "url": d.url,
                        "teamId": d.team_id,
                        "body": d.body,
                        "files": [_file_json(f) for f in d.files],
                    }
                    for d in state.deployments.values()
                ],
                "projects": list(state.projects.values()),
            }
        )

    async def set_outcome(request: Request) -> JSONResponse:
        body = await request.json()
        state.outcome = str(body.get("readyState", state.outcome))
        state.build_seconds = float(body.get("build_seconds", state.build_seconds))
        state.fail_next = int(body.get("fail_next", state.fail_next))
        return JSONResponse({"readyState": state.outcome, "build_seconds": state.build_seconds})

    app = Starlette(
        routes=[
            Route("/v9/projects/{id_or_name}", get_project, methods=["GET"]),
            Route("/v10/projects", create_project, methods=["POST"]),
            Route("/v13/deployments", create_deployment, methods=["POST"]),
            Route("/v13/deployments/{id_or_url}", get_deployment, methods=["GET"]),
            Route("/_double/deployments", list_received, methods=["GET"]),
            Route("/_double/outcome", set_outcome, methods=["POST"]),
        ]
    )
    app.state.double = state
    return app


def _file_json(received: DoubleFile) -> dict[str, str]:
    content = base64.b64encode(received.content).decode()
    return {"file": received.file, "encoding": received.encoding, "content_b64": content}


def deployment_json(state: VercelDouble, deployment: DoubleDeployment) -> dict[str, Any]:
    ready_state = state.ready_state(deployment)
    body: dict[str, Any] = {
        "id": deployment.id,
        "name": deployment.name,
        "url": deployment.url,
        "readyState": ready_state,
        "status": ready_state,
        "createdAt": deployment.created_at_ms,
        "target": deployment.body.get("target"),
        "alias": [deployment.url],
    }
    if ready_state in ("READY", "ERROR", "CANCELED"):
        body["ready"] = deployment.created_at_ms + int(state.build_seconds * 1000)
    if ready_state == "ERROR":
        body["errorMessage"] = 'Command "next build" exited with 1'
    return body
