"""The plans page's sections: plans grouped by service type, each with its price, terms and action."""

from __future__ import annotations

import reflex as rx

from backend.gateway.catalog import PlanGroup, PlanOffer
from billing_console.components.auth_card import text_link
from billing_console.components.brand import brand
from billing_console.components.feedback import empty_state, skeleton_cards
from billing_console.components.header import color_mode_toggle
from billing_console.routes import LOGIN, ORDERS, REGISTER
from billing_console.state.plans import PlansState


def _plan_action(plan: rx.Var[PlanOffer]) -> rx.Component:
    return rx.cond(
        PlansState.customer,
        rx.cond(
            PlansState.can_order,
            rx.link(
                rx.button(rx.icon("shopping-cart", size=16), "Order", size="2", width="100%"),
                href=f"{ORDERS}/{plan.key}",
                underline="none",
                width="100%",
                aria_label=f"Order {plan.name}",
            ),
            rx.text(
                "Viewers of an account cannot order; ask one of its owners.",
                size="1",
                color="var(--gray-11)",
                class_name="plan-viewer-note",
            ),
        ),
        rx.link(
            rx.button("Sign up to order", size="2", variant="soft", width="100%"),
            href=REGISTER,
            underline="none",
            width="100%",
        ),
    )


def plan_card(plan: rx.Var[PlanOffer]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.vstack(
                rx.heading(plan.name, as_="h3", size="4"),
                rx.cond(
                    plan.description != "",
                    rx.text(plan.description, size="2", color="var(--gray-11)"),
                ),
                spacing="1",
            ),
            rx.hstack(
                rx.text(plan.price, size="6", weight="bold"),
                rx.text("/ ", plan.interval, size="2", color="var(--gray-11)"),
                rx.text(plan.price_note, size="1", color="var(--gray-11)", class_name="plan-price-note"),
                align="baseline",
                spacing="1",
                wrap="wrap",
            ),
            rx.vstack(
                rx.foreach(
                    plan.highlights,
                    lambda item: rx.hstack(
                        rx.icon("check", size=16, color="var(--green-11)", flex_shrink="0"),
                        rx.text(item, size="2"),
                        align="center",
                        spacing="2",
                    ),
                ),
                spacing="1",
            ),
            rx.separator(size="4"),
            rx.vstack(
                rx.foreach(plan.terms, lambda term: rx.text(term, size="1", color="var(--gray-11)")),
                spacing="1",
            ),
            rx.spacer(),
            _plan_action(plan),
            spacing="3",
            height="100%",
            width="100%",
        ),
        width="100%",
        class_name="plan-card",
    )


def plan_group(group: rx.Var[PlanGroup]) -> rx.Component:
    return rx.vstack(
        rx.heading(group.name, as_="h2", size="5"),
        rx.grid(
            rx.foreach(group.plans, plan_card),
            columns=rx.breakpoints(initial="1", sm="2", lg="3"),
            spacing="4",
            width="100%",
        ),
        spacing="3",
        width="100%",
    )


def plan_catalog() -> rx.Component:
    return rx.cond(
        PlansState.loading,
        skeleton_cards(3, height="280px"),
        rx.cond(
            PlansState.has_plans,
            rx.vstack(
                rx.foreach(PlansState.groups, plan_group),
                rx.text(PlansState.tax_note, size="2", color="var(--gray-11)", id="plans-tax-note"),
                spacing="6",
                width="100%",
                id="plans",
            ),
            rx.card(
                empty_state(
                    "tags",
                    "No plans on offer right now",
                    "Nothing can be ordered at the moment. Please come back later.",
                ),
                width="100%",
                id="plans-empty",
            ),
        ),
    )


def plans_intro() -> rx.Component:
    return rx.vstack(
        rx.heading("Plans", as_="h1", size="7"),
        rx.text(
            "Choose a plan. ",
            PlansState.tax_note,
            size="3",
            color="var(--gray-11)",
        ),
        spacing="1",
    )


def public_frame(content: rx.Component) -> rx.Component:
    """For visitors: the product mark, signing in and up, then the plans."""
    return rx.box(
        rx.hstack(
            brand(),
            rx.hstack(
                color_mode_toggle(),
                text_link("Sign in", LOGIN, "plans-sign-in"),
                rx.link(
                    rx.button("Sign up", size="2", white_space="nowrap"),
                    href=REGISTER,
                    id="plans-sign-up",
                    underline="none",
                ),
                align="center",
                spacing="3",
                flex_shrink="0",
                white_space="nowrap",
            ),
            as_="header",
            justify="between",
            align="center",
            width="100%",
            height="64px",
            padding_x=["16px", "24px"],
            border_bottom="1px solid var(--gray-a5)",
        ),
        rx.el.main(
            content,
            max_width="1200px",
            margin_x="auto",
            padding=["16px", "24px", "32px"],
            width="100%",
        ),
        min_height="100vh",
        width="100%",
    )
