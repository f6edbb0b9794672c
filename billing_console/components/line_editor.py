"""One editable invoice line (description, quantity, net unit price, tax category, remove), shared by
the admin's manual draft and the payment-link form. The state passed in holds `lines` (a list of
string dicts), `line_errors` (one message per line) and the handlers `edit_line(index, field,
value)` and `remove_line(index)`."""

from __future__ import annotations

from typing import Any

import reflex as rx

TAX_LABELS = (("standard", "Standard rate"), ("reduced", "Reduced rate"), ("zero", "Zero rate"))


def labelled(
    label: str | rx.Var[str], control_id: str | rx.Var[str], control: rx.Component, **props: object
) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=control_id, font_size="var(--font-size-1)", color="var(--gray-11)"),
        control,
        spacing="1",
        **props,
    )


def line_row(
    state: Any,
    line: rx.Var[dict[str, str]],
    index: rx.Var[int],
    *,
    id_prefix: str,
    class_name: str,
    price_label: str = "Unit price (net)",
    tax_label: str = "Tax category",
) -> rx.Component:
    """The line at `index`; its controls' ids are `{id_prefix}-{description|quantity|price|tax}-{index}`."""

    def text(name: str, element: str, **props: object) -> rx.Component:
        return rx.input(
            value=line[name],
            on_change=lambda value: state.edit_line(index, name, value),
            id=f"{id_prefix}-{element}-{index}",
            width="100%",
            **props,
        )

    return rx.box(
        rx.flex(
            labelled(
                "Description",
                f"{id_prefix}-description-{index}",
                text("description", "description", max_length=500),
                flex="3",
                min_width="200px",
            ),
            labelled(
                "Quantity",
                f"{id_prefix}-quantity-{index}",
                text("quantity", "quantity", input_mode="decimal"),
                flex="1",
                min_width="72px",
            ),
            labelled(
                price_label,
                f"{id_prefix}-price-{index}",
                text("unit_price", "price", input_mode="decimal", placeholder="0.00"),
                flex="1",
                min_width="110px",
            ),
            labelled(
                tax_label,
                f"{id_prefix}-tax-{index}",
                rx.select.root(
                    rx.select.trigger(id=f"{id_prefix}-tax-{index}", width="100%"),
                    rx.select.content(*[rx.select.item(label, value=value) for value, label in TAX_LABELS]),
                    value=line["tax_category"],
                    on_change=lambda value: state.edit_line(index, "tax_category", value),
                ),
                flex="1",
                min_width="130px",
            ),
            rx.icon_button(
                rx.icon("trash-2", size=16),
                variant="ghost",
                color_scheme="red",
                on_click=state.remove_line(index),
                disabled=state.lines.length() <= 1,
                aria_label="Remove line",
                align_self="end",
            ),
            gap="12px",
            wrap="wrap",
            align="end",
            width="100%",
        ),
        rx.cond(
            state.line_errors[index] != "",
            rx.text(state.line_errors[index], color="var(--red-11)", size="2", class_name="line-error"),
        ),
        padding_y="12px",
        border_top="1px solid var(--gray-a4)",
        width="100%",
        class_name=class_name,
    )
