"""Named errors of the documents domain, each with a message a user understands."""

from __future__ import annotations

from backend.kit.errors import DomainError, NotFoundError, PermissionDenied


class DocumentUnavailable(DomainError):
    """The stored file is lost and its rebuild did not match the hash recorded at issue; the admin
    overview shows an alarm. Serving a different file would misstate what was issued."""

    http_status = 503

    def __init__(self, number: str) -> None:
        super().__init__(
            f"The document {number} cannot be provided right now; the administrators have been"
            " alerted. Please try again later."
        )


class DocumentNotFound(NotFoundError, PermissionDenied):
    """The policy refused a document of another customer account: answered as not found (404), so
    a stranger cannot even learn that the number exists."""

    http_status = 404
