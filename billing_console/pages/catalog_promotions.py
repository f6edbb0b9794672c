"""`/admin/catalog/promotions`: promotion codes with their state and redemptions."""

from __future__ import annotations

import reflex as rx

from billing_console.layout import template
from billing_console.routes import ADMIN_CATALOG, ADMIN_CATALOG_PROMOTIONS
from billing_console.state.catalog_admin import PromotionsState
from billing_console.views.catalog_admin import CatalogSpec, Field, catalog_page

BENEFITS = (
    ("percent_off", "Percent off"),
    ("amount_off", "Amount off"),
    ("free_days", "Free days"),
    ("free_periods", "Free periods"),
)
ELIGIBILITY = (
    ("all", "Every customer"),
    ("new_customers", "New customers"),
    ("existing_customers", "Existing customers"),
)
PROMOTION_FORM = CatalogSpec(
    prefix="promotions",
    title="Promotions",
    noun="promotion",
    intro="Codes customers enter when they order. Each shows who redeemed it.",
    empty="Create a code customers can enter when they order.",
    form_note="Fill in the benefit's own field; leave the others at 0. Dates are in UTC.",
    filter_label="State",
    search_hint="Search by code or description",
    has_redemptions=True,
    fields=(
        Field("code", "Code", hint="Letters, digits and dashes, e.g. WELCOME10"),
        Field("benefit", "Benefit", "select", options=BENEFITS),
        Field("description", "Description", "textarea", wide=True),
        Field("percent_off", "Percent off", "number"),
        Field("amount_off", "Amount off", "number"),
        Field("currency", "Currency of the amount", hint="ISO code; empty: the tenant's currency"),
        Field("free_days", "Free days", "number"),
        Field("free_periods", "Free periods", "number"),
        Field("valid_from", "Valid from", "date"),
        Field("valid_until", "Valid until", "date"),
        Field("max_redemptions", "Maximum redemptions", "number", hint="Empty: unlimited"),
        Field("max_per_customer", "Maximum per customer", "number", hint="Empty: unlimited"),
        Field("eligibility", "Who may redeem it", "select", options=ELIGIBILITY),
        Field("eligible_plan_ids", "Eligible plans", "plans", hint="None checked: every plan", wide=True),
    ),
)


@template(
    route=ADMIN_CATALOG_PROMOTIONS,
    title="Catalog · Promotions",
    on_load=PromotionsState.load,
    section=ADMIN_CATALOG,
)
def catalog_promotions() -> rx.Component:
    return catalog_page(PromotionsState, PROMOTION_FORM, ADMIN_CATALOG_PROMOTIONS)


route = catalog_promotions
