"""Form pieces: labelled fields, new-password pairs, the refusal or notice of the last submit, and
the one signed-out form every auth page is built from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import reflex as rx
from reflex.event import EventType

from billing_console.components.feedback import notice_callout, problem_callout

PASSWORD_HINT = (
    "At least 10 characters, mixing letters with digits or symbols (or a 16+ character passphrase)."
)


def form_field(label: str, control_id: str, control: rx.Component, hint: str = "") -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=control_id, font_size="var(--font-size-2)", font_weight="500"),
        control,
        rx.text(hint, size="1", color="var(--gray-11)") if hint else rx.fragment(),
        spacing="1",
        width="100%",
    )


def filter_field(
    control_id: str, name: str, label: str, value: rx.Var[str], *, hint: str = "", length: int = 100
) -> rx.Component:
    """A labelled search field of a list's filter form; the page's state keeps what was searched."""
    return rx.vstack(
        rx.el.label(label, html_for=control_id, font_size="var(--font-size-1)", color="var(--gray-11)"),
        rx.input(
            name=name,
            type="search",
            placeholder=hint,
            default_value=value,
            id=control_id,
            max_length=length,
        ),
        spacing="1",
        flex="1",
        min_width="150px",
    )


def filter_date(control_id: str, name: str, label: str, value: rx.Var[str]) -> rx.Component:
    """A labelled day of a list's filter form (a date range's start or end)."""
    return rx.vstack(
        rx.el.label(label, html_for=control_id, font_size="var(--font-size-1)", color="var(--gray-11)"),
        rx.input(name=name, type="date", default_value=value, id=control_id, aria_label=label),
        spacing="1",
    )


def csv_download_button(href: rx.Var[str] | str, element_id: str) -> rx.Component:
    """The "Download CSV" button: a file from the web app, not a page, so the browser loads it
    (the router would not)."""
    return rx.button(
        rx.link(
            rx.icon("download", size=16),
            "Download CSV",
            href=href,
            download=True,
            reload_document=True,
            id=element_id,
        ),
        as_child=True,
        variant="soft",
        size="2",
    )


def text_input(name: str, control_id: str, *, kind: str = "text", **props: object) -> rx.Component:
    return rx.input(name=name, id=control_id, type=kind, required=True, size="3", width="100%", **props)


def new_password_fields(name: str, control_id: str, label: str) -> rx.Component:
    """A new password and its repetition (`{name}` and `{name}_confirm` in the form data)."""
    return rx.fragment(
        form_field(
            label,
            control_id,
            text_input(name, control_id, kind="password", auto_complete="new-password"),
            hint=PASSWORD_HINT,
        ),
        form_field(
            f"Repeat {label[0].lower()}{label[1:]}",
            f"{control_id}-confirm",
            text_input(
                f"{name}_confirm", f"{control_id}-confirm", kind="password", auto_complete="new-password"
            ),
        ),
    )


def feedback(error: rx.Var[str], notice: rx.Var[str], prefix: str) -> rx.Component:
    """The refusal of the last submit (red) or a notice about what happened (grey)."""
    return rx.fragment(
        rx.cond(error != "", problem_callout(error, element_id=f"{prefix}-error")),
        rx.cond(notice != "", notice_callout(notice, element_id=f"{prefix}-notice")),
    )


def submit_button(label: str, control_id: str, loading: rx.Var[bool]) -> rx.Component:
    return rx.button(
        label, type="submit", id=control_id, loading=loading, size="3", width="100%", margin_top="8px"
    )


def auth_form(
    prefix: str,
    fields: Sequence[rx.Component],
    submit_label: str,
    *,
    on_submit: EventType[dict[str, Any]],
    error: rx.Var[str],
    notice: rx.Var[str],
    submitting: rx.Var[bool],
    actions: Sequence[rx.Component] = (),
) -> rx.Component:
    """A signed-out form: the last refusal or notice on top, the fields, the submit button busy while
    the server works, then any further `actions`.

    Element ids follow `prefix`: `{prefix}-error`, `{prefix}-notice`, `{prefix}-submit`.
    """
    return rx.form(
        rx.vstack(
            feedback(error, notice, prefix=prefix),
            *fields,
            submit_button(submit_label, f"{prefix}-submit", submitting),
            *actions,
            spacing="4",
            width="100%",
        ),
        on_submit=on_submit,
        reset_on_submit=False,
        width="100%",
    )
