"""Settings parsing and the checkpoint notification payload."""

from __future__ import annotations

import pytest

from cheatcode_api.adapters.postgres.checkpoints import notify_payload, parse_notify_payload
from cheatcode_api.adapters.postgres.migrate import discover_migrations
from cheatcode_api.config import Settings


def test_comma_lists_and_nested_nats_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHEATCODE_CORS_ORIGINS", "http://a.test, http://b.test")
    monkeypatch.setenv("CHEATCODE_JWT_AUTHORIZED_PARTIES", "http://a.test")
    monkeypatch.setenv("CHEATCODE_NATS_URL", "nats://127.0.0.1:1")
    monkeypatch.setenv("CHEATCODE_API_PORT", "9123")
    settings = Settings()
    assert settings.cors_origins == ["http://a.test", "http://b.test"]
    assert settings.jwt_authorized_parties == ["http://a.test"]
    assert settings.nats.url == "nats://127.0.0.1:1"
    assert settings.api_port == 9123
    assert settings.instance_id


def test_notify_payload_round_trips() -> None:
    assert parse_notify_payload(notify_payload(["projects", "threads"], 42)) == (["projects", "threads"], 42)


def test_migrations_are_numbered_and_ordered() -> None:
    migrations = discover_migrations()
    versions = [migration.version for migration in migrations]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)
    assert migrations[0].name == "001_projection_checkpoints.sql"
