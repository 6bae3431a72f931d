"""Zero-downtime rebuild with proof: shadow schema, row-for-row comparison, atomic swap.

1. ``<schema>_shadow`` is dropped, migrated afresh, and the whole log is projected into it
   up to the live checkpoint (the live schema keeps serving and projecting meanwhile), without
   the indexes only reads use: they are built once over the loaded rows (step 2), not row by row.
2. The live runner is held for a moment: a transaction locks the live checkpoint rows
   (``FOR UPDATE``; the runner locks them at the start of every batch, in any replica), the
   shadow catches up to exactly that checkpoint, and a REPEATABLE READ snapshot is taken;
   then the lock is released. Both schemas are compared in that snapshot, at that one
   checkpoint, while the live runner goes on; the read-only indexes are built meanwhile (the
   comparison reads whole tables and needs none of them; the swap does).
3. Only when every table is equal: the live runner is held again, the shadow catches up to
   the new checkpoint (the same events, applied by the same code), and in that transaction
   the live schema is renamed away, the shadow renamed to the live name, and the session
   holding the applier lock is terminated, so that the runner (in whichever replica)
   reconnects and resumes from the checkpoint of what is now the live schema. Pooled
   connections name tables through ``search_path`` (a schema *name*), so their next
   statement reads the new tables. The old schema is then dropped.

Otherwise nothing is swapped and the shadow schema is kept for inspection.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence

import asyncpg
from nats.errors import Error as NatsError
from nats.js import JetStreamContext

from cheatcode_api.adapters.nats.pulled_events import PullInterruptedError
from cheatcode_api.adapters.postgres.connection import Database
from cheatcode_api.adapters.postgres.migrate import (
    apply_migrations,
    create_indexes,
    drop_schema,
    drop_secondary_indexes,
)
from cheatcode_api.adapters.postgres.projection import Projection
from cheatcode_api.adapters.postgres.runner import RUNNER_LOCK_KEY, EventGapError
from cheatcode_api.adapters.postgres.schema_diff import compare_schemas, quote
from cheatcode_api.adapters.postgres.shadow import ShadowProjector
from cheatcode_api.adapters.postgres.unavailable import database_errors_as_unavailable
from cheatcode_api.ports.read_models import ReadModelUnavailableError
from cheatcode_api.ports.rebuild import ReadModelRebuilder, RebuildInProgressError, RebuildReport
from cheatcode_contracts import ContractRegistry

log = logging.getLogger(__name__)

LOG_UNREADABLE = (EventGapError, PullInterruptedError, NatsError)

REBUILD_LOCK_KEY = 0x6363_7262  # "ccrb": one rebuild at a time across replicas and the CLI
FREEZE = "SELECT position FROM projection_checkpoints ORDER BY name FOR UPDATE"
# The applier's session (see runner.RUNNER_LOCK_KEY: a bigint key below 2^32 shows as objid).
TERMINATE_APPLIER = """
SELECT count(pg_terminate_backend(pid)) FROM pg_locks
WHERE locktype = 'advisory' AND granted AND classid = 0 AND objid = $1::bigint::oid AND objsubid = 1
  AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND pid <> pg_backend_pid()
"""


class PostgresReadModelRebuilder(ReadModelRebuilder):
    def __init__(
        self,
        database: Database,
        js: JetStreamContext,
        registry: ContractRegistry,
        projections: Callable[[], Sequence[Projection]],
        *,
        batch_size: int = 10_000,
    ) -> None:
        self._database = database
        self._js = js
        self._registry = registry
        self._projections = projections
        self._batch_size = batch_size
        self.shadow_schema = f"{database.schema}_shadow"
        self.retired_schema = f"{database.schema}_retired"

    async def rebuild(self, *, swap: bool = True) -> RebuildReport:
        with database_errors_as_unavailable():  # PostgreSQL down: 503, as for every read
            try:
                return await self._locked_rebuild(swap=swap)
            except LOG_UNREADABLE as error:  # the log kept failing to arrive (each retried from the checkpoint)
                raise ReadModelUnavailableError(f"the event log could not be read: {error!r}") from error

    async def _locked_rebuild(self, *, swap: bool) -> RebuildReport:
        started = time.monotonic()
        live = await self._database.connect()
        try:
            if not await live.fetchval("SELECT pg_try_advisory_lock($1)", REBUILD_LOCK_KEY):
                raise RebuildInProgressError("a read-model rebuild is already running")
            shadow = await Database(self._database.dsn, self.shadow_schema).connect()
            try:
                return await self._rebuild(live, shadow, started, swap=swap)
            finally:
                await shadow.close()
        finally:
            await live.close()  # also releases the rebuild lock

    async def _rebuild(
        self, live: asyncpg.Connection, shadow: asyncpg.Connection, started: float, *, swap: bool
    ) -> RebuildReport:
        await drop_schema(shadow, self.shadow_schema)
        await apply_migrations(shadow, self.shadow_schema)
        deferred_indexes = await drop_secondary_indexes(shadow, self.shadow_schema)
        projector = ShadowProjector(
            Database(self._database.dsn, self.shadow_schema),
            self._js,
            self._registry,
            self._projections(),
            batch_size=self._batch_size,
        )
        projecting = time.monotonic()
        await projector.catch_up(shadow, await self._live_position(live))
        snapshot = await self._database.connect()
        try:
            async with live.transaction():
                compared_at = await self._hold_live(live)
                await projector.catch_up(shadow, compared_at)
                await snapshot.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                await snapshot.fetchval("SELECT 1")  # the snapshot: both schemas at compared_at
            projection_seconds = time.monotonic() - projecting
            # The comparison reads whole tables and needs none of the read-only indexes (only
            # the swap does): they are built meanwhile, on the other core.
            comparing = asyncio.ensure_future(compare_schemas(snapshot, self._database.schema, self.shadow_schema))
            indexing = asyncio.ensure_future(self._build_indexes(shadow, deferred_indexes))
            try:
                tables, index_seconds = await comparing, await indexing
            finally:  # one failed: the other stops too, before its connection is closed
                for task in (comparing, indexing):
                    task.cancel()
                await asyncio.gather(comparing, indexing, return_exceptions=True)
            await snapshot.execute("COMMIT")
        finally:
            await snapshot.close()
        equal = all(table.equal for table in tables)
        swapped_at = await self._swap(live, shadow, projector) if equal and swap else None
        report = RebuildReport(
            equal=equal,
            swapped=swapped_at is not None,
            compared_at=compared_at,
            swapped_at=swapped_at,
            events_projected=projector.applied,
            projection_seconds=projection_seconds,
            index_seconds=index_seconds,
            total_seconds=time.monotonic() - started,
            shadow_schema=None if swapped_at is not None else self.shadow_schema,
            tables=tables,
        )
        log.info(
            "read-model rebuild: %d events in %.2f s, equal=%s, swapped=%s at %s",
            report.events_projected, projection_seconds, equal, report.swapped, swapped_at,
        )  # fmt: skip
        return report

    async def _build_indexes(self, shadow: asyncpg.Connection, definitions: list[str]) -> float:
        """Built once over the loaded rows (see ``create_indexes``); the seconds it took."""
        started = time.monotonic()
        second = await Database(self._database.dsn, self.shadow_schema).connect()
        try:
            await create_indexes([shadow, second], definitions)
        finally:
            await second.close()
        return time.monotonic() - started

    async def _live_position(self, live: asyncpg.Connection) -> int:
        return int(await live.fetchval("SELECT coalesce(max(position), 0) FROM projection_checkpoints"))

    async def _hold_live(self, live: asyncpg.Connection) -> int:
        """Lock the live checkpoints until the transaction ends; the live runner's next batch waits."""
        return max((int(row["position"]) for row in await live.fetch(FREEZE)), default=0)

    async def _swap(self, live: asyncpg.Connection, shadow: asyncpg.Connection, projector: ShadowProjector) -> int:
        schema = self._database.schema
        await drop_schema(live, self.retired_schema)
        async with live.transaction():
            swapped_at = await self._hold_live(live)
            await projector.catch_up(shadow, swapped_at)
            await live.execute(f"ALTER SCHEMA {quote(schema)} RENAME TO {quote(self.retired_schema)}")
            await live.execute(f"ALTER SCHEMA {quote(self.shadow_schema)} RENAME TO {quote(schema)}")
            stopped = await live.fetchval(TERMINATE_APPLIER, RUNNER_LOCK_KEY)
        log.info("swapped the rebuilt read models in at %d; restarted %d projection runner(s)", swapped_at, stopped)
        await drop_schema(live, self.retired_schema)
        return swapped_at
