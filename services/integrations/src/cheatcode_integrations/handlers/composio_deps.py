"""What the Composio use cases need: the profiles repository, Composio, the toolkit cache, secrets.

Composio (no ``COMPOSIO_API_KEY``) and the secrets box (no ``CHEATCODE_ENCRYPTION_KEY``) may
be absent: the use cases that need them answer ``Unavailable`` (503) with a clear detail.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from cheatcode_integrations.config import ComposioSettings
from cheatcode_integrations.domain.profiles import UserProfiles
from cheatcode_integrations.ports.composio import ComposioApi, ComposioError, ComposioUnavailableError, ToolkitCache
from cheatcode_runtime.errors import Invalid, Unavailable
from cheatcode_runtime.eventstore import Repository
from cheatcode_runtime.secrets import KeyStoreUnavailableError, SecretBox
from cheatcode_runtime.service import Late

NO_API_KEY = "Composio is not configured: set COMPOSIO_API_KEY on the integrations service"
NO_MASTER_KEY = "credential profiles cannot be stored: set CHEATCODE_ENCRYPTION_KEY on the integrations service"


@dataclass(frozen=True)
class ComposioDeps:
    settings: ComposioSettings
    profiles: Repository[UserProfiles]
    api: ComposioApi | None
    toolkit_cache: Late[ToolkitCache]
    secret_box: Late[SecretBox] | None

    def composio(self) -> ComposioApi:
        if self.api is None:
            raise Unavailable(NO_API_KEY)
        return self.api

    def box(self) -> SecretBox:
        if self.secret_box is None:
            raise Unavailable(NO_MASTER_KEY)
        return self.secret_box.get()


@contextmanager
def composio_errors() -> Iterator[None]:
    """Composio's failures as our errors: down or our key refused → 503, a refusal → 400."""
    try:
        yield
    except ComposioUnavailableError as error:
        raise Unavailable(error.detail) from error
    except ComposioError as error:
        if error.status in (401, 403) or error.status == 0:
            raise Unavailable(error.detail) from error
        raise Invalid(error.detail) from error
    except KeyStoreUnavailableError as error:
        raise Unavailable("secret key store unavailable, retry later") from error
