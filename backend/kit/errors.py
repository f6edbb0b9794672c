"""Domain errors: each carries a message a user can read, and raising one changes nothing."""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    """Base of every error a user can cause."""

    http_status: ClassVar[int] = 422  # what the API answers (backend/api/problems.py)
    # Scenario reports name a refusal by its class; the named errors of a family (`SubscriptionError`)
    # set the family's name here, so their reports keep the family's code (`subscription_error`).
    family: ClassVar[str] = ""


class NotFoundError(DomainError):
    """The object does not exist for this tenant."""

    http_status = 404


class Conflict(DomainError):
    """The request clashes with the object's current state or with another request (HTTP 409)."""

    http_status = 409


class InvalidCredentials(DomainError):
    def __init__(self) -> None:
        super().__init__("Email or password is wrong.")


class AccountLocked(DomainError):
    def __init__(self) -> None:
        super().__init__("This account is locked. Please contact support.")


class ValidationFailed(DomainError):
    """Input was rejected; the message names the field and the rule."""


class FieldErrors(ValidationFailed):
    """Several fields of one form were rejected at once: `fields` maps each field to its message.

    Forms show each message next to its field; the API answers 422 with one `errors` entry per
    field (location "body"). The message is all of them, for callers that show one line.
    """

    def __init__(self, fields: dict[str, str]) -> None:
        if not fields:
            raise ValueError("FieldErrors needs at least one field")
        self.fields = dict(fields)
        super().__init__(" ".join(self.fields.values()))


class EmailNotConfirmed(DomainError):
    def __init__(self) -> None:
        super().__init__("Please confirm your email address first: enter the code we sent you.")


class TooManyAttempts(DomainError):
    http_status = 429

    def __init__(self, minutes: int) -> None:
        self.minutes = minutes
        unit = "minute" if minutes == 1 else "minutes"
        super().__init__(f"Too many attempts, try again in {minutes} {unit}.")


class InvalidCode(DomainError):
    """A confirmation or reset code that is wrong, used or expired (we never say which)."""

    def __init__(self, message: str = "This code is wrong or has expired. Request a new one.") -> None:
        super().__init__(message)


class PermissionDenied(DomainError):
    """The signed-in user may not do this (e.g. a customer calling an admin action)."""

    http_status = 403

    def __init__(self, message: str = "You are not allowed to do this.") -> None:
        super().__init__(message)
