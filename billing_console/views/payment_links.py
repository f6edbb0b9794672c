"""`/admin/payment-links`'s sections: the form (recipient, lines, validity), the link shown once,
and the newest links with their state and "Revoke"."""

from __future__ import annotations

import reflex as rx

from backend.gateway.payments import LinkRow
from billing_console.components.feedback import empty_state, problem_callout, skeleton_rows
from billing_console.components.line_editor import line_row
from billing_console.state.invoice_links import InvoiceLinksState as I
from billing_console.state.payment_links import PaymentLinksState as L

LINK_STATUSES = {
    "active": ("Active", "blue"),
    "paid": ("Paid", "green"),
    "expired": ("Expired", "gray"),
    "revoked": ("Revoked", "red"),
    "void": ("Canceled", "gray"),
}


def link_status_badge(status: rx.Var[str]) -> rx.Component:
    return rx.match(
        status,
        *[
            (key, rx.badge(label, color_scheme=color, variant="soft", radius="full", white_space="nowrap"))
            for key, (label, color) in LINK_STATUSES.items()
        ],
        rx.badge(status, variant="soft", radius="full"),
    )


def _labelled(
    label: str, control_id: str | rx.Var[str], control: rx.Component, **props: object
) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=control_id, font_size="var(--font-size-2)", font_weight="500"),
        control,
        spacing="1",
        **props,
    )


def _error(message: rx.Var[str], element_id: str) -> rx.Component:
    return rx.cond(
        message != "", rx.text(message, size="1", color="var(--red-11)", role="alert", id=element_id)
    )


def recipient_field() -> rx.Component:
    return rx.vstack(
        rx.radio_group.root(
            rx.hstack(
                rx.el.label(
                    rx.hstack(
                        rx.radio_group.item(value="email", id="recipient-email"),
                        rx.text("An email address", size="2"),
                        spacing="2",
                        align="center",
                    )
                ),
                rx.el.label(
                    rx.hstack(
                        rx.radio_group.item(value="customer", id="recipient-customer"),
                        rx.text("An existing customer", size="2"),
                        spacing="2",
                        align="center",
                    )
                ),
                spacing="5",
                wrap="wrap",
            ),
            value=L.recipient,
            on_change=L.choose_recipient,
            aria_label="Send the invoice to",
        ),
        rx.cond(
            L.recipient == "email",
            rx.vstack(
                _labelled(
                    "Email address",
                    "link-email",
                    rx.input(
                        id="link-email",
                        type="email",
                        value=L.email,
                        on_change=L.type_email,
                        placeholder="name@example.com",
                        size="3",
                        width="100%",
                        color_scheme=rx.cond(L.email_error != "", "red", "gray"),
                    ),
                    width="100%",
                    max_width="420px",
                ),
                _error(L.email_error, "link-email-error"),
                rx.text(
                    "A customer with this billing email gets the invoice; for a new address a guest"
                    " customer is added.",
                    size="1",
                    color="var(--gray-11)",
                ),
                spacing="1",
                width="100%",
            ),
            rx.vstack(
                _labelled(
                    "Customer",
                    "link-customer",
                    rx.select.root(
                        rx.select.trigger(
                            placeholder="Choose the customer", id="link-customer", width="100%"
                        ),
                        rx.select.content(
                            rx.foreach(L.customers, lambda c: rx.select.item(c.label, value=c.id))
                        ),
                        value=L.customer_id,
                        on_change=L.choose_customer,
                    ),
                    width="100%",
                    max_width="420px",
                ),
                _error(L.customer_error, "link-customer-error"),
                spacing="1",
                width="100%",
            ),
        ),
        spacing="3",
        width="100%",
    )


def _line(line: rx.Var[dict[str, str]], index: rx.Var[int]) -> rx.Component:
    return line_row(
        L,
        line,
        index,
        id_prefix="link-line",
        class_name="link-line",
        price_label="Amount (net)",
        tax_label="Tax",
    )


def link_form() -> rx.Component:
    return rx.vstack(
        rx.cond(L.form_error != "", problem_callout(L.form_error, element_id="link-form-error")),
        recipient_field(),
        rx.vstack(
            rx.foreach(L.lines, _line),
            rx.button(
                rx.icon("plus", size=16),
                "Add a line",
                variant="soft",
                on_click=L.add_line,
                id="link-add-line",
                type="button",
            ),
            spacing="2",
            width="100%",
        ),
        rx.text(
            "Amounts are net, in ",
            L.currency,
            "; tax is added as on every invoice.",
            size="1",
            color="var(--gray-11)",
        ),
        rx.vstack(
            _labelled(
                "Link valid for (days)",
                "link-expires",
                rx.input(
                    id="link-expires",
                    value=L.expires_in_days,
                    on_change=L.type_expires,
                    input_mode="numeric",
                    size="3",
                    width="120px",
                ),
            ),
            _error(L.expires_error, "link-expires-error"),
            spacing="1",
        ),
        rx.button(
            rx.icon("send", size=16),
            "Issue invoice and send link",
            on_click=L.create,
            loading=L.saving,
            size="3",
            id="link-create",
        ),
        spacing="4",
        width="100%",
    )


def created_callout() -> rx.Component:
    return rx.cond(
        L.created_url != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("link")),
            rx.vstack(
                rx.text(
                    "Invoice ",
                    rx.text.strong(L.created_number),
                    " was issued and its link emailed",
                    rx.cond(L.created_to != "", rx.fragment(" to ", L.created_to), ""),
                    ". Copy the link now: it is shown only once. Valid until ",
                    L.created_expires,
                    ".",
                    size="2",
                ),
                rx.hstack(
                    rx.code(L.created_url, id="link-created-url", word_break="break-all", size="2"),
                    rx.icon_button(
                        rx.icon("copy", size=16),
                        variant="soft",
                        aria_label="Copy the payment link",
                        on_click=[rx.set_clipboard(L.created_url), rx.toast.success("Payment link copied.")],
                        type="button",
                    ),
                    rx.button("Done", variant="ghost", size="1", on_click=L.dismiss_created, type="button"),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
                spacing="2",
                width="100%",
            ),
            color_scheme="green",
            width="100%",
            id="link-created",
        ),
    )


def _row(row: rx.Var[LinkRow]) -> rx.Component:
    return rx.box(
        rx.flex(
            rx.vstack(
                rx.link(row.invoice_number, href=row.invoice_href, weight="medium", size="2"),
                rx.text(row.email, size="1", color="var(--gray-11)", overflow_wrap="anywhere"),
                spacing="0",
                flex="2",
                min_width="180px",
            ),
            rx.box(link_status_badge(row.status), flex="1", min_width="80px"),
            rx.text(
                rx.cond(
                    row.status == "active",
                    rx.fragment("Until ", row.expires),
                    rx.fragment("Created ", row.created),
                ),
                size="1",
                color="var(--gray-11)",
                flex="2",
                min_width="150px",
            ),
            rx.box(
                rx.cond(
                    row.revocable,
                    rx.button(
                        "Revoke",
                        size="1",
                        variant="soft",
                        color_scheme="red",
                        on_click=L.ask_revoke(row.id),
                        class_name="link-revoke",
                    ),
                ),
                min_width="70px",
            ),
            gap="12px",
            wrap="wrap",
            align="center",
            width="100%",
        ),
        padding_y="10px",
        border_top="1px solid var(--gray-a4)",
        width="100%",
        class_name="link-row",
    )


def links_list() -> rx.Component:
    return rx.cond(
        L.rows.length() > 0,
        rx.box(rx.foreach(L.rows, _row), width="100%", id="link-list"),
        empty_state("link", "No payment links yet", "Issue an invoice above to send the first one."),
    )


def revoke_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Revoke this payment link?"),
            rx.alert_dialog.description(
                "The link's page stops taking payments. The invoice stays issued and owed; send a new link or"
                " record a bank transfer to settle it.",
                size="2",
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Keep the link", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(
                        "Revoke",
                        color_scheme="red",
                        on_click=L.revoke,
                        loading=L.revoking,
                        id="link-revoke-confirm",
                    )
                ),
                spacing="3",
                justify="end",
                margin_top="16px",
            ),
        ),
        open=L.revoke_id != 0,
        on_open_change=L.cancel_revoke,
    )


def links_skeleton() -> rx.Component:
    return rx.vstack(
        rx.skeleton(rx.box(height="32px", width="260px"), loading=True),
        skeleton_rows(6),
        spacing="5",
        width="100%",
        max_width="960px",
    )


def _invoice_link(row: rx.Var[LinkRow]) -> rx.Component:
    return rx.flex(
        rx.text(row.email, size="2", flex="2", min_width="160px", overflow_wrap="anywhere"),
        rx.box(link_status_badge(row.status), flex="1", min_width="80px"),
        rx.text(
            rx.cond(
                row.status == "active", rx.fragment("Until ", row.expires), rx.fragment("Sent ", row.created)
            ),
            size="1",
            color="var(--gray-11)",
            flex="2",
            min_width="140px",
        ),
        rx.cond(
            row.revocable,
            rx.button(
                "Revoke",
                size="1",
                variant="soft",
                color_scheme="red",
                on_click=I.ask_revoke(row.id),
                class_name="invoice-link-revoke",
            ),
        ),
        gap="12px",
        wrap="wrap",
        align="center",
        padding_y="8px",
        border_top="1px solid var(--gray-a4)",
        width="100%",
        class_name="invoice-link-row",
    )


def invoice_links_section() -> rx.Component:
    """The invoice's payment links (shown when it has any), loaded when the section mounts."""
    return rx.box(
        rx.cond(
            I.rows.length() > 0,
            rx.card(
                rx.vstack(
                    rx.heading("Payment links", size="4", as_="h2"),
                    rx.box(rx.foreach(I.rows, _invoice_link), width="100%"),
                    spacing="3",
                    width="100%",
                ),
                size="3",
                width="100%",
            ),
        ),
        rx.alert_dialog.root(
            rx.alert_dialog.content(
                rx.alert_dialog.title("Revoke this payment link?"),
                rx.alert_dialog.description(
                    "The link's page stops taking payments; the invoice stays owed.", size="2"
                ),
                rx.hstack(
                    rx.alert_dialog.cancel(rx.button("Keep the link", variant="soft", color_scheme="gray")),
                    rx.alert_dialog.action(
                        rx.button(
                            "Revoke",
                            color_scheme="red",
                            on_click=I.revoke,
                            loading=I.revoking,
                            id="invoice-link-revoke-confirm",
                        )
                    ),
                    spacing="3",
                    justify="end",
                    margin_top="16px",
                ),
            ),
            open=I.revoke_id != 0,
            on_open_change=I.cancel_revoke,
        ),
        on_mount=I.load,
        width="100%",
        id="invoice-links",
    )
