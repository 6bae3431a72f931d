"""The one place a PostgreSQL outage becomes the port's :class:`ReadModelUnavailableError`.

Every read adapter runs its queries inside ``database_errors_as_unavailable()``, so a refused
connection, a server shutting down or a connection lost mid-query answers 503 instead of
leaking a driver exception as a 500. Data errors (a bad query, a constraint) are bugs and
stay what they are.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg
from asyncpg.exceptions import ConnectionDoesNotExistError

from cheatcode_api.ports.read_models import ReadModelUnavailableError

OUTAGE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # refused, reset, unreachable; TimeoutError (connect/acquire) is one too
    asyncpg.PostgresConnectionError,
    asyncpg.OperatorInterventionError,  # cannot connect now, admin/crash shutdown
    ConnectionDoesNotExistError,  # the connection was closed in the middle of the operation
)


@contextmanager
def database_errors_as_unavailable() -> Iterator[None]:
    try:
        yield
    except OUTAGE_ERRORS as error:
        raise ReadModelUnavailableError(f"{type(error).__name__}: {error}") from error
