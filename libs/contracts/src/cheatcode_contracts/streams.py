"""JetStream stream definitions, as plain data so that no NATS client is needed here."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from cheatcode_contracts import subjects


class Storage(StrEnum):
    FILE = "file"
    MEMORY = "memory"


@dataclass(frozen=True)
class StreamSpec:
    name: str
    subjects: tuple[str, ...]
    description: str
    storage: Storage = Storage.FILE
    max_age_seconds: float = 0.0  # 0 = keep forever
    duplicate_window_seconds: float = 120.0
    allow_direct: bool = True


EVENTS = StreamSpec(
    name="EVENTS",
    subjects=(subjects.all_events_filter(),),
    description="Domain events of every aggregate: the system of record and audit log.",
)

RUN_OUTPUT = StreamSpec(
    name="RUN_OUTPUT",
    subjects=(f"{subjects.RUN_OUTPUT_PREFIX}.>",),
    description="Agent-run output frames, replayed to SSE clients; age-limited.",
    max_age_seconds=7 * 24 * 3600.0,
)

ALL_STREAMS: tuple[StreamSpec, ...] = (EVENTS, RUN_OUTPUT)
