"""What the supervisor hands each service."""

from __future__ import annotations

from pathlib import Path

from cheatcode_infra import stack_env

WIRING = stack_env.StackWiring(
    home=Path("/srv/cc"),
    nats_url="nats://127.0.0.1:1234",
    nats_passwords={name: f"pw-{name}" for name in ("api", "agent", "sandbox", "billing", "integrations")},
    database_url="postgresql://postgres@127.0.0.1:5555/cheatcode",
    jwks_url="http://127.0.0.1:7777/.well-known/jwks.json",
    admin_api_key="admin-key",
    api_host="127.0.0.1",
    api_port=8123,
    llm_base_url="http://127.0.0.1:9999/v1",
)


def test_each_service_gets_its_own_nats_user() -> None:
    for name in ("api", "agent", "sandbox", "billing", "integrations"):
        env = stack_env.service_env(name, WIRING, {})
        assert env["CHEATCODE_NATS_USER"] == name
        assert env["CHEATCODE_NATS_PASSWORD"] == f"pw-{name}"
        assert env["CHEATCODE_NATS_URL"] == WIRING.nats_url


def test_only_the_api_gets_the_database_and_auth_settings() -> None:
    api = stack_env.service_env("api", WIRING, {})
    assert api["CHEATCODE_DATABASE_URL"] == WIRING.database_url
    assert api["CHEATCODE_API_PORT"] == "8123"
    assert api["CHEATCODE_JWKS_URL"] == WIRING.jwks_url
    assert api["CHEATCODE_JWT_ISSUER"] == "cheatcode-dev"
    assert api["CHEATCODE_ADMIN_API_KEY"] == "admin-key"
    agent = stack_env.service_env("agent", WIRING, {})
    assert "CHEATCODE_DATABASE_URL" not in agent
    assert "CHEATCODE_ADMIN_API_KEY" not in agent


def test_an_exported_jwks_url_wins_over_the_dev_issuer() -> None:
    env = stack_env.service_env("api", WIRING, {"CHEATCODE_JWKS_URL": "https://clerk.example/jwks"})
    assert env["CHEATCODE_JWKS_URL"] == "https://clerk.example/jwks"
    assert "CHEATCODE_JWT_ISSUER" not in env


def test_the_mock_model_is_wired_into_agent_and_api_only() -> None:
    assert stack_env.service_env("agent", WIRING, {})["LLM_BASE_URL"] == WIRING.llm_base_url
    assert stack_env.service_env("api", WIRING, {})["LLM_API_KEY"] == "mock"
    assert "LLM_BASE_URL" not in stack_env.service_env("billing", WIRING, {})


def test_the_mock_model_is_needed_only_without_a_configured_llm() -> None:
    assert stack_env.needs_mock_llm({})
    assert not stack_env.needs_mock_llm({"OPENROUTER_API_KEY": "sk-x"})
    assert not stack_env.needs_mock_llm({"LLM_BASE_URL": "http://llm.local/v1"})


def test_sandbox_workspaces_default_under_the_home() -> None:
    assert stack_env.service_env("sandbox", WIRING, {})["CHEATCODE_SANDBOX_ROOT"] == "/srv/cc/sandboxes"
    custom = stack_env.service_env("sandbox", WIRING, {"CHEATCODE_SANDBOX_ROOT": "/data/ws"})
    assert custom["CHEATCODE_SANDBOX_ROOT"] == "/data/ws"


def test_the_api_starts_last() -> None:
    assert stack_env.START_ORDER[-1] == "api"
    assert set(stack_env.START_ORDER) == {"api", "agent", "sandbox", "billing", "integrations"}


def test_a_missing_package_is_reported_not_raised() -> None:
    assert stack_env.missing_reason("does_not_exist_anywhere") is not None


def test_each_service_serves_metrics_on_the_port_the_supervisor_chose() -> None:
    ports = {"api": 9101, "agent": 9102}
    wiring = stack_env.StackWiring(**{**vars(WIRING), "metrics_ports": ports})
    assert stack_env.service_env("api", wiring, {})["CHEATCODE_METRICS_PORT"] == "9101"
    assert stack_env.service_env("agent", wiring, {})["CHEATCODE_METRICS_PORT"] == "9102"
    assert "CHEATCODE_METRICS_PORT" not in stack_env.service_env("billing", wiring, {})
    assert wiring.metrics_url("agent") == "http://127.0.0.1:9102/metrics"
