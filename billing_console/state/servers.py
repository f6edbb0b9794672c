"""The customer's servers on the dashboard: live state, power actions, the one-time SSH key, backorders.

The list is pushed: `watch` (a background event, one per tab) iterates `server_status.watch_servers`,
which yields the user's servers now and again whenever one of them changes; each list replaces the
state's. The page never reloads and no timer re-reads it. Every action is re-checked by the service
(the server must be the signed-in customer's own); the page only offers what the DTO allows.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import replace

import reflex as rx
from reflex.event import EventSpec

from backend.gateway import server_status, servers
from backend.kit.errors import DomainError
from backend.kit.principals import SignedInUser
from backend.provisioning.schemas import RevealedKey, ServerView
from billing_console.state.dashboard import DashboardState
from billing_console.state.guards import signed_in, user_or_redirect
from billing_console.state.session import cleared_on_sign_out

ACTIONS = ("start", "stop", "reboot")
ACTION_WORDS = {"start": "Start", "stop": "Stop", "reboot": "Reboot"}
ACTION_CONSEQUENCES = {
    "start": "The server boots. It is reachable again in about a minute.",
    "stop": "The server is shut down: everything running on it stops and it cannot be reached until you"
    " start it again. Stopping does not end the subscription; it is still billed.",
    "reboot": "The server restarts: it is unreachable for about a minute and running programs are"
    " interrupted.",
}
logger = logging.getLogger(__name__)
NO_KEY = RevealedKey(hostname="", private_key="", public_key="", fingerprint="")


@cleared_on_sign_out
class ServersState(rx.State):
    loading: bool = True
    error: str = ""  # the servers could not be read
    servers: list[ServerView] = []
    busy: list[int] = []  # items whose action this tab sent and the service has not answered yet

    confirm_item: int = 0  # the server a dialog asks about
    confirm_action: str = ""  # "start" | "stop" | "reboot" | "reveal" | "cancel"
    confirm_hostname: str = ""
    working: bool = False

    revealed: RevealedKey = NO_KEY  # shown once, cleared when its dialog closes

    _watch_id: int = 0

    @rx.var
    def has_servers(self) -> bool:
        return len(self.servers) > 0

    @rx.var
    def confirm_title(self) -> str:
        if self.confirm_action in ACTIONS:
            return f"{ACTION_WORDS[self.confirm_action]} {self.confirm_hostname}?"
        if self.confirm_action == "reveal":
            return f"Reveal the SSH key of {self.confirm_hostname}?"
        if self.confirm_action == "cancel":
            return f"Cancel the order of {self.confirm_hostname}?"
        return ""

    @rx.var
    def confirm_text(self) -> str:
        if self.confirm_action in ACTIONS:
            return ACTION_CONSEQUENCES[self.confirm_action]
        if self.confirm_action == "reveal":
            return (
                "The private key is shown once, now, and never again: we do not keep a copy you can see"
                " later. Store it now (copy it or download the file) in a safe place."
            )
        if self.confirm_action == "cancel":
            return (
                "The server will not be set up and the subscription ends now. Nothing was charged for it,"
                " so nothing is refunded."
            )
        return ""

    @rx.var
    def confirm_button(self) -> str:
        return {
            **ACTION_WORDS,
            "reveal": "Show the key once",
            "cancel": "Cancel the order",
        }.get(self.confirm_action, "")

    @rx.var
    def confirm_danger(self) -> bool:
        return self.confirm_action in ("stop", "reboot", "cancel")

    @rx.var
    def key_shown(self) -> bool:
        return self.revealed.private_key != ""

    @rx.var
    def ssh_command(self) -> str:
        """How to log in with the key just shown, with the server's address when it has one."""
        server = next((s for s in self.servers if s.hostname == self.revealed.hostname), None)
        address = (server.ipv4 or server.ipv6) if server is not None else ""
        return f"ssh -i {self.key_filename} root@{address or self.revealed.hostname}"

    @rx.var
    def key_filename(self) -> str:
        return f"{self.revealed.hostname or 'server'}_ed25519"

    # --- the live list -----------------------------------------------------------------------

    @rx.event
    def load(self) -> EventSpec:
        """The page opened (or again): skeletons until the list comes, then a new watcher fills it.

        Each load starts its own watcher and makes every older one of this tab stop at its next
        list (Reflex may or may not have cancelled it with the previous page's load).
        """
        self.loading, self.error = not self.servers, ""
        self.confirm_item, self.confirm_action, self.revealed = 0, "", NO_KEY
        self._watch_id += 1
        return ServersState.watch

    @rx.event(background=True)
    async def watch(self) -> AsyncIterator[EventSpec | None]:
        """Put each list `watch_servers` yields into the state, while this is the tab's newest
        watcher and the tab is still connected."""
        async with self:
            user = await user_or_redirect(self)
            watch_id, token = self._watch_id, self.router.session.client_token
        if not isinstance(user, SignedInUser):
            yield user
            return
        try:
            async for views in server_status.watch_servers(user):
                async with self:
                    if self._watch_id != watch_id:
                        return
                    moved = _lifecycle(self.servers) != _lifecycle(views) and not self.loading
                    self.servers = list(views)
                    # the service answered: the DTO now says what is pending
                    self.busy = [i for i in self.busy if not any(v.item_id == i for v in views)]
                    self.loading, self.error = False, ""
                if moved:  # a server began (or stopped) running: its subscription's status moved too
                    yield DashboardState.refresh
                if not _tab_connected(token):
                    return
        except DomainError as exc:
            async with self:
                self.error, self.loading = str(exc), False
        except Exception:
            logger.exception("watching the servers failed")
            async with self:
                self.error = "Your servers could not be read just now. Reload the page to try again."
                self.loading = False

    # --- confirmations -----------------------------------------------------------------------

    def _server(self, item_id: int) -> ServerView | None:
        return next((s for s in self.servers if s.item_id == item_id), None)

    @rx.event
    def ask(self, item_id: int, action: str) -> None:
        """Open the confirmation of `action` for one of the listed servers."""
        server = self._server(item_id) if isinstance(item_id, int) else None
        if server is None or action not in (*ACTIONS, "reveal", "cancel") or self.working:
            return
        self.confirm_item, self.confirm_action, self.confirm_hostname = item_id, action, server.hostname

    @rx.event
    def close(self, _open: bool = False) -> None:
        if not self.working:
            self.confirm_item, self.confirm_action = 0, ""

    @rx.event
    def close_key(self, _open: bool = False) -> None:
        """The key dialog closed: the key leaves the page's state for good."""
        self.revealed = NO_KEY

    @rx.event
    @signed_in
    async def confirm(self, user: SignedInUser) -> AsyncIterator[EventSpec | None]:
        item_id, action = self.confirm_item, self.confirm_action
        if self.working or not item_id or not action:
            return
        self.working = True
        if action in ACTIONS:
            self.busy = [*self.busy, item_id]
        yield
        try:
            if action in ACTIONS:
                view = await asyncio.to_thread(servers.server_action, user, item_id, action)
                self.servers = [view if s.item_id == item_id else s for s in self.servers]
                message = f"{view.hostname}: {ACTION_WORDS[action].lower()} requested."
            elif action == "reveal":
                self.revealed = await asyncio.to_thread(servers.reveal_ssh_key, user, item_id)
                self.servers = [
                    _revealed(s) if s.item_id == item_id else s for s in self.servers
                ]  # the watcher brings the same soon; the card must not offer it again meanwhile
                message = ""
            else:
                await asyncio.to_thread(servers.cancel_backorder, user, item_id)
                self.servers = [s for s in self.servers if s.item_id != item_id]
                message = f"The order of {self.confirm_hostname} is canceled."
        except DomainError as exc:
            self.working, self.confirm_item, self.confirm_action = False, 0, ""
            self.busy = [i for i in self.busy if i != item_id]
            yield rx.toast.error(str(exc))
            return
        self.busy = [i for i in self.busy if i != item_id]
        self.working, self.confirm_item, self.confirm_action = False, 0, ""
        if message:
            yield rx.toast.success(message)

    @rx.event
    def download_key(self) -> EventSpec | None:
        if not self.revealed.private_key:
            return None
        return rx.download(
            data=self.revealed.private_key, filename=self.key_filename, mime_type="application/octet-stream"
        )


def _lifecycle(servers: list[ServerView]) -> set[tuple[int, bool]]:
    """Which servers there are and which are set up (what the subscriptions list shows of them)."""
    set_up = ("pending", "provisioning", "backordered", "failed")
    return {(s.item_id, s.state in set_up) for s in servers}


def _revealed(server: ServerView) -> ServerView:
    return replace(server, key_revealed=True, key_available=False)


def _tab_connected(token: str) -> bool:
    """Whether the browser tab of `token` still has its websocket here (True when that cannot be told)."""
    try:
        from reflex.utils.prerequisites import get_app

        namespace = get_app().app.event_namespace
    except Exception:
        return True
    return namespace is None or token in namespace.token_to_sid
