"""`/admin/revenue`: the report's aggregates for one currency and range (never the rows behind
them), which charts show as tables, and one page of the list behind the figure the admin opened.
Every handler checks the admin on the server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import plotly.graph_objects as go
import reflex as rx
from reflex.event import EventSpec

from backend.gateway import revenue as gateway
from backend.gateway.revenue import (
    Drill,
    DrillRow,
    MrrPoint,
    RevenueQuery,
    RevenueReport,
    ShareRow,
    TurnoverPoint,
    VolumePoint,
)
from backend.kit.errors import DomainError, FieldErrors
from backend.kit.principals import SignedInUser
from billing_console.components import revenue_charts as charts
from billing_console.state.guards import admin_only, starts_from_defaults
from billing_console.state.session import cleared_on_sign_out

DRILL_PAGE = 25
PRESETS = {"3": 3, "6": 6, "12": 12, "24": 24}


def _months_back(today: date, months: int) -> date:
    index = today.year * 12 + today.month - 1 - (months - 1)
    return date(index // 12, index % 12 + 1, 1)


@cleared_on_sign_out
class RevenueState(rx.State):
    loading: bool = True
    refreshing: bool = False
    problem: str = ""
    currency: str = "EUR"
    currencies: list[str] = []
    first_day: str = ""
    last_day: str = ""
    grain: str = "month"
    turnover: list[TurnoverPoint] = []
    mrr: list[MrrPoint] = []
    by_plan: list[ShareRow] = []
    by_country: list[ShareRow] = []
    by_tax_mode: list[ShareRow] = []
    receivables: list[ShareRow] = []
    volume: list[VolumePoint] = []
    open_total: str = ""
    overdue_total: str = ""
    tables: list[str] = []  # the charts shown as tables
    drill_kind: str = ""
    drill_key: str = ""
    drill_part: str = ""
    drill_title: str = ""
    drill_caption: str = ""  # which figure, in words: "Churn in 2026-04"
    drill_amount_label: str = ""
    drill_second_label: str = ""
    drill_rows: list[DrillRow] = []
    drill_total: int = 0
    drill_offset: int = 0
    drill_loading: bool = False

    # --- what the page shows --------------------------------------------------------------------
    @rx.var
    def latest(self) -> MrrPoint | None:
        return self.mrr[-1] if self.mrr else None

    @rx.var
    def has_data(self) -> bool:
        return bool(
            self.turnover or any(p.mrr != "0.00" for p in self.mrr) or self.open_total not in ("", "0.00")
        )

    @rx.var
    def turnover_chart(self) -> go.Figure:
        return charts.turnover_figure(self.turnover, self.currency)

    @rx.var
    def mrr_chart(self) -> go.Figure:
        return charts.mrr_figure(self.mrr, self.currency)

    @rx.var
    def churn_chart(self) -> go.Figure:
        return charts.churn_figure(self.mrr)

    @rx.var
    def plan_chart(self) -> go.Figure:
        return charts.share_figure(self.by_plan, self.currency)

    @rx.var
    def country_chart(self) -> go.Figure:
        return charts.share_figure(self.by_country, self.currency, charts.TEAL)

    @rx.var
    def tax_mode_chart(self) -> go.Figure:
        return charts.share_figure(self.by_tax_mode, self.currency, charts.GREEN)

    @rx.var
    def receivables_chart(self) -> go.Figure:
        return charts.share_figure(self.receivables, self.currency, charts.AMBER)

    @rx.var
    def volume_chart(self) -> go.Figure:
        return charts.volume_figure(self.volume, self.currency)

    @rx.var
    def drill_range(self) -> str:
        if not self.drill_total:
            return ""
        last = min(self.drill_offset + DRILL_PAGE, self.drill_total)
        return f"{self.drill_offset + 1}–{last} of {self.drill_total}"

    # --- loading the report ---------------------------------------------------------------------
    def _query(self) -> RevenueQuery:
        try:
            first, last = date.fromisoformat(self.first_day), date.fromisoformat(self.last_day)
        except ValueError as exc:
            raise FieldErrors({"range": "Enter both days of the range."}) from exc
        return RevenueQuery(self.currency, first, last, self.grain)  # type: ignore[arg-type]

    def _show(self, report: RevenueReport) -> None:
        self.currency, self.currencies, self.grain = report.currency, report.currencies, report.grain
        self.first_day, self.last_day = report.first_day, report.last_day
        self.turnover, self.mrr, self.volume = report.turnover, report.mrr, report.volume
        self.by_plan, self.by_country, self.by_tax_mode = (
            report.by_plan,
            report.by_country,
            report.by_tax_mode,
        )
        self.receivables, self.open_total, self.overdue_total = (
            report.receivables,
            report.open_total,
            report.overdue_total,
        )

    async def _refresh(self, admin: SignedInUser) -> AsyncIterator[EventSpec | None]:
        self.refreshing, self.problem = True, ""
        self._close_drill()
        yield
        try:
            self._show(await asyncio.to_thread(gateway.revenue_report, admin, self._query()))
        except DomainError as exc:
            self.problem = str(exc)
        self.loading = self.refreshing = False

    def _close_drill(self) -> None:
        self.drill_kind, self.drill_rows, self.drill_total, self.drill_offset = "", [], 0, 0

    @rx.event
    @starts_from_defaults
    @admin_only
    async def load(self, admin: SignedInUser) -> AsyncIterator[EventSpec | None]:
        query = await asyncio.to_thread(gateway.default_query, admin)
        self.currency, self.grain = query.currency, query.grain
        self.first_day, self.last_day = query.first_day.isoformat(), query.last_day.isoformat()
        async for update in self._refresh(admin):
            yield update

    @rx.event
    @admin_only
    async def apply_range(self, admin: SignedInUser, form: dict[str, Any]) -> AsyncIterator[EventSpec | None]:
        self.first_day, self.last_day = str(form.get("first_day", "")), str(form.get("last_day", ""))
        async for update in self._refresh(admin):
            yield update

    @rx.event
    @admin_only
    async def use_preset(self, admin: SignedInUser, months: str) -> AsyncIterator[EventSpec | None]:
        today = gateway.today()
        self.first_day = _months_back(today, PRESETS.get(months, 12)).isoformat()
        self.last_day = today.isoformat()
        if self.grain == "day":
            self.grain = "week"
        async for update in self._refresh(admin):
            yield update

    @rx.event
    @admin_only
    async def choose_currency(self, admin: SignedInUser, currency: str) -> AsyncIterator[EventSpec | None]:
        self.currency = currency
        async for update in self._refresh(admin):
            yield update

    @rx.event
    @admin_only
    async def choose_grain(
        self, admin: SignedInUser, grain: str | list[str]
    ) -> AsyncIterator[EventSpec | None]:
        self.grain = grain if isinstance(grain, str) else grain[0]
        async for update in self._refresh(admin):
            yield update

    # --- tables, CSV ----------------------------------------------------------------------------
    @rx.event
    @admin_only
    async def toggle_table(self, admin: SignedInUser, chart: str) -> None:
        self.tables = (
            [c for c in self.tables if c != chart] if chart in self.tables else [*self.tables, chart]
        )

    def _rows_of(self, chart: str) -> list[Any]:
        return {
            "turnover": self.turnover,
            "mrr": self.mrr,
            "churn": self.mrr,
            "plan": self.by_plan,
            "country": self.by_country,
            "tax_mode": self.by_tax_mode,
            "receivables": self.receivables,
            "volume": self.volume,
        }.get(chart, [])

    @rx.event
    @admin_only
    async def download_csv(self, admin: SignedInUser, chart: str) -> EventSpec:
        filename = f"revenue-{chart.replace('_', '-')}-{self.currency}-{self.first_day}-{self.last_day}.csv"
        return rx.download(data=gateway.rows_csv(self._rows_of(chart)), filename=filename)

    # --- the list behind a figure ---------------------------------------------------------------
    async def _drill_page(self, admin: SignedInUser, offset: int) -> AsyncIterator[EventSpec | None]:
        self.drill_loading = True
        yield
        drill = Drill(self.drill_kind, self.drill_key, self.drill_part)
        try:
            page = await asyncio.to_thread(
                gateway.drill_down, admin, self._query(), drill, offset=offset, limit=DRILL_PAGE
            )
        except DomainError as exc:
            self.drill_loading = False
            yield rx.toast.error(str(exc))
            return
        self.drill_title, self.drill_amount_label = page.title, page.amount_label
        self.drill_second_label, self.drill_rows = page.second_label, page.rows
        self.drill_total, self.drill_offset, self.drill_loading = page.total, page.offset, False
        yield rx.scroll_to("revenue-drill")

    @rx.event
    @admin_only
    async def open_drill(
        self, admin: SignedInUser, kind: str, key: str, part: str, caption: str
    ) -> AsyncIterator[EventSpec | None]:
        self.drill_kind, self.drill_key, self.drill_part, self.drill_caption = kind, key, part, caption
        async for update in self._drill_page(admin, 0):
            yield update

    @rx.event
    @admin_only
    async def drill_next(self, admin: SignedInUser, forward: bool) -> AsyncIterator[EventSpec | None]:
        offset = self.drill_offset + DRILL_PAGE if forward else max(0, self.drill_offset - DRILL_PAGE)
        async for update in self._drill_page(admin, offset):
            yield update

    @rx.event
    @admin_only
    async def close_drill(self, admin: SignedInUser) -> None:
        self._close_drill()


@cleared_on_sign_out
class MrrTrendState(rx.State):
    """The admin overview's small MRR line: the last twelve months in the tenant's currency."""

    loading: bool = True
    currency: str = ""
    points: list[MrrPoint] = []

    @rx.var
    def figure(self) -> go.Figure:
        return charts.trend_figure(self.points, self.currency)

    @rx.var
    def latest_mrr(self) -> str:
        return f"{self.points[-1].mrr} {self.currency}" if self.points else ""

    @rx.event
    @starts_from_defaults
    @admin_only
    async def load(self, admin: SignedInUser) -> None:
        self.currency, self.points = await asyncio.to_thread(gateway.mrr_trend, admin)
        self.loading = False
