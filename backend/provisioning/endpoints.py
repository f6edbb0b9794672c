"""Servers over the API (docs/api.md): a customer's servers, their power actions and the one-time SSH
key; the admin's backorders, retry of a failed server and its provisioning log.

Customers' tokens see their own account's servers ("read"; actions and the key need "write"), an
admin's token (scope "admin") the tenant's; another tenant's or another customer's server is 404.
A POST carries an `Idempotency-Key` (the middleware replays its answer): revealing the key twice
with the same key answers the first reveal again, a new request after it is a 409.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict

from backend import clock
from backend.api.params import Id
from backend.api.security import TokenPrincipal, token_actor, token_scope
from backend.db import unit_of_work
from backend.kit.errors import NotFoundError
from backend.provisioning.errors import KeyAlreadyRevealed
from backend.provisioning.schemas import BackorderView, LogLine, RevealedKey, ServerView
from backend.provisioning.service import Servers, backorder_view, log_line, time_format

router = APIRouter(prefix="/api/v1", tags=["v1"])
_NO_ACCOUNT: dict[int | str, dict[str, Any]] = {
    404: {
        "description": "The token's user belongs to no customer account (and named no subscription),"
        " or the subscription named is not in this tenant",
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
}


class ServerActionInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["start", "stop", "reboot"]


def _servers(session, request: Request, principal: TokenPrincipal) -> Servers:  # type: ignore[no-untyped-def]
    return Servers(session, token_scope(principal), token_actor(request, principal))


@router.get("/servers", summary="List servers", responses=_NO_ACCOUNT)
def list_servers(
    request: Request,
    principal: TokenPrincipal,
    subscription: str | None = Query(default=None, max_length=32, description="A subscription's number"),
) -> list[ServerView]:
    """The servers of the token's customer account, newest first (deleted ones left out); with
    `subscription`, that subscription's servers (admins: any of the tenant's)."""
    with unit_of_work() as session:
        servers = _servers(session, request, principal)
        if subscription:
            return servers.of_subscription(subscription)
        account = principal.user.customer_account_id
        if account is None:
            raise NotFoundError("This token's user has no customer account: name a subscription.")
        return servers.of_customer(account)


@router.post("/servers/{item_id}/actions", status_code=202, summary="Start, stop or reboot a server")
def server_action(
    item_id: Id, body: ServerActionInput, request: Request, principal: TokenPrincipal
) -> ServerView:
    """The action is queued (`pending_action`) and carried out by the provisioning job within a
    minute. 409 when the server is suspended, failed, not set up yet, deleted or busy."""
    with unit_of_work() as session:
        return _servers(session, request, principal).action(item_id, body.action, clock.now())


@router.post("/servers/{item_id}/ssh-key", summary="Reveal a server's SSH private key (once)")
def reveal_ssh_key(item_id: Id, request: Request, principal: TokenPrincipal) -> RevealedKey:
    """The private key in OpenSSH format, its public line and fingerprint: shown once, to the
    account's owners. Every later request is a 409. Audited."""
    refused: KeyAlreadyRevealed | None = None
    with unit_of_work() as session:
        try:
            return _servers(session, request, principal).reveal_key(item_id, clock.now())
        except KeyAlreadyRevealed as error:
            refused = error  # the refused attempt stays audited
    raise refused


# --- admins ---------------------------------------------------------------------------------


@router.get("/admin/backorders", summary="List backorders")
def list_backorders(
    request: Request,
    principal: TokenPrincipal,
    include_closed: bool = Query(default=False, description="Fulfilled and canceled ones too"),
) -> list[BackorderView]:
    with unit_of_work() as session:
        fmt = time_format(session, token_scope(principal))
        rows = _servers(session, request, principal).backorder_list(include_closed=include_closed)
        return [backorder_view(row, fmt) for row in rows]


@router.delete("/admin/backorders/{backorder_id}", status_code=204, summary="Cancel a backorder")
def cancel_backorder(backorder_id: Id, request: Request, principal: TokenPrincipal) -> Response:
    """The subscription is canceled at once; nothing was billed. 409 when it is no longer open."""
    with unit_of_work() as session:
        _servers(session, request, principal).cancel_backorder(backorder_id, clock.now())
    return Response(status_code=204)


@router.post("/admin/servers/{item_id}/retry", summary="Retry a failed server")
def retry_server(item_id: Id, request: Request, principal: TokenPrincipal) -> ServerView:
    """A failed server is set up again from the start. 409 when it did not fail."""
    with unit_of_work() as session:
        return _servers(session, request, principal).retry(item_id, clock.now())


@router.get("/admin/servers/{item_id}/log", summary="A server's provisioning log")
def server_log(item_id: Id, request: Request, principal: TokenPrincipal) -> list[LogLine]:
    with unit_of_work() as session:
        fmt = time_format(session, token_scope(principal))
        return [log_line(entry, fmt) for entry in _servers(session, request, principal).log_of(item_id)]
