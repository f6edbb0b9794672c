"""The read side's own SQL: tenant-wide aggregates for the admin overview, and a customer's
account, subscriptions and servers for the customer dashboard.

Reporting reads the tables of customers, subscriptions and invoicing directly (each query scoped
to the tenant for every table it names) and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select

from backend.kit.repository import TenantRepository
from backend.models import (
    Addon,
    CustomerAccount,
    CustomerMember,
    CustomerProfile,
    Invoice,
    InvoiceStatus,
    OpenPosition,
    Plan,
    Subscription,
    SubscriptionAddon,
    SubscriptionItem,
    User,
)
from backend.models.statuses import (
    RUNNING_SUBSCRIPTION_STATUSES,
    SUBSCRIPTION_STATUS_GROUPS,
    UNPAID_INVOICE_STATUSES,
)


class TenantFigures(TenantRepository[Invoice]):
    model = Invoice

    def customer_count(self) -> int:
        statement = self.scoped(
            select(func.count()).select_from(CustomerAccount), CustomerAccount, own_model=False
        )
        return int(self.session.scalar(statement) or 0)

    def live_subscription_count(self) -> int:
        statement = self.scoped(
            select(func.count())
            .select_from(Subscription)
            .where(Subscription.status.in_(RUNNING_SUBSCRIPTION_STATUSES)),
            Subscription,
            own_model=False,
        )
        return int(self.session.scalar(statement) or 0)

    def unpaid_by_currency(
        self, customer_account_id: int | None = None
    ) -> dict[str, tuple[Decimal, int, int]]:
        """Per currency: (balance due, unpaid count, overdue count), of one customer when given."""
        overdue = func.count().filter(Invoice.status == InvoiceStatus.OVERDUE)
        statement = (
            select(Invoice.currency, func.sum(Invoice.balance_due), func.count(), overdue)
            .where(Invoice.status.in_(UNPAID_INVOICE_STATUSES))
            .group_by(Invoice.currency)
        )
        if customer_account_id is not None:
            statement = statement.where(Invoice.customer_account_id == customer_account_id)
        rows = self.session.execute(self.scoped(statement))
        return {c: (Decimal(t or 0), int(n), int(o or 0)) for c, t, n, o in rows}

    def paid_since(self, since: datetime) -> dict[str, Decimal]:
        statement = self.scoped(
            select(Invoice.currency, func.sum(Invoice.gross))
            .where(Invoice.status == InvoiceStatus.PAID, Invoice.paid_at >= since)
            .group_by(Invoice.currency)
        )
        return {currency: Decimal(total or 0) for currency, total in self.session.execute(statement)}


class CustomerHoldings(TenantRepository[CustomerAccount]):
    """A customer account (`get`) with what it holds: subscriptions on their plans, and servers."""

    model = CustomerAccount

    def subscriptions_with_plans(
        self, customer_account_id: int, *, limit: int | None = None, offset: int = 0
    ) -> list[tuple[Subscription, Plan]]:
        """The customer's subscriptions with their plans, newest first (`limit` of them from `offset`)."""
        statement: Any = self.scoped(
            select(Subscription, Plan)
            .join(Plan, Plan.id == Subscription.plan_id)
            .where(Subscription.customer_account_id == customer_account_id)
            .order_by(Subscription.created_at.desc(), Subscription.id.desc())
            .offset(offset)
            .limit(limit),
            Subscription,
            Plan,
            own_model=False,
        )
        return [(row[0], row[1]) for row in self.session.execute(statement)]

    def subscription_count(self, customer_account_id: int) -> int:
        statement = self.scoped(
            select(func.count())
            .select_from(Subscription)
            .where(Subscription.customer_account_id == customer_account_id),
            Subscription,
            own_model=False,
        )
        return int(self.session.scalar(statement) or 0)

    def subscription_with_plan(
        self, customer_account_id: int, number: str
    ) -> tuple[Subscription, Plan] | None:
        """The customer's subscription numbered `number` with its plan; None for anyone else's."""
        statement: Any = self.scoped(
            select(Subscription, Plan)
            .join(Plan, Plan.id == Subscription.plan_id)
            .where(Subscription.customer_account_id == customer_account_id, Subscription.number == number),
            Subscription,
            Plan,
            own_model=False,
        )
        row = self.session.execute(statement).first()
        return (row[0], row[1]) if row else None

    def addons_of(self, subscription_id: int) -> list[tuple[SubscriptionAddon, Addon]]:
        """The addons attached to a subscription and not removed, in the order they were added."""
        statement: Any = self.scoped(
            select(SubscriptionAddon, Addon)
            .join(Addon, Addon.id == SubscriptionAddon.addon_id)
            .where(
                SubscriptionAddon.subscription_id == subscription_id, SubscriptionAddon.removed_at.is_(None)
            )
            .order_by(SubscriptionAddon.id),
            SubscriptionAddon,
            Addon,
            own_model=False,
        )
        return [(row[0], row[1]) for row in self.session.execute(statement)]

    def servers(self, subscription_ids: list[int]) -> list[SubscriptionItem]:
        """The provisioned items of the subscriptions, in the order they were made."""
        if not subscription_ids:
            return []
        statement = self.scoped(
            select(SubscriptionItem)
            .where(SubscriptionItem.subscription_id.in_(subscription_ids))
            .order_by(SubscriptionItem.id),
            SubscriptionItem,
            own_model=False,
        )
        return list(self.session.scalars(statement))


def _contains(text: str) -> str:
    """A LIKE pattern for `text` anywhere, case-insensitive (lower-cased), wildcards taken literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True, slots=True)
class CustomerRow:
    """A customer account as the admin's list shows it, with its standing counted in SQL."""

    account: CustomerAccount
    country: str  # from the billing profile; empty without one
    email: str
    subscriptions: int
    unpaid_invoices: int
    overdue_invoices: int


class CustomerDirectory(TenantRepository[CustomerAccount]):
    """The tenant's customer accounts for its admins: searched, paged, each with its standing."""

    model = CustomerAccount

    def _matching(self, search: str) -> Any:
        statement = self.scoped(
            select(CustomerAccount, CustomerProfile.country, CustomerProfile.email).outerjoin(
                CustomerProfile,
                and_(
                    CustomerProfile.customer_account_id == CustomerAccount.id,
                    CustomerProfile.tenant_id == CustomerAccount.tenant_id,
                ),
            )
        )
        text = search.strip()
        if text:
            pattern = _contains(text)
            member_email = self.scoped(
                select(CustomerMember.id)
                .join(User, User.id == CustomerMember.user_id)
                .where(
                    CustomerMember.customer_account_id == CustomerAccount.id,
                    func.lower(User.email).like(pattern, escape="\\"),
                ),
                CustomerMember,
                User,
                own_model=False,
            )
            statement = statement.where(
                or_(
                    func.lower(CustomerAccount.name).like(pattern, escape="\\"),
                    func.lower(CustomerAccount.number).like(pattern, escape="\\"),
                    func.lower(CustomerProfile.email).like(pattern, escape="\\"),
                    member_email.exists(),
                )
            )
        return statement

    def count_matching(self, search: str) -> int:
        statement = select(func.count()).select_from(self._matching(search).subquery())
        return int(self.session.scalar(statement) or 0)

    def rows(
        self, search: str, *, limit: int, offset: int = 0, starting_after: int | None = None
    ) -> list[CustomerRow]:
        """Accounts matching `search` (name, number, billing or member email) in number order."""
        subscriptions = self.scoped(
            select(func.count())
            .select_from(Subscription)
            .where(Subscription.customer_account_id == CustomerAccount.id),
            Subscription,
            own_model=False,
        ).scalar_subquery()
        unpaid = self._invoice_count(UNPAID_INVOICE_STATUSES)
        overdue = self._invoice_count((InvoiceStatus.OVERDUE,))
        statement = self._matching(search).add_columns(subscriptions, unpaid, overdue)
        if starting_after is not None:
            statement = statement.where(CustomerAccount.id > starting_after)
        statement = statement.order_by(CustomerAccount.id).offset(offset).limit(limit)
        return [
            CustomerRow(row[0], row[1] or "", row[2] or "", int(row[3]), int(row[4]), int(row[5]))
            for row in self.session.execute(statement)
        ]

    def _invoice_count(self, statuses: tuple[InvoiceStatus, ...]) -> Any:
        return self.scoped(
            select(func.count())
            .select_from(Invoice)
            .where(Invoice.customer_account_id == CustomerAccount.id, Invoice.status.in_(statuses)),
            Invoice,
            own_model=False,
        ).scalar_subquery()

    def members(self, customer_account_id: int) -> list[tuple[str, str]]:
        """(email, role) of the account's members, owners first, then by email."""
        statement = self.scoped(
            select(User.email, CustomerMember.role)
            .join(User, User.id == CustomerMember.user_id)
            .where(CustomerMember.customer_account_id == customer_account_id)
            .order_by(CustomerMember.role, User.email),
            CustomerMember,
            User,
            own_model=False,
        )
        return [(email, str(role)) for email, role in self.session.execute(statement)]

    def invoices(self, customer_account_id: int, *, limit: int) -> list[Invoice]:
        """The account's issued invoices (drafts have no number yet), newest first."""
        statement = self.scoped(
            select(Invoice)
            .where(Invoice.customer_account_id == customer_account_id, Invoice.number.is_not(None))
            .order_by(Invoice.issued_at.desc(), Invoice.id.desc())
            .limit(limit),
            Invoice,
            own_model=False,
        )
        return list(self.session.scalars(statement))

    def invoice_count(self, customer_account_id: int) -> int:
        statement = self.scoped(
            select(func.count())
            .select_from(Invoice)
            .where(Invoice.customer_account_id == customer_account_id, Invoice.number.is_not(None)),
            Invoice,
            own_model=False,
        )
        return int(self.session.scalar(statement) or 0)

    def paid_by_currency(self, customer_account_id: int) -> dict[str, Decimal]:
        """Per currency, the gross of the account's paid invoices."""
        statement = self.scoped(
            select(Invoice.currency, func.sum(Invoice.gross))
            .where(Invoice.customer_account_id == customer_account_id, Invoice.status == InvoiceStatus.PAID)
            .group_by(Invoice.currency),
            Invoice,
            own_model=False,
        )
        return {currency: Decimal(total or 0) for currency, total in self.session.execute(statement)}


@dataclass(frozen=True, slots=True)
class SubscriptionFilter:
    status: str = ""  # a subscription status value, a group's name ("running"), or "" for any
    plan_id: int | None = None
    customer: str = ""  # customer name or number, contained


class SubscriptionDirectory(TenantRepository[Subscription]):
    """Every subscription of the tenant for its admins, filtered, with its plan and customer."""

    model = Subscription

    def _filtered(self, wanted: SubscriptionFilter) -> Any:
        statement = self.scoped(
            select(Subscription, Plan, CustomerAccount)
            .join(Plan, Plan.id == Subscription.plan_id)
            .join(CustomerAccount, CustomerAccount.id == Subscription.customer_account_id),
            Plan,
            CustomerAccount,
        )
        if wanted.status:
            statuses = SUBSCRIPTION_STATUS_GROUPS.get(wanted.status, (wanted.status,))
            statement = statement.where(Subscription.status.in_(statuses))
        if wanted.plan_id is not None:
            statement = statement.where(Subscription.plan_id == wanted.plan_id)
        if wanted.customer.strip():
            pattern = _contains(wanted.customer.strip())
            statement = statement.where(
                or_(
                    func.lower(CustomerAccount.name).like(pattern, escape="\\"),
                    func.lower(CustomerAccount.number).like(pattern, escape="\\"),
                )
            )
        return statement

    def count_matching(self, wanted: SubscriptionFilter) -> int:
        statement = select(func.count()).select_from(self._filtered(wanted).subquery())
        return int(self.session.scalar(statement) or 0)

    def rows(
        self,
        wanted: SubscriptionFilter,
        *,
        limit: int,
        offset: int = 0,
        starting_after: int | None = None,
        newest_first: bool = True,
    ) -> list[tuple[Subscription, Plan, CustomerAccount]]:
        """Matching subscriptions by id (newest first for the page, oldest first for the API's cursor)."""
        statement = self._filtered(wanted)
        if starting_after is not None:
            after = Subscription.id < starting_after if newest_first else Subscription.id > starting_after
            statement = statement.where(after)
        order = Subscription.id.desc() if newest_first else Subscription.id
        statement = statement.order_by(order).offset(offset).limit(limit)
        return [(row[0], row[1], row[2]) for row in self.session.execute(statement)]

    def with_customer(self, number: str) -> tuple[Subscription, CustomerAccount] | None:
        """The subscription numbered `number` with its customer account."""
        statement = self.scoped(
            select(Subscription, CustomerAccount)
            .join(CustomerAccount, CustomerAccount.id == Subscription.customer_account_id)
            .where(Subscription.number == number),
            CustomerAccount,
        )
        row = self.session.execute(statement).first()
        return (row[0], row[1]) if row else None

    def charges(self, subscription_id: int) -> list[tuple[OpenPosition, str | None]]:
        """The subscription's charges and credits with the number of the invoice that billed them
        (None while unbilled), newest first."""
        statement = self.scoped(
            select(OpenPosition, Invoice.number)
            .outerjoin(
                Invoice,
                and_(Invoice.id == OpenPosition.invoice_id, Invoice.tenant_id == OpenPosition.tenant_id),
            )
            .where(OpenPosition.subscription_id == subscription_id)
            .order_by(OpenPosition.id.desc()),
            OpenPosition,
            own_model=False,
        )
        return [(row[0], row[1]) for row in self.session.execute(statement)]

    def user_emails(self, user_ids: set[int]) -> dict[int, str]:
        if not user_ids:
            return {}
        statement = self.scoped(
            select(User.id, User.email).where(User.id.in_(sorted(user_ids))), User, own_model=False
        )
        return {user_id: email for user_id, email in self.session.execute(statement)}
