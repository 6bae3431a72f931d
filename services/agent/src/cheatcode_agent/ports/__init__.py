"""The external systems the agent talks to, as ports.

The event store port is shared by every service and lives in the runtime; the agent
depends on it only through this name. Later ports (the LLM, the sandbox) join here.
"""

from cheatcode_runtime.eventstore import EventStore

__all__ = ["EventStore"]
