"""The Vercel REST API over httpx: the v9/v10/v13 calls of §11, with timeouts and retries.

Host root ``VERCEL_API_URL`` (the local double in tests); ``?teamId=`` on every call when a team
is set. A 429, a 5xx or a network error is retried with backoff; what still fails becomes a
:class:`VercelError` (``retryable`` for those kinds, so the workflow may try again later).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from cheatcode_integrations.domain.workspace_files import UploadFile
from cheatcode_integrations.ports.vercel import (
    Vercel,
    VercelDeployment,
    VercelError,
    VercelNotConfiguredError,
    VercelProject,
)

logger = logging.getLogger("cheatcode.vercel")

PROJECT_SETTINGS = {
    "framework": "nextjs",
    "installCommand": "npm install",
    "buildCommand": "next build",
    "outputDirectory": ".next",
}


def _millis(value: Any) -> datetime | None:
    if isinstance(value, int | float) and value > 0:
        return datetime.fromtimestamp(value / 1000, UTC)
    return None


class HttpVercel(Vercel):
    def __init__(
        self,
        *,
        token: str | None,
        base_url: str = "https://api.vercel.com",
        team_id: str | None = None,
        timeout: float = 30.0,
        upload_timeout: float = 300.0,
        retries: int = 3,
        backoff: float = 0.5,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._token = token or None
        self._team_id = team_id or None
        self._retries = retries
        self._backoff = backoff
        self._upload_timeout = upload_timeout
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            transport=transport,
        )

    @property
    def configured(self) -> bool:
        return self._token is not None

    async def close(self) -> None:
        await self._http.aclose()

    def _params(self, **extra: str) -> dict[str, str]:
        params = dict(extra)
        if self._team_id:
            params["teamId"] = self._team_id
        return params

    async def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        if not self.configured:
            raise VercelNotConfiguredError
        last: VercelError | None = None
        for attempt in range(self._retries + 1):
            if attempt:
                await asyncio.sleep(self._backoff * 2 ** (attempt - 1))
            try:
                response = await self._http.request(method, path, **kwargs)
            except httpx.TransportError as error:
                last = VercelError(f"Vercel unreachable: {error!r}", retryable=True)
                logger.warning("%s %s: %s (attempt %d)", method, path, error, attempt + 1)
                continue
            if response.status_code == 429 or response.status_code >= 500:
                last = VercelError(_error_text(response), status=response.status_code, retryable=True)
                logger.warning("%s %s: HTTP %d (attempt %d)", method, path, response.status_code, attempt + 1)
                continue
            return response
        assert last is not None
        raise last

    async def ensure_project(self, name: str) -> VercelProject:
        found = await self._call("GET", f"/v9/projects/{name}", params=self._params())
        if found.status_code == 200:
            body = found.json()
            return VercelProject(id=str(body.get("id", "")), name=str(body.get("name", name)))
        created = await self._call(
            "POST", "/v10/projects", params=self._params(), json={"name": name, "framework": "nextjs"}
        )
        if created.status_code not in (200, 201):
            raise VercelError(f"creating project {name}: {_error_text(created)}", status=created.status_code)
        body = created.json()
        return VercelProject(id=str(body.get("id", "")), name=str(body.get("name", name)))

    async def create_deployment(self, name: str, files: Sequence[UploadFile]) -> VercelDeployment:
        payload = {
            "name": name,
            "project": name,
            "files": [entry.as_json() for entry in files],
            "projectSettings": PROJECT_SETTINGS,
            "target": "production",
        }
        response = await self._call(
            "POST",
            "/v13/deployments",
            params=self._params(forceNew="1"),
            json=payload,
            timeout=self._upload_timeout,
        )
        if response.status_code not in (200, 201):
            raise VercelError(f"creating deployment: {_error_text(response)}", status=response.status_code)
        return _deployment(response.json())

    async def get_deployment(self, deployment_id: str) -> VercelDeployment:
        response = await self._call("GET", f"/v13/deployments/{deployment_id}", params=self._params())
        if response.status_code != 200:
            raise VercelError(f"reading deployment: {_error_text(response)}", status=response.status_code)
        return _deployment(response.json())


def _deployment(body: dict[str, Any]) -> VercelDeployment:
    return VercelDeployment(
        id=str(body["id"]),
        url=str(body.get("url") or ""),
        ready_state=str(body.get("readyState") or body.get("status") or "QUEUED"),
        created_at=_millis(body.get("createdAt")),
        ready_at=_millis(body.get("ready")),
    )


def _error_text(response: httpx.Response) -> str:
    try:
        error = response.json().get("error", {})
        message = error.get("message") if isinstance(error, dict) else str(error)
    except ValueError:
        message = None
    return f"HTTP {response.status_code}: {message or response.text[:200]}"
