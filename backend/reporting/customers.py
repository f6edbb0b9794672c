"""The tenant's customers for its admins: the searchable list, and one customer's file with its
standing (overdue invoices, total paid, open balance), all counted in SQL.

Admins only (`READ_CUSTOMERS`); an id of another tenant is not found.
"""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session

from backend.customers.service import billing_profile
from backend.kit.errors import NotFoundError
from backend.kit.pagination import Page
from backend.kit.policy import Action, Actor, authorize
from backend.kit.repository import TenantScope
from backend.reporting.admin_schemas import (
    BillingProfileFacts,
    CurrencyStanding,
    CustomerFile,
    CustomerListItem,
    CustomerListPage,
    CustomerStanding,
    CustomerSubscriptionFacts,
    InvoiceFacts,
    MemberFacts,
    standing_of,
)
from backend.reporting.repository import CustomerDirectory, CustomerHoldings, CustomerRow, TenantFigures

PAGE_SIZE = 20
INVOICES_SHOWN = 20
MAX_SEARCH = 100
ZERO = Decimal(0)


def customer_list(
    session: Session,
    scope: TenantScope,
    actor: Actor,
    search: str = "",
    *,
    page: int = 1,
    per_page: int = PAGE_SIZE,
) -> CustomerListPage:
    """Page `page` (1-based, clamped) of the accounts whose name, number or email contains `search`."""
    authorize(actor, scope, Action.READ_CUSTOMERS)
    directory = CustomerDirectory(session, scope)
    search = search.strip()[:MAX_SEARCH]
    total = directory.count_matching(search)
    page_count = max(1, -(-total // per_page))
    page = min(max(page, 1), page_count)
    rows = directory.rows(search, limit=per_page, offset=(page - 1) * per_page)
    return CustomerListPage([_item(row) for row in rows], page, page_count, total)


def customers_after(
    session: Session,
    scope: TenantScope,
    actor: Actor,
    search: str = "",
    *,
    limit: int = 50,
    starting_after: int | None = None,
) -> Page[CustomerListItem]:
    """The matching accounts after the id `starting_after`, in id order (the API's cursor)."""
    authorize(actor, scope, Action.READ_CUSTOMERS)
    rows = CustomerDirectory(session, scope).rows(
        search.strip()[:MAX_SEARCH], limit=limit + 1, starting_after=starting_after
    )
    return Page([_item(row) for row in rows[:limit]], len(rows) > limit)


def customer_file(
    session: Session, scope: TenantScope, actor: Actor, customer_account_id: int
) -> CustomerFile:
    """The account's billing profile, members, subscriptions, newest invoices and standing."""
    authorize(actor, scope, Action.READ_CUSTOMERS)
    directory = CustomerDirectory(session, scope)
    account = directory.get(customer_account_id)
    if account is None or account.id is None:
        raise NotFoundError("Customer not found.")
    holdings = CustomerHoldings(session, scope)
    profile = billing_profile(session, scope, account.id)
    return CustomerFile(
        id=account.id,
        number=account.number,
        name=account.name,
        customer_type=account.customer_type.value,
        created_at=account.created_at,
        profile=BillingProfileFacts(
            name=profile.name,
            company_name=profile.company_name,
            customer_type=profile.customer_type.value,
            address=[
                line
                for line in (
                    profile.address_line1,
                    profile.address_line2,
                    f"{profile.postal_code} {profile.city}".strip(),
                )
                if line
            ],
            country=profile.country,
            email=profile.email,
            phone=profile.phone,
            vat_id=profile.vat_id,
            vat_id_status=profile.vat_id_status.value,
            billing_day=profile.billing_day,
        )
        if profile
        else None,
        members=[MemberFacts(email, role) for email, role in directory.members(account.id)],
        subscriptions=[
            CustomerSubscriptionFacts(subscription.number, plan.name, subscription.status.value)
            for subscription, plan in holdings.subscriptions_with_plans(account.id)
        ],
        invoices=[
            InvoiceFacts(
                number=invoice.number or "",
                issued_at=invoice.issued_at,
                currency=invoice.currency,
                total=invoice.gross,
                balance_due=invoice.balance_due,
                status=invoice.status.value,
            )
            for invoice in directory.invoices(account.id, limit=INVOICES_SHOWN)
        ],
        invoice_count=directory.invoice_count(account.id),
        standing=customer_standing(session, scope, account.id),
    )


def customer_standing(session: Session, scope: TenantScope, customer_account_id: int) -> CustomerStanding:
    """Per currency: the gross of the paid invoices, the balance due of the issued and overdue
    ones, and how many of those are overdue."""
    unpaid = TenantFigures(session, scope).unpaid_by_currency(customer_account_id)
    paid = CustomerDirectory(session, scope).paid_by_currency(customer_account_id)
    by_currency = [
        CurrencyStanding(
            currency=currency,
            total_paid=paid.get(currency, ZERO),
            open_balance=unpaid.get(currency, (ZERO, 0, 0))[0],
            unpaid_invoices=unpaid.get(currency, (ZERO, 0, 0))[1],
            overdue_invoices=unpaid.get(currency, (ZERO, 0, 0))[2],
        )
        for currency in sorted(set(unpaid) | set(paid))
    ]
    unpaid_count = sum(c.unpaid_invoices for c in by_currency)
    overdue_count = sum(c.overdue_invoices for c in by_currency)
    return CustomerStanding(
        standing_of(unpaid_count, overdue_count), overdue_count, unpaid_count, by_currency
    )


def _item(row: CustomerRow) -> CustomerListItem:
    account = row.account
    assert account.id is not None
    return CustomerListItem(
        id=account.id,
        number=account.number,
        name=account.name,
        customer_type=account.customer_type.value,
        country=row.country,
        email=row.email,
        subscriptions=row.subscriptions,
        unpaid_invoices=row.unpaid_invoices,
        overdue_invoices=row.overdue_invoices,
        standing=standing_of(row.unpaid_invoices, row.overdue_invoices),
    )
