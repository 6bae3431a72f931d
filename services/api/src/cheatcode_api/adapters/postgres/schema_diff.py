"""Row-for-row comparison of two schemas' tables (``EXCEPT ALL`` both ways, in one query each).

Run it inside one REPEATABLE READ transaction so that every table of both schemas is read
at the same moment. Wall-clock bookkeeping columns are left out: they record when a row was
written (migration applied, checkpoint moved, failure seen), not what the log says, so a
rebuild necessarily differs there; every other column of every table is compared.
"""

from __future__ import annotations

import json

import asyncpg

from cheatcode_api.ports.rebuild import TableComparison

WALL_CLOCK_COLUMNS = {
    "schema_migrations": frozenset({"applied_at"}),
    "projection_checkpoints": frozenset({"updated_at"}),
    "projection_failures": frozenset({"failed_at"}),
}
SAMPLE = 5
COLUMNS = """
SELECT table_name, column_name, data_type FROM information_schema.columns
WHERE table_schema = $1 AND table_name IN (
    SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE')
ORDER BY table_name, ordinal_position
"""


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def _columns(conn: asyncpg.Connection, schema: str) -> dict[str, list[tuple[str, str]]]:
    tables: dict[str, list[tuple[str, str]]] = {}
    for row in await conn.fetch(COLUMNS, schema):
        tables.setdefault(row["table_name"], []).append((row["column_name"], row["data_type"]))
    return tables


def _select(schema: str, table: str, columns: list[tuple[str, str]]) -> str:
    # json has no equality operator: compare it as jsonb (the same value either way). A column
    # whose type differs between the schemas is given as "text" and compared as text.
    casts = {"json": "jsonb", "text": "text"}
    parts = [
        f"{quote(name)}::{casts[kind]} AS {quote(name)}" if kind in casts else quote(name) for name, kind in columns
    ]
    return f"SELECT {', '.join(parts)} FROM {quote(schema)}.{quote(table)}"


async def compare_table(
    conn: asyncpg.Connection, live: str, shadow: str, table: str, columns: list[tuple[str, str]]
) -> TableComparison:
    sql = f"""
    WITH l AS MATERIALIZED ({_select(live, table, columns)}),
         s AS MATERIALIZED ({_select(shadow, table, columns)}),
         only_l AS MATERIALIZED (SELECT * FROM l EXCEPT ALL SELECT * FROM s),
         only_s AS MATERIALIZED (SELECT * FROM s EXCEPT ALL SELECT * FROM l)
    SELECT (SELECT count(*) FROM l), (SELECT count(*) FROM s), (SELECT count(*) FROM only_l),
           (SELECT count(*) FROM only_s),
           (SELECT coalesce(json_agg(row_to_json(x)), '[]'::json)::text FROM (SELECT * FROM only_l LIMIT {SAMPLE}) x),
           (SELECT coalesce(json_agg(row_to_json(x)), '[]'::json)::text FROM (SELECT * FROM only_s LIMIT {SAMPLE}) x)
    """
    row = await conn.fetchrow(sql)
    assert row is not None
    return TableComparison(
        table=table,
        live_rows=int(row[0]),
        shadow_rows=int(row[1]),
        only_live=int(row[2]),
        only_shadow=int(row[3]),
        sample_only_live=json.loads(row[4]),
        sample_only_shadow=json.loads(row[5]),
    )


async def compare_schemas(conn: asyncpg.Connection, live: str, shadow: str) -> list[TableComparison]:
    """Every table of either schema, compared on the columns both have (minus wall-clock ones)."""
    live_tables, shadow_tables = await _columns(conn, live), await _columns(conn, shadow)
    results: list[TableComparison] = []
    for table in sorted(live_tables.keys() | shadow_tables.keys()):
        if table not in live_tables or table not in shadow_tables:
            side = "live" if table in live_tables else "shadow"
            count = await conn.fetchval(
                f"SELECT count(*) FROM {quote(live if side == 'live' else shadow)}.{quote(table)}"
            )
            rows = (int(count), 0) if side == "live" else (0, int(count))
            results.append(TableComparison(table, *rows, *rows, note=f"the table exists in the {side} schema only"))
            continue
        ignored = WALL_CLOCK_COLUMNS.get(table, frozenset())
        live_columns = [column for column in live_tables[table] if column[0] not in ignored]
        shadow_types = {name: kind for name, kind in shadow_tables[table] if name not in ignored}
        common = [
            (name, kind if shadow_types[name] == kind else "text")
            for name, kind in live_columns
            if name in shadow_types
        ]
        one_sided = sorted({name for name, _ in live_columns} ^ shadow_types.keys())
        retyped = [
            f"{name} ({kind} / {shadow_types[name]})"
            for name, kind in live_columns
            if shadow_types.get(name, kind) != kind
        ]
        comparison = await compare_table(conn, live, shadow, table, common)
        notes = [f"columns on one side only: {', '.join(one_sided)}"] if one_sided else []
        notes += [f"columns of another type on each side (live / shadow): {', '.join(retyped)}"] if retyped else []
        if notes:
            comparison = TableComparison(**{**comparison.__dict__, "note": "; ".join(notes)})
        results.append(comparison)
    return results
