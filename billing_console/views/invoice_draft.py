"""The manual draft form: the customer, the lines (description, quantity, net unit price, tax
category) with each line's refusal next to it, and saving. Amounts are net in the tenant's currency;
the tax is decided when the draft is issued."""

from __future__ import annotations

import reflex as rx

from billing_console.components.feedback import problem_callout
from billing_console.components.line_editor import labelled, line_row
from billing_console.state.invoice_draft import InvoiceDraftState

D = InvoiceDraftState


def customer_field() -> rx.Component:
    return rx.vstack(
        labelled(
            "Customer",
            "draft-customer",
            rx.select.root(
                rx.select.trigger(placeholder="Choose the customer", id="draft-customer", width="100%"),
                rx.select.content(rx.foreach(D.customers, lambda c: rx.select.item(c.label, value=c.id))),
                value=D.customer_id,
                on_change=D.choose_customer,
            ),
            width="100%",
            max_width="420px",
        ),
        rx.cond(
            D.customer_error != "",
            rx.text(D.customer_error, color="var(--red-11)", size="2", id="customer-error"),
        ),
        spacing="1",
        width="100%",
    )


def _line(line: rx.Var[dict[str, str]], index: rx.Var[int]) -> rx.Component:
    return line_row(D, line, index, id_prefix="line", class_name="draft-line")


def lines_field() -> rx.Component:
    return rx.vstack(
        rx.heading("Lines", size="4", as_="h2"),
        rx.foreach(D.lines, _line),
        rx.button(rx.icon("plus", size=16), "Add a line", variant="soft", on_click=D.add_line, id="add-line"),
        spacing="2",
        width="100%",
    )


def draft_form() -> rx.Component:
    return rx.card(
        rx.vstack(
            customer_field(),
            lines_field(),
            rx.text(
                "Amounts are net, in ",
                D.currency,
                ". The tax of each line is decided when the draft is issued, from the customer's country and"
                " VAT ID.",
                size="2",
                color="var(--gray-11)",
            ),
            rx.cond(D.form_error != "", problem_callout(D.form_error, element_id="draft-error")),
            rx.hstack(
                rx.button(
                    rx.cond(D.draft_id > 0, "Save draft", "Write draft"),
                    on_click=D.save,
                    loading=D.saving,
                    id="save-draft",
                ),
                justify="end",
                width="100%",
            ),
            spacing="4",
            width="100%",
        ),
        width="100%",
        id="draft-form",
    )
