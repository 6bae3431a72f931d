"""Polar behind two ports: opening a checkout, and verifying a webhook delivery."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class PaymentProviderUnavailableError(Exception):
    """The provider is not configured, unreachable, or failing: retry later (503)."""


@dataclass(frozen=True)
class CheckoutLink:
    checkout_id: str
    url: str


class CheckoutProvider(ABC):
    @abstractmethod
    async def create_checkout(
        self,
        *,
        product_id: str,
        external_customer_id: str,
        customer_email: str | None,
        success_url: str,
        metadata: Mapping[str, str],
    ) -> CheckoutLink:
        """A checkout session for one product; raises :class:`PaymentProviderUnavailableError`."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release network resources."""


class InvalidWebhookError(Exception):
    """Bad, missing or stale signature (or a body that is not the JSON that was signed)."""


class WebhookVerifier(ABC):
    @abstractmethod
    def verify(self, body: str, headers: Mapping[str, str]) -> dict[str, Any]:
        """The delivery's JSON once its signature checks out; raises :class:`InvalidWebhookError`."""
