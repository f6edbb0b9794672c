"""The revenue page's chart cards: each chart with its table view (table cells open the list behind
a figure) and CSV download."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from backend.gateway.revenue import MrrPoint, ShareRow, TurnoverPoint, VolumePoint
from billing_console.state.revenue import RevenueState

S = RevenueState
MOVEMENTS = (("new", "New"), ("expansion", "Expansion"), ("contraction", "Contraction"), ("churn", "Churn"))
VOLUME = (
    ("payments", "Payments"),
    ("refunds", "Refunds"),
    ("disputes", "Disputes"),
    ("disputes lost", "Disputes lost"),
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


def cell(value: rx.Var | str) -> rx.Component:
    return rx.table.cell(rx.text(value, white_space="nowrap"))


def plot(figure: rx.Var) -> rx.Component:
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
                rx.box(plot(figure), width="100%"),
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
        cell(p.net),
        cell(p.gross),
        cell(p.invoiced_net),
        cell(p.credited_net),
        cell(p.invoices.to_string() + " / " + p.credit_notes.to_string()),
    )


def _mrr_row(p: rx.Var[MrrPoint]) -> rx.Component:
    movements = [
        rx.table.cell(_drill_button(getattr(p, kind), "movement", p.month, kind, label + " in " + p.month))
        for kind, label in (*MOVEMENTS, ("reactivation", "Reactivation"))
    ]
    return rx.table.row(
        cell(p.month), cell(p.mrr), cell(p.arr), cell(p.customers.to_string()), cell(p.arpa), *movements,
        cell(p.net_new),
    )  # fmt: skip


def _churn_row(p: rx.Var[MrrPoint]) -> rx.Component:
    return rx.table.row(
        cell(p.month),
        rx.table.cell(
            _drill_button(
                p.churned_customers.to_string(), "movement", p.month, "churn", "Churn in " + p.month
            )
        ),
        cell(p.customer_churn_rate),
        cell(p.revenue_churn_rate),
    )


def _share_row(kind: str, caption: str) -> Callable[[rx.Var[ShareRow]], rx.Component]:
    def render(r: rx.Var[ShareRow]) -> rx.Component:
        return rx.table.row(
            rx.table.cell(_drill_button(r.label, kind, r.key, "", caption + r.label)),
            cell(r.amount),
            cell(r.count.to_string()),
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
    return rx.table.row(cell(p.month), *cells, cell(p.net_volume), payouts)


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
