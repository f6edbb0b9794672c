"""The frame of the signed-out pages (sign in, sign up, confirm, reset) and their form fields."""

from __future__ import annotations

import reflex as rx

from billing_console.components.brand import brand
from billing_console.components.feedback import notice_callout, problem_callout
from billing_console.components.header import color_mode_toggle


def form_field(label: str, control_id: str, control: rx.Component, hint: str = "") -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=control_id, font_size="var(--font-size-2)", font_weight="500"),
        control,
        rx.text(hint, size="1", color="var(--gray-11)") if hint else rx.fragment(),
        spacing="1",
        width="100%",
    )


def text_input(name: str, control_id: str, *, kind: str = "text", **props: object) -> rx.Component:
    return rx.input(name=name, id=control_id, type=kind, required=True, size="3", width="100%", **props)


PASSWORD_HINT = (
    "At least 10 characters, mixing letters with digits or symbols (or a 16+ character passphrase)."
)


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


def feedback(error: rx.Var[str], notice: rx.Var[str] | None = None, prefix: str = "auth") -> rx.Component:
    """The refusal of the last submit (red) or a notice about what happened (grey)."""
    parts = [rx.cond(error != "", problem_callout(error, element_id=f"{prefix}-error"))]
    if notice is not None:
        parts.append(rx.cond(notice != "", notice_callout(notice, element_id=f"{prefix}-notice")))
    return rx.fragment(*parts)


def submit_button(label: str, control_id: str, loading: rx.Var[bool]) -> rx.Component:
    return rx.button(
        label, type="submit", id=control_id, loading=loading, size="3", width="100%", margin_top="8px"
    )


def text_link(label: str, href: str, control_id: str | None = None) -> rx.Component:
    return rx.link(label, href=href, size="2", id=control_id)


def auth_page(
    title: str, subtitle: str, body: rx.Component, footer: rx.Component | None = None
) -> rx.Component:
    """A centred card with the product mark, like the sign-in page."""
    return rx.box(
        rx.box(color_mode_toggle(), position="absolute", top="16px", right="16px"),
        rx.center(
            rx.vstack(
                brand(size="5"),
                rx.card(
                    rx.vstack(
                        rx.vstack(
                            rx.heading(title, size="6"),
                            rx.text(subtitle, color="var(--gray-11)"),
                            spacing="1",
                        ),
                        body,
                        spacing="5",
                        width="100%",
                    ),
                    size="4",
                    width="100%",
                ),
                footer if footer is not None else rx.fragment(),
                align="center",
                spacing="5",
                width="100%",
                max_width="420px",
            ),
            min_height="100vh",
            padding="16px",
        ),
        position="relative",
        background="radial-gradient(circle at 50% 0%, var(--accent-a3), transparent 60%)",
    )
