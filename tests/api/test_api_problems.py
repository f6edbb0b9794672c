"""Every error under /api is an RFC 9457 problem document; bad ids are 422 or 404, never 500."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from backend.api.app import create_api
from backend.api.params import MAX_ID
from backend.api.problems import domain_problem
from backend.invoicing.errors import InvoiceError, InvoiceNotVoidable
from backend.kit.errors import Conflict, DomainError, InvalidCode, NotFoundError, PermissionDenied
from backend.models import InvoiceStatus, User
from backend.subscriptions.errors import CommitmentNotOver, PromotionExpired, SubscriptionError
from tests.api.conftest import REFLEX_PAGE, bearer, client, problem_of
from tests.conftest import IdentityWorld

pytestmark = pytest.mark.redis
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "PROPFIND"]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("path", ["/api/nothing-here", "/api/v1/nothing/here", "/api"])
def test_an_unknown_api_route_is_a_404_problem_not_the_html_page(method: str, path: str) -> None:
    response = client("console.test").request(method, path)
    body = problem_of(response, 404)
    assert body["type"] == "about:blank" and body["title"] == "Not Found"
    assert REFLEX_PAGE not in response.text


def test_pages_outside_the_api_still_reach_reflex() -> None:
    response = client("console.test").get("/no-such-page")
    assert response.status_code == 404 and response.text == REFLEX_PAGE


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("POST", "/api/v1/me", "GET"),
        ("DELETE", "/api/health", "GET"),
        ("GET", "/api/v1/admin/users/1/lock", "POST"),
        ("PROPFIND", "/api/v1/admin/users/1/role", "PUT"),
        ("GET", "/api/auth/session", "POST"),
    ],
)
def test_a_known_route_with_another_method_is_a_405_problem_naming_the_allowed_ones(
    method: str, path: str, allowed: str
) -> None:
    response = client("console.test").request(method, path)
    body = problem_of(response, 405)
    assert body["title"] == "Method Not Allowed"
    assert response.headers["allow"] == allowed


def test_401_and_403_are_problems(identity_world: IdentityWorld) -> None:
    world = identity_world
    api = client(world.host_a)
    unauthorized = problem_of(api.get("/api/v1/me"), 401)
    assert unauthorized["title"] == "Unauthorized" and "Bearer" in unauthorized["detail"]
    forbidden = problem_of(api.get("/api/v1/admin/users", headers=bearer(world.a_customer.token)), 403)
    assert forbidden["title"] == "Forbidden" and forbidden["type"] == "about:blank"


def test_another_tenants_user_is_a_404_problem(identity_world: IdentityWorld) -> None:
    world = identity_world
    response = client(world.host_b).post(
        f"/api/v1/admin/users/{world.a_customer.user_id}/lock", headers=bearer(world.b_admin.token)
    )
    assert problem_of(response, 404)["title"] == "Not Found"


def test_a_body_that_breaks_the_schema_is_a_422_with_one_error_per_field(
    identity_world: IdentityWorld,
) -> None:
    world = identity_world
    url = f"/api/v1/admin/users/{world.a_customer.user_id}/role"
    response = client(world.host_a).put(url, json={"role": ["admin"]}, headers=bearer(world.a_admin.token))
    body = problem_of(response, 422)
    assert body["type"] == "/api/problems/validation-error"
    assert body["errors"] == [
        {
            "location": "body",
            "field": "role",
            "pointer": "#/role",
            "message": "Input should be a valid string",
        }
    ]
    assert "input" not in response.text  # pydantic's echo of the value is not passed on


def test_json_that_does_not_parse_and_a_missing_body_are_422_problems(identity_world: IdentityWorld) -> None:
    world = identity_world
    api = client(world.host_a)
    url = f"/api/v1/admin/users/{world.a_customer.user_id}/role"
    headers = bearer(world.a_admin.token) | {"Content-Type": "application/json"}
    broken = problem_of(api.put(url, content=b'{"role": ', headers=headers), 422)
    assert [(e["location"], e["pointer"]) for e in broken["errors"]] == [("body", "#")]
    assert broken["errors"][0]["message"].startswith("Invalid JSON")
    missing = problem_of(api.put(url, headers=bearer(world.a_admin.token)), 422)
    assert [(e["location"], e["field"]) for e in missing["errors"]] == [("body", "")]


BAD_PAGING = [
    ({"limit": "0"}, "limit"),
    ({"limit": "101"}, "limit"),
    ({"limit": "ten"}, "limit"),
    ({"starting_after": "0"}, "starting_after"),
    ({"starting_after": str(MAX_ID + 1)}, "starting_after"),
    ({"starting_after": "9223372036854775808"}, "starting_after"),
]
NOT_IDS = ["99999999999999999999999", str(MAX_ID + 1), "0", "-1", "abc", "1.5"]


def test_bad_paging_parameters_are_422_naming_the_parameter(identity_world: IdentityWorld) -> None:
    world = identity_world
    api = client(world.host_a, raise_server_exceptions=False)
    for path in ("/api/v1/admin/users", "/api/v1/admin/audit-log"):
        for query, field in BAD_PAGING:
            response = api.get(path, params=query, headers=bearer(world.a_admin.token))
            errors = problem_of(response, 422)["errors"]
            assert [(e["location"], e["field"]) for e in errors] == [("query", field)], (path, query)
            assert "pointer" not in errors[0]


def test_an_id_that_is_no_id_is_a_422_not_a_500(identity_world: IdentityWorld) -> None:
    world = identity_world
    api = client(world.host_a, raise_server_exceptions=False)
    headers = bearer(world.a_admin.token)
    for user_id in NOT_IDS:
        for method, path, body in (
            ("POST", f"/api/v1/admin/users/{user_id}/lock", None),
            ("POST", f"/api/v1/admin/users/{user_id}/unlock", None),
            ("PUT", f"/api/v1/admin/users/{user_id}/role", {"role": "admin"}),
        ):
            errors = problem_of(api.request(method, path, json=body, headers=headers), 422)["errors"]
            assert [(e["location"], e["field"]) for e in errors] == [("path", "user_id")], path


def test_the_largest_id_is_a_404_on_either_database(identity_world: IdentityWorld) -> None:
    """2**63 - 1 reaches the database (BIGINT on PostgreSQL, INTEGER on SQLite) and finds nothing."""
    world = identity_world
    api = client(world.host_a, raise_server_exceptions=False)
    headers = bearer(world.a_admin.token)
    assert problem_of(api.post(f"/api/v1/admin/users/{MAX_ID}/lock", headers=headers), 404)
    assert problem_of(
        api.put(f"/api/v1/admin/users/{MAX_ID}/role", json={"role": "admin"}, headers=headers), 404
    )
    page = api.get("/api/v1/admin/users", params={"starting_after": MAX_ID}, headers=headers)
    assert page.status_code == 200 and page.json() == {"data": [], "has_more": False}
    log = api.get("/api/v1/admin/audit-log", params={"starting_after": MAX_ID}, headers=headers)
    assert log.status_code == 200 and log.json()["data"] != []  # every entry is older than that


def test_every_integer_parameter_of_the_api_is_bounded() -> None:
    """A new route with an unbounded int (a 500 in the driver waiting to happen) fails here: use
    backend.api.params.Id, Limit or StartingAfter."""
    unbounded = []
    for path, operations in create_api().openapi()["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                schemas = [parameter["schema"], *parameter["schema"].get("anyOf", [])]
                for schema in (s for s in schemas if s.get("type") == "integer"):
                    if not (schema.get("minimum", -1) >= 0 and schema.get("maximum", MAX_ID + 1) <= MAX_ID):
                        unbounded.append(f"{method.upper()} {path} {parameter['name']}")
    assert unbounded == []


def test_a_server_error_is_a_500_problem_that_tells_nothing_of_its_cause(
    identity_world: IdentityWorld, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    from backend.db import dispose_engines
    from backend.settings import get_settings

    world = identity_world
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/not-migrated.db")  # no tables at all
    get_settings.cache_clear()
    dispose_engines()
    response = client(world.host_a, raise_server_exceptions=False).get(
        "/api/v1/me", headers=bearer(world.a_admin.token)
    )
    body = problem_of(response, 500)
    assert body == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "The server failed to answer this request. It has been logged.",
    }
    for leak in ("sqlite", "OperationalError", "api_tokens", "Traceback", "SELECT"):
        assert leak.lower() not in response.text.lower()


def test_each_problem_type_is_described_at_its_uri() -> None:
    api = client("console.test")
    described = api.get("/api/problems/idempotency-key-reused")
    assert described.status_code == 200
    assert (
        described.json()["status"] == 422
        and described.json()["type"] == "/api/problems/idempotency-key-reused"
    )
    assert problem_of(api.get("/api/problems/no-such-problem"), 404)


def test_a_lock_of_an_unknown_user_changes_nothing(identity_world: IdentityWorld) -> None:
    world = identity_world
    from sqlmodel import Session

    with Session(world.engine) as session:
        before = [(u.id, u.locked) for u in session.scalars(select(User).order_by(User.id))]
    client(world.host_a).post(
        "/api/v1/admin/users/99999999999999999999999/lock", headers=bearer(world.a_admin.token)
    )
    with Session(world.engine) as session:
        assert [(u.id, u.locked) for u in session.scalars(select(User).order_by(User.id))] == before


@pytest.mark.parametrize(
    ("error", "status", "problem_type"),
    [
        (NotFoundError("Invoice not found."), 404, "about:blank"),
        (PermissionDenied(), 403, "about:blank"),
        (CommitmentNotOver(date(2027, 4, 1)), 409, "about:blank"),
        (InvoiceNotVoidable("INV-2027-00001", InvoiceStatus.PAID), 409, "about:blank"),
        (PromotionExpired("WELCOME"), 422, "/api/problems/validation-error"),
        (InvalidCode(), 422, "about:blank"),
    ],
)
def test_a_domain_error_answers_with_the_status_its_class_names(
    error: DomainError, status: int, problem_type: str
) -> None:
    response = domain_problem(error)
    body = json.loads(response.body)
    assert (response.status_code, body["status"], body["type"]) == (status, status, problem_type)
    assert body["detail"] == str(error)


def test_a_named_error_is_caught_as_its_family_and_reports_the_familys_code() -> None:
    refusal = CommitmentNotOver(date(2027, 4, 1))
    assert isinstance(refusal, SubscriptionError) and isinstance(refusal, Conflict)
    assert str(refusal) == "Your plan has a minimum term until 2027-04-01; you can cancel from then on."
    assert refusal.family == "SubscriptionError"
    paid = InvoiceNotVoidable("INV-2027-00001", InvoiceStatus.PAID)
    assert isinstance(paid, InvoiceError) and paid.family == "InvoiceError"
    assert str(paid).endswith("can be voided. Refund it with a credit note instead.")
