"""`Idempotency-Key` on every POST under /api/v1 (docs/api.md; the rules: services/idempotency.py).

An ASGI middleware, so every POST route has it without a line of its own. It needs the caller's
personal access token (keys are kept per tenant and token); without a valid one the request goes
on and the route answers 401. The response is held until it is stored, so a client that has seen
it can only get it again.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass, field

from starlette.datastructures import Headers
from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend import clock
from backend.api.problems import domain_problem, field_error, validation_problem
from backend.api.security import bearer_principal
from backend.db import unit_of_work
from backend.idempotency import service as idempotency
from backend.idempotency.service import Reservation, StoredResponse
from backend.kit.errors import DomainError
from backend.kit.repository import TenantScope

log = logging.getLogger(__name__)
KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
_KEY_CHARACTERS = frozenset(chr(code) for code in range(0x21, 0x7F)) - {'"', "\\"}


def parse_key(value: str) -> str | None:
    """The key of the header (Stripe's bare form, or the IETF draft's quoted string), or None
    when it is empty, longer than 255 characters or has a character outside visible ASCII."""
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    valid = 0 < len(value) <= MAX_KEY_LENGTH and set(value) <= _KEY_CHARACTERS
    return value if valid else None


def fingerprint(scope: Scope, body: bytes) -> str:
    request_line = f"{scope['method']} {scope['path']}?{scope.get('query_string', b'').decode('latin-1')}\n"
    return hashlib.sha256(request_line.encode() + body).hexdigest()


def stores(status: int) -> bool:
    """Responses worth replaying: not the server's own failures, not a refusal for the rate."""
    return status < 500 and status != 429


@dataclass
class _HeldResponse:
    messages: list[Message] = field(default_factory=list)
    status: int = 500
    content_type: str = ""

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.content_type = Headers(raw=message.get("headers", [])).get("content-type", "")
        self.messages.append(message)

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.messages if m["type"] == "http.response.body")

    @property
    def complete(self) -> bool:
        last = self.messages[-1] if self.messages else None
        return last is not None and last["type"] == "http.response.body" and not last.get("more_body")


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        header = Headers(scope=scope).get(KEY_HEADER) if _applies(scope) else None
        if header is None:
            await self.app(scope, receive, send)
            return
        key = parse_key(header)
        if key is None:
            message = f"Send 1 to {MAX_KEY_LENGTH} visible ASCII characters, e.g. a UUID."
            await validation_problem([field_error("header", KEY_HEADER, message)])(scope, receive, send)
            return
        principal = await asyncio.to_thread(bearer_principal, HTTPConnection(scope))
        if principal is None:  # the route answers 401
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        tenant = TenantScope(principal.user.tenant_id)
        try:
            outcome = await asyncio.to_thread(
                _begin, tenant, principal.token_id, key, fingerprint(scope, body)
            )
        except DomainError as exc:
            await domain_problem(exc)(scope, receive, send)
            return
        if isinstance(outcome, StoredResponse):
            await _replay(outcome)(scope, receive, send)
            return
        held = _HeldResponse()
        try:
            await self.app(scope, _replaying(body, receive), held.send)
        except BaseException:
            await asyncio.to_thread(_finish, tenant, outcome, None)
            raise
        stored = StoredResponse(held.status, held.content_type, held.body)
        await asyncio.to_thread(
            _finish, tenant, outcome, stored if held.complete and stores(held.status) else None
        )
        for message in held.messages:
            await send(message)


def _applies(scope: Scope) -> bool:
    return scope["type"] == "http" and scope["method"] == "POST" and scope["path"].startswith("/api/v1/")


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """The body read for the fingerprint, handed to the route once; then the client's messages."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay


def _replay(stored: StoredResponse) -> Response:
    headers = {REPLAYED_HEADER: "true"}
    if stored.content_type:
        headers["Content-Type"] = stored.content_type
    return Response(stored.body, status_code=stored.status, headers=headers)


def _begin(tenant: TenantScope, token_id: int, key: str, digest: str) -> Reservation | StoredResponse:
    for _attempt in range(2):
        try:
            with unit_of_work() as session:
                return idempotency.begin(session, tenant, token_id, key, digest, clock.now())
        except idempotency.KeyRaced:
            continue  # the other request committed its reservation: now it is found
    raise idempotency.KeyInUse


def _finish(tenant: TenantScope, reservation: Reservation, stored: StoredResponse | None) -> None:
    """Store the response (or free the key). If that fails, the client still gets its answer; the
    key stays reserved until it counts as abandoned (services/idempotency.ABANDONED_AFTER)."""
    try:
        with unit_of_work() as session:
            if stored is None:
                idempotency.release(session, tenant, reservation)
            else:
                idempotency.complete(session, tenant, reservation, stored, clock.now())
    except Exception:
        log.exception("idempotency key %s not finished", reservation.key_id)
