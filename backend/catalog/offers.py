"""What a customer may order, as an order or a plan change reads the catalog: a plan, an addon,
the addons a plan allows, a promotion by its code. Rows of another tenant are not found (None).
Whether a plan or addon can still be ordered (`active`) is the caller's rule to check.
"""

from __future__ import annotations

from sqlmodel import Session

from backend.catalog.repository import (
    AddonRepository,
    PlanAddonRepository,
    PlanRepository,
    PromotionRepository,
)
from backend.kit.repository import TenantScope
from backend.models import Addon, Plan, Promotion


def find_plan(session: Session, scope: TenantScope, plan_id: int) -> Plan | None:
    """The tenant's plan with this id, active or not."""
    return PlanRepository(session, scope).get(plan_id)


def find_addon(session: Session, scope: TenantScope, addon_id: int) -> Addon | None:
    """The tenant's addon with this id, active or not."""
    return AddonRepository(session, scope).get(addon_id)


def addon_ids_allowed_with(session: Session, scope: TenantScope, plan_id: int) -> set[int]:
    """The ids of the addons the plan allows (active or not): another addon cannot be attached to
    a subscription of the plan."""
    return {link.addon_id for link in PlanAddonRepository(session, scope).for_plan(plan_id)}


def promotion_by_code(session: Session, scope: TenantScope, code: str) -> Promotion | None:
    """The tenant's promotion with exactly this code (codes are stored upper case), active or not."""
    return PromotionRepository(session, scope).by_code(code)
