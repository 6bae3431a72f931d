"""The real Polar adapter (polar-sdk) against the local Polar double over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from cheatcode_billing.adapters.polar import PolarCheckouts
from cheatcode_billing.ports.payments import PaymentProviderUnavailableError
from cheatcode_infra.doubles.polar import PolarDouble
from cheatcode_infra.doubles.serving import BackgroundServer
from cheatcode_infra.free_ports import free_port

TOKEN = "polar_oat_local"


@pytest.fixture(scope="module")
async def polar() -> AsyncIterator[tuple[PolarDouble, str]]:
    double = PolarDouble(access_token=TOKEN)
    server = BackgroundServer(double.app())
    await server.start()
    double.public_url = server.url
    yield double, server.url
    await server.stop()


async def create(url: str, token: str = TOKEN, product: str = "prod_local_pro") -> str:
    adapter = PolarCheckouts(token, url)
    try:
        link = await adapter.create_checkout(
            product_id=product,
            external_customer_id="user_a",
            customer_email="a@example.com",
            success_url="https://app.test/ok",
            metadata={"account_id": "user_a", "plan_id": "pro", "source": "cheatcode"},
        )
    finally:
        await adapter.close()
    return link.url


async def test_a_checkout_is_created_with_the_account_as_external_customer(polar: tuple[PolarDouble, str]) -> None:
    double, url = polar
    checkout_url = await create(url)
    assert checkout_url.startswith(f"{url}/checkout/polar_c_")
    sent = double.requests[-1]
    assert sent["products"] == ["prod_local_pro"]
    assert sent["external_customer_id"] == "user_a"
    assert sent["customer_email"] == "a@example.com"
    assert sent["metadata"] == {"account_id": "user_a", "plan_id": "pro", "source": "cheatcode"}
    assert sent["success_url"] == "https://app.test/ok"
    stored = next(c for c in double.checkouts.values() if c["url"] == checkout_url)
    assert stored["status"] == "open" and stored["external_customer_id"] == "user_a"


async def test_a_wrong_token_or_unknown_product_is_unavailable_not_a_user_error(
    polar: tuple[PolarDouble, str],
) -> None:
    _, url = polar
    with pytest.raises(PaymentProviderUnavailableError):
        await create(url, token="wrong")
    with pytest.raises(PaymentProviderUnavailableError):
        await create(url, product="prod_gone")


async def test_an_unreachable_polar_is_unavailable() -> None:
    with pytest.raises(PaymentProviderUnavailableError):
        await create(f"http://127.0.0.1:{free_port()}")
