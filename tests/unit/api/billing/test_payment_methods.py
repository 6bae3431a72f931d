"""``/api/billing/payment-methods/*`` answer as reference §12.5 and need a user token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import SimpleNamespace

import httpx
import pytest
from fastapi import FastAPI

from cheatcode_api.domain import payment_methods as pm
from cheatcode_api.entrypoint.deps import get_container
from cheatcode_api.entrypoint.routes import billing_payment_methods
from cheatcode_api.ports.auth import AuthenticatedUser, InvalidTokenError, TokenVerifier

BASE = "/api/billing/payment-methods"
AUTH = {"Authorization": "Bearer good"}


class OneTokenVerifier(TokenVerifier):
    async def verify(self, token: str) -> AuthenticatedUser:
        if token != "good":
            raise InvalidTokenError("unknown token")
        return AuthenticatedUser(user_id="user_a")


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.include_router(billing_payment_methods.router, prefix="/api")
    container = SimpleNamespace(verifier=OneTokenVerifier())
    app.dependency_overrides[get_container] = lambda: container
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test") as http:
        yield http


@pytest.mark.parametrize("path", ["/regions", "/all", "/region/US", "/presets", "/detect"])
async def test_every_route_needs_a_user_token(client: httpx.AsyncClient, path: str) -> None:
    assert (await client.get(BASE + path)).status_code == 401
    assert (await client.get(BASE + path, headers={"Authorization": "Bearer bad"})).status_code == 401
    assert (await client.get(BASE + path, headers=AUTH)).status_code == 200


async def test_validate_needs_a_token_too(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{BASE}/validate?country_code=US", json=["credit"])
    assert response.status_code == 401


async def test_regions_leave_default_out_and_name_them_like_the_enum(client: httpx.AsyncClient) -> None:
    body = (await client.get(f"{BASE}/regions", headers=AUTH)).json()
    assert body["success"] is True
    assert body["regions"][:2] == [{"code": "IN", "name": "India"}, {"code": "US", "name": "United States"}]
    assert [r["code"] for r in body["regions"]] == ["IN", "US", "DE", "FR", "NL", "BE", "AT", "PL", "GB", "CA", "AU"]


async def test_all_lists_the_fifteen_methods(client: httpx.AsyncClient) -> None:
    methods = (await client.get(f"{BASE}/all", headers=AUTH)).json()["payment_methods"]
    assert len(methods) == 15
    assert {"code": "przelewy24", "name": "P24"} in methods
    assert {"code": "apple_pay", "name": "Apple Pay"} in methods


@pytest.mark.parametrize(
    ("country", "subscription", "expected"),
    [
        ("us", "true", ["credit", "debit", "apple_pay", "google_pay", "afterpay_clearpay", "klarna"]),
        (
            "US",
            "false",
            ["credit", "debit", "apple_pay", "google_pay", "amazon_pay", "cashapp", "afterpay_clearpay", "klarna"],
        ),
        ("IN", "true", ["credit", "debit", "upi_collect"]),
        ("NL", "true", ["credit", "debit", "apple_pay", "google_pay", "sepa"]),
        ("NL", "false", ["credit", "debit", "apple_pay", "google_pay", "sepa", "ideal"]),
        ("GB", "true", ["credit", "debit", "apple_pay", "google_pay"]),
        ("zz", "false", ["credit", "debit", "apple_pay", "google_pay"]),
    ],
)
async def test_region_methods(client: httpx.AsyncClient, country: str, subscription: str, expected: list[str]) -> None:
    response = await client.get(f"{BASE}/region/{country}?is_subscription={subscription}", headers=AUTH)
    body = response.json()
    assert body == {
        "success": True,
        "country_code": country.upper(),
        "is_subscription": subscription == "true",
        "payment_methods": expected,
    }


async def test_region_defaults_to_subscription(client: httpx.AsyncClient) -> None:
    body = (await client.get(f"{BASE}/region/PL", headers=AUTH)).json()
    assert body["is_subscription"] is True
    assert "przelewy24" not in body["payment_methods"]


async def test_validate_takes_a_bare_array_body(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{BASE}/validate?country_code=in", json=["credit", "apple_pay", "rupay", "credit"], headers=AUTH
    )
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "validation": {
            "valid": False,
            "supported_methods": ["credit"],
            "unsupported_methods": ["apple_pay", "rupay"],
            "warnings": [
                "These payment methods are not available for subscriptions: rupay",
                "Apple Pay and Google Pay are not available in India",
            ],
        },
        "country_code": "IN",
        "is_subscription": True,
    }
    ok = await client.post(f"{BASE}/validate?country_code=DE&is_subscription=false", json=["sepa"], headers=AUTH)
    assert ok.json()["validation"] == {
        "valid": True,
        "supported_methods": ["sepa"],
        "unsupported_methods": [],
        "warnings": [],
    }


async def test_validate_refuses_bad_input_with_a_clear_4xx(client: httpx.AsyncClient) -> None:
    no_country = await client.post(f"{BASE}/validate", json=["credit"], headers=AUTH)
    assert no_country.status_code == 422
    not_a_list = await client.post(f"{BASE}/validate?country_code=US", json={"methods": ["credit"]}, headers=AUTH)
    assert not_a_list.status_code == 422
    assert "detail" in not_a_list.json()


async def test_presets(client: httpx.AsyncClient) -> None:
    presets = (await client.get(f"{BASE}/presets", headers=AUTH)).json()["presets"]
    assert list(presets) == ["cards_only", "digital_wallets", "subscription_safe", "bnpl_enabled"]
    assert presets["cards_only"] == {"name": "Cards Only", "methods": ["credit", "debit"]}
    assert presets["bnpl_enabled"]["name"] == "Bnpl Enabled"
    assert presets["subscription_safe"]["methods"][-1] == "sepa"


async def test_detect_reads_the_cdn_headers_in_order(client: httpx.AsyncClient) -> None:
    found = await client.get(f"{BASE}/detect", headers={**AUTH, "x-vercel-ip-country": "us", "CF-IPCountry": "de"})
    body = found.json()
    assert body["detected_country"] == "DE"
    assert body["payment_methods"] == pm.methods_for("DE", is_subscription=True)
    assert sorted(body["detection_headers"]) == ["cf-ipcountry", "x-vercel-ip-country"]
    missing = (await client.get(f"{BASE}/detect", headers=AUTH)).json()
    assert missing == {
        "success": True,
        "detected_country": None,
        "payment_methods": ["credit", "debit", "apple_pay", "google_pay"],
        "message": "Could not detect country from headers, using default methods",
    }
