"""Every router of the API. To add one: write ``routes/<area>.py`` exposing ``router`` and list it here."""

from __future__ import annotations

from fastapi import APIRouter

from cheatcode_api.entrypoint.routes import (
    admin_audit,
    admin_rebuild,
    agent_runs,
    billing,
    billing_byok,
    billing_payment_methods,
    billing_payments,
    composio,
    composio_secure,
    deployments,
    health,
    messages,
    models,
    preview_proxy,
    projects,
    sandboxes,
    threads,
    webhooks,
    welcome_email,
)


def all_routers() -> list[APIRouter]:
    """Routers mounted under ``/api`` (their own paths omit the prefix)."""
    return [
        health.router,
        projects.router,
        threads.router,
        messages.router,
        sandboxes.router,
        preview_proxy.router,
        agent_runs.router,
        billing.router,
        models.router,
        billing_payment_methods.router,
        billing_payments.router,
        billing_byok.router,
        webhooks.router,
        deployments.router,
        composio.router,
        composio_secure.router,
        welcome_email.router,
        admin_audit.router,
        admin_rebuild.router,
    ]
