"""The project aggregate: who owns it and what it is."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cheatcode_contracts import Event
from cheatcode_contracts.projects import CreateProject, ProjectCreated


@dataclass(frozen=True)
class Project:
    project_id: str
    user_id: str
    name: str
    description: str
    app_type: str
    model_name: str | None
    is_public: bool

    def is_visible_to(self, user_id: str) -> bool:
        return self.user_id == user_id


def apply(project: Project | None, event: Event) -> Project | None:
    """The project after ``event``; events it does not know leave it unchanged."""
    if isinstance(event, ProjectCreated):
        return Project(
            project_id=event.project_id,
            user_id=event.user_id,
            name=event.name,
            description=event.description,
            app_type=event.app_type,
            model_name=event.model_name,
            is_public=event.is_public,
        )
    return project


def replay(events: Iterable[Event]) -> Project | None:
    project: Project | None = None
    for event in events:
        project = apply(project, event)
    return project


def create(command: CreateProject) -> ProjectCreated:
    """A new project. That the id is unused is checked by appending to an empty subject."""
    return ProjectCreated(
        project_id=command.project_id,
        user_id=command.user_id,
        name=command.name,
        description=command.description,
        app_type=command.app_type,
        model_name=command.model_name,
    )
