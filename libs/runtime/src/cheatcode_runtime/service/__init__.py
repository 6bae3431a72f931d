"""The common service runtime: settings, broker/app factory, ping, command handling, run loop."""

from cheatcode_runtime.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, Unavailable
from cheatcode_runtime.service.broker import build_app, build_broker
from cheatcode_runtime.service.commands import CommandHandler, execute, register_command
from cheatcode_runtime.service.host import Late, ServiceHost, build_service
from cheatcode_runtime.service.ping import register_ping
from cheatcode_runtime.service.runner import configure_logging, run, serve
from cheatcode_runtime.service.settings import ServiceSettings, default_instance_id

__all__ = [
    "CommandHandler",
    "Conflict",
    "DomainError",
    "Forbidden",
    "Invalid",
    "Late",
    "NotFound",
    "ServiceHost",
    "ServiceSettings",
    "Unavailable",
    "build_app",
    "build_broker",
    "build_service",
    "configure_logging",
    "default_instance_id",
    "execute",
    "register_command",
    "register_ping",
    "run",
    "serve",
]
