"""`/pay/{token}`: a payment link's public page: the invoice (issuer, lines, totals, due date) and
a Pay button, or why it cannot be paid (paid, expired, withdrawn); bank details for bank transfer."""

from __future__ import annotations

import reflex as rx

from backend.gateway.payments import PayLine
from billing_console.components.brand import brand
from billing_console.components.feedback import page_spinner, problem_callout
from billing_console.components.header import color_mode_toggle
from billing_console.layout import page_title
from billing_console.routes import PAY, Route
from billing_console.state.pay_link import PayLinkState as P


def _frame(body: rx.Component) -> rx.Component:
    return rx.box(
        rx.box(color_mode_toggle(), position="absolute", top="16px", right="16px"),
        rx.center(
            rx.vstack(
                brand(size="5"),
                rx.card(body, size=rx.breakpoints(initial="2", sm="4"), width="100%"),
                rx.text(
                    "A secure payment link. You do not need an account to pay.",
                    size="1",
                    color="var(--gray-11)",
                    text_align="center",
                ),
                align="center",
                spacing="5",
                width="100%",
                max_width="760px",
            ),
            min_height="100vh",
            padding="16px",
        ),
        position="relative",
        background="radial-gradient(circle at 50% 0%, var(--accent-a3), transparent 60%)",
    )


def _fact(label: str, value: rx.Var[str] | rx.Component) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color="var(--gray-11)"),
        value if isinstance(value, rx.Component) else rx.text(value, size="2", weight="medium"),
        spacing="0",
    )


def _line(line: rx.Var[PayLine]) -> rx.Component:
    return rx.grid(
        rx.vstack(
            rx.text(line.description, size="2", weight="medium"),
            rx.text(
                line.quantity,
                " × ",
                line.unit_price,
                " · VAT ",
                line.tax_rate,
                size="1",
                color="var(--gray-11)",
            ),
            spacing="0",
        ),
        rx.text(line.net, size="2", text_align="right", white_space="nowrap"),
        columns="1fr auto",
        spacing="3",
        padding_y="10px",
        border_top="1px solid var(--gray-a4)",
        width="100%",
        class_name="pay-line",
    )


def _total(label: str, value: rx.Var[str], strong: bool = False) -> rx.Component:
    return rx.hstack(
        rx.text(label, size="2" if not strong else "3", weight="bold" if strong else "regular"),
        rx.spacer(),
        rx.text(
            value,
            size="2" if not strong else "3",
            weight="bold" if strong else "regular",
            white_space="nowrap",
        ),
        width="100%",
    )


def _status_callout() -> rx.Component:
    return rx.match(
        P.status,
        (
            "paid",
            rx.callout(P.message, icon="circle-check", color_scheme="green", id="pay-paid", width="100%"),
        ),
        ("active", rx.fragment()),
        rx.callout(P.message, icon="circle-alert", color_scheme="amber", id="pay-unusable", width="100%"),
    )


def _bank() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.icon("landmark", size=18),
                rx.heading("Pay by bank transfer", size="3"),
                spacing="2",
                align="center",
            ),
            rx.grid(
                _fact("Account holder", P.bank_holder),
                _fact(
                    "IBAN",
                    rx.text(
                        P.bank_iban, size="2", font_family="var(--code-font-family)", overflow_wrap="anywhere"
                    ),
                ),
                rx.cond(P.bank_bic != "", _fact("BIC", P.bank_bic), rx.fragment()),
                _fact("Amount", P.balance_due),
                _fact(
                    "Reference", rx.text(P.bank_reference, size="2", font_family="var(--code-font-family)")
                ),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="3",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        id="pay-bank",
    )


def _pay_action() -> rx.Component:
    return rx.cond(
        P.status == "active",
        rx.vstack(
            rx.cond(
                P.returned,
                rx.callout(
                    rx.hstack(
                        rx.spinner(size="2"),
                        rx.text("Payment received by Stripe; waiting for its confirmation…", size="2"),
                        spacing="2",
                        align="center",
                    ),
                    color_scheme="blue",
                    id="pay-waiting",
                    width="100%",
                ),
            ),
            rx.cond(P.error != "", problem_callout(P.error, element_id="pay-error")),
            rx.cond(
                P.online,
                rx.vstack(
                    rx.button(
                        rx.icon("credit-card", size=18),
                        "Pay ",
                        P.balance_due,
                        size="4",
                        width="100%",
                        on_click=P.pay,
                        loading=P.paying,
                        id="pay-button",
                    ),
                    rx.text(
                        "You pay on Stripe's secure page and come back here.",
                        size="1",
                        color="var(--gray-11)",
                    ),
                    spacing="2",
                    width="100%",
                    align="center",
                ),
            ),
            rx.cond(P.bank_iban != "", _bank(), rx.fragment()),
            rx.cond(
                ~P.online & (P.bank_iban == ""),
                rx.text("Please pay by bank transfer as agreed with ", P.issuer_name, ".", size="2"),
            ),
            rx.text("This link is valid until ", P.expires, ".", size="1", color="var(--gray-11)"),
            spacing="3",
            width="100%",
        ),
    )


def _invoice() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.vstack(
                rx.text("Invoice from", size="1", color="var(--gray-11)"),
                rx.heading(P.issuer_name, size="5", as_="h1"),
                rx.text(P.issuer_address, size="1", color="var(--gray-11)", white_space="pre-line"),
                rx.cond(
                    P.issuer_vat_id != "",
                    rx.text("VAT ID ", P.issuer_vat_id, size="1", color="var(--gray-11)"),
                ),
                spacing="1",
            ),
            rx.vstack(
                rx.text("Invoice", size="1", color="var(--gray-11)"),
                rx.text(P.invoice_number, size="4", weight="bold", id="pay-invoice-number"),
                rx.link(
                    rx.hstack(
                        rx.icon("download", size=14),
                        rx.text("Download PDF", size="2"),
                        spacing="1",
                        align="center",
                    ),
                    href=P.pdf_href,
                    is_external=False,
                    id="pay-pdf",
                ),
                align=rx.breakpoints(initial="start", sm="end"),
                spacing="0",
            ),
            justify="between",
            direction=rx.breakpoints(initial="column", sm="row"),
            gap="12px",
            width="100%",
        ),
        rx.grid(
            _fact(
                "Billed to",
                rx.vstack(
                    rx.text(P.buyer_name, size="2", weight="medium", overflow_wrap="anywhere"),
                    rx.cond(
                        P.buyer_email != "",
                        rx.text(P.buyer_email, size="1", color="var(--gray-11)", overflow_wrap="anywhere"),
                    ),
                    spacing="0",
                ),
            ),
            _fact("Issued", P.issued),
            _fact("Due", P.due),
            columns=rx.breakpoints(initial="2", sm="3"),
            spacing="3",
            width="100%",
        ),
        _status_callout(),
        rx.box(rx.foreach(P.lines, _line), width="100%", id="pay-lines"),
        rx.vstack(
            _total("Net", P.net),
            _total("VAT", P.tax),
            _total("Total", P.gross, strong=True),
            rx.cond(P.balance_due != P.gross, _total("Still to pay", P.balance_due, strong=True)),
            spacing="1",
            width="100%",
            padding_top="8px",
            border_top="1px solid var(--gray-a6)",
            id="pay-totals",
        ),
        _pay_action(),
        spacing="5",
        width="100%",
    )


def pay_link() -> rx.Component:
    return _frame(
        rx.cond(
            P.loading,
            page_spinner(),
            rx.cond(
                P.unusable != "",
                rx.vstack(
                    rx.heading("Payment link", size="5", as_="h1"),
                    problem_callout(P.unusable, element_id="pay-not-found"),
                    spacing="3",
                    width="100%",
                ),
                _invoice(),
            ),
        )
    )


route = Route(path=PAY, title=page_title("Pay an invoice"), component=pay_link, on_load=P.load)
