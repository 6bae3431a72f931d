"""Composio's REST API v3 over httpx: ``<base_url>/api/v3/...`` with the ``x-api-key`` header.

httpx rather than the ``composio-client`` package: we use a dozen endpoints, and owning the
requests lets us set the host root, timeouts and retry policy and map every failure to one
clear error, while the double in ``cheatcode_infra.doubles.composio`` exercises the same paths.
Retries: 429 and 5xx and connection errors, with exponential backoff (``Retry-After`` wins).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import httpx

from cheatcode_contracts.composio import InitiationField, ToolInfo, ToolkitInfo
from cheatcode_integrations.ports.composio import (
    ComposioApi,
    ComposioError,
    ComposioUnavailableError,
    ConnectedAccount,
    ConnectionRequest,
    McpServerRef,
    ToolkitPage,
)

logger = logging.getLogger("cheatcode.integrations.composio")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_BACKOFF = 8.0


class ComposioHttpApi(ComposioApi):
    def __init__(
        self,
        api_key: str,
        base_url: str,
        *,
        timeout: float = 20.0,
        retries: int = 3,
        backoff: float = 0.25,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + "/api/v3",
            headers={"x-api-key": api_key, "accept": "application/json"},
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            transport=transport,
        )
        self._retries = retries
        self._backoff = backoff
        self.base_url = base_url.rstrip("/")

    async def close(self) -> None:
        await self._client.aclose()

    # ------------------------------------------------------------------ toolkits and tools

    async def list_toolkits(self, *, cursor: str | None = None, limit: int = 100) -> ToolkitPage:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        body = await self._json("GET", "/toolkits", params=params)
        items = [toolkit_info(item) for item in _items(body)]
        next_cursor = body.get("next_cursor") if isinstance(body, dict) else None
        return ToolkitPage(items=items, next_cursor=str(next_cursor) if next_cursor else None)

    async def get_toolkit(self, slug: str) -> ToolkitInfo | None:
        response = await self._send("GET", f"/toolkits/{_segment(slug)}")
        if response.status_code == 404:
            return None
        return toolkit_info(_body(response))

    async def list_tools(self, toolkit_slug: str, *, limit: int = 100) -> list[ToolInfo]:
        body = await self._json("GET", "/tools", params={"toolkit_slug": toolkit_slug, "limit": limit})
        return [tool_info(item) for item in _items(body)][:limit]

    # ------------------------------------------------------------------ auth configs and connections

    async def find_managed_auth_config(self, toolkit_slug: str) -> str | None:
        params = {"toolkit_slug": toolkit_slug, "is_composio_managed": "true", "limit": 1}
        items = _items(await self._json("GET", "/auth_configs", params=params))
        return str(items[0]["id"]) if items and items[0].get("id") else None

    async def create_auth_config(self, toolkit_slug: str, custom: Mapping[str, Any] | None = None) -> str:
        auth_config: dict[str, Any] = (
            {"type": "use_custom_auth", **custom} if custom else {"type": "use_composio_managed_auth"}
        )
        body = await self._json(
            "POST", "/auth_configs", json={"toolkit": {"slug": toolkit_slug}, "auth_config": auth_config}
        )
        config = body.get("auth_config") if isinstance(body, dict) else None
        if not isinstance(config, dict) or not config.get("id"):
            raise ComposioError("Composio did not return an auth config id")
        return str(config["id"])

    async def create_connected_account(
        self,
        auth_config_id: str,
        user_id: str,
        *,
        redirect_url: str | None = None,
        initiation_params: Mapping[str, Any] | None = None,
    ) -> ConnectionRequest:
        connection: dict[str, Any] = {"user_id": user_id}
        if redirect_url:
            connection["callback_url"] = redirect_url
        if initiation_params:
            connection["data"] = dict(initiation_params)
        body = await self._json(
            "POST", "/connected_accounts", json={"auth_config": {"id": auth_config_id}, "connection": connection}
        )
        if not isinstance(body, dict) or not body.get("id"):
            raise ComposioError("Composio did not return a connected account id")
        redirect = body.get("redirect_url") or body.get("redirect_uri")
        data = body.get("connectionData")
        if not redirect and isinstance(data, dict):
            inner = data.get("val")
            value: dict[str, Any] = inner if isinstance(inner, dict) else data
            redirect = value.get("redirect_url") or value.get("redirectUrl")
        return ConnectionRequest(
            id=str(body["id"]), status=str(body.get("status") or "INITIATED"), redirect_url=redirect
        )

    async def get_connected_account(self, account_id: str) -> ConnectedAccount | None:
        response = await self._send("GET", f"/connected_accounts/{_segment(account_id)}")
        if response.status_code == 404:
            return None
        return connected_account(_body(response))

    async def list_connected_accounts(self, user_id: str, toolkit_slug: str | None = None) -> list[ConnectedAccount]:
        params: dict[str, Any] = {"user_ids": user_id, "limit": 100}
        if toolkit_slug:
            params["toolkit_slugs"] = toolkit_slug
        return [
            connected_account(item) for item in _items(await self._json("GET", "/connected_accounts", params=params))
        ]

    async def delete_connected_account(self, account_id: str) -> None:
        response = await self._send("DELETE", f"/connected_accounts/{_segment(account_id)}")
        if response.status_code not in (200, 202, 204, 404):
            raise _error(response)

    # ------------------------------------------------------------------ MCP servers

    async def list_mcp_servers(self, toolkit_slug: str | None = None) -> list[McpServerRef]:
        params: dict[str, Any] = {"limit": 100}
        if toolkit_slug:
            params["toolkits"] = toolkit_slug
        return [
            mcp_server(item, self.base_url) for item in _items(await self._json("GET", "/mcp/servers", params=params))
        ]

    async def create_mcp_server(
        self, name: str, auth_config_ids: Sequence[str], connected_account_ids: Sequence[str]
    ) -> McpServerRef:
        body = await self._json(
            "POST",
            "/mcp/servers",
            json={
                "name": name,
                "auth_config_ids": list(auth_config_ids),
                "connected_account_ids": list(connected_account_ids),
            },
        )
        if not isinstance(body, dict) or not body.get("id"):
            raise ComposioError("Composio did not return an MCP server id")
        return mcp_server(body, self.base_url)

    # ------------------------------------------------------------------ transport

    async def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        return _body(await self._send(method, path, **kwargs), expect_ok=True)

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The response (any status but a retried one); retries 429/5xx/connection errors."""
        for attempt in range(self._retries + 1):
            last = attempt == self._retries
            try:
                response = await self._client.request(method, path, **kwargs)
            except httpx.TransportError as error:
                if last:
                    raise ComposioUnavailableError(f"Composio is unreachable: {type(error).__name__}") from None
                await asyncio.sleep(self._delay(attempt, None))
                continue
            if response.status_code not in RETRY_STATUSES:
                return response
            if last:
                raise ComposioUnavailableError(
                    f"Composio answered {response.status_code}: {_message(response)}", status=response.status_code
                )
            logger.info("composio %s %s: %d, retrying", method, path, response.status_code)
            await asyncio.sleep(self._delay(attempt, response.headers.get("retry-after")))
        raise AssertionError("unreachable")

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return min(float(retry_after), MAX_BACKOFF)
            except ValueError:
                pass
        return float(min(self._backoff * (2**attempt), MAX_BACKOFF))


# ---------------------------------------------------------------------- mapping Composio's JSON


def _segment(value: str) -> str:
    return quote(value, safe="")


def _body(response: httpx.Response, *, expect_ok: bool = True) -> Any:
    if expect_ok and response.status_code >= 400:
        raise _error(response)
    if response.status_code == 204 or not response.content:
        return {}
    try:
        return response.json()
    except ValueError:
        raise ComposioError(f"Composio answered {response.status_code} with a body that is not JSON") from None


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            return str(error.get("message") or error.get("slug") or error)[:300]
        return str(error or body.get("message") or body.get("detail") or body)[:300]
    return str(body)[:300]


def _error(response: httpx.Response) -> ComposioError:
    if response.status_code == 401 or response.status_code == 403:
        return ComposioError("Composio refused the API key (check COMPOSIO_API_KEY)", status=response.status_code)
    return ComposioError(f"Composio error {response.status_code}: {_message(response)}", status=response.status_code)


def _items(body: Any) -> list[dict[str, Any]]:
    items = body.get("items", []) if isinstance(body, dict) else body
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _names(values: Any) -> list[str]:
    out: list[str] = []
    for value in values or []:
        if isinstance(value, dict):
            name = value.get("name") or value.get("id") or value.get("slug")
            if name:
                out.append(str(name))
        elif value:
            out.append(str(value))
    return out


def toolkit_info(item: dict[str, Any]) -> ToolkitInfo:
    meta = item.get("meta") if isinstance(item.get("meta"), dict) else {}
    assert isinstance(meta, dict)
    schemes = _names(item.get("auth_schemes") or item.get("composio_managed_auth_schemes"))
    fields: list[InitiationField] = []
    for detail in item.get("auth_config_details") or []:
        if not isinstance(detail, dict):
            continue
        if schemes == [] and detail.get("mode"):
            schemes.append(str(detail["mode"]))
        initiation = (detail.get("fields") or {}).get("connected_account_initiation") or {}
        for required, group in ((True, initiation.get("required")), (False, initiation.get("optional"))):
            for spec in group or []:
                if isinstance(spec, dict) and spec.get("name"):
                    fields.append(
                        InitiationField(
                            name=str(spec["name"]),
                            display_name=str(spec.get("displayName") or spec.get("display_name") or spec["name"]),
                            description=str(spec.get("description") or ""),
                            type=str(spec.get("type") or "string"),
                            required=bool(spec.get("required", required)),
                            default_value=spec.get("default"),
                        )
                    )
    return ToolkitInfo(
        slug=str(item.get("slug") or ""),
        name=str(item.get("name") or item.get("slug") or ""),
        description=str(meta.get("description") or item.get("description") or ""),
        icon_url=meta.get("logo") or item.get("logo") or None,
        categories=_names(meta.get("categories") or item.get("categories")),
        auth_schemes=list(dict.fromkeys(schemes)),
        connected_account_initiation_fields=fields,
    )


def tool_info(item: dict[str, Any]) -> ToolInfo:
    schema = item.get("input_parameters") or item.get("input_schema") or {}
    return ToolInfo(
        name=str(item.get("slug") or item.get("name") or ""),
        description=str(item.get("description") or ""),
        input_schema=schema if isinstance(schema, dict) else {},
    )


def connected_account(item: dict[str, Any]) -> ConnectedAccount:
    toolkit = item.get("toolkit") if isinstance(item.get("toolkit"), dict) else {}
    auth = item.get("auth_config") if isinstance(item.get("auth_config"), dict) else {}
    assert isinstance(toolkit, dict) and isinstance(auth, dict)
    return ConnectedAccount(
        id=str(item.get("id") or ""),
        toolkit_slug=str(toolkit.get("slug") or item.get("toolkit_slug") or item.get("appName") or ""),
        status=str(item.get("status") or "UNKNOWN").upper(),
        user_id=item.get("user_id"),
        auth_config_id=auth.get("id"),
        created_at=item.get("created_at"),
        error=item.get("status_reason") or None,
    )


def mcp_server(item: dict[str, Any], base_url: str) -> McpServerRef:
    server_id = str(item.get("id") or "")
    url = item.get("mcp_url") or f"{base_url}/v3/mcp/{server_id}"
    return McpServerRef(
        id=server_id,
        name=str(item.get("name") or ""),
        url=str(url),
        toolkits=tuple(str(t) for t in item.get("toolkits") or []),
        auth_config_ids=tuple(str(a) for a in item.get("auth_config_ids") or []),
    )
