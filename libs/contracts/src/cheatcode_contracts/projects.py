"""Projects: a user's app, owner of one sandbox and many threads."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from cheatcode_contracts.base import Command, Event

AppType = Literal["web", "mobile"]
PROJECT = "project"


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
