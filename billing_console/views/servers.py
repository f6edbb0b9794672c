"""The dashboard's "Servers" section: one card per server, its actions, and their confirmation dialogs."""

from __future__ import annotations

import reflex as rx

from backend.provisioning.schemas import ServerView
from billing_console.components.feedback import problem_callout
from billing_console.components.status import server_state_badge
from billing_console.routes import SUBSCRIPTIONS
from billing_console.state.servers import ServersState as S


def _address(label: str, value: rx.Var[str], kind: str) -> rx.Component:
    return rx.cond(
        value != "",
        rx.hstack(
            rx.text(label, size="1", color="var(--gray-11)", width="36px", flex_shrink="0"),
            rx.code(value, variant="ghost", size="2", overflow_wrap="anywhere", class_name=f"server-{kind}"),
            rx.icon_button(
                rx.icon("copy", size=14),
                size="1",
                variant="ghost",
                color_scheme="gray",
                aria_label=f"Copy the {label} address",
                title=f"Copy the {label} address",
                on_click=[rx.set_clipboard(value), rx.toast.success(f"{label} address copied.")],
                class_name=f"copy-{kind}",
            ),
            align="center",
            spacing="2",
            width="100%",
        ),
    )


def _fact(icon: str, text: rx.Var[str] | rx.Component) -> rx.Component:
    return rx.hstack(
        rx.icon(icon, size=14, color="var(--gray-10)", flex_shrink="0"),
        text if isinstance(text, rx.Component) else rx.text(text, size="2"),
        align="center",
        spacing="2",
    )


def _action_button(server: rx.Var[ServerView], action: str, label: str, icon: str) -> rx.Component:
    busy = S.busy.contains(server.item_id)
    return rx.button(
        rx.icon(icon, size=14),
        label,
        size="2",
        variant="soft",
        color_scheme="red" if action == "stop" else "gray",
        disabled=~server.can_operate | (server.pending_action != "") | busy,
        loading=busy | (server.pending_action == action),
        on_click=S.ask(server.item_id, action),
        class_name=f"server-{action}",
    )


def _power_buttons(server: rx.Var[ServerView]) -> rx.Component:
    return rx.cond(
        (server.state == "running") | (server.state == "off") | (server.pending_action != ""),
        rx.hstack(
            rx.cond(
                (server.state == "off") | (server.pending_action == "start"),
                _action_button(server, "start", "Start", "play"),
            ),
            rx.cond(
                (server.state == "running") | (server.pending_action == "stop"),
                _action_button(server, "stop", "Stop", "square"),
            ),
            rx.cond(
                (server.state == "running") | (server.pending_action == "reboot"),
                _action_button(server, "reboot", "Reboot", "rotate-ccw"),
            ),
            spacing="2",
            wrap="wrap",
        ),
    )


def _ssh_key(server: rx.Var[ServerView]) -> rx.Component:
    return rx.cond(
        server.key_available,
        rx.button(
            rx.icon("key-round", size=14),
            "Reveal SSH key",
            size="2",
            variant="outline",
            on_click=S.ask(server.item_id, "reveal"),
            class_name="server-reveal",
        ),
        rx.cond(
            server.key_revealed,
            rx.hstack(
                rx.icon("key-round", size=14, color="var(--gray-10)"),
                rx.text(
                    "SSH key already revealed", size="2", color="var(--gray-11)", class_name="key-revealed"
                ),
                align="center",
                spacing="2",
            ),
        ),
    )


def _state_notes(server: rx.Var[ServerView]) -> rx.Component:
    return rx.fragment(
        rx.cond(
            (server.state == "pending") | (server.state == "provisioning"),
            rx.hstack(
                rx.spinner(size="1"),
                rx.text(
                    "We are setting up your server. This page updates by itself when it runs.",
                    size="2",
                    color="var(--gray-11)",
                ),
                align="center",
                spacing="2",
                class_name="server-setting-up",
            ),
        ),
        rx.cond(
            server.state == "failed",
            rx.callout(
                rx.cond(
                    server.failure_reason != "",
                    server.failure_reason + " We are on it; nothing is charged until it runs.",
                    "The server could not be set up. We are on it; nothing is charged until it runs.",
                ),
                icon="triangle-alert",
                color_scheme="red",
                size="1",
                class_name="server-failure",
            ),
        ),
        rx.cond(
            server.state == "suspended",
            rx.callout(
                "The server is stopped because an invoice is overdue. It starts again once the invoice"
                " is paid.",
                icon="circle-alert",
                color_scheme="red",
                size="1",
            ),
        ),
        rx.cond(
            server.state == "backordered",
            rx.hstack(
                rx.hstack(
                    rx.icon("hourglass", size=14, color="var(--orange-11)"),
                    rx.text(
                        "Waiting for capacity: we set it up as soon as the provider has room. Nothing is"
                        " charged until it runs.",
                        size="2",
                        color="var(--gray-11)",
                    ),
                    align="center",
                    spacing="2",
                    class_name="server-waiting",
                ),
                rx.button(
                    "Cancel order",
                    size="2",
                    variant="soft",
                    color_scheme="red",
                    on_click=S.ask(server.item_id, "cancel"),
                    class_name="server-cancel-order",
                ),
                justify="between",
                align="center",
                spacing="3",
                wrap="wrap",
                width="100%",
            ),
        ),
    )


def _shown_state(server: rx.Var[ServerView]) -> rx.Var[str]:
    """A running or stopped server with an action asked for shows that action under way at once."""
    return rx.match(
        server.pending_action,
        ("start", "starting"),
        ("stop", "stopping"),
        ("reboot", "rebooting"),
        server.state,
    )


def server_card(server: rx.Var[ServerView]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.hstack(
                    rx.icon("server", size=18, color="var(--gray-11)", flex_shrink="0"),
                    rx.text(
                        server.hostname,
                        weight="bold",
                        size="3",
                        font_family="var(--code-font-family)",
                        overflow_wrap="anywhere",
                        class_name="server-hostname",
                    ),
                    align="center",
                    spacing="2",
                    min_width="0",
                ),
                server_state_badge(_shown_state(server), server.state_label),
                justify="between",
                align="center",
                width="100%",
                spacing="3",
            ),
            _state_notes(server),
            rx.vstack(
                _address("IPv4", server.ipv4, "ipv4"),
                _address("IPv6", server.ipv6, "ipv6"),
                spacing="1",
                width="100%",
            ),
            rx.hstack(
                rx.cond(
                    server.server_type != "",
                    _fact(
                        "cpu",
                        rx.text(
                            server.server_type,
                            rx.cond(server.location != "", " in " + server.location, ""),
                            size="2",
                        ),
                    ),
                ),
                _fact(
                    "repeat",
                    rx.text(
                        server.plan_name,
                        " · ",
                        rx.link(
                            server.subscription_number,
                            href=SUBSCRIPTIONS + "/" + server.subscription_number,
                            font_family="var(--code-font-family)",
                        ),
                        size="2",
                    ),
                ),
                spacing="4",
                wrap="wrap",
            ),
            rx.cond(
                server.key_available
                | server.key_revealed
                | server.can_operate
                | (server.pending_action != ""),
                rx.hstack(
                    _power_buttons(server),
                    _ssh_key(server),
                    justify="between",
                    align="center",
                    spacing="3",
                    wrap="wrap",
                    width="100%",
                    padding_top="8px",
                    border_top="1px solid var(--gray-a4)",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        class_name="server-card",
        data_hostname=server.hostname,
    )


def confirm_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(S.confirm_title),
            rx.alert_dialog.description(S.confirm_text, size="2"),
            rx.hstack(
                rx.alert_dialog.cancel(
                    rx.button("Not now", variant="soft", color_scheme="gray", disabled=S.working)
                ),
                rx.button(
                    S.confirm_button,
                    color_scheme=rx.cond(S.confirm_danger, "red", "blue"),
                    on_click=S.confirm,
                    loading=S.working,
                    id="server-confirm",
                ),
                spacing="3",
                justify="end",
                margin_top="16px",
            ),
            max_width="480px",
        ),
        open=S.confirm_action != "",
        on_open_change=S.close,
    )


def key_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("SSH key of ", S.revealed.hostname),
            rx.dialog.description(
                "This is the only time the private key is shown: we cannot show it again. Store it now"
                " (copy it or download the file), then log in with:",
                size="2",
            ),
            rx.code(S.ssh_command, variant="soft", size="2", margin_top="8px", id="ssh-command"),
            rx.vstack(
                rx.text("Private key", size="2", weight="medium"),
                rx.el.pre(
                    S.revealed.private_key,
                    font_family="var(--code-font-family)",
                    font_size="12px",
                    line_height="1.45",
                    white_space="pre",
                    overflow="auto",
                    max_height="240px",
                    width="100%",
                    padding="12px",
                    margin="0",
                    border_radius="var(--radius-3)",
                    background="var(--gray-a3)",
                    border="1px solid var(--gray-a5)",
                    tab_index=0,
                    aria_label="Private key",
                    id="ssh-private-key",
                ),
                rx.text("Fingerprint ", rx.code(S.revealed.fingerprint, variant="ghost"), size="1"),
                rx.hstack(
                    rx.button(
                        rx.icon("copy", size=14),
                        "Copy",
                        variant="soft",
                        on_click=[rx.set_clipboard(S.revealed.private_key), rx.toast.success("Key copied.")],
                        id="ssh-key-copy",
                    ),
                    rx.button(
                        rx.icon("download", size=14),
                        "Download",
                        variant="soft",
                        on_click=S.download_key,
                        id="ssh-key-download",
                    ),
                    rx.dialog.close(rx.button("I have stored it", id="ssh-key-done")),
                    spacing="3",
                    justify="end",
                    wrap="wrap",
                    width="100%",
                ),
                spacing="3",
                margin_top="12px",
                width="100%",
            ),
            max_width="640px",
        ),
        open=S.key_shown,
        on_open_change=S.close_key,
    )


def servers_section() -> rx.Component:
    """Shown once the customer has a server (a customer of billing-only plans never sees it)."""
    return rx.fragment(
        rx.cond(
            S.has_servers | (S.error != ""),
            rx.vstack(
                rx.hstack(
                    rx.heading("Servers", size="4"),
                    rx.badge(S.servers.length(), variant="soft", color_scheme="gray", radius="full"),
                    align="center",
                    spacing="2",
                ),
                rx.cond(
                    S.error != "",
                    problem_callout(S.error, element_id="servers-error"),
                    rx.grid(
                        rx.foreach(S.servers, server_card),
                        columns=rx.breakpoints(initial="1", md="2"),
                        spacing="4",
                        width="100%",
                    ),
                ),
                spacing="3",
                width="100%",
                id="servers",
            ),
        ),
        confirm_dialog(),
        key_dialog(),
    )
