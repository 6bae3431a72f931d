"""``timestamptz`` to and from asyncpg's tuple form (microseconds since 2000-01-01 UTC).

asyncpg's own encoder compares every value with two naive infinities and converts it with
``astimezone`` and a subtraction; each of those asks the tzinfo for its offset, and the
datetimes pydantic decodes carry pydantic-core's ``TzInfo``, whose ``utcoffset()`` is a call
into Rust. That made ~1.3 µs a value, and a rebuilt event writes two or three of them. A UTC
datetime (pydantic's UTC ``TzInfo`` is one shared object, ``datetime.UTC`` another) is
summed from its fields instead, ~0.3 µs. Every other value takes asyncpg's own steps, so the
stored value is always the one asyncpg would have stored
(tests/integration/api/adapters/postgres/test_timestamps.py writes both and compares).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

from pydantic_core import TzInfo

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # PostgreSQL's
EPOCH_ORDINAL = EPOCH.toordinal()
INFINITY, NEGATIVE_INFINITY = 2**63 - 1, -(2**63)  # 'infinity' and '-infinity' on the wire
# What asyncpg writes as the infinities (naive: an aware value never equals them) and reads them as.
INFINITY_DATETIME, NEGATIVE_INFINITY_DATETIME = datetime.max, datetime.min
FIXED_OFFSETS = (timezone, TzInfo)  # tzinfo types whose offset never changes
_ZERO = timedelta(0)
_utc_tzinfos: dict[int, tzinfo] = {id(UTC): UTC}  # id -> the tzinfo (kept alive, so its id stays its own)


def encode_timestamptz(value: object) -> tuple[int]:
    if type(value) is datetime and _is_utc(value.tzinfo):
        days = value.toordinal() - EPOCH_ORDINAL
        seconds = days * 86_400 + value.hour * 3_600 + value.minute * 60 + value.second
        return (seconds * 1_000_000 + value.microsecond,)
    return (_as_asyncpg_does(value),)


def decode_timestamptz(value: tuple[int]) -> datetime:
    (micros,) = value
    if micros == INFINITY:
        return INFINITY_DATETIME
    if micros == NEGATIVE_INFINITY:
        return NEGATIVE_INFINITY_DATETIME
    return EPOCH + timedelta(microseconds=micros)


def _is_utc(tz: tzinfo | None) -> bool:
    if tz is None:
        return False
    if _utc_tzinfos.get(id(tz)) is tz:
        return True
    if type(tz) in FIXED_OFFSETS and tz.utcoffset(None) == _ZERO and len(_utc_tzinfos) < 16:
        _utc_tzinfos[id(tz)] = tz
        return True
    return False


def _as_asyncpg_does(value: object) -> int:
    """asyncpg's ``timestamptz_encode``: a date is midnight at the local offset of now, a naive
    datetime local time."""
    if not isinstance(value, datetime):
        if not isinstance(value, date):
            raise TypeError(f"expected a datetime.date or datetime.datetime instance, got {type(value).__name__!r}")
        local_now = datetime.now(UTC).astimezone().utcoffset()
        value = datetime(value.year, value.month, value.day, tzinfo=timezone(local_now or _ZERO))
    if value == INFINITY_DATETIME:
        return INFINITY
    if value == NEGATIVE_INFINITY_DATETIME:
        return NEGATIVE_INFINITY
    delta = value.astimezone(UTC) - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
