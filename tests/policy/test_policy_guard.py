"""Authorization cannot be forgotten: every service operation that takes an `actor` asks the policy.

Operations are found by introspection: public functions of the domain packages with an `actor`
parameter, and public methods of classes built with one (`Lifecycle`). Each must call the policy
(`authorize(...)`, or `Lifecycle._authorized(...)` which does) and have a row in the operation table
(tests/policy/operations.py), or a reasoned entry below. A new admin operation without a check, or
without a row saying who may do it, fails here.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import backend
from backend.kit import policy
from backend.kit.policy import RULES, Action
from tests.policy.operations import OPERATIONS

# Operations that take an actor but do not ask the policy themselves, and why.
NO_CHECK: dict[str, str] = {
    "audit.service.record": (
        "writes the entry of an operation that asked the policy; the actor is what it records"
    ),
    **{
        f"catalog.changes.{name}": (
            "writes and audits the change of a catalog operation that asked the policy first; the actor"
            " is who the audit entry names"
        )
        for name in ("apply_changes", "set_active", "record_change")
    },
    "invoicing.credit_notes.issue_credit_note": (
        "the credit note of credit_invoice and of lifecycle steps crediting unused time, each of which"
        " asked the policy first"
    ),
    "invoicing.credit_notes.credit_billed_charge": (
        "the credit note for unused time of an invoiced charge, booked by a plan change, withdrawal,"
        " cancellation or expiry that asked the policy; the actor only signs the credit note"
    ),
    "invoicing.credit_notes.credit_refund": (
        "the credit note of a refund, a step of payments.refunds.complete_refund after request_refund"
        " asked the policy (or the system's webhook reported the refund); the actor signs it"
    ),
    "payments.refunds.complete_refund": (
        "completes the refund that request_refund (which asked the policy) wrote, or that the"
        " processor reported to the system's webhook; the actor only signs the audit entry"
    ),
    "payments.refunds.refund_payment": (
        "opens the units of work of request_refund, which asks the policy before anything is written,"
        " and completes or fails the refund it wrote"
    ),
    "dunning.service.settle": (
        "reverses dunning as a step of the payment or void that settled the invoice, which asked the"
        " policy for this actor; the reinstatement itself is the system's rule (Lifecycle as SYSTEM)"
    ),
    "invoicing.settlement.invoice_settled": (
        "tells the listeners (dunning) that mark_paid or void_invoice settled an invoice; both asked"
        " the policy before settling it"
    ),
    "payments.checkout_flow.pay_invoice": (
        "the units of work around payments.checkout.plan_checkout, which asks the policy (PAY_INVOICE)"
        " before anything is written or Stripe is called"
    ),
    "subscriptions.credits.UnusedTime.credits_after": (
        "reads the credits a lifecycle operation (that asked) is to book"
    ),
    "subscriptions.credits.UnusedTime.apply": (
        "books the credits of a plan change, withdrawal, cancellation or expiry that asked the policy;"
        " the actor only signs the credit notes"
    ),
    "exports.endpoints.streamed_export": (
        "the route's stream: exports.service.open_download asks the policy (EXPORT_DATA) in a unit of"
        " work of its own before the first byte is sent"
    ),
    "subscriptions.service.Lifecycle.end_unstarted": (
        "ends a subscription whose server never ran, as a step of Lifecycle.cancel (CANCEL_SUBSCRIPTION)"
        " or of a backorder's cancellation (CANCEL_BACKORDER), both of which asked the policy first"
    ),
}
# Operations that ask the policy but have no row in the table, and why.
NO_ROW: dict[str, str] = {
    name: "public (sign-up, confirmation, reset, sign-in): anyone may; codes, passwords and throttles"
    " protect it (tests/identity/test_accounts.py, tests/identity/test_throttle.py)"
    for name in (
        "identity.registration.register",
        "identity.registration.resend_confirmation",
        "identity.registration.confirm_email",
        "identity.passwords.request_password_reset",
        "identity.passwords.reset_password",
        "identity.auth.authenticate",
    )
}
# The web layer, the page-facing gateway, the tables and the adapters: no domain operations.
NOT_DOMAIN = ("backend.api", "backend.gateway", "backend.models", "backend.integrations")
CALLS_POLICY = re.compile(r"\bauthorize\(|\bself\._authorized\(")


def _name(function: Callable[..., Any]) -> str:
    return f"{function.__module__.removeprefix('backend.')}.{function.__qualname__}"


def _takes_actor(function: Callable[..., Any]) -> bool:
    return "actor" in inspect.signature(function).parameters


def _public(owner: object) -> dict[str, Any]:
    return {name: value for name, value in vars(owner).items() if not name.startswith("_")}


def operations_with_an_actor() -> dict[str, Callable[..., Any]]:
    """Every public function and method of the domain packages that acts for an actor."""
    found: dict[str, Callable[..., Any]] = {}
    for info in pkgutil.walk_packages(backend.__path__, "backend."):
        if info.name == policy.__name__ or info.name.startswith(NOT_DOMAIN) or info.ispkg:
            continue  # the check itself, and the layers above and below the domains
        module = importlib.import_module(info.name)
        for value in _public(module).values():
            if getattr(value, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(value) and _takes_actor(value):
                found[_name(value)] = value
            elif inspect.isclass(value) and _takes_actor(value.__init__):
                for method in _public(value).values():
                    if inspect.isfunction(method):
                        found[_name(method)] = method
    return found


def test_the_search_finds_the_operations_of_every_kind() -> None:
    """The introspection itself works: functions, methods of actor-built classes, exemptions."""
    found = operations_with_an_actor()
    for name in (
        "catalog.plans.update_plan",
        "invoicing.service.void_invoice",
        "subscriptions.service.Lifecycle.cancel",
        "audit.service.record",
    ):
        assert name in found
    assert "subscriptions.service.Lifecycle._locked" not in found and "catalog.plans.get_plan" not in found


def test_every_operation_with_an_actor_asks_the_policy() -> None:
    unchecked = sorted(
        name
        for name, function in operations_with_an_actor().items()
        if name not in NO_CHECK and not CALLS_POLICY.search(inspect.getsource(function))
    )
    assert unchecked == [], f"call policy.authorize first, or add the reason to NO_CHECK: {unchecked}"


def test_every_operation_with_an_actor_has_a_row_saying_who_may_do_it() -> None:
    rows = {operation.name for operation in OPERATIONS}
    missing = sorted(set(operations_with_an_actor()) - rows - set(NO_CHECK) - set(NO_ROW))
    assert missing == [], f"add a row to tests/policy/operations.py: {missing}"
    stale = sorted((set(NO_CHECK) | set(NO_ROW) | rows) - set(operations_with_an_actor()))
    assert stale == [], f"these no longer take an actor: {stale}"
    assert all(len(reason) > 30 for reason in (*NO_CHECK.values(), *NO_ROW.values()))


def test_every_action_of_the_table_is_asked_for_somewhere() -> None:
    """A rule nobody asks for is dead, or an operation asks under another name."""
    sources = "\n".join(
        path.read_text() for path in Path(backend.__file__).parent.rglob("*.py") if path.name != "policy.py"
    )
    unused = sorted(action.name for action in RULES if f"Action.{action.name}" not in sources)
    assert unused == [], f"no service asks for: {unused}"
    assert set(RULES) == set(Action)


def test_role_checks_live_only_in_the_policy() -> None:
    """No `is_admin` decisions outside the policy: the gateway, API and services ask the policy."""
    root = Path(backend.__file__).parent
    offenders = sorted(
        str(path.relative_to(root)) for path in root.rglob("*.py") if ".is_admin" in path.read_text()
    )
    assert offenders == [], f"ask backend.kit.policy instead: {offenders}"
