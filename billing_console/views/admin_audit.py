"""The admin's audit log: the filters, the entries (each opens to its changes: field, before and
after, in colours and words), paging towards older and newer entries, and the CSV download."""

from __future__ import annotations

import reflex as rx

from backend.audit.schemas import AuditRow, Choice, FieldChange
from billing_console.components.feedback import empty_state, problem_callout
from billing_console.components.forms import csv_download_button, filter_date, filter_field
from billing_console.state.admin_audit import ANY, AdminAuditState

A = AdminAuditState


def _choice_select(
    label: str,
    any_label: str,
    choices: rx.Var[list[Choice]],
    value: rx.Var[str],
    on_change: rx.EventHandler,
    name: str,
) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color="var(--gray-11)"),
        rx.select.root(
            rx.select.trigger(placeholder=label, aria_label=label, id=f"audit-{name}", width="100%"),
            rx.select.content(
                rx.select.item(any_label, value=ANY),
                rx.foreach(choices, lambda choice: rx.select.item(choice.label, value=choice.value)),
            ),
            value=value,
            on_change=on_change,
        ),
        spacing="1",
        flex="1",
        min_width="180px",
    )


def download_button() -> rx.Component:
    return csv_download_button(A.csv_address, "audit-csv")


def filters() -> rx.Component:
    return rx.vstack(
        rx.flex(
            _choice_select("What happened", "Any action", A.actions, A.action, A.filter_action, "action"),
            _choice_select(
                "Object", "Any object", A.object_types, A.object_type, A.filter_object_type, "object-type"
            ),
            gap="12px",
            wrap="wrap",
            width="100%",
        ),
        rx.form(
            rx.flex(
                filter_field("audit-who", "who", "Who", A.who, hint="Email or name", length=254),
                filter_field(
                    "audit-object_id", "object_id", "Object number", A.object_id, hint="INV-2027-000012"
                ),
                filter_date("audit-since", "since", "From", A.since),
                filter_date("audit-until", "until", "Until", A.until),
                rx.button("Search", type="submit", variant="soft", id="audit-search-go", align_self="end"),
                gap="12px",
                wrap="wrap",
                align="end",
                width="100%",
            ),
            on_submit=A.search,
            width="100%",
        ),
        rx.cond(A.searching, rx.button("Clear filters", variant="ghost", on_click=A.clear, id="audit-clear")),
        rx.cond(A.search_error != "", problem_callout(A.search_error, element_id="audit-search-error")),
        spacing="3",
        width="100%",
        id="audit-filters",
    )


def _value(text: rx.Var[str], color: str, struck: bool = False) -> rx.Component:
    return rx.code(
        text,
        color_scheme=color,
        variant="soft",
        size="2",
        style={
            "white_space": "pre-wrap",
            "word_break": "break-word",
            "text_decoration": "line-through" if struck else "none",
        },
    )


def _change(change: rx.Var[FieldChange]) -> rx.Component:
    """One field: was -> now (changed), set to (added), or removed, each in words and colour."""
    return rx.flex(
        rx.text(change.label, weight="medium", size="2", min_width="140px"),
        rx.match(
            change.kind,
            (
                "added",
                rx.flex(
                    rx.text("set to", size="1", color="var(--gray-11)"),
                    _value(change.new, "green"),
                    gap="6px",
                    wrap="wrap",
                    align="center",
                ),
            ),
            (
                "removed",
                rx.flex(
                    rx.text("removed, was", size="1", color="var(--gray-11)"),
                    _value(change.old, "red", struck=True),
                    gap="6px",
                    wrap="wrap",
                    align="center",
                ),
            ),
            rx.flex(
                rx.text("was", size="1", color="var(--gray-11)"),
                _value(change.old, "red", struck=True),
                rx.icon("arrow-right", size=14, color="var(--gray-11)", aria_hidden="true"),
                rx.text("now", size="1", color="var(--gray-11)"),
                _value(change.new, "green"),
                gap="6px",
                wrap="wrap",
                align="center",
            ),
        ),
        gap="8px",
        wrap="wrap",
        align="center",
        width="100%",
        class_name="audit-change",
    )


def _object(row: rx.Var[AuditRow]) -> rx.Component:
    return rx.cond(
        row.object_type != "",
        rx.text(
            row.object_words,
            rx.cond(row.object_id != "", rx.text.span(" ", rx.code(row.object_id, size="1")), ""),
            size="2",
        ),
        rx.text("—", size="2", color="var(--gray-11)"),
    )


def _entry(row: rx.Var[AuditRow]) -> rx.Component:
    summary = rx.el.summary(
        rx.icon(
            "chevron-right", size=16, color="var(--gray-11)", class_name="audit-chevron", flex_shrink="0"
        ),
        rx.flex(
            rx.text(
                row.when,
                size="1",
                color="var(--gray-11)",
                font_family="var(--code-font-family)",
                min_width="150px",
            ),
            rx.text(row.action_words, weight="medium", size="2", flex="1", min_width="180px"),
            rx.box(_object(row), min_width="160px"),
            rx.text(row.actor, size="2", color="var(--gray-11)", style={"word_break": "break-all"}),
            gap="4px 16px",
            wrap="wrap",
            align="center",
            flex="1",
            min_width="0",
        ),
        display="flex",
        align_items="center",
        gap="8px",
        cursor="pointer",
        padding="10px 12px",
        class_name="audit-summary",
        # the chevron replaces the browser's own marker
        style={"list_style": "none", "&::-webkit-details-marker": {"display": "none"}},
    )
    details = rx.vstack(
        rx.cond(
            row.changes.length() > 0,
            rx.vstack(rx.foreach(row.changes, _change), spacing="2", width="100%", class_name="audit-diff"),
            rx.text("No fields were recorded for this action.", size="2", color="var(--gray-11)"),
        ),
        rx.text(
            "Recorded as ",
            rx.code(row.action, size="1"),
            rx.cond(row.ip_address != "", rx.text.span(" from ", row.ip_address), ""),
            size="1",
            color="var(--gray-11)",
        ),
        spacing="3",
        padding="4px 12px 12px 36px",
        width="100%",
    )
    return rx.el.details(
        summary,
        details,
        border_bottom="1px solid var(--gray-a5)",
        width="100%",
        style={"&[open] .audit-chevron": {"transform": "rotate(90deg)"}},
        class_name="audit-entry",
        custom_attrs={"data-entry": row.id},
    )


def _pager() -> rx.Component:
    return rx.flex(
        rx.cond(
            A.has_newer,
            rx.button("Back to the newest", variant="ghost", size="2", on_click=A.newest, id="audit-newest"),
        ),
        rx.button(
            rx.icon("chevron-left", size=16),
            "Newer",
            variant="soft",
            size="2",
            disabled=~A.has_newer,
            on_click=A.newer,
            id="audit-newer",
        ),
        rx.button(
            "Older",
            rx.icon("chevron-right", size=16),
            variant="soft",
            size="2",
            disabled=~A.has_older,
            on_click=A.older,
            id="audit-older",
        ),
        gap="12px",
        justify="end",
        align="center",
        wrap="wrap",
        width="100%",
    )


def entry_list() -> rx.Component:
    return rx.cond(
        A.rows.length() > 0,
        rx.vstack(
            rx.text(
                A.total,
                rx.cond(A.total == 1, " entry", " entries"),
                " · times in ",
                A.time_zone,
                " · open an entry to see what changed",
                size="2",
                color="var(--gray-11)",
            ),
            rx.card(
                rx.vstack(rx.foreach(A.rows, _entry), spacing="0", width="100%"),
                width="100%",
                id="audit-entries",
            ),
            rx.cond(A.has_older | A.has_newer, _pager()),
            spacing="3",
            width="100%",
        ),
        rx.card(
            rx.cond(
                A.searching,
                rx.vstack(
                    empty_state(
                        "filter-x",
                        "No entry matches",
                        "Change the filters, or clear them to see the whole log.",
                    ),
                    rx.button("Clear filters", variant="soft", on_click=A.clear),
                    align="center",
                    width="100%",
                    padding_bottom="16px",
                ),
                empty_state(
                    "scroll-text",
                    "Nothing recorded yet",
                    "Sign-ins and every change an admin, a customer or a background job makes appear here.",
                ),
            ),
            width="100%",
            id="audit-empty",
        ),
    )
