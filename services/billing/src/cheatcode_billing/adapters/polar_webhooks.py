"""Standard Webhooks verification of Polar deliveries, with the kept ``standardwebhooks`` library.

Polar's SDK hands the verifier ``base64(secret)``, so the HMAC key is the UTF-8 bytes of
``POLAR_WEBHOOK_SECRET`` as configured: the bytes are passed as the key directly.
The library checks the 5-minute timestamp tolerance.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from standardwebhooks import Webhook

from cheatcode_billing.ports.payments import InvalidWebhookError, WebhookVerifier


class StandardWebhookVerifier(WebhookVerifier):
    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("empty webhook secret")
        self._webhook = Webhook(secret.encode())

    def verify(self, body: str, headers: Mapping[str, str]) -> dict[str, Any]:
        try:
            self._webhook.verify(body, dict(headers), json_parse=False)
        except Exception as error:  # malformed signature headers raise ValueError etc., not only its own error
            raise InvalidWebhookError(str(error) or type(error).__name__) from None
        try:
            payload = json.loads(body)
        except ValueError:
            raise InvalidWebhookError("signed body is not JSON") from None
        if not isinstance(payload, dict):
            raise InvalidWebhookError("signed body is not a JSON object")
        return payload
