"""The PostgreSQL projections + queries against the ReadModels conformance suite: events are
appended to JetStream and projected by a running API's runner, exactly as in production."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence

import pytest

from cheatcode_api.entrypoint.bootstrap import Infrastructure
from cheatcode_api.ports.read_models import ReadModels
from cheatcode_contracts import Event, build_registry
from cheatcode_contracts.subjects import aggregate_subject
from cheatcode_infra.nats_server import NatsServer
from cheatcode_runtime.eventstore.jetstream import JetStreamEventStore
from tests.integration.api.gateway.conftest import api_settings, jwks, running_api  # noqa: F401
from tests.support.clerk_double import JwksDouble
from tests.support.read_models_conformance import ReadModelsAfter, ReadModelsConformance

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def infrastructure(
    nats_server: NatsServer,
    database_url: str,
    jwks: JwksDouble,  # noqa: F811
) -> AsyncIterator[Infrastructure]:
    async with running_api(api_settings(nats_server, database_url, jwks)) as (_, infrastructure):
        yield infrastructure


@pytest.fixture
def read_models_after(infrastructure: Infrastructure) -> ReadModelsAfter:
    store = JetStreamEventStore(infrastructure.js, build_registry())

    async def given(events: Sequence[Event]) -> ReadModels:
        last = 0
        for event in events:
            subject = aggregate_subject(event.aggregate_kind, event.aggregate_id)
            result = await store.append(subject, [event], expected_position=None, idempotency_key=str(uuid.uuid4()))
            last = result.position
        for name in infrastructure.runner.names:
            await infrastructure.waiter.wait_for(name, last)
        return infrastructure.container.read_models

    return given


class TestPostgresReadModels(ReadModelsConformance):
    pass
