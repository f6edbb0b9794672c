"""Errors of the REST API as RFC 9457 problem+json documents (docs/api.md, "Errors").

Every error under /api is `application/problem+json` with `type`, `title`, `status` and `detail`.
`type` is `about:blank` when the HTTP status says it all (its `title` is then the status phrase),
else `/api/problems/<slug>` for the problems named in `PROBLEM_TYPES`, which that URL describes.
Validation problems (422) add `errors`, one entry per field. A 500 says nothing about its cause.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from backend.idempotency.service import KeyInUse, KeyReused
from backend.kit.errors import DomainError, FieldErrors, TooManyAttempts, ValidationFailed

PROBLEM_JSON = "application/problem+json"
PROBLEM_PATH = "/api/problems"


@dataclass(frozen=True, slots=True)
class ProblemType:
    status: int
    title: str
    description: str


PROBLEM_TYPES: dict[str, ProblemType] = {
    "validation-error": ProblemType(
        422,
        "Your request is not valid",
        "One or more fields broke a rule; `errors` lists each with its location, name and message.",
    ),
    "body-too-large": ProblemType(
        413,
        "Request body too large",
        "The body is larger than the server accepts (MAX_REQUEST_BODY_BYTES); it was not read.",
    ),
    "rate-limited": ProblemType(
        429,
        "Too many requests",
        "The caller used up its requests for this minute; retry after `Retry-After` seconds.",
    ),
    "idempotency-key-reused": ProblemType(
        422,
        "Idempotency key reused for another request",
        "This Idempotency-Key was used with another method, path or body within 24 hours.",
    ),
    "idempotency-key-in-use": ProblemType(
        409,
        "A request with this idempotency key is in progress",
        "Another request with this Idempotency-Key has not finished yet; retry in a moment.",
    ),
}


def problem_type_uri(slug: str) -> str:
    return f"{PROBLEM_PATH}/{slug}"


class ApiProblem(Exception):
    """Raise in a route or dependency to answer with a problem document."""

    def __init__(
        self,
        status: int,
        title: str = "",
        detail: str = "",
        headers: dict[str, str] | None = None,
        *,
        slug: str = "",
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.headers = headers or {}
        self.slug = slug
        self.extra = extra or {}

    def response(self) -> JSONResponse:
        return problem_response(
            self.status, self.detail, title=self.title, headers=self.headers, slug=self.slug, extra=self.extra
        )


def problem_response(
    status: int,
    detail: str = "",
    *,
    title: str = "",
    slug: str = "",
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    """A problem document; `slug` names one of `PROBLEM_TYPES`, else the type is about:blank."""
    known = PROBLEM_TYPES[slug] if slug else None
    body: dict[str, Any] = {
        "type": problem_type_uri(slug) if slug else "about:blank",
        "title": title or (known.title if known else _phrase(status)),
        "status": status,
        "detail": detail or (known.description if known else _phrase(status) + "."),
        **(extra or {}),
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def validation_problem(errors: list[dict[str, str]], detail: str = "") -> JSONResponse:
    """422 with one entry per field: `location` (body, query, path, header), `field`, `message`;
    body fields also carry a JSON Pointer into the body (`pointer`, RFC 6901 as a URI fragment)."""
    count = len(errors)
    summary = detail or ("1 field is not valid." if count == 1 else f"{count} fields are not valid.")
    return problem_response(422, summary, slug="validation-error", extra={"errors": errors})


def field_error(location: str, field: str, message: str) -> dict[str, str]:
    return {"location": location, "field": field, "message": message}


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _field_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    found = []
    for error in exc.errors():
        location, *path = [str(part) for part in error.get("loc", ())] or ["body"]
        if error.get("type") == "json_invalid":
            reason = (error.get("ctx") or {}).get("error", "")
            found.append(
                {"location": "body", "field": "", "pointer": "#", "message": f"Invalid JSON: {reason}"}
            )
            continue
        entry = field_error(location, ".".join(path), str(error.get("msg", "Invalid value")))
        if location == "body":
            entry["pointer"] = "#" + "".join(f"/{_escape(part)}" for part in path)
        found.append(entry)
    return found


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def domain_problem(error: DomainError) -> JSONResponse:
    """The problem for an error a user caused, with the status its class names (`http_status`);
    a few domain errors have a type of their own."""
    if isinstance(error, KeyReused):
        return problem_response(422, str(error), slug="idempotency-key-reused")
    if isinstance(error, KeyInUse):
        return problem_response(409, str(error), slug="idempotency-key-in-use")
    if isinstance(error, TooManyAttempts):
        retry_after = {"Retry-After": str(error.minutes * 60)}
        return problem_response(error.http_status, str(error), headers=retry_after)
    if isinstance(error, FieldErrors):
        fields = [
            {**field_error("body", name, message), "pointer": f"#/{_escape(name)}"}
            for name, message in error.fields.items()
        ]
        return validation_problem(fields)
    if isinstance(error, ValidationFailed) and error.http_status == 422:
        return validation_problem([], detail=str(error))
    return problem_response(error.http_status, str(error))


def install_problem_handlers(api: FastAPI) -> None:
    @api.exception_handler(ApiProblem)
    async def _api_problem(_request: Request, exc: ApiProblem) -> JSONResponse:
        return exc.response()

    @api.exception_handler(DomainError)
    async def _domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        return domain_problem(exc)

    @api.exception_handler(RequestValidationError)
    async def _invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return validation_problem(_field_errors(exc))

    @api.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail != _phrase(exc.status_code) else ""
        slug = "body-too-large" if exc.status_code == 413 else ""
        return problem_response(exc.status_code, detail, slug=slug, headers=exc.headers)

    @api.exception_handler(Exception)
    async def _server_error(_request: Request, exc: Exception) -> JSONResponse:
        # ServerErrorMiddleware logs the exception and its traceback; the caller learns nothing of it.
        return problem_response(500, "The server failed to answer this request. It has been logged.")
