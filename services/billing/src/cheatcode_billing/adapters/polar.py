"""Polar's API through the official SDK (``polar-sdk``), at ``POLAR_SERVER_URL``."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from polar import PolarError
from polar.v2027_01.client import PolarAsync

from cheatcode_billing.ports.payments import CheckoutLink, CheckoutProvider, PaymentProviderUnavailableError

log = logging.getLogger("cheatcode.billing.polar")


class PolarCheckouts(CheckoutProvider):
    def __init__(self, access_token: str, server_url: str, *, timeout: float = 10.0) -> None:
        self._polar = PolarAsync(access_token, base_url=server_url.rstrip("/"), timeout=timeout)

    async def create_checkout(
        self,
        *,
        product_id: str,
        external_customer_id: str,
        customer_email: str | None,
        success_url: str,
        metadata: Mapping[str, str],
    ) -> CheckoutLink:
        try:
            if customer_email:
                checkout = await self._polar.checkouts.create(
                    products=[product_id],
                    external_customer_id=external_customer_id,
                    customer_email=customer_email,
                    success_url=success_url,
                    metadata=dict(metadata),
                )
            else:
                checkout = await self._polar.checkouts.create(
                    products=[product_id],
                    external_customer_id=external_customer_id,
                    success_url=success_url,
                    metadata=dict(metadata),
                )
        except PolarError as error:
            # Every Polar failure is ours to fix or theirs to recover from: never the user's input.
            log.error("Polar checkout for product %s failed: %s", product_id, error)
            raise PaymentProviderUnavailableError("Polar refused or failed the checkout") from error
        return CheckoutLink(checkout_id=checkout.id, url=checkout.url)

    async def close(self) -> None:
        await self._polar.__aexit__(None, None, None)
