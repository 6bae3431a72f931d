"""The run's LLM key from billing over NATS (``ResolveRunLlmKey``; only the agent may send it)."""

from __future__ import annotations

import logging

from nats.aio.client import Client

from cheatcode_agent.ports.llm_keys import RunKey, RunKeyUnavailableError, RunLlmKeys
from cheatcode_contracts.billing import ResolveRunLlmKey, RunLlmKey
from cheatcode_runtime.nats import CommandClient, CommandRejectedError, CommandUnavailableError

logger = logging.getLogger("cheatcode.agent.llm_keys")


class NatsRunLlmKeys(RunLlmKeys):
    def __init__(self, client: Client | CommandClient, *, wait: float = 5.0) -> None:
        self._commands = client if isinstance(client, CommandClient) else CommandClient(client)
        self._wait = wait

    async def for_run(self, user_id: str, run_id: str) -> RunKey:
        try:
            reply = await self._commands.ask(
                ResolveRunLlmKey(user_id=user_id, run_id=run_id), RunLlmKey, wait=self._wait
            )
        except CommandUnavailableError as error:
            # Billing is down (or not deployed). The start gate already asked billing when the
            # run was requested, so this is a run picked up during an outage: it goes on with the
            # system key, as the in-run billing check does, rather than failing every run.
            logger.warning("billing did not answer for run %s's LLM key (%s): using the system key", run_id, error)
            return RunKey(byok=False)
        except CommandRejectedError as error:
            raise RunKeyUnavailableError(f"billing could not resolve the run's LLM key: {error}") from None
        key = reply.api_key.get_secret_value() if reply.api_key is not None else None
        return RunKey(byok=reply.byok, api_key=key)
