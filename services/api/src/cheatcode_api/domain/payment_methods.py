"""Payment methods per region (reference §12.5, the DodoPayments-era helpers), as data.

Names are what the original derived from its enum member names ("Apple Pay", "Upi Collect",
"United States"), kept so that clients showing them see the same labels.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# (code, display name), in the original's order.
METHODS: tuple[tuple[str, str], ...] = (
    ("credit", "Credit"),
    ("debit", "Debit"),
    ("apple_pay", "Apple Pay"),
    ("google_pay", "Google Pay"),
    ("amazon_pay", "Amazon Pay"),
    ("cashapp", "Cash App"),
    ("afterpay_clearpay", "Afterpay"),
    ("klarna", "Klarna"),
    ("upi_collect", "Upi Collect"),
    ("rupay", "Rupay"),
    ("sepa", "Sepa"),
    ("ideal", "Ideal"),
    ("bancontact_card", "Bancontact"),
    ("eps", "Eps"),
    ("przelewy24", "P24"),
)

DEFAULT_REGION = "DEFAULT"
INDIA = "IN"

# (code, display name); DEFAULT is a fallback, never listed.
REGIONS: tuple[tuple[str, str], ...] = (
    ("IN", "India"),
    ("US", "United States"),
    ("DE", "Germany"),
    ("FR", "France"),
    ("NL", "Netherlands"),
    ("BE", "Belgium"),
    ("AT", "Austria"),
    ("PL", "Poland"),
    ("GB", "United Kingdom"),
    ("CA", "Canada"),
    ("AU", "Australia"),
)

SUBSCRIPTION_EXCLUDED: frozenset[str] = frozenset(
    {"amazon_pay", "cashapp", "rupay", "bancontact_card", "eps", "ideal", "przelewy24"}
)

_CARDS = ("credit", "debit")
_WALLETS = (*_CARDS, "apple_pay", "google_pay")
_SEPA = (*_WALLETS, "sepa")

# Regions without an entry here (GB, CA, AU and any other country) use DEFAULT.
REGION_METHODS: Mapping[str, tuple[str, ...]] = {
    "IN": (*_CARDS, "upi_collect"),
    "US": (*_WALLETS, "amazon_pay", "cashapp", "afterpay_clearpay", "klarna"),
    "DE": _SEPA,
    "FR": _SEPA,
    "NL": (*_SEPA, "ideal"),
    "BE": (*_SEPA, "bancontact_card"),
    "AT": (*_SEPA, "eps"),
    "PL": (*_SEPA, "przelewy24"),
    DEFAULT_REGION: _WALLETS,
}

PRESETS: Mapping[str, tuple[str, ...]] = {
    "cards_only": _CARDS,
    "digital_wallets": _WALLETS,
    "subscription_safe": _SEPA,
    "bnpl_enabled": (*_WALLETS, "afterpay_clearpay", "klarna"),
}

# Checked in this order; the first one present names the country.
COUNTRY_HEADERS: tuple[str, ...] = (
    "cf-ipcountry",
    "x-country-code",
    "x-forwarded-country",
    "cloudfront-viewer-country",
    "x-vercel-ip-country",
)


def methods_for(country_code: str, *, is_subscription: bool) -> list[str]:
    methods = REGION_METHODS.get(country_code.upper(), REGION_METHODS[DEFAULT_REGION])
    return [method for method in methods if not (is_subscription and method in SUBSCRIPTION_EXCLUDED)]


@dataclass(frozen=True)
class Validation:
    valid: bool
    supported_methods: list[str]
    unsupported_methods: list[str]
    warnings: list[str]


def validate(methods: Sequence[str], country_code: str, *, is_subscription: bool) -> Validation:
    """Which of ``methods`` the region offers (in request order, each once), with warnings."""
    available = set(methods_for(country_code, is_subscription=is_subscription))
    requested = _unique(methods)
    supported = [method for method in requested if method in available]
    unsupported = [method for method in requested if method not in available]
    warnings: list[str] = []
    excluded = [method for method in methods if method in SUBSCRIPTION_EXCLUDED]
    if is_subscription and excluded:
        warnings.append(f"These payment methods are not available for subscriptions: {', '.join(excluded)}")
    if country_code.upper() == INDIA and any(method in ("apple_pay", "google_pay") for method in methods):
        warnings.append("Apple Pay and Google Pay are not available in India")
    return Validation(
        valid=bool(supported) and not unsupported,
        supported_methods=supported,
        unsupported_methods=unsupported,
        warnings=warnings,
    )


def detect_country(headers: Mapping[str, str]) -> str | None:
    """The country a CDN or proxy put in the request headers (names lower-case), or None."""
    for name in COUNTRY_HEADERS:
        value = headers.get(name, "").strip()
        if value:
            return value.upper()
    return None


def preset_name(key: str) -> str:
    return key.replace("_", " ").title()


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
