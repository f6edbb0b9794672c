"""Why the mail domain refuses a request: a caller's bug (a missing context key, a bad address),
reported where the request is made so nothing is queued that could never be sent."""

from __future__ import annotations

from backend.kit.errors import ValidationFailed


class MailRequestInvalid(ValidationFailed):
    family = "MailError"
