"""A realistic mix of domain events for the rebuild and audit benchmarks.

Each user opens an account and owns a few projects; each project gets a sandbox (created,
started), a thread and some agent runs; each run is a user message, requested, started,
assistant and tool messages, two metered LLM calls (``account.tokens_charged``) and
completed. Conversations of many projects are interleaved (as concurrent users make them),
keeping each aggregate's own order. ``append_all`` stores them in EVENTS through the
contracts' ``encode`` and envelope headers, as the services' event stores do.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from nats.js import JetStreamContext

from cheatcode_contracts.base import Event
from cheatcode_contracts.billing import AccountOpened, TokensCharged
from cheatcode_contracts.envelope import (
    ACTOR_HEADER,
    CORRELATION_HEADER,
    MSG_ID_HEADER,
    contract_headers,
    encode,
)
from cheatcode_contracts.projects import ProjectCreated
from cheatcode_contracts.runs import RunCompleted, RunRequested, RunStarted
from cheatcode_contracts.sandbox import SandboxCreated, SandboxStarted
from cheatcode_contracts.streams import EVENTS
from cheatcode_contracts.subjects import aggregate_subject
from cheatcode_contracts.threads import MessageAdded, ThreadCreated

START = datetime(2026, 1, 1, tzinfo=UTC)
PROJECTS_PER_USER = 5
RUNS_PER_PROJECT = 3
INTERLEAVED = 40  # conversations going on at once
REPLY = "I will create the page with a hero, a form and a footer. " * 3


def _uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _project(rng: random.Random, user: str, clock: Iterator[datetime]) -> list[Event]:
    project, sandbox, thread = _uid(rng), _uid(rng), _uid(rng)
    events: list[Event] = [
        ProjectCreated(project_id=project, user_id=user, name=f"app {project[:8]}", occurred_at=next(clock)),
        SandboxCreated(
            sandbox_id=sandbox, project_id=project, user_id=user, preview_token=_uid(rng), occurred_at=next(clock)
        ),
        SandboxStarted(
            sandbox_id=sandbox, project_id=project, user_id=user, host_instance_id="sandbox-1", occurred_at=next(clock)
        ),
        ThreadCreated(thread_id=thread, project_id=project, user_id=user, occurred_at=next(clock)),
    ]
    for _ in range(RUNS_PER_PROJECT):
        run, prompt = _uid(rng), _uid(rng)
        events.append(
            MessageAdded(
                thread_id=thread,
                message_id=prompt,
                type="user",
                is_llm_message=True,
                content={"role": "user", "content": "Build me a landing page with a form"},
                occurred_at=next(clock),
            )
        )
        events.append(
            RunRequested(
                run_id=run,
                thread_id=thread,
                project_id=project,
                user_id=user,
                model_name="gpt-4o-mini",
                triggering_message_id=prompt,
                occurred_at=next(clock),
            )
        )
        events.append(RunStarted(run_id=run, worker_id="agent-1", occurred_at=next(clock)))
        for call in range(2):
            events.append(
                MessageAdded(
                    thread_id=thread,
                    message_id=_uid(rng),
                    type="assistant",
                    is_llm_message=True,
                    agent_run_id=run,
                    occurred_at=next(clock),
                    content={"role": "assistant", "content": REPLY},
                )
            )
            events.append(
                MessageAdded(
                    thread_id=thread,
                    message_id=_uid(rng),
                    type="tool",
                    is_llm_message=True,
                    agent_run_id=run,
                    occurred_at=next(clock),
                    content={"tool": "write_file", "result": {"ok": True, "path": "app/page.tsx"}},
                    metadata={"tool_call_id": _uid(rng)},
                )
            )
            at = next(clock)
            events.append(
                TokensCharged(
                    user_id=user,
                    run_id=run,
                    call_index=call,
                    thread_id=thread,
                    project_id=project,
                    model="gpt-4o-mini",
                    prompt_tokens=1200,
                    completion_tokens=300,
                    total_tokens=1500,
                    charged_tokens=1500,
                    balance_after=1_000_000 - 1500 * call,
                    estimated_cost_usd=0.0004,
                    used_at=at,
                    occurred_at=at,
                )
            )
        events.append(
            MessageAdded(
                thread_id=thread,
                message_id=_uid(rng),
                type="assistant_response_end",
                is_llm_message=False,
                agent_run_id=run,
                content={},
                occurred_at=next(clock),
            )
        )
        events.append(RunCompleted(run_id=run, occurred_at=next(clock)))
    return events


def generate(count: int, seed: int = 12, first_user: int = 0) -> list[Event]:
    """About ``count`` events (whole conversations), in the order concurrent users make them."""
    rng = random.Random(seed)
    ticks = (START + timedelta(milliseconds=n) for n in range(10**9))
    conversations: list[list[Event]] = []
    total, users = 0, first_user
    while total < count:
        user = f"user_{users:05d}"
        users += 1
        opened = AccountOpened(
            user_id=user,
            quota_total=1_000_000,
            quota_remaining=1_000_000,
            resets_at=START + timedelta(days=30),
            occurred_at=next(ticks),
        )
        for index in range(PROJECTS_PER_USER):
            conversation = ([opened] if index == 0 else []) + _project(rng, user, ticks)
            conversations.append(conversation)
            total += len(conversation)
    return list(_interleave(conversations, rng))


def _interleave(conversations: list[list[Event]], rng: random.Random) -> Iterator[Event]:
    """Events of up to ``INTERLEAVED`` conversations at a time, each conversation in its order."""
    waiting = iter(conversations)
    active = [list(reversed(c)) for c in (next(waiting, None) for _ in range(INTERLEAVED)) if c is not None]
    while active:
        index = rng.randrange(len(active))
        yield active[index].pop()
        if not active[index]:
            following = next(waiting, None)
            if following is None:
                active.pop(index)
            else:
                active[index] = list(reversed(following))


def actor_of(event: Event) -> str:
    user = getattr(event, "user_id", None)
    return f"user:{user}" if user else "service:agent"


async def append_all(js: JetStreamContext, events: list[Event], window: int = 2000) -> None:
    """Publish ``events`` to EVENTS in order, ``window`` acks in flight at a time."""
    pending = []
    for event in events:
        headers = {
            **contract_headers(event),
            ACTOR_HEADER: actor_of(event),
            CORRELATION_HEADER: str(uuid.uuid4()),
            MSG_ID_HEADER: str(uuid.uuid4()),
        }
        subject = aggregate_subject(event.aggregate_kind, event.aggregate_id)
        pending.append(await js.publish_async(subject, encode(event), stream=EVENTS.name, headers=headers))
        if len(pending) >= window:
            for future in pending:
                await future
            pending = []
    for future in pending:
        await future
