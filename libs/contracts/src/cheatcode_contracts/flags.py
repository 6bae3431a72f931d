"""Feature flags: a NATS KV bucket of JSON values, written by ``cheatcode flags``, watched by the API.

Key = flag name (the KV key alphabet: letters, digits, ``-``, ``_``, ``.``, ``=``, ``/``); value =
:class:`FlagValue` as JSON. The bucket is owned by the integrations service's NATS user (which the
operator CLI logs in as); every API replica keeps a copy up to date with a KV watch.
"""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from cheatcode_contracts.base import utc_now

FLAGS_BUCKET = "feature_flags"
_NAME = re.compile(r"^[-/_=a-zA-Z0-9]+(\.[-/_=a-zA-Z0-9]+)*$")


def valid_flag_name(name: str) -> bool:
    return len(name) <= 200 and bool(_NAME.match(name))


class FlagValue(BaseModel):
    model_config = ConfigDict(frozen=True)

    enabled: bool
    description: str = ""
    updated_at: datetime = Field(default_factory=utc_now)

    def details(self) -> dict[str, str]:
        """The reference's Redis hash fields: ``enabled`` is the string ``"true"``/``"false"``."""
        return {
            "enabled": "true" if self.enabled else "false",
            "description": self.description,
            "updated_at": self.updated_at.isoformat(),
        }
