"""JSON shapes of Polar's API (checkout sessions, subscriptions, webhook deliveries).

Field names and types follow Polar's public API (the ``Checkout`` and ``Subscription``
schemas the official SDK deserialises); values are made up locally.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

ORGANIZATION_ID = "3f6f6bce-7d54-4c5e-9a7e-1d1c2c0a0b01"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def product(product_id: str, name: str, price_cents: int, interval: str, now: datetime) -> dict[str, Any]:
    return {
        "id": product_id,
        "created_at": iso(now - timedelta(days=90)),
        "modified_at": None,
        "trial_interval": None,
        "trial_interval_count": None,
        "name": name,
        "description": f"{name} plan",
        "visibility": "public",
        "recurring_interval": interval,
        "recurring_interval_count": 1,
        "meter_interval": None,
        "meter_interval_count": None,
        "is_recurring": True,
        "is_archived": False,
        "organization_id": ORGANIZATION_ID,
        "prices": [
            {
                "created_at": iso(now - timedelta(days=90)),
                "modified_at": None,
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"price:{product_id}")),
                "source": "catalog",
                "amount_type": "fixed",
                "price_currency": "usd",
                "tax_behavior": None,
                "is_archived": False,
                "product_id": product_id,
                "price_amount": price_cents,
            }
        ],
        "benefits": [],
        "medias": [],
    }


def checkout(
    *,
    checkout_id: str,
    client_secret: str,
    url: str,
    product_: dict[str, Any],
    success_url: str,
    customer_email: str | None,
    external_customer_id: str | None,
    metadata: dict[str, Any],
    now: datetime,
    status: str = "open",
) -> dict[str, Any]:
    amount = product_["prices"][0]["price_amount"]
    return {
        "id": checkout_id,
        "created_at": iso(now),
        "modified_at": None,
        "custom_field_data": {},
        "payment_processor": "stripe",
        "status": status,
        "client_secret": client_secret,
        "url": url,
        "expires_at": iso(now + timedelta(hours=1)),
        "success_url": success_url,
        "return_url": None,
        "embed_origin": None,
        "amount": amount,
        "seats": None,
        "min_seats": None,
        "max_seats": None,
        "units": None,
        "min_units": None,
        "max_units": None,
        "discount_amount": 0,
        "net_amount": amount,
        "tax_amount": None,
        "tax_behavior": None,
        "total_amount": amount,
        "currency": "usd",
        "allow_trial": None,
        "active_trial_interval": None,
        "active_trial_interval_count": None,
        "trial_end": None,
        "organization_id": ORGANIZATION_ID,
        "product_id": product_["id"],
        "product_price_id": product_["prices"][0]["id"],
        "discount_id": None,
        "allow_discount_codes": True,
        "require_billing_address": False,
        "is_discount_applicable": True,
        "is_free_product_price": False,
        "is_payment_required": True,
        "is_payment_setup_required": True,
        "is_payment_form_required": True,
        "customer_id": None,
        "is_business_customer": False,
        "customer_name": None,
        "customer_email": customer_email,
        "customer_ip_address": None,
        "customer_billing_name": None,
        "customer_billing_address": None,
        "customer_tax_id": None,
        "locale": None,
        "payment_method_type": None,
        "payment_processor_metadata": {},
        "billing_address_fields": {
            "country": "required",
            "state": "disabled",
            "city": "disabled",
            "postal_code": "disabled",
            "line1": "disabled",
            "line2": "disabled",
        },
        "trial_interval": None,
        "trial_interval_count": None,
        "metadata": metadata,
        "external_customer_id": external_customer_id,
        "products": [product_],
        "product": product_,
        "product_price": product_["prices"][0],
        "prices": {product_["id"]: product_["prices"]},
        "discount": None,
        "subscription_id": None,
        "attached_custom_fields": [],
        "customer_metadata": {},
    }


def subscription(
    *,
    subscription_id: str,
    status: str,
    product_: dict[str, Any],
    customer_email: str | None,
    external_customer_id: str | None,
    metadata: dict[str, Any],
    period_start: datetime,
    checkout_id: str | None = None,
    canceled: bool = False,
) -> dict[str, Any]:
    interval = product_["recurring_interval"]
    period_end = period_start + (timedelta(days=365) if interval == "year" else timedelta(days=30))
    customer_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"customer:{external_customer_id}"))
    return {
        "created_at": iso(period_start),
        "modified_at": iso(period_start),
        "id": subscription_id,
        "amount": product_["prices"][0]["price_amount"],
        "currency": "usd",
        "recurring_interval": interval,
        "recurring_interval_count": 1,
        "status": status,
        "current_period_start": iso(period_start),
        "current_period_end": iso(period_end),
        "trial_start": None,
        "trial_end": None,
        "cancel_at_period_end": canceled,
        "canceled_at": iso(period_start) if canceled else None,
        "started_at": iso(period_start),
        "ends_at": iso(period_end) if canceled else None,
        "ended_at": None,
        "customer_id": customer_id,
        "product_id": product_["id"],
        "discount_id": None,
        "checkout_id": checkout_id,
        "customer_cancellation_reason": None,
        "customer_cancellation_comment": None,
        "metadata": metadata,
        "custom_field_data": {},
        "customer": {
            "id": customer_id,
            "created_at": iso(period_start),
            "modified_at": None,
            "metadata": {},
            "external_id": external_customer_id,
            "email": customer_email,
            "email_verified": True,
            "name": None,
            "billing_address": None,
            "tax_id": None,
            "organization_id": ORGANIZATION_ID,
            "deleted_at": None,
            "avatar_url": "",
        },
        "product": product_,
        "discount": None,
        "prices": product_["prices"],
        "meters": [],
    }


def webhook_event(event_type: str, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {"type": event_type, "timestamp": iso(now), "data": data}


def new_checkout_ids() -> tuple[str, str]:
    return str(uuid.uuid4()), f"polar_c_{secrets.token_urlsafe(24)}"


def new_webhook_id() -> str:
    return f"msg_{secrets.token_urlsafe(20)}"
