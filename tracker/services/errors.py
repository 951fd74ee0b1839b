"""Domain errors raised by services and turned into messages by the views."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule refused the action; ``message`` is shown to the user."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(Exception):
    """The user may not do this: a 403 page with the message (one error handler in
    tracker.errors), never a form error; deliberately not a DomainError, so a view's
    ``except DomainError`` does not turn a refusal into a 400."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field: str | None = None


class ConflictError(DomainError):
    """The record changed since the form was opened; ``changes`` lists what changed."""

    def __init__(self, message: str, changes: dict[str, tuple[Any, Any]] | None = None) -> None:
        super().__init__(message)
        self.changes = changes or {}


class LoginThrottled(DomainError):
    """Too many failed logins for this account or address."""

    def __init__(self, message: str, retry_after_seconds: int, *, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after_seconds = retry_after_seconds
