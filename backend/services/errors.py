"""Domain errors: each carries a message a user can read, and raising one changes nothing."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a user can cause."""


class NotFoundError(DomainError):
    """The object does not exist for this tenant."""


class InvalidCredentials(DomainError):
    def __init__(self) -> None:
        super().__init__("Email or password is wrong.")


class AccountLocked(DomainError):
    def __init__(self) -> None:
        super().__init__("This account is locked. Please contact support.")


class ValidationFailed(DomainError):
    """Input was rejected; the message names the field and the rule."""
