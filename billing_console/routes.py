"""Paths of the pages and the route table entry type (one `app.add_page` loop registers them)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import reflex as rx
from reflex.event import EventType

INDEX = "/"
LOGIN = "/login"
REGISTER = "/register"
CONFIRM_EMAIL = "/confirm-email"
FORGOT_PASSWORD = "/forgot-password"
RESET_PASSWORD = "/reset-password"
ACCOUNT = "/account"
DASHBOARD = "/dashboard"
ADMIN = "/admin"
ADMIN_CATALOG = "/admin/catalog"
ADMIN_CATALOG_SERVICE_TYPES = "/admin/catalog/service-types"
ADMIN_CATALOG_PLANS = "/admin/catalog/plans"
ADMIN_CATALOG_ADDONS = "/admin/catalog/addons"
ADMIN_CATALOG_PROMOTIONS = "/admin/catalog/promotions"
PLANS = "/plans"
SUBSCRIPTIONS = "/subscriptions"
SUBSCRIPTION = "/subscriptions/[number]"
ADMIN_CUSTOMERS = "/admin/customers"
ADMIN_CUSTOMER = "/admin/customers/[id]"
ADMIN_SUBSCRIPTIONS = "/admin/subscriptions"
ADMIN_SUBSCRIPTION = "/admin/subscriptions/[number]"
ADMIN_DUNNING = "/admin/dunning"
ADMIN_PAYMENT_SETTINGS = "/admin/settings/payments"
ADMIN_SETTINGS = "/admin/settings"  # the tenant's issuer, invoice, reminder, tax and email settings
ADMIN_PAYMENT_LINKS = "/admin/payment-links"
ADMIN_BACKORDERS = "/admin/backorders"  # servers waiting for provider capacity
ADMIN_PROVIDERS = "/admin/providers"  # the cloud provider (token, health) of each provisioned service type
ADMIN_INVOICES = "/admin/invoices"
ADMIN_EXPORTS = "/admin/exports"  # CSV exports of a range of days
ADMIN_REVENUE = "/admin/revenue"  # revenue analytics: turnover, MRR and its movement, receivables
ADMIN_INVOICE_NEW = "/admin/invoices/new"  # a manual draft; `?draft=ID` edits one, `?customer=ID` preselects
ADMIN_INVOICE = "/admin/invoices/[number]"  # an invoice by number, a draft by its id
ADMIN_AUDIT = "/admin/audit"  # the audit log; `?object_type=invoice&object_id=INV-...` filters it
PROFILE = "/profile"
INVITATION = "/invitations/[token]"
INVITATIONS = "/invitations"
PAY = "/pay/[token]"  # a payment link's public page (no sign-in)
ORDER = "/order/[plan]"
ORDERS = "/order"
NOT_FOUND = "404"  # Reflex's route for every address no page has
# The job monitor's own addresses: the web app answers them with this page when it refuses them.
JOB_MONITOR_REFUSED = "/admin/queues/[[...splat]]"

ADMIN_ROLE = "admin"


def subscription_path(number: str) -> str:
    return f"{SUBSCRIPTIONS}/{number}"


def admin_customer_path(customer_id: int) -> str:
    return f"{ADMIN_CUSTOMERS}/{customer_id}"


def admin_subscription_path(number: str) -> str:
    return f"{ADMIN_SUBSCRIPTIONS}/{number}"


def admin_invoice_path(reference: str) -> str:
    return f"{ADMIN_INVOICES}/{reference}"


def invitation_path(token: str) -> str:
    return f"{INVITATIONS}/{token}"


def order_path(plan_key: str) -> str:
    return f"{ORDERS}/{plan_key}"


# Pages that send a visitor to sign in (or up) and take them back afterwards (`?next=...`): the
# order wizard and an invitation's accept page.
_RETURNABLE = re.compile(r"/order/[A-Za-z0-9_-]{1,64}|/invitations/[A-Za-z0-9_-]{20,100}")


def return_path(candidate: str) -> str:
    """`candidate` when it is a page of this console a sign-in may return to, else "" (never
    another site: an open redirect would let a link send a signed-in user anywhere)."""
    return candidate if _RETURNABLE.fullmatch(candidate or "") else ""


def sign_in_then(path: str) -> str:
    """The sign-in page that returns to `path` afterwards."""
    return f"{LOGIN}?next={path}" if return_path(path) else LOGIN


def home_for(role: str) -> str:
    """Where a user lands after signing in: admins on the overview, customers on their dashboard."""
    return ADMIN if role == ADMIN_ROLE else DASHBOARD


@dataclass(frozen=True, slots=True)
class Route:
    """One page: its path, browser title, render function and the events run on every load."""

    path: str
    title: str
    component: Callable[[], rx.Component]
    on_load: EventType[()] | None = None


INVOICES = "/invoices"
INVOICE = "/invoices/[number]"


def invoice_path(number: str) -> str:
    return f"{INVOICES}/{number}"
