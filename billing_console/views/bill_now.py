"""Bill now: the button, its confirmation, the progress while the job runs and its summary.

Used on /admin/invoices (every customer) and on a customer's page (that customer only).
"""

from __future__ import annotations

import reflex as rx

from billing_console.components.feedback import problem_callout
from billing_console.state.bill_now import BillNowState

B = BillNowState


def bill_now_button(label: str = "Bill now") -> rx.Component:
    return rx.button(
        rx.icon("receipt", size=16), label, on_click=B.ask, disabled=B.running, variant="soft", id="bill-now"
    )


def _consequence() -> rx.Component:
    return rx.cond(
        B.customer_id == 0,
        rx.text(
            "Every customer with charges waiting for the next invoice is invoiced now, without waiting for"
            " their billing day. An invoice below the minimum amount keeps waiting.",
            size="2",
        ),
        rx.text(
            "This customer's charges waiting for the next invoice are invoiced now, without waiting for"
            " the billing day. An invoice below the minimum amount keeps waiting.",
            size="2",
        ),
    )


def bill_now_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.vstack(
                rx.dialog.title(
                    rx.cond(B.customer_id == 0, "Bill every customer now?", "Bill this customer now?")
                ),
                _consequence(),
                rx.cond(B.refusal != "", problem_callout(B.refusal, element_id="bill-now-refusal")),
                rx.hstack(
                    rx.button(
                        "Not now",
                        variant="soft",
                        color_scheme="gray",
                        on_click=B.close(False),
                        disabled=B.starting,
                    ),
                    rx.button("Bill now", on_click=B.start, loading=B.starting, id="bill-now-confirm"),
                    justify="end",
                    spacing="3",
                    width="100%",
                ),
                spacing="4",
                width="100%",
            ),
            max_width="480px",
        ),
        open=B.confirming,
        on_open_change=B.close,
    )


def _figure(
    label: str, value: rx.Var[int], element_id: str, tone: rx.Var[str] | str = "gray"
) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color="var(--gray-11)"),
        rx.text(
            value, size="5", weight="bold", color=rx.cond(value > 0, f"var(--{tone}-11)", "var(--gray-12)")
        ),
        spacing="0",
        id=element_id,
    )


def bill_now_panel() -> rx.Component:
    """The newest run: a progress bar while it runs, then what it issued, skipped and failed."""
    return rx.cond(
        B.status != "",
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.heading("Billing run", size="3", as_="h2"),
                    rx.match(
                        B.status,
                        ("queued", rx.badge("Waiting for a worker", color_scheme="gray", variant="soft")),
                        ("running", rx.badge("Running", color_scheme="blue", variant="soft")),
                        ("done", rx.badge("Done", color_scheme="green", variant="soft")),
                        ("failed", rx.badge("Failed", color_scheme="red", variant="soft")),
                        rx.fragment(),
                    ),
                    justify="between",
                    width="100%",
                ),
                rx.cond(
                    B.running,
                    rx.vstack(
                        rx.progress(value=B.percent, width="100%", aria_label="Billing run progress"),
                        rx.text(
                            B.done, " of ", B.total, " customers billed", size="2", color="var(--gray-11)"
                        ),
                        spacing="2",
                        width="100%",
                        id="bill-now-progress",
                    ),
                    rx.vstack(
                        rx.flex(
                            _figure("Invoices issued", B.issued, "bill-now-issued", "green"),
                            _figure(
                                "Waiting below the minimum",
                                B.skipped_below_minimum,
                                "bill-now-skipped",
                                "amber",
                            ),
                            _figure("Errors", B.errors, "bill-now-errors", "red"),
                            gap="32px",
                            wrap="wrap",
                        ),
                        rx.text(
                            B.done, " of ", B.total, " customers billed.", size="2", color="var(--gray-11)"
                        ),
                        rx.cond(
                            B.invoice_numbers.length() > 0,
                            rx.text(
                                "Issued: ",
                                rx.foreach(
                                    B.invoice_numbers,
                                    lambda number: rx.link(
                                        number, href="/admin/invoices/" + number, margin_right="8px", size="2"
                                    ),
                                ),
                                size="2",
                            ),
                        ),
                        rx.cond(
                            B.last_error != "",
                            problem_callout(B.last_error, element_id="bill-now-last-error"),
                        ),
                        spacing="3",
                        width="100%",
                        id="bill-now-summary",
                    ),
                ),
                spacing="3",
                width="100%",
            ),
            width="100%",
            id="bill-now-panel",
        ),
    )
