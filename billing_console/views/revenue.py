"""The revenue page's sections: the range and currency controls, the headline figures, the list
behind the figure the admin opened, the page itself (chart cards: revenue_cards.py), and the
overview's MRR trend card."""

from __future__ import annotations

import reflex as rx

from backend.gateway.revenue import DrillRow
from billing_console.components.feedback import empty_state, problem_callout, skeleton_cards
from billing_console.routes import ADMIN_CATALOG_PLANS, ADMIN_INVOICES, ADMIN_REVENUE
from billing_console.state.revenue import MrrTrendState, RevenueState
from billing_console.views.revenue_cards import cell, charts, plot

S = RevenueState


def controls() -> rx.Component:
    return rx.flex(
        rx.form(
            rx.hstack(
                rx.el.label(
                    rx.text("From", size="1", color="var(--gray-11)"),
                    rx.input(
                        type="date",
                        name="first_day",
                        default_value=S.first_day,
                        key=S.first_day,
                        id="first-day",
                    ),
                ),
                rx.el.label(
                    rx.text("To", size="1", color="var(--gray-11)"),
                    rx.input(
                        type="date", name="last_day", default_value=S.last_day, key=S.last_day, id="last-day"
                    ),
                ),
                rx.button("Apply", type="submit", loading=S.refreshing, id="apply-range"),
                align="end",
                spacing="2",
                wrap="wrap",
            ),
            on_submit=S.apply_range,
        ),
        rx.el.label(
            rx.text("Range", size="1", color="var(--gray-11)"),
            rx.select.root(
                rx.select.trigger(placeholder="Quick range", id="range-preset"),
                rx.select.content(
                    *[rx.select.item(f"Last {m} months", value=m) for m in ("3", "6", "12", "24")],
                ),
                on_change=S.use_preset,
            ),
        ),
        rx.el.label(
            rx.text("Group turnover by", size="1", color="var(--gray-11)"),
            rx.segmented_control.root(
                rx.segmented_control.item("Day", value="day"),
                rx.segmented_control.item("Week", value="week"),
                rx.segmented_control.item("Month", value="month"),
                value=S.grain,
                on_change=S.choose_grain,
                id="grain",
            ),
        ),
        rx.el.label(
            rx.text("Currency", size="1", color="var(--gray-11)"),
            rx.select(S.currencies, value=S.currency, on_change=S.choose_currency, id="currency"),
        ),
        spacing="4",
        wrap="wrap",
        align="end",
        width="100%",
    )


def _figure(label: str, value: rx.Var, hint: rx.Var | str, href: str) -> rx.Component:
    return rx.link(
        rx.card(
            rx.vstack(
                rx.text(label, size="2", color="var(--gray-11)"),
                rx.text(value, size="6", weight="bold", white_space="nowrap"),
                rx.text(hint, size="1", color="var(--gray-11)"),
                spacing="1",
            ),
            width="100%",
        ),
        href=href,
        underline="none",
        color="inherit",
        width="100%",
    )


def headline() -> rx.Component:
    latest = S.latest
    money = lambda v: v + " " + S.currency  # noqa: E731 - one line per figure below
    return rx.cond(
        latest,
        rx.grid(
            _figure("MRR", money(latest.mrr), "at the end of " + latest.month, "#mrr"),
            _figure("ARR", money(latest.arr), "MRR × 12", "#mrr"),
            _figure("ARPA", money(latest.arpa), latest.customers.to_string() + " paying customers", "#mrr"),
            _figure("Customer churn", latest.customer_churn_rate + " %", "in " + latest.month, "#churn"),
            _figure("Revenue churn", latest.revenue_churn_rate + " %", "churn and contraction", "#churn"),
            _figure("Overdue", money(S.overdue_total), "of " + S.open_total + " open", "#receivables"),
            columns=rx.breakpoints(initial="2", md="3"),
            spacing="3",
            width="100%",
            id="revenue-headline",
        ),
    )


def _drill_line(row: rx.Var[DrillRow]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.cond(
                row.href != "",
                rx.link(row.reference, href=row.href, font_family="var(--code-font-family)", size="2"),
                rx.text(
                    row.reference, font_family="var(--code-font-family)", size="2", word_break="break-all"
                ),
            )
        ),
        rx.table.cell(rx.text(row.customer, size="2")),
        cell(row.at),
        cell(row.amount),
        rx.cond(S.drill_second_label != "", cell(row.second_amount), rx.fragment()),
        rx.table.cell(rx.badge(row.status, variant="soft", color_scheme="gray", radius="full")),
    )


def drill_panel() -> rx.Component:
    return rx.cond(
        S.drill_kind != "",
        rx.card(
            rx.vstack(
                rx.flex(
                    rx.vstack(
                        rx.heading(S.drill_title, size="3", as_="h2"),
                        rx.text(S.drill_caption, size="2", color="var(--gray-11)"),
                        spacing="1",
                    ),
                    rx.spacer(),
                    rx.button("Close", variant="soft", size="1", on_click=S.close_drill),
                    width="100%",
                    gap="2",
                ),
                rx.cond(
                    S.drill_total > 0,
                    rx.vstack(
                        rx.box(
                            rx.table.root(
                                rx.table.header(
                                    rx.table.row(
                                        rx.table.column_header_cell("Reference"),
                                        rx.table.column_header_cell("Customer"),
                                        rx.table.column_header_cell("Date"),
                                        rx.table.column_header_cell(S.drill_amount_label),
                                        rx.cond(
                                            S.drill_second_label != "",
                                            rx.table.column_header_cell(S.drill_second_label),
                                            rx.fragment(),
                                        ),
                                        rx.table.column_header_cell("Status"),
                                    )
                                ),
                                rx.table.body(rx.foreach(S.drill_rows, _drill_line)),
                                size="1",
                                width="100%",
                            ),
                            overflow_x="auto",
                            width="100%",
                        ),
                        rx.hstack(
                            rx.text(S.drill_range, size="1", color="var(--gray-11)"),
                            rx.button(
                                "Previous",
                                size="1",
                                variant="soft",
                                disabled=S.drill_offset == 0,
                                on_click=S.drill_next(False),
                            ),
                            rx.button(
                                "Next",
                                size="1",
                                variant="soft",
                                disabled=S.drill_offset + 25 >= S.drill_total,
                                on_click=S.drill_next(True),
                                id="drill-next",
                            ),
                            align="center",
                            spacing="2",
                        ),
                        spacing="2",
                        width="100%",
                    ),
                    rx.text("Nothing behind this figure in the range.", size="2", color="var(--gray-11)"),
                ),
                spacing="3",
                width="100%",
            ),
            width="100%",
            id="revenue-drill",
        ),
    )


def revenue_page() -> rx.Component:
    return rx.vstack(
        rx.vstack(
            rx.text(
                "Figures in ",
                rx.text.strong(S.currency),
                " only (no conversion between currencies), ",
                S.first_day,
                " to ",
                S.last_day,
                ", days in UTC. ",
                rx.link("How each figure is defined", href="#definitions"),
                size="2",
                color="var(--gray-11)",
            ),
            spacing="1",
        ),
        controls(),
        rx.cond(S.problem != "", problem_callout(S.problem, "revenue-problem")),
        rx.cond(
            S.loading,
            rx.vstack(skeleton_cards(6, "96px"), skeleton_cards(2, "320px"), spacing="4", width="100%"),
            rx.cond(
                S.has_data,
                rx.vstack(headline(), drill_panel(), charts(), spacing="4", width="100%"),
                rx.card(
                    empty_state(
                        "chart-line",
                        "No revenue in this range yet",
                        "Figures appear once invoices are issued or subscriptions start. Choose a longer"
                        " range, another currency, or set up plans to sell.",
                    ),
                    rx.center(
                        rx.hstack(
                            rx.link(rx.button("Plans", variant="soft"), href=ADMIN_CATALOG_PLANS),
                            rx.link(rx.button("Invoices", variant="soft"), href=ADMIN_INVOICES),
                            spacing="2",
                        )
                    ),
                    width="100%",
                ),
            ),
        ),
        rx.text(
            "MRR counts paying subscriptions (trials excluded) at their contracted price per month:"
            " yearly ÷ 12, weekly × 52 ÷ 12, daily × 365 ÷ 12, hourly × 730; addons included, one-off"
            " discounts not. Churn is per customer between two month ends.",
            size="1",
            color="var(--gray-11)",
            id="definitions",
        ),
        spacing="5",
        width="100%",
        min_width="0",
    )


def mrr_trend_card() -> rx.Component:
    """The overview's MRR of the last twelve months, leading to the revenue page."""
    trend = MrrTrendState
    return rx.cond(
        trend.loading,
        rx.skeleton(rx.box(height="220px", width="100%"), loading=True),
        rx.card(
            rx.vstack(
                rx.flex(
                    rx.vstack(
                        rx.heading("MRR, last 12 months", size="3", as_="h3"),
                        rx.text(trend.latest_mrr, " now", size="2", color="var(--gray-11)"),
                        spacing="1",
                    ),
                    rx.spacer(),
                    rx.link("Revenue analytics →", href=ADMIN_REVENUE, size="2", id="to-revenue"),
                    width="100%",
                    wrap="wrap",
                    gap="2",
                ),
                rx.box(plot(trend.figure), width="100%"),
                spacing="2",
                width="100%",
            ),
            width="100%",
            id="overview-mrr-trend",
        ),
    )
