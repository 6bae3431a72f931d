from __future__ import annotations

from cheatcode_contracts.sandbox import EnsureSandbox, SandboxStarted, SandboxStopped, sandbox_id_for
from cheatcode_sandbox.domain import sandbox as domain


def created() -> domain.Sandbox:
    event = domain.create(EnsureSandbox(project_id="p", user_id="u", app_type="mobile"))
    return domain.fold(event.sandbox_id, [event])


def test_creation_records_owner_app_type_and_a_secret_preview_token() -> None:
    state = created()
    assert (state.sandbox_id, state.user_id, state.app_type, state.status) == (
        sandbox_id_for("p"),
        "u",
        "mobile",
        "creating",
    )
    assert len(state.preview_token) >= 24
    assert domain.owned_by(state, "u") and not domain.owned_by(state, "v")


def test_start_here_when_not_running() -> None:
    [started] = domain.start_here(created(), "me", host_alive=False)
    assert isinstance(started, SandboxStarted) and started.host_instance_id == "me"


def test_running_on_a_live_host_or_here_needs_nothing() -> None:
    running = created().apply(domain.start_here(created(), "other", host_alive=False)[0])
    assert domain.start_here(running, "me", host_alive=True) == []
    assert domain.start_here(running, "other", host_alive=False) == []


def test_a_dead_host_is_stopped_then_replaced() -> None:
    running = created().apply(domain.start_here(created(), "dead", host_alive=False)[0])
    stopped, started = domain.start_here(running, "me", host_alive=False)
    assert isinstance(stopped, SandboxStopped) and (stopped.host_instance_id, stopped.reason) == ("dead", "host_lost")
    assert isinstance(started, SandboxStarted) and started.host_instance_id == "me"
    state = running.apply(stopped).apply(started)
    assert (state.status, state.host) == ("running", "me")


def test_deleted_sandboxes_do_not_exist() -> None:
    state = created()
    assert not state.apply(domain.deleted(state)).exists
