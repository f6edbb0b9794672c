"""Errors of the REST API as RFC 9457 problem+json documents."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from backend.services.errors import DomainError, NotFoundError, PermissionDenied, TooManyAttempts

PROBLEM_JSON = "application/problem+json"


class ApiProblem(Exception):
    def __init__(
        self, status: int, title: str, detail: str = "", headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.headers = headers or {}


def problem_response(
    status: int, title: str, detail: str = "", headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _status_of(error: DomainError) -> tuple[int, str]:
    if isinstance(error, NotFoundError):
        return 404, "Not found"
    if isinstance(error, PermissionDenied):
        return 403, "Forbidden"
    if isinstance(error, TooManyAttempts):
        return 429, "Too many requests"
    return 422, "Unprocessable request"


def install_problem_handlers(api: FastAPI) -> None:
    @api.exception_handler(ApiProblem)
    async def _api_problem(_request: Request, exc: ApiProblem) -> JSONResponse:
        return problem_response(exc.status, exc.title, exc.detail, exc.headers)

    @api.exception_handler(DomainError)
    async def _domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        status, title = _status_of(exc)
        return problem_response(status, title, str(exc))
