"""Every API route x method x caller answers the status that `EXPECTED` gives it.

The routes come from the FastAPI route table of `create_api()` (what `billing_console` mounts under
the pages; mounts such as the job monitor are not API routes). A route without an entry fails
`test_the_table_names_every_route_and_no_other`, and so does an entry whose route is gone: adding
a route means deciding here who may call it. HEAD is answered like GET and has no entries of its own.

Callers (tests/security/api_world.py), all on tenant A's host: nobody, A's customer with a read-only
and with a read+write token, B's admin with B's token, A's admin. Decisions:
- a token of another tenant is unknown on this host: 401, exactly as a made-up token;
- an id of another tenant's object is "not found" (404), the same answer as an id that never
  existed, never 403, so a caller cannot learn what exists in another tenant;
- every answer that is not 2xx is `application/problem+json`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from starlette.routing import Route

from backend.api.app import create_api
from backend.api.fallback import CATCH_ALL_PATHS
from tests.security.api_world import (
    ADMIN,
    ANONYMOUS,
    CUSTOMER_READ,
    CUSTOMER_WRITE,
    OTHER_TENANT_ADMIN,
    PRINCIPALS,
    PROBLEM_JSON,
    ApiWorld,
)

pytestmark = pytest.mark.redis


@dataclass(frozen=True)
class Expect:
    """The status each caller gets, and what the request sends."""

    statuses: dict[str, int]
    body: dict[str, Any] | None = None
    # A concrete path for routes whose parameters are no object ids (asset names, the catch-all).
    example: str | None = None

    @property
    def takes_object_ids(self) -> bool:
        return self.example is None


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(PRINCIPALS, status)


# Any valid token of this tenant; a token of another tenant is unknown here.
SIGNED_IN = {ANONYMOUS: 401, CUSTOMER_READ: 200, CUSTOMER_WRITE: 200, OTHER_TENANT_ADMIN: 401, ADMIN: 200}
# Admins of this tenant with the admin scope; customers are known but not allowed.
ADMINS_ONLY = {ANONYMOUS: 401, CUSTOMER_READ: 403, CUSTOMER_WRITE: 403, OTHER_TENANT_ADMIN: 401, ADMIN: 200}

# Customers with a "write" token (and admins) change subscriptions; a read-only token is refused.
WRITERS = {ANONYMOUS: 401, CUSTOMER_READ: 403, CUSTOMER_WRITE: 200, OTHER_TENANT_ADMIN: 401, ADMIN: 200}
# Body values written "{name}" are the id `name` of the tenant the request is about.
ORDER = {"plan_id": "{plan_id}", "customer_account_id": "{customer_account_id}"}
TO_PRO = {"plan_id": "{other_plan_id}"}
BACKUP = {"addon_id": "{addon_id}"}
DRAFT = {
    "customer_account_id": "{customer_account_id}",
    "lines": [{"description": "Matrix", "quantity": "1", "unit_price": "9.00"}],
}
REASON = {"reason": "Matrix"}
STRIPE_KEYS = {"secret_key": "sk_test_" + "m4tr1x" * 4, "webhook_secret": "whsec_" + "m4tr1x" * 4}
PAYMENT_LINK = {
    "email": "matrix-link@example.com",
    "lines": [{"description": "Matrix", "unit_price": "9.00"}],
}
# The routes of the token user's own customer account: an admin belongs to none (404).
OWN_ACCOUNT_READS = SIGNED_IN | {ADMIN: 404}
OWN_ACCOUNT_WRITES = WRITERS | {ADMIN: 404}
PROFILE = {
    "name": "Matrix Customer",
    "address_line1": "Hauptstr. 1",
    "postal_code": "10115",
    "city": "Berlin",
    "country": "DE",
    "email": "matrix@example.com",
}

EXPECTED: dict[tuple[str, str], Expect] = {
    # Public: the health probe and the API's own documentation.
    ("GET", "/api/health"): Expect(everyone(200)),
    ("GET", "/api/openapi.json"): Expect(everyone(200)),
    ("GET", "/api/docs"): Expect(everyone(200)),
    ("GET", "/api/redoc"): Expect(everyone(200)),
    ("GET", "/api/docs/assets/{name}"): Expect(everyone(200), example="/api/docs/assets/docs.css"),
    ("GET", "/api/problems/{slug}"): Expect(everyone(200), example="/api/problems/validation-error"),
    # The catch-all: any other path under /api is a 404 problem, whatever the method.
    ("GET", "/api"): Expect(everyone(404), example="/api"),
    ("GET", "/api/{path:path}"): Expect(everyone(404), example="/api/no/such/route"),
    # Browser sessions: a forged ticket opens nothing; signing out is harmless for anyone.
    ("POST", "/api/auth/session"): Expect(everyone(400), body={"ticket": "forged-ticket"}),
    ("POST", "/api/auth/logout"): Expect(everyone(204)),
    # /api/v1
    ("GET", "/api/v1/me"): Expect(SIGNED_IN),
    ("GET", "/api/v1/admin/users"): Expect(ADMINS_ONLY),
    ("GET", "/api/v1/admin/audit-log"): Expect(ADMINS_ONLY),
    ("GET", "/api/v1/admin/settings"): Expect(ADMINS_ONLY),
    ("PUT", "/api/v1/admin/settings"): Expect(ADMINS_ONLY, body={"payment_terms_days": 14}),
    ("GET", "/api/v1/admin/settings/dunning"): Expect(ADMINS_ONLY),
    ("PUT", "/api/v1/admin/settings/dunning"): Expect(
        ADMINS_ONLY, body={"reminder_offsets_days": [3, 10, 17], "suspend_service": True}
    ),
    ("GET", "/api/v1/admin/settings/payments"): Expect(ADMINS_ONLY),
    ("PUT", "/api/v1/admin/settings/payments"): Expect(
        ADMINS_ONLY, body={"retry_schedule_hours": [0, 24, 72, 168]}
    ),
    # Payments: the tenant's own Stripe keys (write-only) and payment links, for admins.
    ("GET", "/api/v1/admin/settings/stripe"): Expect(ADMINS_ONLY),
    ("PUT", "/api/v1/admin/settings/stripe"): Expect(ADMINS_ONLY, body=STRIPE_KEYS),
    ("DELETE", "/api/v1/admin/settings/stripe"): Expect(ADMINS_ONLY),
    ("POST", "/api/v1/admin/payment-links"): Expect(ADMINS_ONLY | {ADMIN: 201}, body=PAYMENT_LINK),
    ("POST", "/api/v1/admin/payment-links/{link_id}/revoke"): Expect(ADMINS_ONLY),
    ("POST", "/api/v1/admin/users/{user_id}/lock"): Expect(ADMINS_ONLY),
    ("POST", "/api/v1/admin/users/{user_id}/unlock"): Expect(ADMINS_ONLY),
    ("PUT", "/api/v1/admin/users/{user_id}/role"): Expect(ADMINS_ONLY, body={"role": "customer"}),
    # Subscriptions: A's customer's own SUB (customers need "read" to read and preview, "write" to
    # change); the admin comes last, after the customer's change took effect.
    ("GET", "/api/v1/subscriptions"): Expect(SIGNED_IN),
    ("GET", "/api/v1/subscriptions/{number}"): Expect(SIGNED_IN),
    ("POST", "/api/v1/subscriptions/preview"): Expect(SIGNED_IN, body=ORDER),
    ("POST", "/api/v1/subscriptions"): Expect(WRITERS | {ADMIN: 201, CUSTOMER_WRITE: 201}, body=ORDER),
    ("POST", "/api/v1/subscriptions/{number}/plan-change/preview"): Expect(SIGNED_IN, body=TO_PRO),
    # the admin's change comes after the customer's: already on Pro
    ("POST", "/api/v1/subscriptions/{number}/plan-change"): Expect(WRITERS | {ADMIN: 409}, body=TO_PRO),
    # the admin cancels what is being canceled, and resumes what was resumed: both refused
    ("POST", "/api/v1/subscriptions/{number}/cancel"): Expect(WRITERS | {ADMIN: 409}),
    ("POST", "/api/v1/subscriptions/{number}/resume"): Expect(WRITERS | {ADMIN: 409}),
    # Addons (on Pro, running again): the admin adds what the customer added, removes what is gone.
    ("POST", "/api/v1/subscriptions/{number}/addons/preview"): Expect(SIGNED_IN, body=BACKUP),
    ("POST", "/api/v1/subscriptions/{number}/addons"): Expect(
        WRITERS | {CUSTOMER_WRITE: 201, ADMIN: 409}, body=BACKUP
    ),
    ("POST", "/api/v1/subscriptions/{number}/addons/{addon_id}/remove/preview"): Expect(SIGNED_IN),
    ("POST", "/api/v1/subscriptions/{number}/addons/{addon_id}/remove"): Expect(WRITERS | {ADMIN: 409}),
    # Withdrawal last (it ends the subscription): a German consumer within the 14 days; the admin's
    # withdrawal finds it ended.
    ("POST", "/api/v1/subscriptions/{number}/withdraw/preview"): Expect(SIGNED_IN),
    ("POST", "/api/v1/subscriptions/{number}/withdraw"): Expect(WRITERS | {ADMIN: 409}),
    # Admins would end it now, having seen the credit first: the withdrawal above ended it already,
    # so the admin passes the policy and meets the ended subscription (the 200s: tests/reporting).
    ("POST", "/api/v1/admin/subscriptions/{number}/cancel-immediately/preview"): Expect(
        ADMINS_ONLY | {ADMIN: 409}
    ),
    ("POST", "/api/v1/admin/subscriptions/{number}/cancel-immediately"): Expect(ADMINS_ONLY | {ADMIN: 409}),
    ("GET", "/api/v1/admin/subscriptions"): Expect(ADMINS_ONLY),
    # Customers and their notes: admins only.
    ("GET", "/api/v1/admin/customers"): Expect(ADMINS_ONLY),
    ("GET", "/api/v1/admin/customers/{customer_id}"): Expect(ADMINS_ONLY),
    ("GET", "/api/v1/admin/customers/{customer_id}/notes"): Expect(ADMINS_ONLY),
    ("POST", "/api/v1/admin/customers/{customer_id}/notes"): Expect(
        ADMINS_ONLY | {ADMIN: 201}, body={"body": "Called about the invoice."}
    ),
    # Invoices: admins only. A's draft is issued, marked paid, unpaid again, then voided (by id).
    ("GET", "/api/v1/admin/invoices"): Expect(ADMINS_ONLY),
    ("POST", "/api/v1/admin/invoices"): Expect(ADMINS_ONLY | {ADMIN: 201}, body=DRAFT),
    ("GET", "/api/v1/admin/invoices/{reference}"): Expect(ADMINS_ONLY),
    ("POST", "/api/v1/admin/invoices/{reference}/issue"): Expect(ADMINS_ONLY),
    # Its payments: 1.00 received by transfer, 0.50 of it refunded (a credit note), before mark-paid.
    ("GET", "/api/v1/admin/invoices/{reference}/payments"): Expect(ADMINS_ONLY),
    ("POST", "/api/v1/admin/invoices/{reference}/payments"): Expect(
        ADMINS_ONLY | {ADMIN: 201}, body={"amount": "1.00", "reference": "Matrix"}
    ),
    ("POST", "/api/v1/admin/invoices/{reference}/refunds"): Expect(
        ADMINS_ONLY | {ADMIN: 201}, body={"amount": "0.50", "reason": "Matrix"}
    ),
    ("POST", "/api/v1/admin/invoices/{reference}/mark-paid"): Expect(ADMINS_ONLY, body=REASON),
    ("POST", "/api/v1/admin/invoices/{reference}/mark-unpaid"): Expect(ADMINS_ONLY, body=REASON),
    ("POST", "/api/v1/admin/invoices/{reference}/void"): Expect(ADMINS_ONLY, body=REASON),
    ("POST", "/api/v1/admin/bill-now"): Expect(ADMINS_ONLY | {ADMIN: 202}, body={}),
    ("GET", "/api/v1/admin/jobs/{job_id}"): Expect(ADMINS_ONLY),
    # CSV exports of a range of days: admins only; the console's downloads take the session cookie.
    ("GET", "/api/v1/admin/exports/{kind}.csv"): Expect(
        ADMINS_ONLY, example="/api/v1/admin/exports/invoices.csv?from=2026-01-01&to=2026-02-01"
    ),
    ("GET", "/api/admin/exports/{kind}.csv"): Expect(
        everyone(401), example="/api/admin/exports/invoices.csv?from=2026-01-01&to=2026-02-01"
    ),
    ("GET", "/api/admin/exports/files/{job_id}.csv"): Expect(
        everyone(401), example="/api/admin/exports/files/1.csv"
    ),
    # The console's download takes the browser's session cookie, never a token.
    ("GET", "/api/admin/customers/{customer_id}/notes.csv"): Expect(
        everyone(401), example="/api/admin/customers/1/notes.csv"
    ),
    ("GET", "/api/admin/audit.csv"): Expect(everyone(401), example="/api/admin/audit.csv"),
    # Catalog: any token reads the orderable plans; admins maintain them (deactivation last).
    ("GET", "/api/v1/plans"): Expect(SIGNED_IN),
    ("GET", "/api/v1/plans/{plan_id}"): Expect(SIGNED_IN),
    ("POST", "/api/v1/admin/plans"): Expect(ADMINS_ONLY | {ADMIN: 201}, body={"key": "matrix", "name": "M"}),
    ("PATCH", "/api/v1/admin/plans/{plan_id}"): Expect(ADMINS_ONLY, body={"name": "Basic Plus"}),
    ("POST", "/api/v1/admin/plans/{plan_id}/deactivate"): Expect(ADMINS_ONLY),
    ("POST", "/api/v1/admin/plans/{plan_id}/reactivate"): Expect(ADMINS_ONLY),
    ("GET", "/api/v1/admin/plans"): Expect(ADMINS_ONLY),
    ("GET", "/api/v1/admin/plans/{plan_id}"): Expect(ADMINS_ONLY),
    # The rest of the catalog: admins only, like plans.
    **{
        key: expect
        for collection, item, new, change in (
            ("service-types", "service_type_id", {"key": "matrix", "name": "M"}, {"name": "Virtual"}),
            ("addons", "addon_id", {"key": "matrix", "name": "M"}, {"price": "1.50"}),
            (
                "promotions",
                "promotion_id",
                {"code": "MATRIX", "benefit": "free_days", "free_days": 7},
                {"description": "Matrix"},
            ),
        )
        for key, expect in (
            (("GET", f"/api/v1/admin/{collection}"), Expect(ADMINS_ONLY)),
            (("GET", f"/api/v1/admin/{collection}/{{{item}}}"), Expect(ADMINS_ONLY)),
            (("POST", f"/api/v1/admin/{collection}"), Expect(ADMINS_ONLY | {ADMIN: 201}, body=new)),
            (("PATCH", f"/api/v1/admin/{collection}/{{{item}}}"), Expect(ADMINS_ONLY, body=change)),
            (("POST", f"/api/v1/admin/{collection}/{{{item}}}/deactivate"), Expect(ADMINS_ONLY)),
            (("POST", f"/api/v1/admin/{collection}/{{{item}}}/reactivate"), Expect(ADMINS_ONLY)),
        )
    },
    ("GET", "/api/v1/admin/promotions/{promotion_id}/redemptions"): Expect(ADMINS_ONLY),
    # The billing profile and the members of the token user's own account (A's customer owns it).
    ("GET", "/api/v1/profile"): Expect(OWN_ACCOUNT_READS),
    ("PUT", "/api/v1/profile"): Expect(OWN_ACCOUNT_WRITES, body=PROFILE),
    ("GET", "/api/v1/members"): Expect(OWN_ACCOUNT_READS),
    ("POST", "/api/v1/members/invitations"): Expect(
        OWN_ACCOUNT_WRITES | {CUSTOMER_WRITE: 201}, body={"email": "matrix@example.com"}
    ),
    ("DELETE", "/api/v1/members/invitations/{invitation_id}"): Expect(
        OWN_ACCOUNT_WRITES | {CUSTOMER_WRITE: 204}
    ),
    ("PATCH", "/api/v1/members/{member_id}"): Expect(OWN_ACCOUNT_WRITES, body={"role": "billing"}),
    ("DELETE", "/api/v1/members/{member_id}"): Expect(OWN_ACCOUNT_WRITES | {CUSTOMER_WRITE: 204}),
    # Invoices: customers read their own account's (an invoice of A's customer), admins any.
    ("GET", "/api/v1/invoices"): Expect(SIGNED_IN),
    ("GET", "/api/v1/invoices/{invoice_number}"): Expect(SIGNED_IN),
    # Paying one (A's customer's invoice is void, and A takes bank transfers only): paying members
    # of its account with a "write" token reach the refusal; admins record payments, never pay.
    ("POST", "/api/v1/invoices/{invoice_number}/checkout"): Expect(
        WRITERS | {CUSTOMER_WRITE: 409, ADMIN: 403}
    ),
    # Servers: customers list their own account's; a "write" token powers one (the admin then finds
    # the customer's reboot under way: 409); only the account's owner reveals the key (once);
    # admins list and cancel backorders, retry failed servers (this one runs: 409) and read the log.
    ("GET", "/api/v1/servers"): Expect(OWN_ACCOUNT_READS),
    ("POST", "/api/v1/servers/{item_id}/actions"): Expect(
        WRITERS | {CUSTOMER_WRITE: 202, ADMIN: 409}, body={"action": "reboot"}
    ),
    ("POST", "/api/v1/servers/{item_id}/ssh-key"): Expect(WRITERS | {ADMIN: 403}),
    ("GET", "/api/v1/admin/backorders"): Expect(ADMINS_ONLY),
    ("DELETE", "/api/v1/admin/backorders/{backorder_id}"): Expect(ADMINS_ONLY | {ADMIN: 204}),
    ("POST", "/api/v1/admin/servers/{item_id}/retry"): Expect(ADMINS_ONLY | {ADMIN: 409}),
    ("GET", "/api/v1/admin/servers/{item_id}/log"): Expect(ADMINS_ONLY),
    # Stripe's webhooks: no token, the signature on the body is the credential (none here: 400).
    ("POST", "/api/webhooks/stripe"): Expect(everyone(400), example="/api/webhooks/stripe"),
    ("POST", "/api/webhooks/stripe/{tenant_slug}"): Expect(
        everyone(400), example="/api/webhooks/stripe/no-such-tenant"
    ),
    # Their PDFs (rendered on the first download): the owning account's members and admins.
    ("GET", "/api/v1/invoices/{invoice_number}/pdf"): Expect(SIGNED_IN),
    ("GET", "/api/v1/credit-notes/{credit_note_number}/pdf"): Expect(SIGNED_IN),
    # The console's downloads take the browser's session cookie, never a token.
    ("GET", "/api/invoices/{invoice_number}.pdf"): Expect(
        everyone(401), example="/api/invoices/INV-2026-00001.pdf"
    ),
    # A payment link's invoice: the token is the permission, whoever calls (a made-up one: 404).
    ("GET", "/api/pay/{token}.pdf"): Expect(everyone(404), example="/api/pay/made-up-token.pdf"),
    ("GET", "/api/credit-notes/{credit_note_number}.pdf"): Expect(
        everyone(401), example="/api/credit-notes/INV-2026-00001-CN1.pdf"
    ),
}


def route_table() -> set[tuple[str, str]]:
    """(method, path) of every HTTP route of the API, HEAD left out (it mirrors GET)."""
    found = set()
    for context in iter_route_contexts(create_api().routes):
        if not isinstance(context.original_route, Route):  # mounts, websocket routes
            continue
        for method in context.methods or {"GET"}:
            if method != "HEAD":
                found.add((method, str(context.path)))
    return found


def url(path: str, ids: dict[str, Any], example: str | None = None) -> str:
    if example is not None:
        return example
    try:
        return path.format(**ids)
    except KeyError as missing:
        raise AssertionError(f"{path}: add an id for {missing} to api_world.py") from None


def body(expect: Expect, ids: dict[str, Any]) -> dict[str, Any] | None:
    """The request body, with each "{name}" value replaced by the id `name` from `ids`."""
    if expect.body is None:
        return None
    placeholders = {f"{{{name}}}": value for name, value in ids.items()}
    return {
        key: placeholders.get(value, value) if isinstance(value, str) else value
        for key, value in expect.body.items()
    }


def is_problem(response: Any) -> bool:
    return response.headers.get("content-type", "").split(";")[0].strip() == PROBLEM_JSON


def test_the_table_names_every_route_and_no_other() -> None:
    routes = route_table()
    assert sorted(routes - EXPECTED.keys()) == [], "routes without an entry in EXPECTED"
    assert sorted(EXPECTED.keys() - routes) == [], "entries in EXPECTED for routes that are gone"
    for (method, path), expect in EXPECTED.items():
        assert set(expect.statuses) == set(PRINCIPALS), f"{method} {path}: a status for every caller"


def test_every_route_answers_every_caller_as_the_table_says(api_world: ApiWorld) -> None:
    client = api_world.client()
    wrong: list[str] = []
    for (method, path), expect in EXPECTED.items():
        for principal in PRINCIPALS:  # the admin last: its lock and role change succeed
            response = client.request(
                method,
                url(path, api_world.ids_a, expect.example),
                headers=api_world.headers(principal),
                json=body(expect, api_world.ids_a),
            )
            label = f"{method} {path} as {principal}"
            if response.status_code != expect.statuses[principal]:
                wrong.append(f"{label}: {response.status_code}, expected {expect.statuses[principal]}")
            elif response.status_code >= 300 and not is_problem(response):
                wrong.append(f"{label}: {response.status_code} as {response.headers.get('content-type')}")
    assert not wrong, "\n".join(wrong)


def _users_of_b(api_world: ApiWorld) -> Any:
    client = api_world.client(api_world.identity.host_b)
    headers = {"Authorization": f"Bearer {api_world.identity.b_admin.token}"}
    response = client.get("/api/v1/admin/users", headers=headers)
    assert response.status_code == 200
    return response.json()


def test_ids_of_another_tenant_are_not_found_like_ids_that_never_existed(api_world: ApiWorld) -> None:
    client = api_world.client()
    # An id or a subscription number that never existed (B's with more digits).
    never = {
        name: value + 1_000_000 if isinstance(value, int) else f"{value}9"
        for name, value in api_world.ids_b.items()
    }
    b_before = _users_of_b(api_world)
    routes_with_ids = [(key, e) for key, e in EXPECTED.items() if "{" in key[1] and e.takes_object_ids]
    assert routes_with_ids
    wrong: list[str] = []
    for (method, path), expect in routes_with_ids:
        answers = []
        for ids in (api_world.ids_b, never):
            response = client.request(
                method, url(path, ids), headers=api_world.headers(ADMIN), json=body(expect, ids)
            )
            title = response.json().get("title") if is_problem(response) else response.text[:60]
            answers.append((response.status_code, is_problem(response), title))
        if answers[0][:2] != (404, True) or answers[0] != answers[1]:
            wrong.append(f"{method} {path}: another tenant's id {answers[0]}, an unknown id {answers[1]}")
    assert not wrong, "\n".join(wrong)
    assert _users_of_b(api_world) == b_before  # nobody in B was locked or changed


OUT_OF_RANGE_IDS = [str(2**63), "99999999999999999999999", "-1", "0", "1e3", "abc"]
OUT_OF_RANGE_INTEGERS = [str(2**63), str(-(2**63) - 1)]


def _bad_path_ids(api_world: ApiWorld, client: Any) -> list[str]:
    """`POST /api/v1/admin/users/99999999999999999999999/lock` answered 500 (OverflowError)."""
    wrong = []
    for (method, path), expect in EXPECTED.items():
        if "{" not in path or not expect.takes_object_ids:
            continue
        for value in OUT_OF_RANGE_IDS:
            bad_ids = dict.fromkeys(api_world.ids_a, value)
            target = url(path, bad_ids)
            response = client.request(
                method, target, headers=api_world.headers(ADMIN), json=body(expect, bad_ids)
            )
            if response.status_code not in (404, 422) or not is_problem(response):
                wrong.append(
                    f"{method} {target}: {response.status_code} {response.headers.get('content-type')}"
                )
    return wrong


def _bad_query_integers(api_world: ApiWorld, client: Any) -> list[str]:
    """`GET /api/v1/admin/users?offset=9223372036854775808` answered 500 (OverflowError)."""
    document = client.get("/api/openapi.json").json()
    probed, wrong = [], []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] != "query" or parameter.get("schema", {}).get("type") != "integer":
                    continue
                probed.append(parameter["name"])
                for value in OUT_OF_RANGE_INTEGERS:
                    response = client.request(
                        method, path, params={parameter["name"]: value}, headers=api_world.headers(ADMIN)
                    )
                    if not 400 <= response.status_code < 500 or not is_problem(response):
                        wrong.append(
                            f"{method.upper()} {path}?{parameter['name']}={value}: {response.status_code}"
                            f" {response.headers.get('content-type')}"
                        )
    assert probed, "no integer query parameter found: the probe is broken"
    return wrong


def test_numbers_out_of_range_or_malformed_are_refused_with_a_problem_not_a_server_error(
    api_world: ApiWorld,
) -> None:
    """Ids in paths and integers in queries: 404 or 422 (or another 4xx), never 500."""
    client = api_world.client()
    wrong = _bad_path_ids(api_world, client) + _bad_query_integers(api_world, client)
    assert not wrong, "\n".join(wrong)


def _may_match(path: str, route: str) -> bool:
    """Whether a request for `path` may be routed to `route` (a parameter segment takes any text)."""
    ours, theirs = path.split("/"), route.split("/")
    return len(ours) == len(theirs) and all(
        a == b or b.startswith("{") for a, b in zip(ours, theirs, strict=True)
    )


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)  # routing only: one database will do
def test_unknown_api_paths_and_wrong_methods_are_problems(api_world: ApiWorld) -> None:
    client = api_world.client()
    for path in ("/api/v1/no-such-route", "/api/no-such-route", "/api/v1/admin/users/1/no-such-action"):
        response = client.get(path, headers=api_world.headers(ADMIN))
        assert (response.status_code, is_problem(response)) == (404, True), path
    for (method, path), expect in sorted(EXPECTED.items()):
        if path in CATCH_ALL_PATHS:  # takes every method
            continue
        # a method no route of the path takes (/members/{member_id} takes PATCH and DELETE, and
        # matches /members/invitations too)
        taken = {m for m, p in EXPECTED if _may_match(path, p)}
        wrong_method = next(m for m in ("DELETE", "PATCH", "PUT") if m not in taken)
        target = url(path, api_world.ids_a, expect.example)
        response = client.request(wrong_method, target, headers=api_world.headers(ADMIN))
        assert (response.status_code, is_problem(response)) == (405, True), f"{wrong_method} {path}"
        assert method in response.headers.get("allow", ""), f"{wrong_method} {path}: Allow header"
