"""The admin catalog pages' sections, built for any `CatalogPage` state: the search and filter bar,
the list (a table that scrolls inside its card on small screens), the pager, the create/edit form
with a message under each field, and the confirm and redemptions dialogs.

Element ids follow the page's `prefix` ("plans", "addons", ...): `{prefix}-new`,
`{prefix}-form`, `{prefix}-field-{name}`, `{prefix}-error-{name}`, `{prefix}-save`,
`{prefix}-row-{id}` ...
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import reflex as rx

from backend.gateway.catalog_admin import CatalogRow, Choice, RedemptionRow
from billing_console.components.feedback import empty_state, notice_callout, problem_callout, skeleton_rows
from billing_console.routes import (
    ADMIN_CATALOG_ADDONS,
    ADMIN_CATALOG_PLANS,
    ADMIN_CATALOG_PROMOTIONS,
    ADMIN_CATALOG_SERVICE_TYPES,
)

CATALOG_TABS = (
    ("Plans", ADMIN_CATALOG_PLANS),
    ("Service types", ADMIN_CATALOG_SERVICE_TYPES),
    ("Addons", ADMIN_CATALOG_ADDONS),
    ("Promotions", ADMIN_CATALOG_PROMOTIONS),
)
_NATIVE_CONTROL = {
    "width": "100%",
    "padding": "6px 10px",
    "min_height": "40px",
    "border": "1px solid var(--gray-a7)",
    "border_radius": "var(--radius-2)",
    "background": "var(--color-surface)",
    "color": "var(--gray-12)",
    "font_size": "var(--font-size-2)",
}
INTERVALS = (("month", "Month"), ("year", "Year"), ("week", "Week"), ("day", "Day"), ("hour", "Hour"))
TAX_CATEGORIES = (("standard", "Standard rate"), ("reduced", "Reduced rate"), ("zero", "Zero rate"))


@dataclass(frozen=True)
class Field:
    """One form field: `kind` is text, number, textarea, select, date, addons or plans (checkboxes),
    or service_type (the state's service types)."""

    name: str
    label: str
    kind: str = "text"
    hint: str = ""
    options: tuple[tuple[str, str], ...] = ()
    wide: bool = False  # spans both columns


@dataclass(frozen=True)
class CatalogSpec:
    prefix: str
    title: str  # "Plans"
    noun: str  # "plan"
    intro: str
    empty: str
    fields: tuple[Field, ...]
    form_note: str = ""  # shown above the form's fields
    filter_label: str = ""  # the list's own filter (plans: service type; promotions: state)
    search_hint: str = "Search by name or key"
    can_delete: bool = False
    has_redemptions: bool = False


def catalog_tabs(current: str) -> rx.Component:
    return rx.hstack(
        *[
            rx.link(
                rx.button(label, variant="solid" if path == current else "soft", size="2"),
                href=path,
                underline="none",
            )
            for label, path in CATALOG_TABS
        ],
        spacing="2",
        wrap="wrap",
        aria_label="Catalog sections",
    )


def catalog_page(state: Any, spec: CatalogSpec, current: str) -> rx.Component:
    return rx.vstack(
        catalog_tabs(current),
        rx.flex(
            rx.vstack(
                rx.heading(spec.title, size="6"),
                rx.text(spec.intro, size="2", color="var(--gray-11)"),
                spacing="1",
            ),
            rx.button(
                rx.icon("plus", size=16),
                f"New {spec.noun}",
                on_click=state.open_new,
                id=f"{spec.prefix}-new",
                size="2",
            ),
            direction=rx.breakpoints(initial="column", sm="row"),
            justify="between",
            align=rx.breakpoints(initial="start", sm="center"),
            spacing="3",
            width="100%",
        ),
        _filters(state, spec),
        rx.cond(
            state.loading,
            skeleton_rows(6),
            rx.cond(
                state.notice != "",
                notice_callout(state.notice, element_id=f"{spec.prefix}-notice"),
                rx.cond(state.has_rows, _listing(state, spec), _empty(state, spec)),
            ),
        ),
        _form_dialog(state, spec),
        _confirm_dialog(state, spec),
        _redemptions_dialog(state, spec) if spec.has_redemptions else rx.fragment(),
        spacing="4",
        width="100%",
    )


def _native_select(
    name: str, control_id: str, options: Sequence[tuple[str, str]], value: Any, **props: Any
) -> rx.Component:
    return rx.el.select(
        *[rx.el.option(label, value=option) for option, label in options],
        name=name,
        id=control_id,
        default_value=value,
        **_NATIVE_CONTROL,
        **props,
    )


def _filters(state: Any, spec: CatalogSpec) -> rx.Component:
    status_options = (("", "Active and inactive"), ("active", "Active only"), ("inactive", "Inactive only"))
    own_filter: rx.Component = rx.fragment()
    if spec.filter_label:
        own_filter = rx.el.select(
            rx.el.option(f"Any {spec.filter_label.lower()}", value=""),
            rx.foreach(state.filter_choices, lambda choice: rx.el.option(choice.label, value=choice.value)),
            name="filter",
            id=f"{spec.prefix}-filter",
            aria_label=spec.filter_label,
            default_value=state.filter_value,
            **_NATIVE_CONTROL,
        )
    return rx.form(
        rx.flex(
            rx.input(
                name="search",
                id=f"{spec.prefix}-search",
                placeholder=spec.search_hint,
                aria_label=spec.search_hint,
                default_value=state.search,
                size="3",
                width="100%",
                type="search",
            ),
            _native_select(
                "status", f"{spec.prefix}-status", status_options, state.status, aria_label="Status"
            ),
            own_filter,
            rx.hstack(
                rx.button(
                    rx.icon("search", size=16), "Search", type="submit", size="3", id=f"{spec.prefix}-apply"
                ),
                rx.cond(
                    state.filtered,
                    rx.button("Clear", type="button", variant="soft", size="3", on_click=state.clear_filters),
                ),
                spacing="2",
            ),
            direction=rx.breakpoints(initial="column", md="row"),
            spacing="2",
            width="100%",
        ),
        key=state.form_key,
        on_submit=state.apply_filters,
        reset_on_submit=False,
        width="100%",
    )


def _empty(state: Any, spec: CatalogSpec) -> rx.Component:
    return rx.card(
        rx.cond(
            state.filtered,
            empty_state(
                "search-x", f"No {spec.title.lower()} match", "Change the search or clear the filters."
            ),
            empty_state("package-open", f"No {spec.title.lower()} yet", spec.empty),
        ),
        rx.center(
            rx.cond(
                state.filtered,
                rx.button("Clear the filters", variant="soft", on_click=state.clear_filters),
                rx.button(rx.icon("plus", size=16), f"New {spec.noun}", on_click=state.open_new),
            )
        ),
        width="100%",
        id=f"{spec.prefix}-empty",
    )


def _status_badge(row: rx.Var[CatalogRow]) -> rx.Component:
    return rx.badge(
        row.status_label,
        color_scheme=rx.match(
            row.status, ("active", "green"), ("scheduled", "blue"), ("expired", "amber"), "gray"
        ),
        variant="soft",
    )


def _row_actions(state: Any, spec: CatalogSpec, row: rx.Var[CatalogRow]) -> rx.Component:
    return rx.hstack(
        rx.button(
            "Edit", size="1", variant="soft", on_click=state.open_edit(row.id), aria_label=f"Edit {spec.noun}"
        ),
        rx.cond(
            row.active,
            rx.button(
                "Deactivate",
                size="1",
                variant="soft",
                color_scheme="amber",
                on_click=state.ask(row.id, "deactivate"),
            ),
            rx.button(
                "Reactivate",
                size="1",
                variant="soft",
                color_scheme="green",
                on_click=state.ask(row.id, "reactivate"),
            ),
        ),
        rx.cond(
            row.deletable,
            rx.button(
                "Delete", size="1", variant="soft", color_scheme="red", on_click=state.ask(row.id, "delete")
            ),
        )
        if spec.can_delete
        else rx.fragment(),
        rx.button(
            "Redemptions",
            size="1",
            variant="soft",
            color_scheme="gray",
            on_click=state.show_redemptions(row.id),
        )
        if spec.has_redemptions
        else rx.fragment(),
        spacing="2",
        wrap="wrap",
    )


def _listing(state: Any, spec: CatalogSpec) -> rx.Component:
    def row_view(row: rx.Var[CatalogRow]) -> rx.Component:
        return rx.table.row(
            rx.table.cell(
                rx.vstack(
                    rx.text(row.name, weight="medium"),
                    rx.text(row.key, size="1", color="var(--gray-11)"),
                    spacing="0",
                ),
            ),
            rx.table.cell(rx.text(row.summary, size="2", white_space="nowrap")),
            rx.table.cell(
                rx.vstack(
                    rx.text(row.detail, size="2", color="var(--gray-11)"),
                    rx.cond(row.usage != "", rx.text(row.usage, size="1", color="var(--gray-11)")),
                    rx.cond(
                        row.delete_refusal != "",
                        rx.text(
                            row.delete_refusal,
                            size="1",
                            color="var(--gray-11)",
                            id=f"{spec.prefix}-in-use-{row.id}",
                        ),
                    )
                    if spec.can_delete
                    else rx.fragment(),
                    spacing="1",
                )
            ),
            rx.table.cell(_status_badge(row)),
            rx.table.cell(_row_actions(state, spec, row)),
            id=f"{spec.prefix}-row-" + row.id.to_string(),
        )

    def card_view(row: rx.Var[CatalogRow]) -> rx.Component:
        return rx.card(
            rx.vstack(
                rx.hstack(
                    rx.vstack(
                        rx.text(row.name, weight="medium"),
                        rx.text(row.key, size="1", color="var(--gray-11)"),
                        spacing="0",
                        min_width="0",
                    ),
                    _status_badge(row),
                    justify="between",
                    align="start",
                    width="100%",
                ),
                rx.text(row.summary, size="2", weight="medium"),
                rx.cond(row.detail != "", rx.text(row.detail, size="2", color="var(--gray-11)")),
                rx.cond(row.usage != "", rx.text(row.usage, size="1", color="var(--gray-11)")),
                rx.cond(
                    row.delete_refusal != "", rx.text(row.delete_refusal, size="1", color="var(--gray-11)")
                )
                if spec.can_delete
                else rx.fragment(),
                _row_actions(state, spec, row),
                spacing="2",
                width="100%",
            ),
            width="100%",
            class_name=f"{spec.prefix}-card",
        )

    return rx.vstack(
        rx.text(
            state.total,
            rx.cond(state.total == 1, f" {spec.noun}", f" {spec.title.lower()}"),
            size="2",
            color="var(--gray-11)",
        ),
        rx.vstack(
            rx.foreach(state.rows, card_view),
            spacing="2",
            width="100%",
            display=["flex", "flex", "none"],
            id=f"{spec.prefix}-cards",
        ),
        rx.box(
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Name"),
                        rx.table.column_header_cell("Price" if spec.prefix != "promotions" else "Benefit"),
                        rx.table.column_header_cell("Details"),
                        rx.table.column_header_cell("Status"),
                        rx.table.column_header_cell("Actions"),
                    )
                ),
                rx.table.body(rx.foreach(state.rows, row_view)),
                variant="surface",
                size="2",
                width="100%",
                min_width="760px",
            ),
            overflow_x="auto",
            width="100%",
            max_width="100%",
            display=["none", "none", "block"],
            id=f"{spec.prefix}-list",
        ),
        rx.cond(state.page_count > 1, _pager(state, spec)),
        spacing="2",
        width="100%",
    )


def _pager(state: Any, spec: CatalogSpec) -> rx.Component:
    return rx.hstack(
        rx.button(
            rx.icon("chevron-left", size=16),
            "Previous",
            variant="soft",
            size="2",
            disabled=state.page <= 1,
            on_click=state.go_to_page(state.page - 1),
            id=f"{spec.prefix}-previous",
        ),
        rx.text("Page ", state.page, " of ", state.page_count, size="2", color="var(--gray-11)"),
        rx.button(
            "Next",
            rx.icon("chevron-right", size=16),
            variant="soft",
            size="2",
            disabled=state.page >= state.page_count,
            on_click=state.go_to_page(state.page + 1),
            id=f"{spec.prefix}-next",
        ),
        align="center",
        justify="end",
        spacing="3",
        width="100%",
    )


# --- the form ---------------------------------------------------------------------------------------------
def _error(state: Any, spec: CatalogSpec, name: str) -> rx.Component:
    return rx.cond(
        state.field_errors.contains(name),
        rx.text(
            state.field_errors[name],
            size="1",
            color="var(--red-11)",
            id=f"{spec.prefix}-error-{name}",
            role="alert",
        ),
    )


def _checks(state_choices: rx.Var[list[Choice]], name: str, control_id: str, empty: str) -> rx.Component:
    return rx.cond(
        state_choices.length() > 0,
        rx.vstack(
            rx.foreach(
                state_choices,
                lambda choice: rx.el.label(
                    rx.el.input(type="checkbox", name=choice.value, default_checked=choice.checked),
                    rx.text(choice.label, size="2", as_="span"),
                    display="flex",
                    gap="8px",
                    align_items="center",
                ),
            ),
            spacing="1",
            id=control_id,
        ),
        rx.text(empty, size="2", color="var(--gray-11)"),
    )


def _control(state: Any, spec: CatalogSpec, field: Field) -> rx.Component:
    control_id = f"{spec.prefix}-field-{field.name}"
    value = state.values[field.name]
    invalid = state.field_errors.contains(field.name)
    if field.kind == "textarea":
        return rx.text_area(
            name=field.name, id=control_id, default_value=value, rows="3", width="100%", aria_invalid=invalid
        )
    if field.kind == "select":
        return _native_select(field.name, control_id, field.options, value, aria_invalid=invalid)
    if field.kind == "service_type":
        return rx.el.select(
            rx.el.option("None (billing only)", value=""),
            rx.foreach(state.type_choices, lambda choice: rx.el.option(choice.label, value=choice.value)),
            name=field.name,
            id=control_id,
            default_value=value,
            **_NATIVE_CONTROL,
        )
    if field.kind == "addons":
        return _checks(
            state.addon_choices, field.name, control_id, "No addons yet: create them on the Addons page."
        )
    if field.kind == "plans":
        return _checks(state.plan_choices, field.name, control_id, "No plans yet.")
    return rx.input(
        name=field.name,
        id=control_id,
        default_value=value,
        type="date" if field.kind == "date" else "text",
        input_mode="decimal" if field.kind == "number" else None,
        size="2",
        width="100%",
        aria_invalid=invalid,
    )


def _form_field(state: Any, spec: CatalogSpec, field: Field) -> rx.Component:
    return rx.vstack(
        rx.el.label(
            field.label,
            html_for=f"{spec.prefix}-field-{field.name}",
            font_size="var(--font-size-2)",
            font_weight="500",
        ),
        _control(state, spec, field),
        rx.text(field.hint, size="1", color="var(--gray-11)") if field.hint else rx.fragment(),
        _error(state, spec, field.name),
        spacing="1",
        width="100%",
        grid_column="1 / -1" if field.wide else None,
        id=f"{spec.prefix}-group-{field.name}",
    )


def _form_dialog(state: Any, spec: CatalogSpec) -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(state.form_title + f" {spec.noun}"),
            rx.dialog.description(
                spec.form_note or f"Every field is checked when you save the {spec.noun}.", size="2"
            ),
            rx.form(
                rx.vstack(
                    rx.cond(
                        state.form_error != "",
                        problem_callout(state.form_error, element_id=f"{spec.prefix}-form-error"),
                    ),
                    rx.grid(
                        *[_form_field(state, spec, field) for field in spec.fields],
                        columns=rx.breakpoints(initial="1", sm="2"),
                        spacing="3",
                        width="100%",
                    ),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button("Cancel", type="button", variant="soft", color_scheme="gray")
                        ),
                        rx.button("Save", type="submit", loading=state.working, id=f"{spec.prefix}-save"),
                        justify="end",
                        spacing="3",
                        width="100%",
                    ),
                    spacing="4",
                    width="100%",
                ),
                key=state.form_key,
                on_submit=state.submit_form,
                reset_on_submit=False,
                id=f"{spec.prefix}-form",
            ),
            max_width="720px",
            max_height="90vh",
            overflow_y="auto",
        ),
        open=state.dialog == "form",
        on_open_change=state.close_dialog,
    )


def _confirm_dialog(state: Any, spec: CatalogSpec) -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(state.confirm_title),
            rx.alert_dialog.description(state.confirm_text, size="2"),
            rx.cond(
                state.refusal != "",
                rx.box(
                    problem_callout(state.refusal, element_id=f"{spec.prefix}-refusal"), margin_top="12px"
                ),
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Keep it", variant="soft", color_scheme="gray")),
                rx.button(
                    rx.match(
                        state.confirm_action, ("delete", "Delete"), ("reactivate", "Reactivate"), "Deactivate"
                    ),
                    color_scheme=rx.match(state.confirm_action, ("reactivate", "green"), "red"),
                    loading=state.working,
                    disabled=state.refusal != "",
                    on_click=state.confirm,
                    id=f"{spec.prefix}-confirm",
                ),
                justify="end",
                spacing="3",
                margin_top="16px",
            ),
            max_width="480px",
        ),
        open=state.dialog == "confirm",
        on_open_change=state.close_dialog,
    )


def _redemption(row: rx.Var[RedemptionRow]) -> rx.Component:
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.text(row.customer, weight="medium"),
                rx.text(
                    "Subscription ",
                    row.subscription,
                    " · Invoice ",
                    row.invoice,
                    size="1",
                    color="var(--gray-11)",
                ),
                rx.text(row.redeemed, size="1", color="var(--gray-11)"),
                spacing="1",
            ),
            rx.vstack(
                rx.text(row.amount, weight="medium", white_space="nowrap"),
                rx.badge(
                    row.status, color_scheme=rx.cond(row.status == "In use", "green", "gray"), variant="soft"
                ),
                align="end",
                spacing="1",
            ),
            justify="between",
            gap="3",
        ),
        width="100%",
    )


def _redemptions_dialog(state: Any, spec: CatalogSpec) -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(state.confirm_title),
            rx.dialog.description(
                "Who ordered with the code, newest first, and the discount its invoices took (net).", size="2"
            ),
            rx.box(
                rx.cond(
                    state.working,
                    skeleton_rows(3),
                    rx.cond(
                        state.refusal != "",
                        problem_callout(state.refusal),
                        rx.cond(
                            state.redemption_rows.length() > 0,
                            rx.vstack(
                                rx.foreach(state.redemption_rows, _redemption), spacing="2", width="100%"
                            ),
                            empty_state(
                                "ticket", "Not redeemed yet", "Orders made with this code will show up here."
                            ),
                        ),
                    ),
                ),
                margin_y="12px",
                id=f"{spec.prefix}-redemptions",
            ),
            rx.hstack(
                rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray")), justify="end"
            ),
            max_width="640px",
            max_height="90vh",
            overflow_y="auto",
        ),
        open=state.dialog == "redemptions",
        on_open_change=state.close_dialog,
    )
