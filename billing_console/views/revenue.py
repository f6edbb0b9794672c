"""The revenue page's sections: the range and currency controls, the headline figures, one card
per chart (chart or table, CSV download; table cells open the list behind a figure) and that list."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from backend.gateway.revenue import DrillRow, MrrPoint, ShareRow, TurnoverPoint, VolumePoint
from billing_console.components.feedback import empty_state, problem_callout, skeleton_cards
from billing_console.routes import ADMIN_CATALOG_PLANS, ADMIN_INVOICES, ADMIN_REVENUE
from billing_console.state.revenue import MrrTrendState, RevenueState

S = RevenueState
MOVEMENTS = (("new", "New"), ("expansion", "Expansion"), ("contraction", "Contraction"), ("churn", "Churn"))
VOLUME = (
    ("payments", "Payments"),
    ("refunds", "Refunds"),
    ("disputes", "Disputes"),
    ("disputes lost", "Disputes lost"),
)


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
                on_change=S.set_grain,
                id="grain",
            ),
        ),
        rx.el.label(
            rx.text("Currency", size="1", color="var(--gray-11)"),
            rx.select(S.currencies, value=S.currency, on_change=S.set_currency, id="currency"),
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


def _drill_button(
    label: rx.Var | str, kind: str, key: rx.Var, part: str, caption: rx.Var | str
) -> rx.Component:
    return rx.button(
        label,
        variant="ghost",
        size="1",
        on_click=S.open_drill(kind, key, part, caption),
        class_name="drill-link",
        white_space="nowrap",
    )


def _table(headers: list[str], rows: rx.Var, render: Callable[[rx.Var], rx.Component]) -> rx.Component:
    return rx.box(
        rx.table.root(
            rx.table.header(
                rx.table.row(*[rx.table.column_header_cell(h, white_space="nowrap") for h in headers])
            ),
            rx.table.body(rx.foreach(rows, render)),
            size="1",
            width="100%",
        ),
        overflow_x="auto",
        width="100%",
    )


def _cell(value: rx.Var | str) -> rx.Component:
    return rx.table.cell(rx.text(value, white_space="nowrap"))


def _plot(figure: rx.Var) -> rx.Component:
    """A chart as wide as its card (scatter and bar only: plotly's small basic bundle)."""
    return rx.plotly.basic(data=figure, config={"displayModeBar": False, "responsive": True}, width="100%")


def _chart_card(chart: str, title: str, subtitle: str, figure: rx.Var, table: rx.Component) -> rx.Component:
    as_table = S.tables.contains(chart)
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.vstack(
                    rx.heading(title, size="3", as_="h2"),
                    rx.text(subtitle, size="1", color="var(--gray-11)"),
                    spacing="1",
                ),
                rx.spacer(),
                rx.hstack(
                    rx.button(
                        rx.icon(rx.cond(as_table, "chart-column", "table"), size=14),
                        rx.cond(as_table, "Chart", "Table"),
                        variant="soft",
                        size="1",
                        on_click=S.toggle_table(chart),
                        id=f"toggle-{chart}",
                    ),
                    rx.button(
                        rx.icon("download", size=14),
                        "CSV",
                        variant="soft",
                        size="1",
                        on_click=S.download_csv(chart),
                        id=f"csv-{chart}",
                    ),
                    spacing="2",
                ),
                wrap="wrap",
                gap="2",
                width="100%",
            ),
            rx.cond(
                as_table,
                table,
                rx.box(_plot(figure), width="100%"),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        min_width="0",
        id=chart,
    )


def _turnover_row(p: rx.Var[TurnoverPoint]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            _drill_button(p.bucket, "turnover", p.bucket, "", "Issued in the period from " + p.bucket)
        ),
        _cell(p.net),
        _cell(p.gross),
        _cell(p.invoiced_net),
        _cell(p.credited_net),
        _cell(p.invoices.to_string() + " / " + p.credit_notes.to_string()),
    )


def _mrr_row(p: rx.Var[MrrPoint]) -> rx.Component:
    movements = [
        rx.table.cell(_drill_button(getattr(p, kind), "movement", p.month, kind, label + " in " + p.month))
        for kind, label in (*MOVEMENTS, ("reactivation", "Reactivation"))
    ]
    return rx.table.row(
        _cell(p.month), _cell(p.mrr), _cell(p.arr), _cell(p.customers.to_string()), _cell(p.arpa), *movements,
        _cell(p.net_new),
    )  # fmt: skip


def _churn_row(p: rx.Var[MrrPoint]) -> rx.Component:
    return rx.table.row(
        _cell(p.month),
        rx.table.cell(
            _drill_button(
                p.churned_customers.to_string(), "movement", p.month, "churn", "Churn in " + p.month
            )
        ),
        _cell(p.customer_churn_rate),
        _cell(p.revenue_churn_rate),
    )


def _share_row(kind: str, caption: str) -> Callable[[rx.Var[ShareRow]], rx.Component]:
    def render(r: rx.Var[ShareRow]) -> rx.Component:
        return rx.table.row(
            rx.table.cell(_drill_button(r.label, kind, r.key, "", caption + r.label)),
            _cell(r.amount),
            _cell(r.count.to_string()),
        )

    return render


def _volume_row(p: rx.Var[VolumePoint]) -> rx.Component:
    field = {
        "payments": p.payments,
        "refunds": p.refunds,
        "disputes": p.disputes,
        "disputes lost": p.disputes_lost,
    }
    cells = [
        rx.table.cell(_drill_button(field[kind], "volume", p.month, kind, label + " in " + p.month))
        for kind, label in VOLUME
    ]
    payouts = rx.table.cell(_drill_button(p.payouts, "volume", p.month, "payouts", "Payouts in " + p.month))
    return rx.table.row(_cell(p.month), *cells, _cell(p.net_volume), payouts)


def charts() -> rx.Component:
    movement_headers = [
        "Month",
        "MRR",
        "ARR",
        "Customers",
        "ARPA",
        "New",
        "Expansion",
        "Contraction",
        "Churn",
    ]
    return rx.vstack(
        _chart_card(
            "turnover",
            "Turnover",
            "Issued invoices minus credit notes, by day of issue (UTC)",
            S.turnover_chart,
            _table(
                ["Period", "Net", "Gross", "Invoiced", "Credited", "Invoices / credits"],
                S.turnover,
                _turnover_row,
            ),
        ),
        _chart_card(
            "mrr",
            "MRR and its movement",
            "MRR at each month's end; bars: what moved it during the month",
            S.mrr_chart,
            _table([*movement_headers, "Reactivation", "Net new"], S.mrr, _mrr_row),
        ),
        rx.grid(
            _chart_card(
                "churn",
                "Churn",
                "Customers lost, and MRR lost to churn and contraction, per month",
                S.churn_chart,
                _table(["Month", "Customers lost", "Customer churn %", "Revenue churn %"], S.mrr, _churn_row),
            ),
            _chart_card(
                "plan",
                "MRR by plan",
                "Paying subscriptions at the end of the range",
                S.plan_chart,
                _table(["Plan", "MRR", "Subscriptions"], S.by_plan, _share_row("plan", "Subscriptions of ")),
            ),
            _chart_card(
                "country",
                "Turnover by country",
                "Net, by the buyer's country on the invoice",
                S.country_chart,
                _table(
                    ["Country", "Net", "Documents"], S.by_country, _share_row("country", "Documents for ")
                ),
            ),
            _chart_card(
                "tax_mode",
                "Turnover by tax mode",
                "Net, by the invoice's tax treatment",
                S.tax_mode_chart,
                _table(
                    ["Tax mode", "Net", "Documents"], S.by_tax_mode, _share_row("tax_mode", "Documents: ")
                ),
            ),
            _chart_card(
                "receivables",
                "Open and overdue",
                "Unpaid balances today, by days past due",
                S.receivables_chart,
                _table(
                    ["Days past due", "Balance", "Invoices"],
                    S.receivables,
                    _share_row("receivables", "Unpaid: "),
                ),
            ),
            _chart_card(
                "volume",
                "Card volume, refunds, disputes and payouts",
                "Payments received, refunds, lost disputes and net volume per month",
                S.volume_chart,
                _table(
                    ["Month", "Payments", "Refunds", "Disputes", "Disputes lost", "Net volume", "Payouts"],
                    S.volume,
                    _volume_row,
                ),
            ),
            columns=rx.breakpoints(initial="1", lg="2"),
            spacing="4",
            width="100%",
        ),
        spacing="4",
        width="100%",
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
        _cell(row.at),
        _cell(row.amount),
        rx.cond(S.drill_second_label != "", _cell(row.second_amount), rx.fragment()),
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
                rx.box(_plot(trend.figure), width="100%"),
                spacing="2",
                width="100%",
            ),
            width="100%",
            id="overview-mrr-trend",
        ),
    )
