from __future__ import annotations

from cheatcode_agent.domain import projects
from cheatcode_contracts.projects import CreateProject
from cheatcode_contracts.threads import ThreadCreated


def test_a_project_is_rebuilt_from_its_created_event() -> None:
    event = projects.create(CreateProject(project_id="p", user_id="u", name="App", app_type="mobile"))
    project = projects.fold("p", [event])
    assert project.exists
    assert (project.project_id, project.user_id, project.name, project.app_type) == ("p", "u", "App", "mobile")
    assert project.is_visible_to("u")
    assert not project.is_visible_to("someone-else")


def test_no_events_is_no_project() -> None:
    project = projects.fold("p", [])
    assert not project.exists and not project.is_visible_to("")


def test_unknown_events_leave_the_project_unchanged() -> None:
    created = projects.create(CreateProject(project_id="p", user_id="u", name="App"))
    other = ThreadCreated(thread_id="t", project_id="p", user_id="u")
    assert projects.fold("p", [created, other]) == projects.fold("p", [created])


def test_states_are_values_each_event_makes_a_new_one() -> None:
    empty = projects.Project("p")
    created = empty.apply(projects.create(CreateProject(project_id="p", user_id="u", name="App")))
    assert not empty.exists and created.exists and created is not empty
