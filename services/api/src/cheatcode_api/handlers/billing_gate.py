"""The billing gate in front of every new run (reference §7.1 step 3, §7.2 step 4).

One question to the billing service (``CheckRunAllowed``) before a run is started:

* a model the plan may not use → **403** ``{message, allowed_models}`` (the catalog's models
  the plan allows, or the plan's patterns when the catalog lists none of them);
* fewer than ``START_MIN_TOKENS`` (5,000) left and not byok → **402** with the
  ``insufficient_credits`` object of §2.2.

Billing being down answers 503 (the command bus's error), never a silent pass: a run
started unmetered could not be charged against a quota checked by nobody.
"""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException

from cheatcode_api.handlers.deps import HandlerDeps
from cheatcode_api.ports.model_catalog import ModelCatalog
from cheatcode_contracts.billing import CheckRunAllowed, RunAllowance
from cheatcode_contracts.plans import START_MIN_TOKENS, model_allowed, plan


class PaymentRequiredError(HTTPException):
    """402 with the reference's ``insufficient_credits`` detail object."""

    def __init__(self, detail: dict[str, Any]) -> None:
        super().__init__(status_code=402, detail=detail)


class ModelNotAllowedError(HTTPException):
    """403 ``{message, allowed_models}``."""

    def __init__(self, detail: dict[str, Any]) -> None:
        super().__init__(status_code=403, detail=detail)


async def ensure_run_allowed(
    deps: HandlerDeps, catalog: ModelCatalog, user_id: str, *, model: str | None, thread_id: str | None = None
) -> None:
    """Raise 403/402 when ``user_id`` may not start a run on ``model`` now.

    ``model`` None: the model of the thread's project when ``thread_id`` is given, else the
    default model (which the gate does not judge: the operator chose it for everyone). A
    thread the user cannot see is left to the run's own 404.
    """
    if model is None and thread_id is not None:
        thread = await deps.read_models.get_thread(user_id, thread_id)
        project = await deps.read_models.get_project(user_id, thread.project_id) if thread is not None else None
        model = project.model_name if project is not None else None
    allowance = await deps.commands.ask(
        CheckRunAllowed(user_id=user_id, model=model, min_tokens=START_MIN_TOKENS), RunAllowance
    )
    if allowance.allowed:
        return
    if allowance.reason == "model_not_allowed":
        raise ModelNotAllowedError(
            {"message": allowance.message, "allowed_models": await allowed_models(catalog, allowance)}
        )
    raise PaymentRequiredError(allowance.insufficient_credits_detail())


async def allowed_models(catalog: ModelCatalog, allowance: RunAllowance) -> list[str]:
    spec = plan(allowance.plan_id)
    listed = (await catalog.available()).get("models") or []
    ids = [str(m["id"]) for m in listed if isinstance(m, dict) and "id" in m]
    allowed = [model_id for model_id in ids if model_allowed(spec, model_id)]
    return allowed or list(allowance.allowed_models)
