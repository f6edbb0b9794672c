"""Service types, plans, addons and promotions of a tenant."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, or_, select

from backend.kit.pagination import Page
from backend.kit.repository import TenantRepository
from backend.models import (
    Addon,
    CustomerAccount,
    Invoice,
    Plan,
    PlanAddon,
    Promotion,
    PromotionRedemption,
    PromotionUse,
    ServiceType,
    Subscription,
    SubscriptionStatus,
)


class ServiceTypeRepository(TenantRepository[ServiceType]):
    model = ServiceType

    def by_key(self, key: str) -> ServiceType | None:
        return self.session.scalars(self.select().where(ServiceType.key == key)).first()

    def in_catalog_order(self, *, active_only: bool = False) -> list[ServiceType]:
        statement = self.select().order_by(ServiceType.name, ServiceType.id)
        if active_only:
            statement = statement.where(ServiceType.active.is_(True))
        return list(self.session.scalars(statement))


class PlanRepository(TenantRepository[Plan]):
    model = Plan

    def by_key(self, key: str) -> Plan | None:
        return self.session.scalars(self.select().where(Plan.key == key)).first()

    def by_ids(self, plan_ids: set[int]) -> dict[int, Plan]:
        if not plan_ids:
            return {}
        statement = self.select().where(Plan.id.in_(sorted(plan_ids)))
        return {plan.id: plan for plan in self.session.scalars(statement)}

    def in_catalog_order(self) -> list[Plan]:
        return list(self.session.scalars(self.select().order_by(Plan.sort_order, Plan.id)))

    def orderable(self) -> list[Plan]:
        """Active plans whose service type (if any) is active too, in catalog order."""
        active_types: Any = (
            ServiceTypeRepository(self.session, self.scope)
            .select()
            .where(ServiceType.active.is_(True))
            .with_only_columns(ServiceType.id)
        )
        statement = (
            self.select()
            .where(Plan.active.is_(True))
            .where(or_(Plan.service_type_id.is_(None), Plan.service_type_id.in_(active_types)))
            .order_by(Plan.sort_order, Plan.id)
        )
        return list(self.session.scalars(statement))

    def allowing_addon(self, addon_id: int) -> list[Plan]:
        statement: Any = self.scoped(
            select(Plan)
            .join(PlanAddon, PlanAddon.plan_id == Plan.id)
            .where(PlanAddon.addon_id == addon_id)
            .order_by(Plan.id),
            PlanAddon,
        )
        return list(self.session.scalars(statement))

    def has_subscriptions(self, plan_id: int) -> bool:
        """Whether any subscription (in any status) was ever made on the plan."""
        statement = self.scoped(
            select(Subscription).where(Subscription.plan_id == plan_id).limit(1), Subscription
        )
        return self.session.scalars(statement).first() is not None

    def subscription_counts(self) -> dict[int, int]:
        """Number of subscriptions (any status) per plan id; plans without any are left out."""
        statement: Any = self.scoped(
            select(Subscription.plan_id, func.count()).group_by(Subscription.plan_id),
            Subscription,
            own_model=False,
        )
        return {int(plan_id): int(count) for plan_id, count in self.session.execute(statement)}


class AddonRepository(TenantRepository[Addon]):
    model = Addon

    def by_key(self, key: str) -> Addon | None:
        return self.session.scalars(self.select().where(Addon.key == key)).first()

    def in_catalog_order(self, *, active_only: bool = False) -> list[Addon]:
        statement = self.select().order_by(Addon.name, Addon.id)
        if active_only:
            statement = statement.where(Addon.active.is_(True))
        return list(self.session.scalars(statement))

    def allowed_for_plan(self, plan_id: int, *, active_only: bool = False) -> list[Addon]:
        statement: Any = self.scoped(
            select(Addon)
            .join(PlanAddon, PlanAddon.addon_id == Addon.id)
            .where(PlanAddon.plan_id == plan_id)
            .order_by(Addon.name, Addon.id),
            PlanAddon,
        )
        if active_only:
            statement = statement.where(Addon.active.is_(True))
        return list(self.session.scalars(statement))


class PlanAddonRepository(TenantRepository[PlanAddon]):
    model = PlanAddon

    def link(self, plan_id: int, addon_id: int) -> PlanAddon | None:
        statement = self.select().where(PlanAddon.plan_id == plan_id, PlanAddon.addon_id == addon_id)
        return self.session.scalars(statement).first()

    def for_plan(self, plan_id: int) -> list[PlanAddon]:
        statement = self.select().where(PlanAddon.plan_id == plan_id).order_by(PlanAddon.id)
        return list(self.session.scalars(statement))

    def addon_ids_by_plan(self) -> dict[int, list[int]]:
        """Allowed addon ids per plan id, for listing the whole catalog in one query."""
        allowed: dict[int, list[int]] = {}
        for link in self.session.scalars(self.select().order_by(PlanAddon.plan_id, PlanAddon.addon_id)):
            allowed.setdefault(link.plan_id, []).append(link.addon_id)
        return allowed


class PromotionRepository(TenantRepository[Promotion]):
    model = Promotion

    def by_code(self, code: str) -> Promotion | None:
        return self.session.scalars(self.select().where(Promotion.code == code)).first()

    def in_catalog_order(self, *, active_only: bool = False) -> list[Promotion]:
        statement = self.select().order_by(Promotion.code, Promotion.id)
        if active_only:
            statement = statement.where(Promotion.active.is_(True))
        return list(self.session.scalars(statement))

    def naming_plan(self, plan_id: int) -> list[Promotion]:
        """Promotions restricted to a list of plans that includes `plan_id` (JSON list, few rows)."""
        return [promotion for promotion in self.in_catalog_order() if plan_id in promotion.eligible_plan_ids]


class PromotionRedemptionRepository(TenantRepository[PromotionRedemption]):
    model = PromotionRedemption

    def active_for_subscriptions(
        self, subscription_ids: set[int]
    ) -> list[tuple[PromotionRedemption, Promotion]]:
        """Redemptions not given back, with their promotions, for the invoice being built."""
        if not subscription_ids:
            return []
        statement: Any = self.scoped(
            select(PromotionRedemption, Promotion)
            .join(Promotion, Promotion.id == PromotionRedemption.promotion_id)
            .where(
                PromotionRedemption.subscription_id.in_(sorted(subscription_ids)),
                PromotionRedemption.reverted_at.is_(None),
            )
            .order_by(PromotionRedemption.id),
            Promotion,
        )
        return [(row[0], row[1]) for row in self.session.execute(statement)]

    def counts(self, promotion_id: int, customer_account_id: int) -> tuple[int, int]:
        """(redemptions in total, redemptions by this customer) that count toward the limits: not
        given back, and in use, i.e. an issued invoice used them or their subscription still runs."""
        subscription = and_(
            Subscription.id == PromotionRedemption.subscription_id,
            Subscription.tenant_id == self.scope.tenant_id,
        )
        in_use = self.scoped(
            select(PromotionRedemption.customer_account_id)
            .outerjoin(Subscription, subscription)
            .where(
                PromotionRedemption.promotion_id == promotion_id,
                PromotionRedemption.reverted_at.is_(None),
                or_(
                    PromotionRedemption.periods_used > 0,
                    PromotionRedemption.amount_used > 0,
                    Subscription.status.is_(None),
                    Subscription.status != SubscriptionStatus.CANCELED,
                ),
            )
        )
        customers = list(self.session.scalars(in_use))
        return len(customers), sum(1 for c in customers if c == customer_account_id)

    def page_for_promotion(
        self, promotion_id: int, *, limit: int, starting_after: int | None = None
    ) -> Page[PromotionRedemption]:
        """The promotion's redemptions, newest first."""
        statement = self.select().where(PromotionRedemption.promotion_id == promotion_id)
        return self._page(statement, limit=limit, starting_after=starting_after, newest_first=True)

    def customers_of(self, customer_ids: set[int]) -> dict[int, tuple[str, str]]:
        """(number, name) of each customer account by id."""
        if not customer_ids:
            return {}
        statement: Any = self.scoped(
            select(CustomerAccount.id, CustomerAccount.number, CustomerAccount.name).where(
                CustomerAccount.id.in_(sorted(customer_ids))
            ),
            CustomerAccount,
            own_model=False,
        )
        return {int(row[0]): (row[1], row[2]) for row in self.session.execute(statement)}

    def subscription_numbers(self, subscription_ids: set[int]) -> dict[int, str]:
        if not subscription_ids:
            return {}
        statement: Any = self.scoped(
            select(Subscription.id, Subscription.number).where(Subscription.id.in_(sorted(subscription_ids))),
            Subscription,
            own_model=False,
        )
        return {int(row[0]): row[1] for row in self.session.execute(statement)}

    def invoice_uses(self, redemption_ids: set[int]) -> dict[int, list[tuple[int, str, Any, str]]]:
        """Per redemption, the invoices that used it and were not voided since:
        (invoice id, invoice number, net discount, currency), oldest first."""
        if not redemption_ids:
            return {}
        statement: Any = self.scoped(
            select(
                PromotionUse.redemption_id,
                Invoice.id,
                Invoice.number,
                PromotionUse.discount,
                Invoice.currency,
            )
            .join(Invoice, Invoice.id == PromotionUse.invoice_id)
            .where(PromotionUse.redemption_id.in_(sorted(redemption_ids)), PromotionUse.returned_at.is_(None))
            .order_by(PromotionUse.id),
            PromotionUse,
            Invoice,
            own_model=False,
        )
        uses: dict[int, list[tuple[int, str, Any, str]]] = {}
        for redemption_id, invoice_id, number, discount, currency in self.session.execute(statement):
            uses.setdefault(int(redemption_id), []).append(
                (int(invoice_id), number or "", discount, currency)
            )
        return uses
