"""Admin sections of provisioning: a subscription's "Servers" card, the backorders list, the providers."""

from __future__ import annotations

import reflex as rx

from backend.provisioning.schemas import BackorderView, LogLine, ProviderHealthView, ServerView
from billing_console.components.feedback import empty_state, problem_callout, skeleton_rows
from billing_console.components.status import server_state_badge
from billing_console.routes import ADMIN_CATALOG_SERVICE_TYPES, ADMIN_SUBSCRIPTIONS
from billing_console.state.admin_servers import AdminServersState as A
from billing_console.state.admin_servers import BackordersState as B
from billing_console.state.admin_servers import ProvidersState as P


def _confirm(
    title: rx.Var[str] | str,
    text: str,
    button: str,
    on_confirm: rx.EventHandler,
    is_open: rx.Var[bool],
    on_close: rx.EventHandler,
    working: rx.Var[bool],
    element_id: str,
) -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(text, size="2"),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Not now", variant="soft", color_scheme="gray")),
                rx.button(button, color_scheme="red", on_click=on_confirm, loading=working, id=element_id),
                spacing="3",
                justify="end",
                margin_top="16px",
            ),
            max_width="480px",
        ),
        open=is_open,
        on_open_change=on_close,
    )


def _mono(value: rx.Var[str]) -> rx.Component:
    return rx.cond(
        value != "",
        rx.code(value, variant="ghost", size="2", overflow_wrap="anywhere"),
        rx.text("—", size="2", color="var(--gray-9)"),
    )


def _fact(label: str, value: rx.Component) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", color="var(--gray-11)"), value, spacing="0", min_width="120px")


def _log_line(line: rx.Var[LogLine]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(line.at, size="1", white_space="nowrap")),
        rx.table.cell(rx.code(line.event, variant="soft", size="1")),
        rx.table.cell(rx.text(line.message, size="1"), min_width="200px"),
        rx.table.cell(rx.text(line.actor, size="1", color="var(--gray-11)")),
    )


def _admin_server(server: rx.Var[ServerView]) -> rx.Component:
    log = A.logs[server.item_id.to_string()]
    return rx.box(
        rx.vstack(
            rx.hstack(
                rx.text(server.hostname, weight="bold", font_family="var(--code-font-family)"),
                server_state_badge(server.state, server.state_label),
                rx.spacer(),
                rx.cond(
                    server.state == "failed",
                    rx.button(
                        rx.icon("rotate-ccw", size=14),
                        "Retry",
                        size="2",
                        variant="soft",
                        on_click=A.ask_retry(server.item_id),
                        class_name="server-retry",
                    ),
                ),
                align="center",
                spacing="3",
                width="100%",
                wrap="wrap",
            ),
            rx.cond(
                server.failure_reason != "",
                rx.callout(server.failure_reason, icon="triangle-alert", color_scheme="red", size="1"),
            ),
            rx.flex(
                _fact("IPv4", _mono(server.ipv4)),
                _fact("IPv6", _mono(server.ipv6)),
                _fact("Type and location", rx.text(server.server_type, " in ", server.location, size="2")),
                _fact(
                    "Provider reference", rx.text(server.provider, " ", _mono(server.provider_ref), size="2")
                ),
                gap="16px",
                wrap="wrap",
                width="100%",
            ),
            rx.cond(
                log.length() > 0,
                rx.box(
                    rx.table.root(
                        rx.table.header(
                            rx.table.row(
                                *[
                                    rx.table.column_header_cell(h)
                                    for h in ("When", "Event", "What happened", "By")
                                ]
                            )
                        ),
                        rx.table.body(rx.foreach(log, _log_line)),
                        size="1",
                        width="100%",
                    ),
                    overflow_x="auto",
                    width="100%",
                ),
                rx.text("Nothing logged yet.", size="2", color="var(--gray-11)"),
            ),
            spacing="3",
            width="100%",
        ),
        padding_y="12px",
        border_top="1px solid var(--gray-a4)",
        width="100%",
        class_name="admin-server",
    )


def subscription_servers() -> rx.Component:
    """The admin subscription page's "Servers" card (only when the subscription has servers)."""
    return rx.cond(
        A.loading,
        rx.fragment(),
        rx.cond(
            A.error != "",
            problem_callout(A.error, element_id="admin-servers-error"),
            rx.cond(
                A.servers.length() > 0,
                rx.card(
                    rx.heading("Servers", size="4", as_="h2"),
                    rx.foreach(A.servers, _admin_server),
                    _confirm(
                        "Set up " + A.retry_hostname + " again?",
                        "The server is created again from the start with the options it was ordered with."
                        " The customer is charged only once it runs.",
                        "Retry",
                        A.retry,
                        A.retry_item != 0,
                        A.close_retry,
                        A.working,
                        "server-retry-confirm",
                    ),
                    width="100%",
                    id="admin-servers",
                ),
            ),
        ),
    )


# --- /admin/backorders --------------------------------------------------------------------------

BACKORDER_STATUSES = {
    "open": ("Waiting", "orange"),
    "fulfilled": ("Set up", "green"),
    "canceled": ("Canceled", "gray"),
}


def _backorder_status(status: rx.Var[str]) -> rx.Component:
    return rx.match(
        status,
        *[
            (k, rx.badge(label, color_scheme=c, variant="soft", radius="full"))
            for k, (label, c) in BACKORDER_STATUSES.items()
        ],
        rx.badge(status, variant="soft", radius="full"),
    )


def _backorder(row: rx.Var[BackorderView]) -> rx.Component:
    return rx.box(
        rx.flex(
            rx.vstack(
                rx.hstack(
                    rx.text(row.hostname, weight="bold", font_family="var(--code-font-family)"),
                    _backorder_status(row.status),
                    align="center",
                    spacing="2",
                    wrap="wrap",
                ),
                rx.text(
                    row.customer_name,
                    " · ",
                    rx.link(
                        row.subscription_number,
                        href=ADMIN_SUBSCRIPTIONS + "/" + row.subscription_number,
                        font_family="var(--code-font-family)",
                    ),
                    size="2",
                ),
                rx.text(row.server_type, " in ", row.location, size="2", color="var(--gray-11)"),
                rx.text(row.reason, size="2", color="var(--gray-11)"),
                rx.text(
                    "Ordered ",
                    row.created,
                    " · ",
                    row.attempts.to_string(),
                    " attempts",
                    rx.cond(
                        (row.status == "open") & (row.next_attempt != ""),
                        " · next try " + row.next_attempt,
                        "",
                    ),
                    size="1",
                    color="var(--gray-11)",
                ),
                spacing="1",
                min_width="0",
            ),
            rx.cond(
                row.status == "open",
                rx.button(
                    "Cancel",
                    size="2",
                    variant="soft",
                    color_scheme="red",
                    on_click=B.ask_cancel(row.id),
                    class_name="backorder-cancel",
                ),
            ),
            justify="between",
            align="start",
            gap="12px",
            direction=rx.breakpoints(initial="column", sm="row"),
            width="100%",
        ),
        padding_y="12px",
        border_top="1px solid var(--gray-a4)",
        width="100%",
        class_name="backorder-row",
    )


def backorders_page() -> rx.Component:
    return rx.vstack(
        rx.heading("Server backorders", size="7"),
        rx.text(
            "Servers ordered while the provider had no capacity. Each is tried again automatically and set up"
            " as soon as there is room; the customer is charged only once it runs.",
            size="2",
            color="var(--gray-11)",
        ),
        rx.hstack(
            rx.switch(checked=B.include_closed, on_change=B.show_closed, id="backorders-closed"),
            rx.text("Show set-up and canceled ones", size="2", as_="label", html_for="backorders-closed"),
            align="center",
            spacing="2",
        ),
        rx.cond(
            B.loading,
            skeleton_rows(4),
            rx.cond(
                B.error != "",
                problem_callout(B.error, element_id="backorders-error"),
                rx.card(
                    rx.cond(
                        B.has_rows,
                        rx.box(rx.foreach(B.rows, _backorder), width="100%", id="backorder-list"),
                        empty_state(
                            "hourglass",
                            "No servers are waiting",
                            "Every ordered server could be set up. Orders that must wait for capacity"
                            " appear here.",
                        ),
                    ),
                    width="100%",
                ),
            ),
        ),
        _confirm(
            "Cancel the backorder of " + B.cancel_hostname + "?",
            "The server will not be set up and the customer's subscription ends now."
            " Nothing was charged for it.",
            "Cancel the backorder",
            B.cancel,
            B.cancel_id != 0,
            B.close_cancel,
            B.working,
            "backorder-cancel-confirm",
        ),
        spacing="4",
        width="100%",
    )


# --- /admin/providers ---------------------------------------------------------------------------

PROVIDER_NAMES = {
    "hetzner": "Hetzner Cloud",
    "digitalocean": "DigitalOcean",
    "simulated": "Simulated (tests, demos)",
}


def _token_source(source: rx.Var[str]) -> rx.Component:
    return rx.match(
        source,
        ("tenant", rx.badge("Set for this tenant", color_scheme="green", variant="soft", radius="full")),
        ("deployment", rx.badge("Deployment token", color_scheme="blue", variant="soft", radius="full")),
        rx.badge("Not set", color_scheme="amber", variant="soft", radius="full"),
    )


def _token_form(row: rx.Var[ProviderHealthView]) -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text("New API token", size="2", weight="medium", as_="label", html_for="provider-token"),
            rx.input(
                name="token",
                type="password",
                placeholder="Paste the token (it is stored encrypted and never shown again)",
                auto_complete="off",
                width="100%",
                id="provider-token",
            ),
            rx.cond(
                P.token_error != "", rx.text(P.token_error, size="1", color="var(--red-11)", id="token-error")
            ),
            rx.hstack(
                rx.button("Save", type="submit", loading=P.working, id="provider-token-save"),
                rx.button(
                    "Cancel", type="button", variant="soft", color_scheme="gray", on_click=P.stop_editing
                ),
                spacing="2",
            ),
            spacing="2",
            width="100%",
        ),
        on_submit=P.save,
        reset_on_submit=True,
        width="100%",
    )


def _provider(row: rx.Var[ProviderHealthView]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.vstack(
                    rx.text(row.service_type_name, weight="bold"),
                    rx.text(
                        rx.match(
                            row.provider,
                            *[(k, v) for k, v in PROVIDER_NAMES.items()],
                            row.provider,
                        ),
                        " · ",
                        row.servers.to_string(),
                        rx.cond(row.servers == 1, " server", " servers"),
                        size="2",
                        color="var(--gray-11)",
                    ),
                    spacing="0",
                ),
                _token_source(row.token_source),
                justify="between",
                align="start",
                width="100%",
                spacing="3",
            ),
            rx.hstack(
                rx.cond(
                    row.ok,
                    rx.icon("circle-check", size=16, color="var(--green-11)"),
                    rx.icon("circle-x", size=16, color="var(--red-11)"),
                ),
                rx.text(rx.cond(row.ok, "Reachable: ", "Not reachable: "), row.detail, size="2"),
                align="center",
                spacing="2",
                class_name="provider-health",
            ),
            rx.cond(
                P.editing == row.service_type_id,
                _token_form(row),
                rx.hstack(
                    rx.button(
                        rx.icon("key-round", size=14),
                        rx.cond(row.token_source == "tenant", "Replace token", "Set token"),
                        size="2",
                        variant="soft",
                        on_click=P.edit(row.service_type_id),
                        class_name="provider-set-token",
                    ),
                    rx.cond(
                        row.token_source == "tenant",
                        rx.button(
                            "Remove",
                            size="2",
                            variant="soft",
                            color_scheme="red",
                            on_click=P.ask_remove(row.service_type_id),
                            class_name="provider-remove-token",
                        ),
                    ),
                    spacing="2",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        class_name="provider-card",
        data_service_type=row.service_type_key,
    )


def providers_page() -> rx.Component:
    return rx.vstack(
        rx.heading("Cloud providers", size="7"),
        rx.text(
            "The provider that creates the servers of each service type, the API token it uses and whether it"
            " answers. A token set here is stored encrypted and can only be replaced or removed, never read.",
            size="2",
            color="var(--gray-11)",
        ),
        rx.cond(
            P.loading,
            skeleton_rows(4),
            rx.cond(
                P.error != "",
                problem_callout(P.error, element_id="providers-error"),
                rx.cond(
                    P.has_rows,
                    rx.grid(
                        rx.foreach(P.rows, _provider),
                        columns=rx.breakpoints(initial="1", md="2"),
                        spacing="4",
                        width="100%",
                        id="provider-list",
                    ),
                    rx.card(
                        empty_state(
                            "cloud",
                            "No service type sets up servers",
                            "Choose a provider for a service type in the catalog; it shows up here.",
                        ),
                        rx.center(rx.link("Service types", href=ADMIN_CATALOG_SERVICE_TYPES)),
                        width="100%",
                    ),
                ),
            ),
        ),
        _confirm(
            "Remove the token of " + P.remove_name + "?",
            "The tenant's own token is deleted. The deployment token is used instead if there is one;"
            " otherwise no new server of this type can be set up until a token is set.",
            "Remove",
            P.remove,
            P.remove_id != 0,
            P.close_remove,
            P.working,
            "provider-remove-confirm",
        ),
        spacing="4",
        width="100%",
    )
