"""Subject naming. One place decides every subject, so permissions and streams agree."""

from __future__ import annotations

ROOT = "cc"
EVENTS_PREFIX = f"{ROOT}.evt"
RUN_OUTPUT_PREFIX = f"{ROOT}.run"
COMMAND_PREFIX = f"{ROOT}.cmd"
PING_PREFIX = f"{ROOT}.ping"

_FORBIDDEN = set(" .*>\t\r\n")


def _token(value: str) -> str:
    if not value or _FORBIDDEN.intersection(value):
        raise ValueError(f"not a valid subject token: {value!r}")
    return value


def aggregate_subject(kind: str, aggregate_id: str) -> str:
    """The one subject that holds every event of one aggregate."""
    return f"{EVENTS_PREFIX}.{_token(kind)}.{_token(aggregate_id)}"


def aggregate_kind_filter(kind: str) -> str:
    return f"{EVENTS_PREFIX}.{_token(kind)}.*"


def all_events_filter() -> str:
    return f"{EVENTS_PREFIX}.>"


def run_output_subject(run_id: str) -> str:
    return f"{RUN_OUTPUT_PREFIX}.{_token(run_id)}"


def command_subject(service: str, type_name: str) -> str:
    """``cc.cmd.<service>.<type name>``; a dotted type name becomes several tokens."""
    tokens = ".".join(_token(part) for part in type_name.split("."))
    return f"{COMMAND_PREFIX}.{_token(service)}.{tokens}"


def service_commands_filter(service: str) -> str:
    return f"{COMMAND_PREFIX}.{_token(service)}.>"


def ping_subject(service: str) -> str:
    return f"{PING_PREFIX}.{_token(service)}"
