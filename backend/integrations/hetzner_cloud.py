"""Hetzner Cloud behind the CloudProvider interface, through the official `hcloud` client (SPEC §6).

- availability: one GET /server_types; each type lists its locations with `available` (Hetzner's
  per-location availability, which replaced /datacenters `server_types.available`: the datacenters
  endpoint is deprecated since 2026-06 and the hcloud client warns on every use).
- create: the SSH public key becomes an hcloud SSH key named after the server (docs/decisions.md,
  "Provisioning: the SSH key on Hetzner"), removed again when the server is deleted. Returns at once
  with the initializing server; nobody waits for the create action here.
- every hcloud/HTTP failure becomes a ProviderError with Hetzner's error code and whether trying
  again later may help; "not_found" becomes ServerNotFound.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, TypeVar

import requests
from hcloud import APIException, Client, HCloudException
from hcloud.images import Image
from hcloud.locations import Location
from hcloud.server_types import ServerType
from hcloud.servers import BoundServer, Server
from hcloud.ssh_keys import SSHKey

from backend.integrations.cloud_provider import (
    Availability,
    Offer,
    ProviderError,
    ProviderHealth,
    ServerNotFound,
    ServerSpec,
    ServerState,
)

T = TypeVar("T")

# Hetzner's error codes (https://docs.hetzner.cloud/#errors) after which the same call may succeed later.
RETRYABLE_CODES = frozenset(
    {
        "rate_limit_exceeded",
        "timeout",
        "unavailable",
        "resource_unavailable",
        "server_error",
        "service_error",
        "conflict",
        "locked",
        "maintenance",
        "bad_gateway",
        "placement_error",
    }
)


def provider_error(error: Exception) -> ProviderError:
    """The ProviderError for an exception the hcloud client (or requests below it) raised."""
    if isinstance(error, APIException):
        code = error.code
        if isinstance(code, int):  # an answer without Hetzner's error body (a proxy's 502, ...)
            retryable = code >= 500 or code == 429
            return ProviderError(
                f"Hetzner answered HTTP {code}: {error.message}", code=str(code), retryable=retryable
            )
        message = f"Hetzner: {error.message} ({code})"
        if code == "not_found":
            return ServerNotFound(message, code=code)
        return ProviderError(message, code=code, retryable=code in RETRYABLE_CODES)
    if isinstance(error, requests.Timeout):
        return ProviderError(f"Hetzner did not answer in time: {error}", code="timeout", retryable=True)
    if isinstance(error, requests.ConnectionError):
        return ProviderError(f"Hetzner is unreachable: {error}", code="connection_error", retryable=True)
    return ProviderError(f"Hetzner client error: {error}", code="client_error")


@contextmanager
def _calls() -> Iterator[None]:
    try:
        yield
    except (HCloudException, requests.RequestException) as error:
        raise provider_error(error) from error


def _server_id(ref: str) -> int:
    if not ref.isdigit():
        raise ServerNotFound(f"Hetzner has no server {ref!r}.", code="not_found")
    return int(ref)


def _ipv6_host(network: str) -> str:
    """Hetzner gives a server a /64; the address its image configures is the network's ::1."""
    prefix = network.split("/")[0]
    return prefix + "1" if prefix.endswith("::") else prefix


def server_state(server: BoundServer | Server) -> ServerState:
    public = server.public_net
    ipv4 = public.ipv4.ip if public and public.ipv4 else ""
    ipv6 = _ipv6_host(public.ipv6.ip) if public and public.ipv6 else ""
    return ServerState(
        ref=str(server.id),
        name=server.name or "",
        status=server.status or "unknown",
        ipv4=ipv4 or "",
        ipv6=ipv6,
        server_type=server.server_type.name if server.server_type else "",
        location=server.location.name if server.location else "",
        labels=dict(server.labels or {}),
    )


class HetznerCloud:
    """One Hetzner Cloud project (one API token)."""

    def __init__(
        self,
        token: str,
        endpoint: str = "https://api.hetzner.cloud/v1",
        *,
        poll_interval: float = 1.0,
        timeout: float = 20.0,
    ) -> None:
        self._client = Client(
            token=token,
            api_endpoint=endpoint,
            poll_interval=poll_interval,
            timeout=timeout,
            application_name="billing-console",
        )

    def _call(self, fn: Callable[[], T]) -> T:
        with _calls():
            return fn()

    # ------------------------------------------------------------------ catalog

    def availability(self, server_type: str, location: str) -> Availability:
        types = self._call(self._client.server_types.get_all)
        available: dict[str, list[str]] = {}  # type name -> locations where it can be created now
        known_locations: set[str] = set()
        for st in types:
            names = []
            for where in st.locations or []:
                known_locations.add(where.location.name)
                if where.available and where.deprecation is None:
                    names.append(where.location.name)
            available[st.name] = names
        if server_type not in available:
            raise ProviderError(f"Hetzner has no server type {server_type!r}.", code="invalid_input")
        if location not in known_locations:
            raise ProviderError(f"Hetzner has no location {location!r}.", code="invalid_input")
        if location in available[server_type]:
            return Availability(available=True)
        alternatives = [Offer(server_type, other) for other in available[server_type] if other != location]
        memory = {st.name: (st.memory or 0, st.cores or 0) for st in types}
        wanted = memory[server_type]
        others = sorted(
            (name for name, where in available.items() if name != server_type and location in where),
            key=lambda name: (memory[name][0] < wanted[0], abs(memory[name][0] - wanted[0]), name),
        )
        alternatives += [Offer(name, location) for name in others]
        return Availability(
            available=False, alternatives=alternatives, reason=f"{server_type} is sold out in {location}"
        )

    # ------------------------------------------------------------------ servers

    def create(self, spec: ServerSpec) -> ServerState:
        key, created_key = self._ssh_key(spec.name, spec.ssh_public_key)
        try:
            with _calls():
                response = self._client.servers.create(
                    name=spec.name,
                    server_type=ServerType(name=spec.server_type),
                    image=Image(name=spec.image),
                    location=Location(name=spec.location),
                    ssh_keys=[key],
                    user_data=spec.user_data or None,
                    labels=dict(spec.labels),
                )
        except ProviderError as error:
            if created_key and error.code != "uniqueness_error":
                self._forget_key(spec.name)
            raise
        return server_state(response.server)

    def _ssh_key(self, name: str, public_key: str) -> tuple[SSHKey, bool]:
        """The project's SSH key named `name` holding `public_key` (made now, or left by an earlier try)."""
        keys = self._client.ssh_keys
        with _calls():
            existing = keys.get_by_name(name)
            if existing is not None and existing.public_key.split()[:2] == public_key.split()[:2]:
                return SSHKey(id=existing.id), False
            if existing is not None:  # same name, other key: a leftover of an older order of this name
                existing.delete()
            try:
                created = keys.create(
                    name=name, public_key=public_key, labels={"managed-by": "billing-console"}
                )
            except APIException as error:
                if error.code != "uniqueness_error":
                    raise
                # The same public key is stored under another name: use that one, leave it in place.
                fingerprint = _fingerprint_of(public_key)
                other = keys.get_by_fingerprint(fingerprint) if fingerprint else None
                if other is None:
                    raise
                return SSHKey(id=other.id), False
        return SSHKey(id=created.id), True

    def _forget_key(self, name: str) -> None:
        try:
            with _calls():
                key = self._client.ssh_keys.get_by_name(name)
                if key is not None:
                    key.delete()
        except ServerNotFound:
            pass

    def find(self, labels: dict[str, str]) -> list[ServerState]:
        selector = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
        servers = self._call(lambda: self._client.servers.get_all(label_selector=selector or None))
        return [server_state(s) for s in servers]

    def status(self, ref: str) -> ServerState:
        server_id = _server_id(ref)
        return server_state(self._call(lambda: self._client.servers.get_by_id(server_id)))

    def list_servers(self) -> list[ServerState]:
        return [server_state(s) for s in self._call(self._client.servers.get_all)]

    def start(self, ref: str) -> None:
        self._action("power_on", ref)

    def stop(self, ref: str) -> None:
        self._action("power_off", ref)

    def reboot(self, ref: str) -> None:
        self._action("reboot", ref)

    def resize(self, ref: str, server_type: str) -> None:
        self._action("change_type", ref, server_type=ServerType(name=server_type), upgrade_disk=False)

    def _action(self, name: str, ref: str, **kwargs: Any) -> None:
        server = Server(id=_server_id(ref))
        self._call(lambda: getattr(self._client.servers, name)(server, **kwargs))

    def delete(self, ref: str) -> None:
        server_id = _server_id(ref) if ref.isdigit() else None
        if server_id is None:
            return
        try:
            server = self._call(lambda: self._client.servers.get_by_id(server_id))
        except ServerNotFound:
            return
        with suppress(ServerNotFound):
            self._call(lambda: self._client.servers.delete(Server(id=server_id)))
        if server.name:
            self._forget_key(server.name)

    def health(self) -> ProviderHealth:
        started = time.perf_counter()
        try:
            page = self._call(lambda: self._client.servers.get_list(page=1, per_page=1))
        except ProviderError as error:
            return ProviderHealth(ok=False, detail=str(error))
        ms = round((time.perf_counter() - started) * 1000)
        total = (
            page.meta.pagination.total_entries if page.meta and page.meta.pagination else len(page.servers)
        )
        return ProviderHealth(ok=True, detail=f"{total} server{'' if total == 1 else 's'}, {ms} ms")


def _fingerprint_of(public_key: str) -> str:
    parts = public_key.split()
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (IndexError, ValueError):
        return ""
    digest = hashlib.md5(blob).hexdigest()  # Hetzner's fingerprint format, not for security
    return ":".join(digest[i : i + 2] for i in range(0, 32, 2))
