"""The order wizard's sections: the step indicator, one panel per step, and the Back/Next bar."""

from __future__ import annotations

import reflex as rx

from backend.gateway.ordering import ReviewLine
from backend.provisioning.schemas import OfferView
from billing_console.components.feedback import problem_callout, skeleton_cards
from billing_console.routes import DASHBOARD, PLANS, SUBSCRIPTIONS
from billing_console.state.order import (
    ADDONS,
    BUSINESS_LABEL,
    OPTIONS,
    PRIVATE_LABEL,
    PROFILE,
    PROMOTION,
    REVIEW,
    AddonPick,
    OptionPick,
)
from billing_console.state.order import OrderState as S

WITHDRAWAL_NOTICE = (
    "Right of withdrawal: as a consumer in the EU you may withdraw from this contract within 14 days "
    "without giving a reason. The period ends 14 days after the day you order. To withdraw, cancel "
    "the subscription on its page or write to us. Because the service starts at once, you pay for "
    "the part used until you withdraw; the rest is refunded or credited."
)


def order_heading() -> rx.Component:
    return rx.vstack(
        rx.link(
            rx.hstack(rx.icon("arrow-left", size=14), rx.text("All plans", size="2")),
            href=PLANS,
        ),
        rx.heading("Order ", S.plan_name, as_="h1", size="7"),
        rx.text(S.plan_price, " net", size="3", color="var(--gray-11)"),
        spacing="1",
        id="order-heading",
    )


def _step_marker(title: rx.Var[str], index: rx.Var[int]) -> rx.Component:
    done = index < S.step
    current = index == S.step
    return rx.el.li(
        rx.hstack(
            rx.center(
                rx.cond(done, rx.icon("check", size=14), rx.text(index + 1, size="1", weight="bold")),
                width="24px",
                height="24px",
                flex_shrink="0",
                border_radius="9999px",
                background=rx.cond(current | done, "var(--accent-9)", "var(--gray-a4)"),
                color=rx.cond(current | done, "var(--accent-contrast)", "var(--gray-11)"),
            ),
            rx.text(
                title,
                size="2",
                weight=rx.cond(current, "bold", "regular"),
                color=rx.cond(current, "var(--gray-12)", "var(--gray-11)"),
                white_space="nowrap",
            ),
            align="center",
            spacing="2",
        ),
        aria_current=rx.cond(current, "step", ""),
        list_style="none",
    )


def step_indicator() -> rx.Component:
    return rx.vstack(
        rx.text(S.step_label, size="1", color="var(--gray-11)", id="order-step-label"),
        rx.el.ol(
            rx.foreach(S.step_titles, _step_marker),
            display="flex",
            flex_wrap="wrap",
            gap="12px 20px",
            margin="0",
            padding="0",
        ),
        spacing="2",
        width="100%",
        id="order-steps",
    )


def _option(option: rx.Var[OptionPick], index: rx.Var[int]) -> rx.Component:
    return rx.vstack(
        rx.text(option.label, weight="medium", size="2"),
        rx.radio_group(
            option.choices,
            value=option.chosen,
            on_change=lambda value: S.choose_option(index, value),
            direction="row",
            spacing="4",
            name=option.key,
        ),
        spacing="2",
        width="100%",
    )


def options_step() -> rx.Component:
    return rx.vstack(
        rx.heading("Options", as_="h2", size="5"),
        rx.text("Choose how your server is set up.", size="2", color="var(--gray-11)"),
        rx.foreach(S.options, _option),
        spacing="4",
        width="100%",
        id="step-options",
    )


def _addon(addon: rx.Var[AddonPick], index: rx.Var[int]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.checkbox(
                    checked=addon.chosen,
                    on_change=lambda wanted: S.toggle_addon(index, wanted),
                    id=f"addon-{addon.id}",
                    size="3",
                ),
                rx.vstack(
                    rx.el.label(addon.name, html_for=f"addon-{addon.id}", font_weight="500"),
                    rx.cond(addon.description != "", rx.text(addon.description, size="1")),
                    spacing="0",
                    min_width="0",
                ),
                rx.spacer(),
                rx.text(addon.price, size="2", white_space="nowrap"),
                align="center",
                spacing="3",
                width="100%",
                wrap="wrap",
            ),
            rx.cond(
                addon.chosen,
                rx.hstack(
                    rx.el.label(
                        "Quantity", html_for=f"addon-quantity-{addon.id}", font_size="var(--font-size-2)"
                    ),
                    rx.input(
                        type="number",
                        min=1,
                        max=100,
                        value=addon.quantity.to_string(),
                        on_change=lambda value: S.set_addon_quantity(index, value),
                        id=f"addon-quantity-{addon.id}",
                        width="88px",
                    ),
                    align="center",
                    spacing="2",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def addons_step() -> rx.Component:
    return rx.vstack(
        rx.heading("Addons", as_="h2", size="5"),
        rx.text(
            "Optional extras, each billed with your plan. Prices are net.", size="2", color="var(--gray-11)"
        ),
        rx.foreach(S.addons, _addon),
        spacing="4",
        width="100%",
        id="step-addons",
    )


def promotion_step() -> rx.Component:
    return rx.vstack(
        rx.heading("Promotion code", as_="h2", size="5"),
        rx.text("Have a code? Enter it here; it is checked at once. No code? Just continue.", size="2"),
        rx.hstack(
            rx.input(
                value=S.promotion_code,
                on_change=S.set_promotion_code,
                on_blur=S.check_promotion,
                placeholder="e.g. WELCOME10",
                id="promotion-code",
                aria_label="Promotion code",
                size="3",
                flex="1",
                min_width="0",
                text_transform="uppercase",
            ),
            rx.button(
                "Check",
                on_click=S.check_promotion,
                loading=S.working,
                size="3",
                variant="soft",
                id="promotion-check",
            ),
            width="100%",
            spacing="2",
        ),
        rx.cond(
            S.promotion_refusal != "",
            problem_callout(S.promotion_refusal, element_id="promotion-refusal"),
        ),
        rx.cond(
            S.promotion_effect != "",
            rx.callout(
                rx.text(rx.text.strong(S.promotion_checked), " applies: ", S.promotion_effect),
                icon="badge-percent",
                color_scheme="green",
                width="100%",
                id="promotion-effect",
            ),
        ),
        spacing="4",
        width="100%",
        id="step-promotion",
    )


def _field(
    label: str, name: str, value: rx.Var[str], *, required: bool = True, **props: object
) -> rx.Component:
    control_id = f"profile-{name.replace('_', '-')}"
    return rx.vstack(
        rx.el.label(
            label,
            rx.cond(required, rx.text.span(" *", color="var(--red-11)"), rx.fragment()),
            html_for=control_id,
            font_size="var(--font-size-2)",
            font_weight="500",
        ),
        rx.input(name=name, id=control_id, default_value=value, size="3", width="100%", **props),
        rx.cond(
            S.profile_errors.contains(name),
            rx.text(
                S.profile_errors[name],
                size="1",
                color="var(--red-11)",
                id=f"{control_id}-error",
                role="alert",
            ),
        ),
        spacing="1",
        width="100%",
    )


def _vat_status() -> rx.Component:
    color = rx.match(
        S.profile.vat_status_key, ("valid", "green"), ("invalid", "red"), ("unreachable", "amber"), "gray"
    )
    return rx.cond(
        S.profile.vat_id != "",
        rx.hstack(
            rx.text(S.profile.vat_id, font_family="var(--code-font-family)", size="2"),
            rx.badge(S.profile.vat_status, color_scheme=color, id="vat-status"),
            rx.cond(
                S.profile.vat_source != "",
                rx.text("Source: ", S.profile.vat_source, size="1", color="var(--gray-11)"),
            ),
            align="center",
            spacing="2",
            wrap="wrap",
        ),
    )


def _profile_summary() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(
                rx.cond(S.profile.company_name != "", S.profile.company_name, S.profile.name), weight="medium"
            ),
            rx.text(S.profile.address_line1, size="2"),
            rx.cond(S.profile.address_line2 != "", rx.text(S.profile.address_line2, size="2")),
            rx.text(S.profile.postal_code, " ", S.profile.city, " · ", S.profile.country, size="2"),
            rx.text(
                "Invoices to ", S.profile.email, size="2", color="var(--gray-11)", overflow_wrap="anywhere"
            ),
            _vat_status(),
            rx.button("Edit", on_click=S.edit_profile, variant="soft", size="2", id="profile-edit"),
            spacing="1",
            width="100%",
        ),
        width="100%",
        id="profile-summary",
    )


def _profile_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.vstack(
                rx.text("You order as", size="2", weight="medium"),
                rx.radio_group(
                    [PRIVATE_LABEL, BUSINESS_LABEL],
                    value=rx.cond(S.business, BUSINESS_LABEL, PRIVATE_LABEL),
                    on_change=S.set_business,
                    direction="row",
                    spacing="4",
                    name="customer_type_choice",
                ),
                spacing="1",
            ),
            _field("Full name", "name", S.profile.name, auto_complete="name"),
            rx.cond(S.business, _field("Company name", "company_name", S.profile.company_name)),
            _field(
                "Street and number", "address_line1", S.profile.address_line1, auto_complete="address-line1"
            ),
            _field("Address line 2", "address_line2", S.profile.address_line2, required=False),
            rx.grid(
                _field("Postal code", "postal_code", S.profile.postal_code, auto_complete="postal-code"),
                _field("City", "city", S.profile.city, auto_complete="address-level2"),
                _field("Country (two letters, e.g. DE)", "country", S.profile.country, max_length=2),
                columns=rx.breakpoints(initial="1", sm="3"),
                spacing="3",
                width="100%",
            ),
            _field("Invoice email", "email", S.profile.email, type="email", auto_complete="email"),
            rx.cond(
                S.business,
                _field("VAT ID (checked with the EU's VIES)", "vat_id", S.profile.vat_id, required=False),
            ),
            _vat_status(),
            rx.button("Save and continue", type="submit", loading=S.working, size="3", id="profile-save"),
            spacing="3",
            width="100%",
        ),
        on_submit=S.save_profile,
        reset_on_submit=False,
        width="100%",
        id="profile-form",
    )


def profile_step() -> rx.Component:
    return rx.vstack(
        rx.heading("Billing profile", as_="h2", size="5"),
        rx.text(
            "Whom we address your invoices to; it decides how VAT is charged.",
            size="2",
            color="var(--gray-11)",
        ),
        rx.cond(S.show_profile_form, _profile_form(), _profile_summary()),
        spacing="4",
        width="100%",
        id="step-profile",
    )


def _line(line: rx.Var[ReviewLine]) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(line.description, size="2"),
            rx.cond(line.period != "", rx.text(line.period, size="1", color="var(--gray-11)")),
            spacing="0",
            min_width="0",
        ),
        rx.text(line.net, size="2", white_space="nowrap"),
        justify="between",
        align="start",
        width="100%",
    )


def _total(label: rx.Component, value: rx.Var[str], element_id: str, *, strong: bool = False) -> rx.Component:
    weight = "bold" if strong else "regular"
    return rx.hstack(
        rx.box(label, font_size="var(--font-size-2)", font_weight=weight),
        rx.text(value, size="2", weight=weight, white_space="nowrap", id=element_id),
        justify="between",
        width="100%",
    )


def _first_invoice() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Your first invoice", as_="h3", size="3"),
            rx.cond(
                S.review.trial_end != "",
                rx.text(
                    "Free trial until ",
                    S.review.trial_end,
                    "; then charged:",
                    size="2",
                    color="var(--gray-11)",
                ),
                rx.text("Charged on ", S.review.first_charge_at, size="2", color="var(--gray-11)"),
            ),
            rx.foreach(S.review.lines, _line),
            rx.foreach(S.review.discounts, _line),
            rx.separator(size="4"),
            _total(rx.text("Net"), S.review.first_net, "review-first-net"),
            _total(rx.text("VAT ", S.review.tax_rate), S.review.first_tax, "review-first-tax"),
            _total(rx.text("Total"), S.review.first_gross, "review-first-gross", strong=True),
            spacing="2",
            width="100%",
        ),
        width="100%",
        id="review-first",
    )


def _recurring() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("After that", as_="h3", size="3"),
            rx.foreach(S.review.recurring_lines, _line),
            rx.foreach(S.review.recurring_discounts, _line),
            rx.separator(size="4"),
            rx.cond(
                S.review.promotion_continues,
                rx.fragment(
                    _total(
                        rx.text("Next ", S.review.interval, ", total"),
                        S.review.recurring_gross,
                        "review-recurring-gross",
                        strong=True,
                    ),
                    rx.text(
                        rx.cond(S.review.recurring_free, "Free", "Discounted"),
                        rx.cond(
                            S.review.regular_from != "",
                            rx.text.span(" until ", S.review.regular_from),
                            " for more than a year",
                        ),
                        "; from then ",
                        rx.text.strong(S.review.regular_gross),
                        " per ",
                        S.review.interval,
                        " in total.",
                        size="2",
                        id="review-regular",
                    ),
                ),
                _total(
                    rx.text("Each ", S.review.interval, ", total"),
                    S.review.recurring_gross,
                    "review-recurring-gross",
                    strong=True,
                ),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        id="review-recurring",
    )


def review_step() -> rx.Component:
    return rx.vstack(
        rx.heading("Review and confirm", as_="h2", size="5"),
        rx.cond(
            S.working & (S.review.plan_name == ""),
            rx.vstack(
                rx.hstack(rx.spinner(), rx.text("The billing engine is pricing your order…", size="2")),
                skeleton_cards(2, height="160px"),
                width="100%",
            ),
        ),
        rx.cond(
            S.review.plan_name != "",
            rx.vstack(
                rx.cond(
                    S.review.promotion != "",
                    rx.hstack(
                        rx.icon("badge-percent", size=16, color="var(--green-11)", flex_shrink="0"),
                        rx.text(S.review.promotion, size="2"),
                        align="center",
                        spacing="2",
                        id="review-promotion",
                    ),
                ),
                rx.grid(
                    _first_invoice(),
                    _recurring(),
                    columns=rx.breakpoints(initial="1", md="2"),
                    spacing="4",
                    width="100%",
                ),
                rx.text(
                    S.review.tax_mode,
                    " at ",
                    S.review.tax_rate,
                    rx.cond(S.review.tax_note != "", rx.text.span(". ", S.review.tax_note), ""),
                    ". Times in ",
                    S.review.time_zone,
                    ".",
                    size="2",
                    color="var(--gray-11)",
                    id="review-tax",
                ),
                rx.cond(
                    S.review.withdrawal,
                    rx.callout(
                        WITHDRAWAL_NOTICE,
                        icon="scale",
                        color_scheme="blue",
                        width="100%",
                        id="review-withdrawal",
                    ),
                ),
                rx.el.label(
                    rx.hstack(
                        rx.checkbox(
                            checked=S.accepted_terms, on_change=S.accept_terms, id="accept-terms", size="2"
                        ),
                        rx.text(
                            "I accept the terms of service and order with the obligation to pay.",
                            size="2",
                        ),
                        align="start",
                        spacing="2",
                    ),
                    html_for="accept-terms",
                ),
                spacing="4",
                width="100%",
            ),
        ),
        spacing="4",
        width="100%",
        id="step-review",
    )


def step_panel() -> rx.Component:
    return rx.match(
        S.current,
        (OPTIONS, options_step()),
        (ADDONS, addons_step()),
        (PROMOTION, promotion_step()),
        (PROFILE, profile_step()),
        (REVIEW, review_step()),
        rx.fragment(),
    )


def step_buttons() -> rx.Component:
    return rx.hstack(
        rx.button(
            rx.icon("arrow-left", size=16),
            "Back",
            on_click=S.back,
            variant="soft",
            color_scheme="gray",
            size="3",
            disabled=S.first_step | S.working,
            id="order-back",
        ),
        rx.cond(
            S.current == REVIEW,
            rx.button(
                "Order with obligation to pay",
                on_click=S.confirm,
                loading=S.working,
                disabled=S.working | ~S.accepted_terms | (S.review.plan_name == ""),
                size="3",
                id="order-confirm",
            ),
            rx.cond(
                S.show_profile_form & (S.current == PROFILE),
                rx.fragment(),
                rx.button(
                    "Next",
                    rx.icon("arrow-right", size=16),
                    on_click=S.next_step,
                    loading=S.working,
                    size="3",
                    id="order-next",
                ),
            ),
        ),
        justify="between",
        width="100%",
        wrap="wrap",
        gap="8px",
    )


def _alternative(offer: rx.Var[OfferView], index: rx.Var[int]) -> rx.Component:
    return rx.button(
        rx.icon("server", size=14),
        offer.label,
        variant="surface",
        size="2",
        on_click=S.take_alternative(index),
        disabled=S.working,
        class_name="availability-alternative",
    )


def availability_panel() -> rx.Component:
    """The chosen server cannot be created now: why, what can, and ordering anyway (backorder)."""
    return rx.cond(
        S.unavailable,
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.icon("circle-alert", size=18, color="var(--amber-11)"),
                    rx.text("This server is not available right now", weight="medium"),
                    align="center",
                    spacing="2",
                ),
                rx.text(S.availability.reason, size="2", color="var(--gray-11)", id="availability-reason"),
                rx.cond(
                    S.availability.alternatives.length() > 0,
                    rx.vstack(
                        rx.text(
                            "Available instead (one click sets your options):", size="2", weight="medium"
                        ),
                        rx.flex(
                            rx.foreach(S.availability.alternatives, _alternative), gap="8px", wrap="wrap"
                        ),
                        spacing="2",
                        width="100%",
                    ),
                ),
                rx.cond(
                    S.availability.backorder_possible,
                    rx.button(
                        rx.icon("hourglass", size=14),
                        "Backorder: order now, we set it up as soon as capacity frees"
                        " (nothing is charged until it runs)",
                        variant="soft",
                        color_scheme="orange",
                        size="2",
                        on_click=S.choose_backorder,
                        disabled=S.working,
                        white_space="normal",
                        height="auto",
                        padding_y="8px",
                        text_align="left",
                        id="availability-backorder",
                    ),
                ),
                spacing="3",
                width="100%",
            ),
            width="100%",
            id="availability",
        ),
    )


def backorder_note() -> rx.Component:
    return rx.cond(
        S.backordering,
        rx.callout(
            "Backorder: your server is set up as soon as the provider has capacity. Nothing is charged"
            " until it runs; you can cancel the order on your dashboard while it waits.",
            icon="hourglass",
            color_scheme="orange",
            width="100%",
            id="backorder-note",
        ),
    )


def placed() -> rx.Component:
    """A server's order went through: it is being set up; the dashboard shows it live."""
    return rx.card(
        rx.vstack(
            rx.center(
                rx.icon("circle-check", size=22, color="var(--green-11)"),
                width="44px",
                height="44px",
                border_radius="9999px",
                background="var(--green-a3)",
            ),
            rx.heading("Thank you! ", S.placed_number, " is ordered.", size="5", as_="h2"),
            rx.cond(
                S.backordering,
                rx.text(
                    "Your server is backordered: we set it up as soon as the provider has capacity, and"
                    " charge nothing until it runs. Your dashboard shows when it is ready.",
                    size="2",
                    color="var(--gray-11)",
                ),
                rx.text(
                    "Your server is being set up. This takes a minute or two; your dashboard shows its"
                    " address and SSH key as soon as it runs.",
                    size="2",
                    color="var(--gray-11)",
                ),
            ),
            rx.hstack(
                rx.link(
                    rx.button("Go to the dashboard", size="3"),
                    href=DASHBOARD,
                    underline="none",
                    id="placed-dashboard",
                ),
                rx.link(
                    rx.button("See the subscription", size="3", variant="soft"),
                    href=SUBSCRIPTIONS + "/" + S.placed_number,
                    underline="none",
                    id="placed-subscription",
                ),
                spacing="3",
                wrap="wrap",
            ),
            spacing="3",
            align="start",
            width="100%",
        ),
        width="100%",
        id="order-placed",
    )


def order_wizard() -> rx.Component:
    return rx.cond(
        S.placed_number != "",
        rx.vstack(order_heading(), placed(), spacing="5", width="100%", max_width="860px"),
        rx.vstack(
            order_heading(),
            step_indicator(),
            rx.card(step_panel(), width="100%"),
            availability_panel(),
            backorder_note(),
            rx.cond(S.error != "", problem_callout(S.error, element_id="order-error")),
            step_buttons(),
            spacing="5",
            width="100%",
            max_width="860px",
        ),
    )
