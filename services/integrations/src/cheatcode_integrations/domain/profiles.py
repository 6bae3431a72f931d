"""A user's credential profiles: state folded from their events, and the rules (pure).

The aggregate is the user's whole set of profiles (one subject per user, see
``cheatcode_contracts.composio``): the rules span profiles, and one subject makes them
race-safe. The rules (reference §14.1):

* profile names are unique per user and toolkit (400 otherwise);
* a new profile is active; the first profile of a toolkit becomes both its default and its
  dashboard default;
* setting either flag clears it on the user's other profiles of the same toolkit;
* agents use the profiles that are active and dashboard defaults.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from cheatcode_contracts import Event
from cheatcode_contracts.composio import (
    PROVIDER,
    CredentialProfileChanged,
    CredentialProfileCreated,
    CredentialProfileDeleted,
    CredentialProfileUsed,
    qualified_name,
)
from cheatcode_runtime.errors import Invalid, NotFound


@dataclass(frozen=True)
class CredentialProfile:
    profile_id: str
    user_id: str
    toolkit_slug: str
    toolkit_name: str
    profile_name: str
    display_name: str
    connected_account_id: str
    enabled_tools: tuple[str, ...]
    is_active: bool
    is_default: bool
    is_default_for_dashboard: bool
    sealed_config: str
    config_hash: str
    created_at: datetime
    updated_at: datetime
    last_used_at: datetime | None = None
    mcp_url: str = ""

    @property
    def mcp_qualified_name(self) -> str:
        return qualified_name(self.toolkit_slug)

    @property
    def for_dashboard(self) -> bool:
        """Offered to the agent's runs (reference §7.1)."""
        return self.is_active and self.is_default_for_dashboard


@dataclass(frozen=True)
class UserProfiles:
    owner_key: str
    profiles: Mapping[str, CredentialProfile] = field(default_factory=dict)
    deleted: frozenset[str] = frozenset()  # ids once used: never reused for another profile
    # Connected accounts of deleted profiles: still the user's when Composio has forgotten them.
    former_accounts: frozenset[str] = frozenset()

    def apply(self, event: Event) -> UserProfiles:
        if isinstance(event, CredentialProfileCreated):
            return self._with(_created(event))
        current = self.profiles.get(getattr(event, "profile_id", ""))
        if current is None:
            return self
        if isinstance(event, CredentialProfileChanged):
            return self._with(_changed(current, event))
        if isinstance(event, CredentialProfileUsed):
            used = replace(current, last_used_at=event.occurred_at, mcp_url=event.mcp_url or current.mcp_url)
            return self._with(used)
        if isinstance(event, CredentialProfileDeleted):
            rest = {pid: profile for pid, profile in self.profiles.items() if pid != current.profile_id}
            return replace(
                self,
                profiles=rest,
                deleted=self.deleted | {current.profile_id},
                former_accounts=self.former_accounts | {current.connected_account_id},
            )
        return self

    def _with(self, profile: CredentialProfile) -> UserProfiles:
        return replace(self, profiles={**self.profiles, profile.profile_id: profile})

    def of_toolkit(self, toolkit_slug: str) -> list[CredentialProfile]:
        return [profile for profile in self.profiles.values() if profile.toolkit_slug == toolkit_slug]

    def owned(self, profile_id: str) -> CredentialProfile:
        """The profile, or NotFound (another user's id is simply not in this user's set)."""
        profile = self.profiles.get(profile_id)
        if profile is None:
            raise NotFound("Profile not found")
        return profile

    def name_available(self, toolkit_slug: str, profile_name: str, *, besides: str = "") -> bool:
        name = profile_name.strip()
        return not any(
            profile.profile_name == name and profile.profile_id != besides for profile in self.of_toolkit(toolkit_slug)
        )

    def for_dashboard(self) -> list[CredentialProfile]:
        return sorted((p for p in self.profiles.values() if p.for_dashboard), key=lambda p: p.created_at)

    def with_account(self, connected_account_id: str) -> CredentialProfile | None:
        for profile in self.profiles.values():
            if profile.connected_account_id == connected_account_id:
                return profile
        return None

    def knows_account(self, connected_account_id: str) -> bool:
        """A profile of this user holds or held the connected account."""
        return self.with_account(connected_account_id) is not None or connected_account_id in self.former_accounts


def initial(key: str) -> UserProfiles:
    return UserProfiles(owner_key=key)


def fold(key: str, events: Iterable[Event]) -> UserProfiles:
    state = initial(key)
    for event in events:
        state = state.apply(event)
    return state


def _created(event: CredentialProfileCreated) -> CredentialProfile:
    return CredentialProfile(
        profile_id=event.profile_id,
        user_id=event.user_id,
        toolkit_slug=event.toolkit_slug,
        toolkit_name=event.toolkit_name,
        profile_name=event.profile_name,
        display_name=event.display_name,
        connected_account_id=event.connected_account_id,
        enabled_tools=tuple(event.enabled_tools),
        is_active=event.is_active,
        is_default=event.is_default,
        is_default_for_dashboard=event.is_default_for_dashboard,
        sealed_config=event.sealed_config,
        config_hash=event.config_hash,
        created_at=event.occurred_at,
        updated_at=event.occurred_at,
    )


def _changed(profile: CredentialProfile, event: CredentialProfileChanged) -> CredentialProfile:
    changes: dict[str, Any] = {
        name: getattr(event, name)
        for name in (
            "profile_name",
            "display_name",
            "is_active",
            "is_default",
            "is_default_for_dashboard",
            "sealed_config",
            "config_hash",
        )
        if getattr(event, name) is not None
    }
    if event.enabled_tools is not None:
        changes["enabled_tools"] = tuple(event.enabled_tools)
    return replace(profile, **changes, updated_at=event.occurred_at)


# ---------------------------------------------------------------------------- the connection config


def connection_config(
    connected_account_id: str,
    enabled_tools: Sequence[str],
    *,
    initiation_params: Mapping[str, Any] | None = None,
    custom_auth_config: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The secret sealed into the events: the reference's JSON plus what the user typed in
    to connect (initiation parameters, a custom OAuth app), which may hold credentials."""
    config: dict[str, Any] = {
        "connected_account_id": connected_account_id,
        "enabled_tools": list(enabled_tools),
        "provider": PROVIDER,
    }
    if initiation_params:
        config["initiation_params"] = dict(initiation_params)
    if custom_auth_config:
        config["custom_auth_config"] = dict(custom_auth_config)
    return config


def encode_config(config: Mapping[str, Any]) -> bytes:
    """Sorted-key JSON (reference §14.1: its SHA-256 is the ``config_hash``)."""
    return json.dumps(config, sort_keys=True, separators=(",", ":")).encode()


def decode_config(plaintext: bytes) -> dict[str, Any]:
    value = json.loads(plaintext)
    if not isinstance(value, dict):
        raise ValueError("connection config is not an object")
    return value


# ---------------------------------------------------------------------------- decisions


@dataclass(frozen=True)
class NewProfile:
    user_id: str
    profile_id: str
    toolkit_slug: str
    toolkit_name: str
    profile_name: str
    display_name: str | None
    connected_account_id: str
    sealed_config: str
    config_hash: str


def default_display_name(toolkit_name: str, profile_name: str) -> str:
    return f"{toolkit_name} - {profile_name}"


def name_taken(toolkit_slug: str, profile_name: str) -> Invalid:
    return Invalid(f"Profile name '{profile_name}' already exists for {toolkit_slug}")


def check_name(state: UserProfiles, toolkit_slug: str, profile_name: str, *, besides: str = "") -> None:
    if not profile_name.strip():
        raise Invalid("profile_name must not be empty")
    if not state.name_available(toolkit_slug, profile_name, besides=besides):
        raise name_taken(toolkit_slug, profile_name.strip())


def create(state: UserProfiles, new: NewProfile) -> list[Event]:
    """The created event; the first profile of its toolkit is both defaults."""
    if new.profile_id in state.profiles or new.profile_id in state.deleted:
        raise Invalid("profile id already used")
    check_name(state, new.toolkit_slug, new.profile_name)
    first = not state.of_toolkit(new.toolkit_slug)
    name = new.profile_name.strip()
    return [
        CredentialProfileCreated(
            owner_key=state.owner_key,
            user_id=new.user_id,
            profile_id=new.profile_id,
            toolkit_slug=new.toolkit_slug,
            toolkit_name=new.toolkit_name,
            profile_name=name,
            display_name=new.display_name or default_display_name(new.toolkit_name, name),
            connected_account_id=new.connected_account_id,
            enabled_tools=[],
            is_active=True,
            is_default=first,
            is_default_for_dashboard=first,
            sealed_config=new.sealed_config,
            config_hash=new.config_hash,
        )
    ]


@dataclass(frozen=True)
class ProfileChanges:
    profile_name: str | None = None
    display_name: str | None = None
    is_active: bool | None = None
    is_default: bool | None = None
    is_default_for_dashboard: bool | None = None
    enabled_tools: tuple[str, ...] | None = None
    sealed_config: str | None = None  # with enabled_tools: the re-sealed config
    config_hash: str | None = None


def update(state: UserProfiles, profile_id: str, changes: ProfileChanges) -> list[Event]:
    """The change to the profile, then the flags cleared on its toolkit's other profiles."""
    profile = state.owned(profile_id)
    if changes.profile_name is not None:
        check_name(state, profile.toolkit_slug, changes.profile_name, besides=profile_id)
    if changes.enabled_tools is not None and changes.sealed_config is None:
        raise ValueError("enabled tools change the config: re-seal it")
    ids = {"owner_key": state.owner_key, "user_id": profile.user_id}
    events: list[Event] = [
        CredentialProfileChanged(
            **ids,
            profile_id=profile_id,
            profile_name=changes.profile_name.strip() if changes.profile_name is not None else None,
            display_name=changes.display_name,
            is_active=changes.is_active,
            is_default=changes.is_default,
            is_default_for_dashboard=changes.is_default_for_dashboard,
            enabled_tools=list(changes.enabled_tools) if changes.enabled_tools is not None else None,
            sealed_config=changes.sealed_config,
            config_hash=changes.config_hash,
        )
    ]
    for other in state.of_toolkit(profile.toolkit_slug):
        if other.profile_id == profile_id:
            continue
        clear_default = changes.is_default is True and other.is_default
        clear_dashboard = changes.is_default_for_dashboard is True and other.is_default_for_dashboard
        if clear_default or clear_dashboard:
            events.append(
                CredentialProfileChanged(
                    **ids,
                    profile_id=other.profile_id,
                    is_default=False if clear_default else None,
                    is_default_for_dashboard=False if clear_dashboard else None,
                )
            )
    return events


def delete(state: UserProfiles, profile_ids: Iterable[str]) -> list[Event]:
    """Deleted events for the ids this user owns (others' ids and unknown ones: skipped)."""
    seen: set[str] = set()
    events: list[Event] = []
    for profile_id in profile_ids:
        profile = state.profiles.get(profile_id)
        if profile is None or profile_id in seen:
            continue
        seen.add(profile_id)
        events.append(
            CredentialProfileDeleted(owner_key=state.owner_key, user_id=profile.user_id, profile_id=profile_id)
        )
    return events


def used(state: UserProfiles, profile_id: str, mcp_url: str) -> list[Event]:
    profile = state.owned(profile_id)
    return [
        CredentialProfileUsed(
            owner_key=state.owner_key, user_id=profile.user_id, profile_id=profile_id, mcp_url=mcp_url
        )
    ]


def secret_id(profile_id: str) -> str:
    """The id of the profile's data key in the secrets box."""
    return f"composio-profile-{profile_id}"
