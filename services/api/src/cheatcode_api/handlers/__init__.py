"""Use cases: one module per resource; async functions taking their inputs and the deps."""

from cheatcode_api.handlers.deps import HandlerDeps
from cheatcode_api.handlers.errors import ApiError, InvalidRequestError, NotFoundError

__all__ = ["ApiError", "HandlerDeps", "InvalidRequestError", "NotFoundError"]
