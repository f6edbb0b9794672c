"""Named errors of the exports, each with a message an admin understands."""

from __future__ import annotations

from backend.kit.errors import Conflict, DomainError, NotFoundError, ValidationFailed


class ExportRangeInvalid(ValidationFailed):
    def __init__(self) -> None:
        super().__init__("The range must end after it starts: the last day comes after the first.")


class ExportNotFound(NotFoundError):
    def __init__(self) -> None:
        super().__init__("Export not found.")


class ExportNotReady(Conflict):
    def __init__(self) -> None:
        super().__init__("This export is not finished yet; its file can be downloaded once it is done.")


class ExportFileGone(DomainError):
    """The job finished but its file is no longer on disk (removed by an operator)."""

    http_status = 410

    def __init__(self) -> None:
        super().__init__("The file of this export is no longer kept. Run the export again.")
