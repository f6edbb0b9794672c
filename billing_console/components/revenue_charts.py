"""Plotly figures of the revenue page, built from the report's aggregate rows (pure functions).

Amounts arrive as decimal strings; plotly reads them as numbers, so no float is made here. The
layout is transparent with a neutral font, so one figure reads in light and dark mode alike.
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from backend.gateway.revenue import MrrPoint, ShareRow, TurnoverPoint, VolumePoint

INK = "#8b8d98"
GRID = "rgba(139, 141, 152, 0.25)"
BLUE, GREEN, TEAL, AMBER, RED, GRAY = "#3e63dd", "#30a46c", "#12a594", "#ffb224", "#e5484d", "#8b8d98"


def _layout(figure: go.Figure, currency: str, *, legend: bool = True, height: int = 300) -> go.Figure:
    figure.update_layout(
        template="none",
        autosize=True,
        height=height,
        margin={"l": 56, "r": 12, "t": 12, "b": 40},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font={"color": INK, "size": 12},
        showlegend=legend,
        legend={"orientation": "h", "y": -0.18},
        # Amounts come as decimal strings: a linear axis reads them as numbers (not as categories).
        yaxis={"type": "linear", "title": {"text": currency}, "gridcolor": GRID, "zerolinecolor": GRID},
        # Every x value is a label (a bucket's first day, a month, a plan): one slot each, no date axis.
        xaxis={"type": "category", "gridcolor": GRID},
        hovermode="x unified",
    )
    return figure


def turnover_figure(points: Sequence[TurnoverPoint], currency: str) -> go.Figure:
    x = [p.bucket for p in points]
    figure = go.Figure(
        [
            go.Bar(name="Net", x=x, y=[p.net for p in points], marker_color=BLUE),
            go.Bar(name="Gross", x=x, y=[p.gross for p in points], marker_color=TEAL),
        ]
    )
    figure.update_layout(barmode="group")
    return _layout(figure, currency)


def mrr_figure(points: Sequence[MrrPoint], currency: str) -> go.Figure:
    """MRR at each month's end as a line over the month's movements (gains up, losses down)."""
    x = [p.month for p in points]
    figure = go.Figure(
        [
            go.Bar(name="New", x=x, y=[p.new for p in points], marker_color=GREEN),
            go.Bar(name="Expansion", x=x, y=[p.expansion for p in points], marker_color=TEAL),
            go.Bar(name="Reactivation", x=x, y=[p.reactivation for p in points], marker_color=BLUE),
            go.Bar(name="Contraction", x=x, y=[f"-{p.contraction}" for p in points], marker_color=AMBER),
            go.Bar(name="Churn", x=x, y=[f"-{p.churn}" for p in points], marker_color=RED),
            go.Scatter(name="MRR", x=x, y=[p.mrr for p in points], mode="lines+markers", line_color=INK),
        ]
    )
    figure.update_layout(barmode="relative")
    return _layout(figure, currency)


def churn_figure(points: Sequence[MrrPoint]) -> go.Figure:
    x = [p.month for p in points]
    figure = go.Figure(
        [
            go.Scatter(name="Customer churn %", x=x, y=[p.customer_churn_rate or None for p in points]),
            go.Scatter(name="Revenue churn %", x=x, y=[p.revenue_churn_rate or None for p in points]),
        ]
    )
    return _layout(figure, "%")


def share_figure(rows: Sequence[ShareRow], currency: str, color: str = BLUE) -> go.Figure:
    figure = go.Figure([go.Bar(x=[r.label for r in rows], y=[r.amount for r in rows], marker_color=color)])
    return _layout(figure, currency, legend=False, height=260)


def volume_figure(points: Sequence[VolumePoint], currency: str) -> go.Figure:
    x = [p.month for p in points]
    figure = go.Figure(
        [
            go.Bar(name="Payments", x=x, y=[p.payments for p in points], marker_color=GREEN),
            go.Bar(name="Refunds", x=x, y=[f"-{p.refunds}" for p in points], marker_color=AMBER),
            go.Bar(name="Disputes lost", x=x, y=[f"-{p.disputes_lost}" for p in points], marker_color=RED),
            go.Scatter(name="Net volume", x=x, y=[p.net_volume for p in points], line_color=INK),
            go.Scatter(
                name="Payouts", x=x, y=[p.payouts for p in points], line={"color": BLUE, "dash": "dot"}
            ),
        ]
    )
    figure.update_layout(barmode="relative")
    return _layout(figure, currency)


def trend_figure(points: Sequence[MrrPoint], currency: str) -> go.Figure:
    """The overview's small MRR line of the last twelve months."""
    figure = go.Figure(
        [
            go.Scatter(
                x=[p.month for p in points], y=[p.mrr for p in points], mode="lines+markers", line_color=BLUE
            )
        ]
    )
    _layout(figure, currency, legend=False, height=180)
    figure.update_layout(margin={"l": 48, "r": 8, "t": 8, "b": 28})
    return figure
