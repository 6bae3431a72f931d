"""Settings of billing's payment and BYOK side: Polar, the secrets box, the OpenRouter key test.

Read from the environment next to :class:`cheatcode_billing.config.Settings`; the names are the
ones operators already know (``POLAR_*`` as in Polar's docs, ``CHEATCODE_ENCRYPTION_KEY``).
"""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from cheatcode_contracts.plans import PlanId

POLAR_PRODUCTION_URL = "https://api.polar.sh"
DEFAULT_SUCCESS_URL = "https://trycheatcode.com/dashboard?upgrade=success"


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class PaymentSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    polar_access_token: SecretStr | None = Field(default=None, validation_alias=_env("POLAR_ACCESS_TOKEN"))
    polar_server_url: str = Field(default=POLAR_PRODUCTION_URL, validation_alias=_env("POLAR_SERVER_URL"))
    polar_webhook_secret: SecretStr | None = Field(default=None, validation_alias=_env("POLAR_WEBHOOK_SECRET"))
    polar_product_id_pro: str | None = Field(default=None, validation_alias=_env("POLAR_PRODUCT_ID_PRO"))
    polar_product_id_premium: str | None = Field(default=None, validation_alias=_env("POLAR_PRODUCT_ID_PREMIUM"))
    polar_product_id_byok: str | None = Field(default=None, validation_alias=_env("POLAR_PRODUCT_ID_BYOK"))
    polar_success_url: str = Field(default=DEFAULT_SUCCESS_URL, validation_alias=_env("POLAR_SUCCESS_URL"))
    polar_timeout: float = Field(default=10.0, gt=0, validation_alias=_env("POLAR_TIMEOUT"))
    # Master keys of the secrets box, newest first (cheatcode_runtime.secrets).
    encryption_key: SecretStr | None = Field(default=None, validation_alias=_env("CHEATCODE_ENCRYPTION_KEY"))
    secret_keys_bucket: str = Field(
        default="billing_secret_keys", validation_alias=_env("CHEATCODE_BILLING_SECRET_KEYS_BUCKET")
    )
    openrouter_url: str = Field(
        default="https://openrouter.ai/api/v1", validation_alias=_env("CHEATCODE_OPENROUTER_URL")
    )
    openrouter_key_test_timeout: float = Field(default=10.0, gt=0)

    def product_ids(self) -> dict[PlanId, str]:
        """Paid plan → the Polar product sold for it (only the configured ones)."""
        configured: dict[PlanId, str | None] = {
            "pro": self.polar_product_id_pro,
            "premium": self.polar_product_id_premium,
            "byok": self.polar_product_id_byok,
        }
        return {plan_id: product for plan_id, product in configured.items() if product}
