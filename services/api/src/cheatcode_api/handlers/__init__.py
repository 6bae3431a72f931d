"""Use cases: one module per resource; async functions taking their inputs and the deps."""

from cheatcode_api.handlers.deps import HandlerDeps, NotFoundError

__all__ = ["HandlerDeps", "NotFoundError"]
