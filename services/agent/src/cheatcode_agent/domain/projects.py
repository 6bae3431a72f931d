"""The project aggregate: who owns it and what it is."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from cheatcode_contracts import Event
from cheatcode_contracts.projects import AppType, CreateProject, ProjectCreated, as_app_type


@dataclass(frozen=True)
class Project:
    project_id: str
    user_id: str = ""
    name: str = ""
    description: str = ""
    app_type: AppType = "web"
    model_name: str | None = None
    is_public: bool = False
    exists: bool = False  # False: never created

    def apply(self, event: Event) -> Project:
        """The project after ``event``; events it does not know leave it unchanged."""
        if isinstance(event, ProjectCreated):
            return replace(
                self,
                user_id=event.user_id,
                name=event.name,
                description=event.description,
                app_type=as_app_type(event.app_type),
                model_name=event.model_name,
                is_public=event.is_public,
                exists=True,
            )
        return self

    def is_visible_to(self, user_id: str) -> bool:
        return self.exists and self.user_id == user_id


def fold(project_id: str, events: Iterable[Event]) -> Project:
    state = Project(project_id)
    for event in events:
        state = state.apply(event)
    return state


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
