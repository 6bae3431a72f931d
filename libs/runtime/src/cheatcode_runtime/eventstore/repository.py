"""One repository for every aggregate: load = fold the subject's events, append = optimistic write.

An aggregate is a frozen state with ``apply(event) -> state`` (the shape of the sandbox's
``domain/sandbox.py``); its repository knows the aggregate kind (hence the subject) and how
to make the empty state. ``update`` is the whole command cycle in one place: load, decide,
append at the loaded position, and on a concurrency conflict load again and decide afresh.
Handlers never write that loop themselves.

An aggregate that must know where its events were stored (a thread answers a retried
``AddMessage`` with its first copy's position) also defines ``apply_at(event, position)``;
the repository then calls that instead of ``apply``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from cheatcode_contracts import Event
from cheatcode_contracts.subjects import aggregate_subject
from cheatcode_runtime.eventstore.port import ConcurrencyError, EventStore

logger = logging.getLogger("cheatcode.repository")


class Aggregate(Protocol):
    """A frozen state that returns its successor for each event (unknown events: itself)."""

    def apply(self, event: Event) -> Aggregate: ...


class PositionedAggregate(Aggregate, Protocol):
    """An aggregate that records where each event was stored."""

    def apply_at(self, event: Event, position: int) -> PositionedAggregate: ...


S = TypeVar("S", bound=Aggregate)

DEFAULT_RETRIES = 5
NEW = 0  # expected position meaning "the subject must be empty"


@dataclass(frozen=True)
class Loaded(Generic[S]):
    """An aggregate's state and the stream position of its last event (0 = no events)."""

    state: S
    position: int

    def then(self, events: Sequence[Event], position: int) -> Loaded[S]:
        """The state after ``events``, which were stored with the last one at ``position``.

        (A positioned aggregate is told ``position`` for each of them: the store reports only
        the last one's, and appends of several events do not need the others.)
        """
        return Loaded(fold_onto(self.state, events, position), position)


def apply_stored(state: S, event: Event, position: int) -> S:
    apply_at = getattr(state, "apply_at", None)
    if apply_at is not None:
        return apply_at(event, position)  # type: ignore[no-any-return]
    return state.apply(event)  # type: ignore[return-value]


def fold_onto(state: S, events: Sequence[Event], position: int = 0) -> S:
    for event in events:
        state = apply_stored(state, event, position)
    return state


class TooManyConflictsError(Exception):
    """``update`` met a concurrent writer on every attempt (not retried again by the caller)."""

    def __init__(self, subject: str, attempts: int) -> None:
        super().__init__(f"{subject}: still conflicting after {attempts} attempts")
        self.subject = subject


# What ``update`` asks the caller: the events to append for this state (empty = nothing to do).
Decide = Callable[[S], Sequence[Event]] | Callable[[S], Awaitable[Sequence[Event]]]


class Repository(Generic[S]):
    """Aggregates of one ``kind`` on ``cc.evt.<kind>.<id>``; ``initial(id)`` is the never-written state."""

    def __init__(self, store: Callable[[], EventStore] | EventStore, kind: str, initial: Callable[[str], S]) -> None:
        # A callable lets a service build its repositories before NATS connects (``Late.get``).
        self._store: Callable[[], EventStore] = (lambda: store) if isinstance(store, EventStore) else store
        self.kind = kind
        self._initial = initial

    def subject(self, aggregate_id: str) -> str:
        return aggregate_subject(self.kind, aggregate_id)

    async def load(self, aggregate_id: str, *, at: int | None = None) -> Loaded[S]:
        """The aggregate now, or as it was at stream sequence ``at`` (events after it ignored:
        "what did this thread look like before that message")."""
        history = await self._store().load(self.subject(aggregate_id))
        state, position = self._initial(aggregate_id), 0
        for stored in history.events:
            if at is not None and stored.position > at:
                break
            state = apply_stored(state, stored.event, stored.position)
            position = stored.position
        return Loaded(state, position)

    async def append(
        self,
        aggregate_id: str,
        loaded: Loaded[S],
        events: Sequence[Event],
        *,
        key: str,
        check: bool = True,
    ) -> Loaded[S]:
        """Append ``events`` after ``loaded`` (a stale position raises ``ConcurrencyError``).

        ``key`` is the idempotency key (``Nats-Msg-Id``): the same key again stores nothing and
        answers with the first copy's position. ``check=False`` appends without the position
        check, for facts that do not depend on the state (usage records, say).
        """
        if not events:
            return loaded
        result = await self._store().append(
            self.subject(aggregate_id),
            events,
            expected_position=loaded.position if check else None,
            idempotency_key=key,
        )
        return loaded.then(events, result.position)

    async def update(
        self, aggregate_id: str, decide: Decide[S], *, key: str, retries: int = DEFAULT_RETRIES
    ) -> Loaded[S]:
        """Load, ``decide(state)``, append at the loaded position; on a conflict, all of it again.

        ``decide`` may raise a domain error to refuse; it sees a fresh state on every attempt,
        so it must not keep anything from an earlier one.
        """
        for attempt in range(retries + 1):
            loaded = await self.load(aggregate_id)
            events = decide(loaded.state)
            if not isinstance(events, Sequence):
                events = await events
            try:
                return await self.append(aggregate_id, loaded, events, key=key)
            except ConcurrencyError:
                logger.info("%s %s: concurrent write, attempt %d of %d", self.kind, aggregate_id, attempt + 1, retries)
        raise TooManyConflictsError(self.subject(aggregate_id), retries + 1)

    async def create(self, aggregate_id: str, events: Sequence[Event], *, key: str) -> Loaded[S]:
        """Append to a subject that must still be empty; ``ConcurrencyError`` if it is not.

        A retry of the same command (same ``key``) is found by the store and answered as the first.
        """
        return await self.append(aggregate_id, Loaded(self._initial(aggregate_id), NEW), events, key=key)
