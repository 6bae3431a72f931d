"""asyncpg connections and pools that see the API's schema and speak jsonb as Python values."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import asyncpg
from pydantic_core import to_json

from cheatcode_api.adapters.postgres.timestamps import decode_timestamptz, encode_timestamptz


@dataclass(frozen=True)
class Database:
    """Where the read models live: a DSN and the schema holding every API table."""

    dsn: str
    schema: str = "cheatcode_api"

    def server_settings(self) -> dict[str, str]:
        return {"search_path": self.schema, "application_name": "cheatcode-api"}

    async def connect(self) -> asyncpg.Connection:
        conn = await asyncpg.connect(self.dsn, server_settings=self.server_settings())
        await init_connection(conn)
        return conn

    async def create_pool(self, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
        """A pool whose connections are NOT reset on release (asyncpg's reset costs a round trip
        per query). So never leave session state on a pooled connection — no ``SET``, ``LISTEN``
        or session advisory lock; use :meth:`connect` for a dedicated connection instead. An open
        transaction is still rolled back by asyncpg on release."""
        pool = await asyncpg.create_pool(
            self.dsn,
            min_size=min_size,
            max_size=max_size,
            server_settings=self.server_settings(),
            init=init_connection,
            reset=keep_session,
        )
        assert pool is not None
        return pool


JSONB_VERSION = b"\x01"  # jsonb's binary wire format: a version byte, then the JSON text


def _encode_jsonb(value: Any) -> bytes:
    return JSONB_VERSION + to_json(value)


def _decode_jsonb(data: bytes) -> Any:
    return json.loads(data[1:])


async def keep_session(_conn: asyncpg.Connection) -> None:
    """Pool reset hook: nothing to undo (see :meth:`Database.create_pool`)."""


async def init_connection(conn: asyncpg.Connection) -> None:
    # Binary format, encoded by pydantic-core (a fifth of json.dumps' time: jsonb values are a
    # good part of a rebuild's Python work); json's binary format is the text itself.
    await conn.set_type_codec(
        "jsonb", encoder=_encode_jsonb, decoder=_decode_jsonb, schema="pg_catalog", format="binary"
    )
    await conn.set_type_codec("json", encoder=to_json, decoder=json.loads, schema="pg_catalog", format="binary")
    # A fourth of asyncpg's time per UTC value (see timestamps.py); the same values stored.
    await conn.set_type_codec(
        "timestamptz", encoder=encode_timestamptz, decoder=decode_timestamptz, schema="pg_catalog", format="tuple"
    )
