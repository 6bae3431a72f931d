"""A local stand-in for Composio's REST API v3: the paths, ``x-api-key`` header and JSON shapes
the integrations service uses, with in-memory state.

* ``GET /api/v3/toolkits`` (``limit``, opaque ``cursor``), ``GET /api/v3/toolkits/{slug}``
* ``GET|POST /api/v3/auth_configs``
* ``POST|GET /api/v3/connected_accounts``, ``GET|DELETE /api/v3/connected_accounts/{id}``
* ``GET|POST /api/v3/mcp/servers``
* ``GET /api/v3/tools?toolkit_slug=``

The OAuth step: ``redirect_url`` of a new connected account is ``<base>/oauth/authorize/<id>``;
visiting it makes the account ``ACTIVE`` (what the real consent screen ends with).
Test controls (not Composio's): ``POST /_double/faults`` ``{"status": 503, "count": 2}`` makes the
next requests fail; ``POST /_double/connected_accounts/{id}`` ``{"status": ...}`` sets a status;
``GET /_double/requests`` lists ``[method, path]`` of every API request so far.

MCP servers point at ``mcp_urls[toolkit]`` when given (a live MCP server, say
``cheatcode_infra.doubles.mcp_server``), otherwise at ``<base>/v3/mcp/<id>``, which is not an
MCP endpoint: a "dead" server.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from cheatcode_infra.doubles.composio_catalog import TOOLKITS, toolkit_detail, toolkit_tools

DEFAULT_API_KEY = "composio-double-key"


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "code": status, "status": status}}, status_code=status)


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        return int(base64.urlsafe_b64decode(cursor.encode()).decode().split(":", 1)[1])
    except (ValueError, IndexError):
        return 0


@dataclass
class ComposioDouble:
    api_key: str = DEFAULT_API_KEY
    base_url: str = "http://127.0.0.1"  # how clients reach this double (redirect and MCP URLs)
    mcp_urls: dict[str, str] = field(default_factory=dict)
    auth_configs: dict[str, dict[str, Any]] = field(default_factory=dict)
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    servers: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    faults: list[int] = field(default_factory=list)

    # ------------------------------------------------------------------ toolkits and tools

    async def list_toolkits(self, request: Request) -> Response:
        limit = min(int(request.query_params.get("limit", 20)), 1000)
        offset = _decode_cursor(request.query_params.get("cursor"))
        window = TOOLKITS[offset : offset + limit]
        more = offset + limit < len(TOOLKITS)
        return JSONResponse(
            {
                "items": window,
                "next_cursor": _encode_cursor(offset + limit) if more else None,
                "total_items": len(TOOLKITS),
                "current_page": offset // max(limit, 1) + 1,
                "total_pages": (len(TOOLKITS) + limit - 1) // max(limit, 1),
            }
        )

    async def get_toolkit(self, request: Request) -> Response:
        detail = toolkit_detail(request.path_params["slug"])
        return JSONResponse(detail) if detail else _error(404, f"Toolkit {request.path_params['slug']} not found")

    async def list_tools(self, request: Request) -> Response:
        slug = request.query_params.get("toolkit_slug", "")
        limit = int(request.query_params.get("limit", 20))
        items = toolkit_tools(slug)[:limit]
        return JSONResponse({"items": items, "next_cursor": None, "total_pages": 1})

    # ------------------------------------------------------------------ auth configs

    async def list_auth_configs(self, request: Request) -> Response:
        slug = request.query_params.get("toolkit_slug")
        managed = request.query_params.get("is_composio_managed")
        items = [
            config
            for config in self.auth_configs.values()
            if (slug is None or config["toolkit"]["slug"] == slug)
            and (managed is None or str(config["is_composio_managed"]).lower() == managed.lower())
        ]
        limit = int(request.query_params.get("limit", 20))
        return JSONResponse({"items": items[:limit], "next_cursor": None, "total_pages": 1})

    async def create_auth_config(self, request: Request) -> Response:
        body = await request.json()
        slug = ((body.get("toolkit") or {}).get("slug")) or ""
        if toolkit_detail(slug) is None:
            return _error(400, f"Toolkit {slug} does not exist")
        kind = (body.get("auth_config") or {}).get("type", "use_composio_managed_auth")
        config = {
            "id": f"ac_{secrets.token_hex(6)}",
            "uuid": secrets.token_hex(16),
            "toolkit": {"slug": slug, "logo": f"https://logos.composio.dev/api/{slug}"},
            "auth_scheme": "OAUTH2",
            "is_composio_managed": kind == "use_composio_managed_auth",
            "status": "ENABLED",
            "created_at": _now(),
        }
        self.auth_configs[config["id"]] = config
        return JSONResponse(
            {
                "toolkit": {"slug": slug},
                "auth_config": {
                    "id": config["id"],
                    "auth_scheme": "OAUTH2",
                    "is_composio_managed": config["is_composio_managed"],
                },
            },
            status_code=201,
        )

    # ------------------------------------------------------------------ connected accounts

    async def create_account(self, request: Request) -> Response:
        body = await request.json()
        config_id = (body.get("auth_config") or {}).get("id")
        config = self.auth_configs.get(config_id or "")
        if config is None:
            return _error(400, f"Auth config {config_id} not found")
        connection = body.get("connection") or {}
        user_id = connection.get("user_id") or body.get("user_id")
        if not user_id:
            return _error(400, "connection.user_id is required")
        account_id = f"ca_{secrets.token_hex(8)}"
        redirect = f"{self.base_url}/oauth/authorize/{account_id}"
        self.accounts[account_id] = {
            "id": account_id,
            "user_id": user_id,
            "status": "INITIATED",
            "status_reason": None,
            "toolkit": {"slug": config["toolkit"]["slug"]},
            "auth_config": {"id": config_id, "is_composio_managed": config["is_composio_managed"]},
            "callback_url": connection.get("callback_url"),
            "is_disabled": False,
            "created_at": _now(),
            "updated_at": _now(),
        }
        return JSONResponse(
            {
                "id": account_id,
                "connectionData": {"authScheme": "OAUTH2", "val": {"status": "INITIATED", "redirectUrl": redirect}},
                "status": "INITIATED",
                "redirect_url": redirect,
                "redirect_uri": redirect,
                "deprecated": {"uuid": secrets.token_hex(16), "authConfigUuid": config["uuid"]},
            },
            status_code=201,
        )

    async def get_account(self, request: Request) -> Response:
        account = self.accounts.get(request.path_params["account_id"])
        return JSONResponse(account) if account else _error(404, "Connected account not found")

    async def list_accounts(self, request: Request) -> Response:
        users = set(request.query_params.getlist("user_ids"))
        toolkits = set(request.query_params.getlist("toolkit_slugs"))
        items = [
            account
            for account in self.accounts.values()
            if (not users or account["user_id"] in users) and (not toolkits or account["toolkit"]["slug"] in toolkits)
        ]
        return JSONResponse({"items": items, "next_cursor": None, "total_pages": 1})

    async def delete_account(self, request: Request) -> Response:
        if self.accounts.pop(request.path_params["account_id"], None) is None:
            return _error(404, "Connected account not found")
        return JSONResponse({"success": True})

    async def authorize(self, request: Request) -> Response:
        """The end of the OAuth consent: the account becomes ACTIVE, the browser goes back."""
        account = self.accounts.get(request.path_params["account_id"])
        if account is None:
            return _error(404, "Connected account not found")
        account.update(status="ACTIVE", updated_at=_now())
        if account.get("callback_url"):
            return RedirectResponse(account["callback_url"], status_code=302)
        return JSONResponse({"status": "ACTIVE", "id": account["id"]})

    # ------------------------------------------------------------------ MCP servers

    async def list_servers(self, request: Request) -> Response:
        toolkit = request.query_params.get("toolkits")
        items = [s for s in self.servers.values() if toolkit is None or toolkit in s["toolkits"]]
        return JSONResponse({"items": items, "current_page": 1, "total_pages": 1})

    async def create_server(self, request: Request) -> Response:
        body = await request.json()
        configs = [self.auth_configs[c] for c in body.get("auth_config_ids") or [] if c in self.auth_configs]
        toolkits = sorted({c["toolkit"]["slug"] for c in configs})
        if not toolkits:
            for account_id in body.get("connected_account_ids") or []:
                account = self.accounts.get(account_id)
                if account:
                    toolkits.append(account["toolkit"]["slug"])
        server_id = secrets.token_hex(8)
        url = next((self.mcp_urls[t] for t in toolkits if t in self.mcp_urls), f"{self.base_url}/v3/mcp/{server_id}")
        server = {
            "id": server_id,
            "name": body.get("name") or f"server-{server_id}",
            "auth_config_ids": [c["id"] for c in configs],
            "toolkits": toolkits,
            "allowed_tools": body.get("allowed_tools") or [],
            "mcp_url": url,
            "server_instance_count": 0,
            "created_at": _now(),
            "updated_at": _now(),
        }
        self.servers[server_id] = server
        return JSONResponse(server, status_code=201)

    # ------------------------------------------------------------------ test controls

    async def add_fault(self, request: Request) -> Response:
        body = await request.json()
        self.faults.extend([int(body.get("status", 503))] * int(body.get("count", 1)))
        return JSONResponse({"pending": len(self.faults)})

    async def set_account_status(self, request: Request) -> Response:
        account = self.accounts.get(request.path_params["account_id"])
        if account is None:
            return _error(404, "Connected account not found")
        body = await request.json()
        account.update(status=str(body.get("status", "ACTIVE")), status_reason=body.get("status_reason"))
        return JSONResponse(account)

    async def list_requests(self, request: Request) -> Response:
        return JSONResponse([list(item) for item in self.requests])

    # ------------------------------------------------------------------ app

    def app(self) -> Starlette:
        api = [
            Route("/api/v3/toolkits", self.list_toolkits),
            Route("/api/v3/toolkits/{slug}", self.get_toolkit),
            Route("/api/v3/tools", self.list_tools),
            Route("/api/v3/auth_configs", self.list_auth_configs, methods=["GET"]),
            Route("/api/v3/auth_configs", self.create_auth_config, methods=["POST"]),
            Route("/api/v3/connected_accounts", self.list_accounts, methods=["GET"]),
            Route("/api/v3/connected_accounts", self.create_account, methods=["POST"]),
            Route("/api/v3/connected_accounts/{account_id}", self.get_account, methods=["GET"]),
            Route("/api/v3/connected_accounts/{account_id}", self.delete_account, methods=["DELETE"]),
            Route("/api/v3/mcp/servers", self.list_servers, methods=["GET"]),
            Route("/api/v3/mcp/servers", self.create_server, methods=["POST"]),
        ]
        controls = [
            Route("/oauth/authorize/{account_id}", self.authorize),
            Route("/_double/faults", self.add_fault, methods=["POST"]),
            Route("/_double/connected_accounts/{account_id}", self.set_account_status, methods=["POST"]),
            Route("/_double/requests", self.list_requests),
        ]
        double = self

        async def check_key(request: Request, call_next: Any) -> Response:
            path = request.url.path
            if path.startswith("/api/v3/"):
                double.requests.append((request.method, path))
                if double.faults:
                    return _error(double.faults.pop(0), "injected fault")
                if request.headers.get("x-api-key") != double.api_key:
                    return _error(401, "Invalid API key")
            response: Response = await call_next(request)
            return response

        return Starlette(routes=[*api, *controls], middleware=[Middleware(BaseHTTPMiddleware, dispatch=check_key)])
