"""The provider interface every cloud provider implements (SPEC §6).

The provisioning domain speaks only these dataclasses; `hetzner_cloud` turns them into calls of the
official `hcloud` client, `digitalocean` into httpx requests against the v2 API, `simulated_cloud`
into rows of the database (demo and local runs). `none` (billing only) has no provider at all.

Every call is synchronous and may take seconds (it goes over the network): callers make them
outside a database transaction. Servers carry the labels the caller gives them; the provisioning
domain labels each with its tenant and item, so a server created by a unit that died before it
could record the answer is found again by `find` (no second server for one order).

Statuses are Hetzner's words, which the other providers are mapped to:
"initializing", "starting", "running", "stopping", "off", "deleting", "rebuilding", "migrating",
"unknown".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


class ProviderError(Exception):
    """The provider refused or failed a call.

    `retryable` is True when trying again later may succeed (timeouts, 5xx, rate limits, no
    capacity right now); False when the request itself is wrong (unknown server type, bad token).
    `code` is the provider's machine-readable reason when it gave one (Hetzner's error code,
    DigitalOcean's `id`).
    """

    def __init__(self, message: str, *, code: str = "", retryable: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable


class ServerNotFound(ProviderError):
    """No server with this reference (deleted, or another account's)."""


@dataclass(frozen=True, slots=True)
class ServerSpec:
    """What to create: `name` is the reserved hostname (unique in the provider account too)."""

    name: str
    server_type: str
    location: str
    image: str
    ssh_public_key: str  # OpenSSH format: "ssh-ed25519 AAAA... comment"
    user_data: str = ""  # rendered cloud-init
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ServerState:
    ref: str  # the provider's id of the server, as a string
    name: str
    status: str  # Hetzner's words, see the module docstring
    ipv4: str = ""
    ipv6: str = ""
    server_type: str = ""
    location: str = ""
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Offer:
    """One combination the provider can create now."""

    server_type: str
    location: str


@dataclass(frozen=True, slots=True)
class Availability:
    available: bool
    # When not available: what else could be created now (other locations for the same type,
    # then other types in the same location), best first; empty when nothing is.
    alternatives: list[Offer] = field(default_factory=list)
    reason: str = ""  # why not, in words for the customer ("cx22 is sold out in fsn1")


@dataclass(frozen=True, slots=True)
class ProviderHealth:
    ok: bool
    detail: str  # "12 servers, 140 ms" or the error


class CloudProvider(Protocol):
    """One provider account (one token)."""

    def availability(self, server_type: str, location: str) -> Availability:
        """Can a server of `server_type` be created in `location` now, and if not, what can?"""
        ...

    def create(self, spec: ServerSpec) -> ServerState:
        """Create the server; returns at once with its state (usually "initializing").

        Raises ProviderError(code="uniqueness_error") if a server of that name exists already."""
        ...

    def find(self, labels: dict[str, str]) -> list[ServerState]:
        """The account's servers carrying all of `labels` (one list call)."""
        ...

    def status(self, ref: str) -> ServerState:
        """One server now; ServerNotFound if it is gone."""
        ...

    def list_servers(self) -> list[ServerState]:
        """Every server of the account in one call (paged by the implementation): the status
        poller asks this once per token and poll interval, however many viewers are watching."""
        ...

    def start(self, ref: str) -> None: ...

    def stop(self, ref: str) -> None:
        """Power off (hard); the server and its disk stay."""
        ...

    def reboot(self, ref: str) -> None: ...

    def resize(self, ref: str, server_type: str) -> None:
        """Change the server type (the server must be off); keeps the disk."""
        ...

    def delete(self, ref: str) -> None:
        """Delete the server; deleting one that is gone already is not an error."""
        ...

    def health(self) -> ProviderHealth:
        """A cheap authenticated call: is the token good and the API reachable?"""
        ...
