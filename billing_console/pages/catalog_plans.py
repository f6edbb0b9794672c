"""`/admin/catalog/plans`: every plan, active or not, with search and filters; create and edit with
a message under each wrong field; deactivate, reactivate, and delete a plan nobody ordered."""

from __future__ import annotations

import reflex as rx

from billing_console.layout import template
from billing_console.routes import ADMIN_CATALOG, ADMIN_CATALOG_PLANS
from billing_console.state.catalog_admin import CatalogPlansState
from billing_console.views.catalog_admin import INTERVALS, TAX_CATEGORIES, CatalogSpec, Field, catalog_page

PLAN_FORM = CatalogSpec(
    prefix="plans",
    title="Plans",
    noun="plan",
    intro="What customers can order, at the price you set: base price plus your margin.",
    empty="Create the first plan customers can order.",
    form_note=(
        "A price change applies from each subscription's next period: running periods keep the price "
        "they were billed at. Currency, interval, anchor day and timing are fixed once the plan has "
        "subscriptions."
    ),
    filter_label="Service type",
    search_hint="Search by name or key",
    can_delete=True,
    fields=(
        Field("name", "Name"),
        Field("key", "Key", hint="Lowercase letters, digits and dashes, e.g. cloud-cx22"),
        Field("description", "Description", "textarea", wide=True),
        Field("service_type_id", "Service type", "service_type"),
        Field("currency", "Currency", hint="ISO code; empty: the tenant's currency"),
        Field("base_price", "Base price", "number", hint="Per period, net, e.g. 4.50"),
        Field("margin_percent", "Margin (percent)", "number"),
        Field("margin_fixed", "Fixed margin", "number"),
        Field("tax_category", "Tax category", "select", options=TAX_CATEGORIES),
        Field("interval_unit", "Billed per", "select", options=INTERVALS),
        Field("interval_count", "Every (number of intervals)", "number"),
        Field(
            "billing_anchor_day",
            "Billing anchor day",
            "number",
            hint="1-31, monthly or yearly plans; empty: none",
        ),
        Field(
            "billing_timing",
            "Billing timing",
            "select",
            options=(("advance", "In advance"), ("arrear", "In arrears")),
        ),
        Field("trial_days", "Trial days", "number"),
        Field("minimum_commitment_days", "Minimum commitment (days)", "number"),
        Field("notice_days", "Notice period (days)", "number"),
        Field(
            "cancel_at_period_end",
            "Cancellation",
            "select",
            options=(("true", "At the end of the period"), ("false", "Immediately")),
        ),
        Field("sort_order", "Sort order", "number"),
        Field("included_credits", "Included usage credits", "number"),
        Field("overage_price", "Overage price", "number"),
        Field("rollover_cap", "Rollover cap", "number"),
        Field(
            "allowed_options",
            "Allowed options",
            "textarea",
            hint="One option per line with its choices, e.g. server_type: cx22, cx32 or location: fsn1, nbg1",
            wide=True,
        ),
        Field(
            "highlights", "Highlights", "textarea", hint="One per line, shown on the plans page", wide=True
        ),
        Field("addon_ids", "Allowed addons", "addons", wide=True),
    ),
)


@template(
    route=ADMIN_CATALOG_PLANS, title="Catalog · Plans", on_load=CatalogPlansState.load, section=ADMIN_CATALOG
)
def catalog_plans() -> rx.Component:
    return catalog_page(CatalogPlansState, PLAN_FORM, ADMIN_CATALOG_PLANS)


route = catalog_plans
