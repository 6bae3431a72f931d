"""Deep-health verdicts and public id rules."""

from __future__ import annotations

from cheatcode_api.domain.health import ComponentHealth, Status, lag_status, overall_status, report
from cheatcode_api.domain.ids import canonical_uuid


def component(name: str, status: Status) -> ComponentHealth:
    return ComponentHealth(name, status, f"{name} is {status}", 1.0)


def test_overall_is_the_worst_component() -> None:
    assert overall_status([component("a", Status.HEALTHY)]) is Status.HEALTHY
    assert overall_status([component("a", Status.HEALTHY), component("b", Status.WARNING)]) is Status.WARNING
    assert overall_status([component("a", Status.WARNING), component("b", Status.CRITICAL)]) is Status.CRITICAL


def test_report_has_the_reference_shape() -> None:
    body = report("i-1", 5.0, [component("nats", Status.CRITICAL), component("postgres", Status.WARNING)])
    assert body["instance_id"] == "i-1" and body["timestamp"] == 5.0
    assert body["overall_status"] == "critical"
    assert body["components"]["nats"] == {
        "component": "nats", "status": "critical", "message": "nats is critical", "timestamp": 1.0, "details": {},
    }  # fmt: skip
    assert body["critical_issues"] == ["nats: nats is critical"]
    assert body["warnings"] == ["postgres: postgres is warning"]


def test_projection_lag_verdicts() -> None:
    assert lag_status(0, warning_above=10) is Status.HEALTHY
    assert lag_status(11, warning_above=10) is Status.WARNING
    assert lag_status(-1, warning_above=10) is Status.CRITICAL  # read model ahead of a reset log


def test_only_uuids_are_ids() -> None:
    assert canonical_uuid("6F9619FF-8B86-D011-B42D-00C04FC964FF") == "6f9619ff-8b86-d011-b42d-00c04fc964ff"
    for bad in ("", "1", "not-a-uuid", "6f9619ff-8b86-d011-b42d-00c04fc964fg", "../etc"):
        assert canonical_uuid(bad) is None
