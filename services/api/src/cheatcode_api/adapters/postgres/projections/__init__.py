"""Every projection the API runs. Add a new read model here (and its migration)."""

from __future__ import annotations

from cheatcode_api.adapters.postgres.projection import Projection
from cheatcode_api.adapters.postgres.projections.agent_runs import AgentRunsProjection
from cheatcode_api.adapters.postgres.projections.billing import BillingProjection
from cheatcode_api.adapters.postgres.projections.composio import ComposioProfilesProjection
from cheatcode_api.adapters.postgres.projections.conversations import MessagesProjection, ThreadsProjection
from cheatcode_api.adapters.postgres.projections.deployments import DeploymentsProjection
from cheatcode_api.adapters.postgres.projections.event_log import EventLogProjection
from cheatcode_api.adapters.postgres.projections.projects import ProjectsProjection
from cheatcode_api.adapters.postgres.projections.sandboxes import SandboxesProjection


def all_projections() -> list[Projection]:
    return [
        ProjectsProjection(),
        ThreadsProjection(),
        MessagesProjection(),
        SandboxesProjection(),
        AgentRunsProjection(),
        BillingProjection(),
        DeploymentsProjection(),
        ComposioProfilesProjection(),
        EventLogProjection(),  # last: audits every event, after the read models it feeds
    ]


__all__ = [
    "AgentRunsProjection",
    "BillingProjection",
    "ComposioProfilesProjection",
    "DeploymentsProjection",
    "EventLogProjection",
    "MessagesProjection",
    "ProjectsProjection",
    "SandboxesProjection",
    "ThreadsProjection",
    "all_projections",
]
