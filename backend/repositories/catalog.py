"""Service types, plans, addons and promotions of a tenant."""

from __future__ import annotations

from backend.models import Addon, Plan, PlanAddon, Promotion, ServiceType
from backend.repositories.base import TenantRepository


class ServiceTypeRepository(TenantRepository[ServiceType]):
    model = ServiceType

    def by_key(self, key: str) -> ServiceType | None:
        return self.session.scalars(self.select().where(ServiceType.key == key)).first()


class PlanRepository(TenantRepository[Plan]):
    model = Plan

    def by_key(self, key: str) -> Plan | None:
        return self.session.scalars(self.select().where(Plan.key == key)).first()

    def active(self) -> list[Plan]:
        statement = self.select().where(Plan.active.is_(True)).order_by(Plan.sort_order, Plan.id)
        return list(self.session.scalars(statement))


class AddonRepository(TenantRepository[Addon]):
    model = Addon

    def by_key(self, key: str) -> Addon | None:
        return self.session.scalars(self.select().where(Addon.key == key)).first()


class PlanAddonRepository(TenantRepository[PlanAddon]):
    model = PlanAddon


class PromotionRepository(TenantRepository[Promotion]):
    model = Promotion

    def by_code(self, code: str) -> Promotion | None:
        return self.session.scalars(self.select().where(Promotion.code == code)).first()
