"""``POST /api/send-welcome-email`` (reference §15): an admin key, not a user token.

The email is queued in the integrations service's outbox (an event) and sent by its worker;
the answer says it was accepted. A bad address is 422; the integrations service down is 503.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, EmailStr, Field

from cheatcode_api.entrypoint.deps import AdminAccess, ContainerDep
from cheatcode_contracts.email import EmailQueued, SendWelcomeEmail

router = APIRouter(tags=["email"])


class WelcomeEmailIn(BaseModel):
    email: EmailStr
    name: str | None = Field(default=None, max_length=200)


@router.post("/send-welcome-email")
async def send_welcome_email(body: WelcomeEmailIn, _: AdminAccess, container: ContainerDep) -> dict[str, Any]:
    queued = await container.commands.ask(SendWelcomeEmail(email=str(body.email), name=body.name), EmailQueued)
    return {"success": True, "message": "Welcome email sent", "email_id": queued.email_id}
