"""The credential profile rules (reference §14.1): defaults, unique names, ownership, deletion."""

from __future__ import annotations

import pytest

from cheatcode_contracts import Event
from cheatcode_contracts.composio import CredentialProfileCreated, owner_key
from cheatcode_integrations.domain import profiles as rules
from cheatcode_integrations.domain.profiles import ProfileChanges, UserProfiles
from cheatcode_runtime.errors import Invalid, NotFound

ALICE = "user_alice"


def new(profile_id: str, name: str, toolkit: str = "github", user: str = ALICE) -> rules.NewProfile:
    return rules.NewProfile(
        user_id=user,
        profile_id=profile_id,
        toolkit_slug=toolkit,
        toolkit_name=toolkit.title(),
        profile_name=name,
        display_name=None,
        connected_account_id=f"ca_{profile_id}",
        sealed_config="c2VhbGVk",
        config_hash="0" * 64,
    )


def _fold(state: UserProfiles, events: list[Event]) -> UserProfiles:
    for event in events:
        state = state.apply(event)
    return state


def empty(user: str = ALICE) -> UserProfiles:
    return rules.initial(owner_key(user))


def with_profiles(*specs: rules.NewProfile) -> UserProfiles:
    state = empty()
    for spec in specs:
        state = _fold(state, rules.create(state, spec))
    return state


def test_the_first_profile_of_a_toolkit_is_both_defaults_and_active() -> None:
    state = with_profiles(new("p1", "Work"))
    first = state.profiles["p1"]
    assert (first.is_active, first.is_default, first.is_default_for_dashboard) == (True, True, True)
    assert first.display_name == "Github - Work"
    assert first.mcp_qualified_name == "composio:github"


def test_later_profiles_are_active_but_not_default() -> None:
    state = with_profiles(new("p1", "Work"), new("p2", "Home"), new("p3", "Chat", toolkit="slack"))
    second, other_toolkit = state.profiles["p2"], state.profiles["p3"]
    assert second.is_active and not second.is_default and not second.is_default_for_dashboard
    assert other_toolkit.is_default and other_toolkit.is_default_for_dashboard


def test_names_are_unique_per_user_and_toolkit() -> None:
    state = with_profiles(new("p1", "Work"))
    with pytest.raises(Invalid, match="Profile name 'Work' already exists for github"):
        rules.create(state, new("p2", "Work"))
    with pytest.raises(Invalid):
        rules.create(state, new("p2", "  Work "))
    assert rules.create(state, new("p2", "Work", toolkit="slack"))  # another toolkit: fine
    assert not state.name_available("github", "Work")
    assert state.name_available("github", "work2")


def test_renaming_to_a_taken_name_is_refused_but_keeping_ones_own_is_fine() -> None:
    state = with_profiles(new("p1", "Work"), new("p2", "Home"))
    with pytest.raises(Invalid):
        rules.update(state, "p2", ProfileChanges(profile_name="Work"))
    events = rules.update(state, "p1", ProfileChanges(profile_name="Work", display_name="Mine"))
    assert _fold(state, events).profiles["p1"].display_name == "Mine"


def test_setting_a_default_clears_it_on_the_other_profiles_of_the_toolkit_only() -> None:
    state = with_profiles(new("p1", "Work"), new("p2", "Home"), new("p3", "Chat", toolkit="slack"))
    state = _fold(state, rules.update(state, "p2", ProfileChanges(is_default=True)))
    assert state.profiles["p2"].is_default and not state.profiles["p1"].is_default
    assert state.profiles["p1"].is_default_for_dashboard  # the other flag is untouched
    state = _fold(state, rules.update(state, "p2", ProfileChanges(is_default_for_dashboard=True)))
    assert state.profiles["p2"].is_default_for_dashboard and not state.profiles["p1"].is_default_for_dashboard
    assert state.profiles["p3"].is_default and state.profiles["p3"].is_default_for_dashboard


def test_the_agent_gets_the_active_dashboard_defaults_only() -> None:
    state = with_profiles(new("p1", "Work"), new("p2", "Home"), new("p3", "Chat", toolkit="slack"))
    assert [p.profile_id for p in state.for_dashboard()] == ["p1", "p3"]
    state = _fold(state, rules.update(state, "p3", ProfileChanges(is_active=False)))
    assert [p.profile_id for p in state.for_dashboard()] == ["p1"]


def test_another_users_profile_is_not_found() -> None:
    mine = with_profiles(new("p1", "Work"))
    theirs = empty("user_bob")
    with pytest.raises(NotFound):
        theirs.owned("p1")
    with pytest.raises(NotFound):
        rules.update(theirs, "p1", ProfileChanges(is_active=False))
    assert rules.delete(theirs, ["p1"]) == []
    assert mine.owned("p1").profile_id == "p1"


def test_delete_counts_only_owned_profiles_once_and_ids_are_never_reused() -> None:
    state = with_profiles(new("p1", "Work"), new("p2", "Home"))
    events = rules.delete(state, ["p1", "p1", "nope"])
    assert len(events) == 1
    state = _fold(state, events)
    assert "p1" not in state.profiles and "p1" in state.deleted
    with pytest.raises(Invalid):
        rules.create(state, new("p1", "Again"))
    assert state.name_available("github", "Work")  # a deleted profile's name is free again


def test_enabled_tools_need_a_resealed_config() -> None:
    state = with_profiles(new("p1", "Work"))
    with pytest.raises(ValueError, match="re-seal"):
        rules.update(state, "p1", ProfileChanges(enabled_tools=("A",)))
    events = rules.update(
        state, "p1", ProfileChanges(enabled_tools=("A", "B"), sealed_config="bmV3", config_hash="1" * 64)
    )
    after = _fold(state, events).profiles["p1"]
    assert after.enabled_tools == ("A", "B") and after.sealed_config == "bmV3"


def test_used_records_the_time_and_the_mcp_url() -> None:
    state = with_profiles(new("p1", "Work"))
    event = rules.used(state, "p1", "https://mcp.example/v3/mcp/s1")[0]
    after = state.apply(event).profiles["p1"]
    assert after.last_used_at == event.occurred_at and after.mcp_url == "https://mcp.example/v3/mcp/s1"


def test_the_config_is_sorted_key_json_and_the_event_holds_only_its_ciphertext() -> None:
    config = rules.connection_config("ca_1", ["B"], initiation_params={"api_key": "sk-secret"})
    assert rules.encode_config(config) == (
        b'{"connected_account_id":"ca_1","enabled_tools":["B"],'
        b'"initiation_params":{"api_key":"sk-secret"},"provider":"composio"}'
    )
    assert rules.decode_config(rules.encode_config(config)) == config
    event = rules.create(empty(), new("p1", "Work"))[0]
    assert isinstance(event, CredentialProfileCreated)
    assert "sk-secret" not in event.model_dump_json()


def test_owner_keys_are_subject_safe_and_stable() -> None:
    key = owner_key("user.with spaces*")
    assert key == owner_key("user.with spaces*") and "." not in key and " " not in key
    assert key != owner_key("user_other")
