"""Appending ``project.created`` events straight to EVENTS, for tests that read the log back."""

from __future__ import annotations

from uuid import uuid4

from nats.js import JetStreamContext

from cheatcode_contracts.envelope import contract_headers, encode
from cheatcode_contracts.projects import ProjectCreated
from cheatcode_contracts.subjects import aggregate_subject


async def append_projects(js: JetStreamContext, count: int, *, user: str) -> list[int]:
    """``count`` new projects of ``user``; their stream positions."""
    positions = []
    for index in range(count):
        event = ProjectCreated(project_id=str(uuid4()), user_id=user, name=f"p{index}")
        ack = await js.publish(
            aggregate_subject("project", event.project_id), encode(event), headers=contract_headers(event)
        )
        positions.append(ack.seq)
    return positions
