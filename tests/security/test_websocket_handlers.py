"""State handlers called over the real websocket of a running console, the way a crafted message would.

Hiding a button is no protection: any signed-in user can emit any handler of any state. So:
- every handler of an admin-only state, called by a signed-in customer, is refused (a redirect to
  the customer's dashboard, no admin data in any state delta) and changes nothing in the database;
- a handler sent an argument of the wrong type answers with a clear message in the page state,
  not with Reflex's "An error occurred" toast and a traceback in the console's log.

Which states are admin-only is declared in `AUDIENCE` below, and the handlers of those states are
enumerated from the state classes, so a new handler on an admin state is covered without a new line.
A new state class fails `test_every_page_state_declares_who_may_use_it` until it gets its entry.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import typing
from collections.abc import Iterator
from typing import Any

import pytest
import reflex as rx
from reflex.state import State

import billing_console.billing_console  # noqa: F401 - registers every page state
from backend.demo.service import ADMIN_LOGIN, CUSTOMER_LOGIN
from billing_console.pages import ROUTES
from billing_console.routes import ADMIN, DASHBOARD, JOB_MONITOR_REFUSED
from billing_console.state.account import AccountState
from billing_console.state.admin import AdminOverviewState
from tests.browser.conftest import RunningConsole
from tests.security.console_db import fingerprint
from tests.security.console_socket import ConsoleSocket, Reply, handler_name, sign_in

pytestmark = pytest.mark.browser  # needs the production build (no Chromium is driven)

ADMIN_ONLY, SIGNED_IN, ANYONE = "admin only", "signed in", "anyone"

# Who may use each page state. A new state needs a line here (the first test fails without one).
AUDIENCE: dict[str, str] = {
    "billing_console.state.admin.AdminOverviewState": ADMIN_ONLY,
    "billing_console.state.admin_customers.AdminCustomersState": ADMIN_ONLY,
    "billing_console.state.admin_customers.AdminCustomerState": ADMIN_ONLY,
    "billing_console.state.admin_customer_mail.AdminCustomerMailState": ADMIN_ONLY,
    "billing_console.state.admin_subscriptions.AdminSubscriptionsState": ADMIN_ONLY,
    "billing_console.state.admin_subscriptions.AdminSubscriptionState": ADMIN_ONLY,
    "billing_console.state.admin_invoices.AdminInvoicesState": ADMIN_ONLY,
    "billing_console.state.admin_invoices.AdminInvoiceState": ADMIN_ONLY,
    "billing_console.state.invoice_draft.InvoiceDraftState": ADMIN_ONLY,
    "billing_console.state.bill_now.BillNowState": ADMIN_ONLY,
    "billing_console.state.catalog_admin.CatalogOverviewState": ADMIN_ONLY,
    "billing_console.state.catalog_admin.ServiceTypesState": ADMIN_ONLY,
    "billing_console.state.catalog_admin.CatalogPlansState": ADMIN_ONLY,
    "billing_console.state.catalog_admin.AddonsState": ADMIN_ONLY,
    "billing_console.state.catalog_admin.PromotionsState": ADMIN_ONLY,
    "billing_console.state.dunning.DunningSettingsState": ADMIN_ONLY,
    "billing_console.state.exports.ExportsState": ADMIN_ONLY,
    "billing_console.state.payment_settings.PaymentSettingsState": ADMIN_ONLY,
    "billing_console.state.tenant_settings.TenantSettingsState": ADMIN_ONLY,
    "billing_console.state.payment_links.PaymentLinksState": ADMIN_ONLY,
    "billing_console.state.admin_invoice_payments.AdminInvoicePaymentsState": ADMIN_ONLY,
    "billing_console.state.admin_payments_overview.AdminPaymentsOverviewState": ADMIN_ONLY,
    "billing_console.state.revenue.RevenueState": ADMIN_ONLY,
    "billing_console.state.revenue.MrrTrendState": ADMIN_ONLY,
    "billing_console.state.invoice_links.InvoiceLinksState": ADMIN_ONLY,
    "billing_console.state.admin_servers.AdminServersState": ADMIN_ONLY,
    "billing_console.state.admin_servers.BackordersState": ADMIN_ONLY,
    "billing_console.state.admin_servers.ProvidersState": ADMIN_ONLY,
    "billing_console.state.admin_audit.AdminAuditState": ADMIN_ONLY,
    "billing_console.state.servers.ServersState": SIGNED_IN,
    "billing_console.state.pay_link.PayLinkState": ANYONE,  # a payment link's page: the token is the key
    "billing_console.state.account.AccountState": SIGNED_IN,
    "billing_console.state.dashboard.DashboardState": SIGNED_IN,
    "billing_console.state.subscriptions.SubscriptionsState": SIGNED_IN,
    "billing_console.state.subscription_detail.SubscriptionState": SIGNED_IN,
    "billing_console.state.order.OrderState": SIGNED_IN,  # visitors are sent to sign in
    "billing_console.state.plans.PlansState": ANYONE,  # the public plans page
    "billing_console.state.profile.ProfileState": SIGNED_IN,
    "billing_console.state.saved_method.SavedMethodState": SIGNED_IN,
    # an invitation link shows its account to anyone holding it; accepting needs the invited user
    "billing_console.state.invitation.InvitationState": ANYONE,
    "billing_console.state.session.SessionState": ANYONE,
    "billing_console.state.login.LoginState": ANYONE,
    "billing_console.state.signup.RegisterState": ANYONE,
    "billing_console.state.signup.ConfirmEmailState": ANYONE,
    "billing_console.state.password_reset.ForgotPasswordState": ANYONE,
    "billing_console.state.password_reset.ResetPasswordState": ANYONE,
    "billing_console.state.refusals.RefusalState": ANYONE,  # the 404 and 403 pages
    "billing_console.state.invoices.InvoicesState": SIGNED_IN,
    "billing_console.state.invoices.InvoiceState": SIGNED_IN,
}


def _key(state_cls: type[rx.State]) -> str:
    return f"{state_cls.__module__}.{state_cls.__qualname__}"


def page_states() -> list[type[rx.State]]:
    """Every state class of the console (Reflex's own internal states left out)."""
    found: list[type[rx.State]] = []
    pending = list(State.get_substates())
    while pending:
        state_cls = pending.pop()
        pending.extend(state_cls.get_substates())
        if state_cls.__module__.startswith("billing_console."):
            found.append(state_cls)
    return sorted(found, key=_key)


def admin_states() -> list[type[rx.State]]:
    return [s for s in page_states() if AUDIENCE.get(_key(s)) == ADMIN_ONLY]


def _sample(annotation: Any) -> Any:
    """A well-formed argument of this type: the refusal must come from the role check, not the type."""
    origin = typing.get_origin(annotation) or annotation
    samples = {int: 1, float: 1.0, str: "x", bool: True, dict: {}, list: []}
    return samples.get(origin, "x") if isinstance(origin, type) else "x"


def sample_payload(state_cls: type[rx.State], name: str) -> dict[str, Any]:
    handler = state_cls.event_handlers[name]
    if name == "setvar":  # Reflex's generic setter: try to write the state's first var
        return {"var_name": next(iter(state_cls.base_vars)), "value": 123}
    hints = typing.get_type_hints(handler.fn)
    parameters = list(inspect.signature(handler.fn).parameters)[1:]  # without self
    return {p: _sample(hints.get(p, Any)) for p in parameters}


ADMIN_HANDLERS = [(s, name) for s in admin_states() for name in sorted(s.event_handlers)]


def _default(state_cls: type[rx.State], var: str) -> Any:
    """The var's default as the page receives it (a dataclass, e.g. an empty record, as its fields)."""
    value = state_cls.get_fields()[var].default_value()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    return json.loads(json.dumps(value, default=str))


def admin_data_in(reply_values: dict[str, Any], state_cls: type[rx.State]) -> dict[str, Any]:
    """The vars of an admin state that a reply set to anything but their empty defaults."""
    return {
        var: value
        for var, value in reply_values.items()
        if var in state_cls.base_vars and value != _default(state_cls, var) and var != "loading"
    }


@pytest.fixture(scope="module")
def customer_cookie(console: RunningConsole) -> str:
    return sign_in(console.base_url, *CUSTOMER_LOGIN)


@pytest.fixture
def customer_socket(console: RunningConsole, customer_cookie: str) -> Iterator[ConsoleSocket]:
    socket = ConsoleSocket(console.base_url, customer_cookie)
    yield socket
    socket.close()


def new_log(console: RunningConsole, since: int) -> str:
    return console.log.read_bytes()[since:].decode(errors="replace")


def test_every_page_state_declares_who_may_use_it() -> None:
    keys = {_key(s) for s in page_states()}
    assert sorted(keys - AUDIENCE.keys()) == [], "new page states need an AUDIENCE entry"
    assert sorted(AUDIENCE.keys() - keys) == [], "AUDIENCE names states that no longer exist"
    # The job monitor's refusal page lives under /admin but is the 403 shown to anyone refused.
    admin_pages = [
        r
        for r in ROUTES
        if (r.path == ADMIN or r.path.startswith(f"{ADMIN}/")) and r.path != JOB_MONITOR_REFUSED
    ]
    assert admin_pages, "the route table has no admin page"
    for route in admin_pages:
        for event in route.on_load if isinstance(route.on_load, list) else [route.on_load]:
            owner = event.fn.__qualname__.split(".")[0]
            assert any(s.__name__ == owner for s in admin_states()), f"{route.path} loads {owner}"
    assert ADMIN_HANDLERS, "no admin handler found: the enumeration is broken"


@pytest.mark.parametrize(
    ("state_cls", "name"), ADMIN_HANDLERS, ids=[f"{s.__name__}.{n}" for s, n in ADMIN_HANDLERS]
)
def test_a_customer_calling_an_admin_handler_is_refused_and_nothing_changes(
    console: RunningConsole, customer_socket: ConsoleSocket, state_cls: type[rx.State], name: str
) -> None:
    before = fingerprint(console.database_url)
    reply = customer_socket.call(
        handler_name(state_cls, name),
        sample_payload(state_cls, name),
        path=ADMIN,
        until=lambda reply: bool(reply.redirects()) or reply.shows_server_error(),
    )
    assert admin_data_in(reply.values(state_cls), state_cls) == {}
    if name == "setvar":
        # Reflex's generic setter reaches only `set_<var>` handlers, which admin states do not have.
        assert not [h for h in state_cls.event_handlers if h.startswith("set_")]
    else:
        assert reply.redirects() == [DASHBOARD], reply
    assert fingerprint(console.database_url) == before


def test_the_admin_gets_the_figures_the_customer_was_refused(console: RunningConsole) -> None:
    """The control: the same call by the admin fills the admin state, so the refusal above is real."""
    socket = ConsoleSocket(console.base_url, sign_in(console.base_url, *ADMIN_LOGIN))
    try:
        reply = socket.call(
            handler_name(AdminOverviewState, "load"),
            path=ADMIN,
            until=lambda reply: reply.values(AdminOverviewState).get("loading") is False,
        )
    finally:
        socket.close()
    figures = admin_data_in(reply.values(AdminOverviewState), AdminOverviewState)
    assert figures["tenant_name"] == "Demo Hosting"
    assert figures["customers"] > 0


def answered(reply: Reply) -> bool:
    return "token_error" in reply.values(AccountState) or reply.shows_server_error()


# What a crafted message may send instead of a token id (the page sends the row's integer id).
BAD_TOKEN_IDS = ["abc", "", "1.5", 1.5, -1, 0, 2**63, "9" * 30, True, None, [1], {"id": 1}]


@pytest.mark.parametrize("token_id", BAD_TOKEN_IDS, ids=[repr(v) for v in BAD_TOKEN_IDS])
def test_a_wrongly_typed_token_id_gets_a_clear_refusal_not_a_server_error(
    console: RunningConsole, customer_socket: ConsoleSocket, token_id: Any
) -> None:
    before = fingerprint(console.database_url)
    log_start = console.log.stat().st_size
    reply = customer_socket.call(
        handler_name(AccountState, "revoke_token"), {"token_id": token_id}, path="/account", until=answered
    )
    assert reply.values(AccountState).get("token_error") == (
        "That token id is not valid. Reload the page and try again."
    ), reply
    assert not reply.shows_server_error()
    assert "Traceback" not in new_log(console, log_start)
    assert fingerprint(console.database_url) == before


def test_a_token_id_of_someone_else_is_not_found(
    console: RunningConsole, customer_socket: ConsoleSocket
) -> None:
    """A well-formed id still goes through the service, which finds no token of this user under it."""
    before = fingerprint(console.database_url)
    reply = customer_socket.call(
        handler_name(AccountState, "revoke_token"), {"token_id": 987654}, path="/account", until=answered
    )
    assert reply.values(AccountState).get("token_error") == "Token 987654 not found."
    assert not reply.shows_server_error()
    assert fingerprint(console.database_url) == before
