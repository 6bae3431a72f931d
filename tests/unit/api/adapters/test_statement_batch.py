"""StatementBatch: few executemany rounds, never reordering statements of one key."""

from __future__ import annotations

from typing import Any

from cheatcode_api.adapters.postgres.projection import StatementBatch


class RecordingConnection:
    def __init__(self) -> None:
        self.calls: list[tuple[str, list[tuple[Any, ...]]]] = []

    async def execute(self, sql: str, *args: Any) -> None:
        self.calls.append((sql, [args]))

    async def executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        self.calls.append((sql, rows))


def by_first_argument(sql: str, args: tuple[Any, ...]) -> str:
    return str(args[0])


def executed(conn: RecordingConnection) -> list[tuple[str, tuple[Any, ...]]]:
    return [(sql, row) for sql, rows in conn.calls for row in rows]


async def test_statements_of_different_keys_share_rounds_and_each_key_keeps_its_order() -> None:
    batch, conn = StatementBatch(), RecordingConnection()
    for user in ("a", "b", "c"):  # per user: open, charge, charge
        batch.add([("OPEN", (user,))], by_first_argument)
        batch.add([("CHARGE", (user, 1)), ("CHARGE", (user, 2))], by_first_argument)
    await batch.flush(conn)  # type: ignore[arg-type]
    assert [sql for sql, _ in conn.calls] == ["OPEN", "CHARGE"]
    for user in ("a", "b", "c"):
        mine = [(sql, row) for sql, row in executed(conn) if row[0] == user]
        assert mine == [("OPEN", (user,)), ("CHARGE", (user, 1)), ("CHARGE", (user, 2))]


async def test_a_key_that_alternates_statements_gets_a_round_per_change() -> None:
    batch, conn = StatementBatch(), RecordingConnection()
    batch.add([("OPEN", ("a",)), ("CHARGE", ("a", 1)), ("OPEN", ("a",)), ("OPEN", ("b",))], by_first_argument)
    await batch.flush(conn)  # type: ignore[arg-type]
    assert conn.calls == [("OPEN", [("a",), ("b",)]), ("CHARGE", [("a", 1)]), ("OPEN", [("a",)])]


async def test_unkeyed_statements_keep_the_batch_order_around_them() -> None:
    batch, conn = StatementBatch(), RecordingConnection()
    batch.add([("INSERT", ("a",))], by_first_argument)
    batch.add([("BARRIER", ("x",))])  # no key: after everything before, before everything after
    batch.add([("INSERT", ("b",))], by_first_argument)
    await batch.flush(conn)  # type: ignore[arg-type]
    assert [sql for sql, _ in conn.calls] == ["INSERT", "BARRIER", "INSERT"]
    await batch.flush(conn)  # type: ignore[arg-type]
    assert len(conn.calls) == 3  # flushed statements are not sent twice


def keep_later(earlier: tuple[Any, ...], later: tuple[Any, ...]) -> tuple[Any, ...]:
    return later


async def test_repeats_of_a_once_statement_for_one_key_are_dropped() -> None:
    batch, conn = StatementBatch(), RecordingConnection()
    for amount in (1, 2):
        for user in ("a", "b"):
            batch.add(
                [("OPEN", (user, amount)), ("CHARGE", (user, amount))], by_first_argument, once=frozenset({"OPEN"})
            )
    await batch.flush(conn)  # type: ignore[arg-type]
    assert conn.calls == [("OPEN", [("a", 1), ("b", 1)]), ("CHARGE", [("a", 1), ("b", 1), ("a", 2), ("b", 2)])]


async def test_consecutive_statements_of_one_key_are_combined_into_one() -> None:
    batch, conn = StatementBatch(), RecordingConnection()
    combine = {"SET": keep_later}
    for value in (1, 2, 3):
        batch.add([("SET", ("a", value)), ("SET", ("b", value * 10))], by_first_argument, combine=combine)
    await batch.flush(conn)  # type: ignore[arg-type]
    assert conn.calls == [("SET", [("a", 3), ("b", 30)])]


async def test_statements_are_not_combined_across_another_statement_of_their_key() -> None:
    batch, conn = StatementBatch(), RecordingConnection()
    combine = {"SET": keep_later}
    batch.add([("SET", ("a", 1)), ("READ", ("a",)), ("SET", ("a", 2)), ("SET", ("a", 3))], by_first_argument,
              combine=combine)  # fmt: skip
    await batch.flush(conn)  # type: ignore[arg-type]
    assert executed(conn) == [("SET", ("a", 1)), ("READ", ("a",)), ("SET", ("a", 3))]


async def test_an_unkeyed_statement_ends_compaction_for_every_key() -> None:
    batch, conn = StatementBatch(), RecordingConnection()
    rules = {"once": frozenset({"OPEN"}), "combine": {"SET": keep_later}}
    batch.add([("OPEN", ("a",)), ("SET", ("a", 1))], by_first_argument, **rules)  # type: ignore[arg-type]
    batch.add([("BARRIER", ())])  # no key: it may have deleted the row or read the value
    batch.add([("OPEN", ("a",)), ("SET", ("a", 2))], by_first_argument, **rules)  # type: ignore[arg-type]
    await batch.flush(conn)  # type: ignore[arg-type]
    assert executed(conn) == [("OPEN", ("a",)), ("SET", ("a", 1)), ("BARRIER", ()), ("OPEN", ("a",)), ("SET", ("a", 2))]
