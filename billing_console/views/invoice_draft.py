"""The manual draft form: the customer, the lines (description, quantity, net unit price, tax
category) with each line's refusal next to it, and saving. Amounts are net in the tenant's currency;
the tax is decided when the draft is issued."""

from __future__ import annotations

import reflex as rx

from billing_console.components.feedback import problem_callout
from billing_console.state.invoice_draft import InvoiceDraftState

D = InvoiceDraftState
TAX_LABELS = (("standard", "Standard rate"), ("reduced", "Reduced rate"), ("zero", "Zero rate"))


def _labelled(
    label: str | rx.Var[str], control_id: str | rx.Var[str], control: rx.Component, **props: object
) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=control_id, font_size="var(--font-size-1)", color="var(--gray-11)"),
        control,
        spacing="1",
        **props,
    )


def customer_field() -> rx.Component:
    return rx.vstack(
        _labelled(
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


def _text(
    line: rx.Var[dict[str, str]], index: rx.Var[int], name: str, element: str, **props: object
) -> rx.Component:
    return rx.input(
        value=line[name],
        on_change=lambda value: D.edit_line(index, name, value),
        id=f"line-{element}-{index}",
        width="100%",
        **props,
    )


def _line(line: rx.Var[dict[str, str]], index: rx.Var[int]) -> rx.Component:
    return rx.box(
        rx.flex(
            _labelled(
                "Description",
                f"line-description-{index}",
                _text(line, index, "description", "description", max_length=500),
                flex="3",
                min_width="200px",
            ),
            _labelled(
                "Quantity",
                f"line-quantity-{index}",
                _text(line, index, "quantity", "quantity", input_mode="decimal"),
                flex="1",
                min_width="80px",
            ),
            _labelled(
                "Unit price (net)",
                f"line-price-{index}",
                _text(line, index, "unit_price", "price", input_mode="decimal", placeholder="0.00"),
                flex="1",
                min_width="120px",
            ),
            _labelled(
                "Tax category",
                f"line-tax-{index}",
                rx.select.root(
                    rx.select.trigger(id=f"line-tax-{index}", width="100%"),
                    rx.select.content(*[rx.select.item(label, value=value) for value, label in TAX_LABELS]),
                    value=line["tax_category"],
                    on_change=lambda value: D.edit_line(index, "tax_category", value),
                ),
                flex="1",
                min_width="140px",
            ),
            rx.icon_button(
                rx.icon("trash-2", size=16),
                variant="ghost",
                color_scheme="red",
                on_click=D.remove_line(index),
                disabled=D.lines.length() <= 1,
                aria_label="Remove line",
                align_self="end",
            ),
            gap="12px",
            wrap="wrap",
            align="end",
            width="100%",
        ),
        rx.cond(
            D.line_errors[index] != "",
            rx.text(D.line_errors[index], color="var(--red-11)", size="2", class_name="line-error"),
        ),
        padding_y="12px",
        border_top="1px solid var(--gray-a4)",
        width="100%",
        class_name="draft-line",
    )


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
