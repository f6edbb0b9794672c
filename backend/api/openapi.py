"""The OpenAPI document states the conventions of docs/api.md, not only the happy path.

FastAPI documents each route's 200 and a 422 in its own shape. Every route here also answers the
problems of the convention (backend/api/problems.py), so the document lists them for every
operation, as `application/problem+json` with one `Problem` schema: what a client generator, a
reader of /api/docs and the attack suite's schemathesis run (tests/security) all rely on.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from backend.api.problems import PROBLEM_JSON

TOKEN_PREFIX = "/api/v1/"
_WRITES = {"post", "put", "patch", "delete"}
_HAS_BODY = {"post", "put", "patch"}

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details (docs/api.md, Errors).",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "description": "about:blank or /api/problems/<slug>"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "422 only: one entry per field that broke a rule.",
            "items": {
                "type": "object",
                "required": ["location", "field", "message"],
                "properties": {
                    "location": {"type": "string"},
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "pointer": {"type": "string"},
                },
            },
        },
    },
}

# Every POST under /api/v1 takes it (backend/api/idempotency.py, a middleware): the document says so.
IDEMPOTENCY_KEY_PARAMETER: dict[str, Any] = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "Any unique string (up to 255 visible ASCII characters, e.g. a UUID). A retry with the same key"
        " and the same request gets the first answer again (with `Idempotent-Replayed: true`) and does"
        " nothing twice; the same key with another request is a 422, while the first is still running a"
        " 409. Keys are kept 24 hours per token."
    ),
    "schema": {"type": "string", "maxLength": 255},
    "example": "3f1c2a9e-8d4b-4c1e-9a57-0b6f2e7d9c10",
}
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}


def _problem(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if headers:
        answer["headers"] = headers
    return answer


def problem_responses(path: str, method: str, has_path_parameters: bool) -> dict[str, dict[str, Any]]:
    """The problems an operation may answer besides its own, by the convention."""
    found = {
        "422": _problem("The request is not valid: `errors` names each field"),
        "429": _problem("Too many requests for this token or address", _RETRY_AFTER),
    }
    if method in _HAS_BODY:
        found["400"] = _problem("The body could not be read as JSON text (e.g. bytes that are not UTF-8)")
        found["413"] = _problem("The body is larger than MAX_REQUEST_BODY_BYTES")
    if path.startswith(TOKEN_PREFIX):
        found["401"] = _problem("No valid personal access token for this tenant")
        found["403"] = _problem("The token's user or scopes may not do this")
    if has_path_parameters:
        found["404"] = _problem("No such object in this tenant")
    elif path.startswith(TOKEN_PREFIX) and method in _HAS_BODY:
        found["404"] = _problem("An object the body names (a plan, a customer account) is not in this tenant")
    if path.startswith(TOKEN_PREFIX) and method in _WRITES:
        found["409"] = _problem("The object's state forbids this, or the Idempotency-Key is in use")
    return found


def document_problems(api: FastAPI) -> None:
    """Build the document once, with the problem responses and the bearer token scheme added."""

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is None:
            document = get_openapi(title=api.title, version=api.version, routes=api.routes)
            components = document.setdefault("components", {})
            components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
            components.setdefault("securitySchemes", {})["bearer"] = {
                "type": "http",
                "scheme": "bearer",
                "description": "A personal access token (bc_...), created on the account page.",
            }
            for path, operations in document.get("paths", {}).items():
                for method, operation in operations.items():
                    parameters = operation.get("parameters", [])
                    in_path = any(parameter.get("in") == "path" for parameter in parameters)
                    responses = operation.setdefault("responses", {})
                    responses.update(problem_responses(path, method, in_path))
                    if path.startswith(TOKEN_PREFIX):
                        operation["security"] = [{"bearer": []}]
                        if method == "post":
                            operation["parameters"] = [*parameters, IDEMPOTENCY_KEY_PARAMETER]
            api.openapi_schema = document
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]
