"""A minimal client of the console's event websocket, speaking what the built frontend speaks.

The frontend (`.web/utils/state.js`) opens socket.io (Engine.IO v4) over a websocket at
`/_event/?EIO=4&transport=websocket&token=<tab token>`, joins the namespace `/_event` and emits
`"event"` with `{name: "<state full name>.<handler>", payload: {<arg>: <value>}, router_data}`. The
backend answers with `"event"` messages holding state deltas and frontend events (redirects, scripts,
toasts). The session cookie rides on the websocket handshake, as in a browser.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import reflex as rx
import simple_websocket

NAMESPACE = "/_event"
_MESSAGE = f"42{NAMESPACE},"
_VAR_SUFFIX = "_rx_state_"
QUIET_S = 0.5  # how long the backend must stay silent after the expected answer
_TICKET = re.compile(r'ticket: "([^"]+)"')


@dataclass
class Reply:
    """Everything the backend sent back for one event."""

    deltas: list[dict[str, dict[str, Any]]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)

    def values(self, state_cls: type[rx.State]) -> dict[str, Any]:
        """The vars of `state_cls` that the deltas set (last value wins), by their Python names."""
        merged: dict[str, Any] = {}
        for delta in self.deltas:
            for name, value in delta.get(state_cls.get_full_name(), {}).items():
                merged[name.removesuffix(_VAR_SUFFIX)] = value
        return merged

    def redirects(self) -> list[str]:
        return [e["payload"]["path"] for e in self.events if e.get("name") == "_redirect"]

    def scripts(self) -> list[str]:
        return [e["payload"]["javascript_code"] for e in self.events if e.get("name") == "_call_script"]

    def shows_server_error(self) -> bool:
        """Reflex's toast for an exception in a handler ("An error occurred.")."""
        return any("An error occurred" in json.dumps(e) for e in self.events)


class ConsoleSocket:
    """One browser tab's event websocket to a running console."""

    def __init__(self, base_url: str, cookie: str = "") -> None:
        netloc = urlsplit(base_url).netloc
        headers = {"Cookie": cookie} if cookie else {}
        self.token = str(uuid.uuid4())
        url = f"ws://{netloc}{NAMESPACE}/?EIO=4&transport=websocket&token={self.token}"
        self._ws = simple_websocket.Client.connect(url, headers=headers)
        # Join the namespace at once: simple_websocket may hold back the server's open packet when it
        # came in the same read as the handshake, until more data arrives (the join's answer).
        self._ws.send(f"40{NAMESPACE},")
        joined = None
        for _ in range(2):
            joined = self._receive(timeout=10)
            if joined and joined.startswith(f"40{NAMESPACE},"):
                return
            assert joined and joined.startswith("0{"), f"no Engine.IO open packet: {joined!r}"
        raise AssertionError(f"namespace refused: {joined!r}")

    def _receive(self, timeout: float) -> str | None:
        message = self._ws.receive(timeout=timeout)
        while message == "2":  # Engine.IO ping
            self._ws.send("3")
            message = self._ws.receive(timeout=timeout)
        return message

    def call(
        self,
        handler: str,
        payload: dict[str, Any] | None = None,
        *,
        path: str = "/",
        until: Callable[[Reply], bool] = lambda reply: bool(reply.events),
        timeout_s: float = 30,
    ) -> Reply:
        """Emit `handler` (full name) and collect the replies until `until` holds, then until the
        backend falls quiet for a moment (so nothing the handler sends later is missed)."""
        router_data = {"pathname": path, "asPath": path}
        event = {"name": handler, "payload": payload or {}, "router_data": router_data}
        self._ws.send(_MESSAGE + json.dumps(["event", event]))
        reply = Reply()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            done = until(reply)
            message = self._receive(timeout=QUIET_S if done else max(deadline - time.monotonic(), 0.01))
            if message is None:
                if done:
                    return reply
                assert self._ws.connected, f"the console closed the websocket: {reply}"
                continue
            if message.startswith(_MESSAGE):
                name, update = json.loads(message[len(_MESSAGE) :])
                if name == "event":
                    reply.deltas.append(update.get("delta") or {})
                    reply.events.extend(update.get("events") or [])
        raise AssertionError(f"{handler} did not answer as expected within {timeout_s} s: {reply}")

    def close(self) -> None:
        self._ws.close()


def handler_name(state_cls: type[rx.State], handler: str) -> str:
    return f"{state_cls.get_full_name()}.{handler}"


def sign_in(base_url: str, email: str, password: str) -> str:
    """Sign in as the page does: the password over the websocket, then the ticket for the cookie.

    Returns the `Cookie` header value a browser would send from then on.
    """
    from billing_console.state.login import LoginState

    socket = ConsoleSocket(base_url)
    try:
        reply = socket.call(
            handler_name(LoginState, "sign_in"),
            {"form_data": {"email": email, "password": password}},
            path="/login",
            until=lambda reply: bool(reply.scripts() or reply.values(LoginState).get("error")),
        )
    finally:
        socket.close()
    tickets = [m.group(1) for script in reply.scripts() if (m := _TICKET.search(script))]
    assert tickets, f"sign-in of {email} gave no ticket: {reply}"
    response = httpx.post(f"{base_url}/api/auth/session", json={"ticket": tickets[0]})
    assert response.status_code == 204, response.text
    return f"bc_session={response.cookies['bc_session']}"
