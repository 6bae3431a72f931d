"""`cheatcode up` gives billing and integrations a master key, and each its own data-key bucket."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from cheatcode_infra import nats_auth, stack_env
from cheatcode_infra.secret_files import read_or_create_encryption_key
from cheatcode_runtime.secrets import parse_master_keys
from tests.unit.infra.test_nats_auth import may_publish
from tests.unit.infra.test_stack_env import WIRING


def test_the_encryption_key_is_generated_once_private_and_valid(tmp_path: Path) -> None:
    path = tmp_path / "secrets" / "encryption-key"
    first = read_or_create_encryption_key(path)
    assert read_or_create_encryption_key(path) == first
    assert path.stat().st_mode & 0o077 == 0
    assert parse_master_keys(first) == (first,)


def test_a_rotated_key_list_in_the_file_is_kept_as_written(tmp_path: Path) -> None:
    path = tmp_path / "encryption-key"
    old = read_or_create_encryption_key(path)
    path.unlink()
    new = read_or_create_encryption_key(path)
    path.write_text(f"{new},{old}\n")
    assert parse_master_keys(read_or_create_encryption_key(path)) == (new, old)


def test_only_the_services_that_seal_secrets_get_the_master_key() -> None:
    wiring = dataclasses.replace(WIRING, encryption_key="k1,k0")
    for name in ("billing", "integrations"):
        assert stack_env.service_env(name, wiring, {})["CHEATCODE_ENCRYPTION_KEY"] == "k1,k0"
    for name in ("api", "agent", "sandbox"):
        assert "CHEATCODE_ENCRYPTION_KEY" not in stack_env.service_env(name, wiring, {})
    exported = stack_env.service_env("billing", wiring, {"CHEATCODE_ENCRYPTION_KEY": "mine"})
    assert exported["CHEATCODE_ENCRYPTION_KEY"] == "mine"


def test_each_secret_keeping_service_writes_only_its_own_data_key_bucket() -> None:
    assert may_publish("billing", "$KV.billing_secret_keys.byok.u1")
    assert may_publish("integrations", "$KV.integrations_secret_keys.p1")
    for user in nats_auth.SERVICES:
        if user != "billing":
            assert not may_publish(user, "$KV.billing_secret_keys.byok.u1")
        if user != "integrations":
            assert not may_publish(user, "$KV.integrations_secret_keys.p1")


def test_only_the_agent_may_ask_billing_for_a_runs_decrypted_key() -> None:
    from cheatcode_contracts.billing import ResolveRunLlmKey
    from cheatcode_contracts.catalog import subject_for

    subject = subject_for(ResolveRunLlmKey)
    senders = {user for user in nats_auth.SERVICES if may_publish(user, subject)}
    denied = {user for user in nats_auth.SERVICES if subject in nats_auth.permissions_for(user).publish_deny}
    assert "agent" in senders
    assert "api" in denied  # the API may send every other command, not this one
    assert senders - denied == {"agent"}


def test_without_a_polar_token_the_stack_plans_the_local_polar_for_billing(tmp_path: Path) -> None:
    from cheatcode_infra.doubles import polar_local

    local = polar_local.plan({}, tmp_path, "http://127.0.0.1:8000")
    assert local is not None
    assert local.env["POLAR_SERVER_URL"] == local.url
    assert local.env["POLAR_PRODUCT_ID_PRO"] == "prod_local_pro"
    assert local.env["POLAR_WEBHOOK_SECRET"] == (tmp_path / "polar-webhook-secret").read_text()
    assert "http://127.0.0.1:8000/api/webhooks/polar" in local.argv
    assert local.env["POLAR_ACCESS_TOKEN"] not in local.argv  # secrets go by environment, not `ps`
    again = polar_local.plan({}, tmp_path, "http://127.0.0.1:8000")
    assert again is not None and again.env["POLAR_WEBHOOK_SECRET"] == local.env["POLAR_WEBHOOK_SECRET"]
    assert polar_local.plan({"POLAR_ACCESS_TOKEN": "polar_oat_real"}, tmp_path, "http://x") is None
