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
    replicas: int = 1  # a clustered deployment provisions with its cluster size instead


@dataclass(frozen=True)
class KeyValueSpec:
    """A KV bucket a service uses; provisioned ahead (replicated like the streams) so that the
    service's own create-when-missing at start finds it and creates nothing."""

    bucket: str
    description: str
    history: int = 1
    ttl_seconds: float = 0.0  # 0 = entries never expire
    replicas: int = 1


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

AGENT_PROJECT_RUNS = KeyValueSpec(bucket="agent_project_runs", description="newest agent run of each project")
API_MODELS = KeyValueSpec(bucket="api_models", description="model catalog", ttl_seconds=3600.0)

ALL_KEY_VALUE_BUCKETS: tuple[KeyValueSpec, ...] = (AGENT_PROJECT_RUNS, API_MODELS)
