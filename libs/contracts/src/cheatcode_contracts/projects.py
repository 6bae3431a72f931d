"""Projects: a user's app, owner of one sandbox and many threads."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from cheatcode_contracts.base import Command, Event

AppType = Literal["web", "mobile"]
PROJECT = "project"

# The port each app type's dev server listens on inside its sandbox (Next.js, Expo's Metro).
PREVIEW_PORTS: dict[AppType, int] = {"web": 3000, "mobile": 8081}


def as_app_type(value: object) -> AppType:
    """The app type ``value`` names; anything unknown is ``"web"`` (the original's rule)."""
    return "mobile" if value == "mobile" else "web"


def preview_port(app_type: object) -> int:
    """The dev server port of an app type (unknown values are web's)."""
    return PREVIEW_PORTS[as_app_type(app_type)]


class ProjectCreated(Event):
    type_name: ClassVar[str] = "project.created"
    aggregate_kind: ClassVar[str] = PROJECT
    aggregate_field: ClassVar[str] = "project_id"

    project_id: str
    user_id: str
    name: str
    description: str = ""
    app_type: AppType = "web"
    model_name: str | None = None
    is_public: bool = False


class CreateProject(Command):
    type_name: ClassVar[str] = "project.create"

    project_id: str
    user_id: str
    name: str = Field(min_length=1, max_length=255)
    description: str = Field(default="", max_length=10_000)
    app_type: AppType = "web"
    model_name: str | None = None


EVENTS: tuple[type[Event], ...] = (ProjectCreated,)
COMMANDS: tuple[type[Command], ...] = (CreateProject,)
