"""A local Polar: checkout sessions over Polar's real API paths, and signed webhooks.

* ``POST /v1/checkouts/`` and ``GET /v1/checkouts/{id}`` as Polar's API (``Authorization:
  Bearer <access token>``; 201 with a ``Checkout`` object the official SDK deserialises; 401
  ``invalid_token``; 422 ``{"detail": [...]}`` for a missing or unknown product).
* ``GET /checkout/{client_secret}`` is the page ``checkout.url`` points at; its "Pay" button
  (``POST /checkout/{client_secret}/confirm``) plays the customer paying: the double delivers
  ``subscription.created`` then ``subscription.active`` to the webhook URL, signed as Polar does
  (Standard Webhooks, HMAC-SHA256 keyed with the UTF-8 bytes of the webhook secret), and
  redirects to the checkout's ``success_url``.

``cheatcode polar-double`` serves it; tests build it in-process with :class:`PolarDouble`.
"""

from __future__ import annotations

import html
import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from standardwebhooks import Webhook
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from cheatcode_infra.doubles import polar_shapes as shapes

log = logging.getLogger("cheatcode.polar-double")

INVALID_TOKEN = {
    "error": "invalid_token",
    "error_description": "The access token provided is expired, revoked, malformed, or invalid for other reasons.",
}


@dataclass(frozen=True)
class DoubleProduct:
    product_id: str
    name: str
    price_cents: int
    interval: str = "month"


LOCAL_PRODUCTS: tuple[DoubleProduct, ...] = (
    DoubleProduct("prod_local_pro", "Pro", 1800),
    DoubleProduct("prod_local_premium", "Premium", 3000),
    DoubleProduct("prod_local_byok", "BYOK", 10800, "year"),
)


def signature_headers(secret: str, body: bytes | str, webhook_id: str, timestamp: datetime) -> dict[str, str]:
    """Standard Webhooks headers for ``body``, keyed as Polar keys them (UTF-8 bytes of ``secret``)."""
    text = body.decode() if isinstance(body, bytes) else body
    signature = Webhook(secret.encode()).sign(webhook_id, timestamp, text)
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
    }


@dataclass
class Delivery:
    webhook_id: str
    event_type: str
    status_code: int | None
    body: bytes


@dataclass
class PolarDouble:
    access_token: str
    public_url: str = "http://127.0.0.1"  # where checkout.url points (the double's own address)
    webhook_url: str | None = None
    webhook_secret: str | None = None
    products: tuple[DoubleProduct, ...] = LOCAL_PRODUCTS
    checkouts: dict[str, dict[str, Any]] = field(default_factory=dict)
    deliveries: list[Delivery] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)  # checkout-create bodies, as sent

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/checkouts/", self._create_checkout, methods=["POST"]),
                Route("/v1/checkouts/{checkout_id}", self._get_checkout, methods=["GET"]),
                Route("/checkout/{client_secret}", self._checkout_page, methods=["GET"]),
                Route("/checkout/{client_secret}/confirm", self._confirm, methods=["POST"]),
            ]
        )

    # ------------------------------------------------------------------ API

    def _authorized(self, request: Request) -> bool:
        return request.headers.get("authorization", "") == f"Bearer {self.access_token}"

    async def _create_checkout(self, request: Request) -> Response:
        if not self._authorized(request):
            return _invalid_token()
        try:
            body = await request.json()
        except ValueError:
            return _validation([{"type": "json_invalid", "loc": ["body"], "msg": "JSON decode error", "input": {}}])
        if not isinstance(body, dict):
            return _validation([{"type": "model_type", "loc": ["body"], "msg": "Input should be an object"}])
        self.requests.append(body)
        product_ids = body.get("products")
        if not isinstance(product_ids, list) or not product_ids:
            return _validation([{"type": "missing", "loc": ["body", "products"], "msg": "Field required"}])
        now = datetime.now(UTC)
        catalog = {p.product_id: p for p in self.products}
        for index, product_id in enumerate(product_ids):
            if product_id not in catalog:
                error = {"type": "value_error", "loc": ["body", "products", index], "msg": "Product does not exist."}
                return _validation([error])
        chosen = catalog[product_ids[0]]
        checkout_id, client_secret = shapes.new_checkout_ids()
        checkout = shapes.checkout(
            checkout_id=checkout_id,
            client_secret=client_secret,
            url=f"{self.public_url}/checkout/{client_secret}",
            product_=shapes.product(chosen.product_id, chosen.name, chosen.price_cents, chosen.interval, now),
            success_url=body.get("success_url") or f"{self.public_url}/checkout/{client_secret}?paid=1",
            customer_email=body.get("customer_email"),
            external_customer_id=body.get("external_customer_id"),
            metadata=dict(body.get("metadata") or {}),
            now=now,
        )
        self.checkouts[checkout_id] = checkout
        return JSONResponse(checkout, status_code=201)

    async def _get_checkout(self, request: Request) -> Response:
        if not self._authorized(request):
            return _invalid_token()
        checkout = self.checkouts.get(request.path_params["checkout_id"])
        if checkout is None:
            return JSONResponse({"error": "ResourceNotFound", "detail": "Not found"}, status_code=404)
        return JSONResponse(checkout)

    # ------------------------------------------------------------------ the customer's side

    def _by_secret(self, client_secret: str) -> dict[str, Any] | None:
        return next((c for c in self.checkouts.values() if c["client_secret"] == client_secret), None)

    async def _checkout_page(self, request: Request) -> Response:
        checkout = self._by_secret(request.path_params["client_secret"])
        if checkout is None:
            return HTMLResponse("<h1>Checkout not found</h1>", status_code=404)
        name = html.escape(checkout["product"]["name"])
        amount = checkout["total_amount"] / 100
        action = html.escape(f"/checkout/{checkout['client_secret']}/confirm")
        page = (
            f"<!doctype html><title>Local Polar checkout</title><h1>{name}</h1><p>${amount:.2f}"
            f" (local Polar double: no money moves)</p><p>Status: {html.escape(checkout['status'])}</p>"
            f'<form method="post" action="{action}"><button type="submit">Pay</button></form>'
        )
        return HTMLResponse(page)

    async def _confirm(self, request: Request) -> Response:
        checkout = self._by_secret(request.path_params["client_secret"])
        if checkout is None:
            return HTMLResponse("<h1>Checkout not found</h1>", status_code=404)
        if checkout["status"] == "open":
            await self.complete(checkout["id"])
        return RedirectResponse(checkout["success_url"], status_code=303)

    async def complete(self, checkout_id: str) -> dict[str, Any]:
        """The customer paid: the checkout succeeds and a subscription starts (webhooks sent)."""
        checkout = self.checkouts[checkout_id]
        subscription = shapes.subscription(
            subscription_id=str(uuid.uuid4()),
            status="active",
            product_=checkout["product"],
            customer_email=checkout["customer_email"],
            external_customer_id=checkout["external_customer_id"],
            metadata=checkout["metadata"],
            period_start=datetime.now(UTC),
            checkout_id=checkout_id,
        )
        checkout.update(status="succeeded", subscription_id=subscription["id"])
        for event_type in ("subscription.created", "subscription.active"):
            await self.deliver(event_type, subscription)
        return subscription

    async def deliver(self, event_type: str, data: Mapping[str, Any], *, webhook_id: str | None = None) -> Delivery:
        """POST one signed webhook to ``webhook_url``, as Polar would."""
        if self.webhook_url is None or self.webhook_secret is None:
            raise RuntimeError("the Polar double has no webhook URL or secret")
        now = datetime.now(UTC)
        body = json.dumps(shapes.webhook_event(event_type, dict(data), now)).encode()
        webhook_id = webhook_id or shapes.new_webhook_id()
        headers = signature_headers(self.webhook_secret, body, webhook_id, now)
        status: int | None = None
        try:
            async with httpx.AsyncClient(timeout=10.0) as client:
                status = (await client.post(self.webhook_url, content=body, headers=headers)).status_code
        except httpx.HTTPError as error:
            log.warning("webhook %s to %s failed: %s", event_type, self.webhook_url, error)
        delivery = Delivery(webhook_id, event_type, status, body)
        self.deliveries.append(delivery)
        return delivery


def _invalid_token() -> JSONResponse:
    return JSONResponse(INVALID_TOKEN, status_code=401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def _validation(errors: list[dict[str, Any]]) -> JSONResponse:
    return JSONResponse({"detail": errors}, status_code=422)
