"""DigitalOcean behind the CloudProvider interface: plain httpx against the v2 API (SPEC §6).

Mapped onto Hetzner's words and habits:
- statuses: new -> initializing, active -> running, off -> off, archive -> deleting. DigitalOcean has
  no "starting"/"stopping"; a droplet `locked` by an action in progress reads "starting" when it is
  off and "stopping" when it is active (a reboot shows "stopping" until it is back).
- labels are tags "key:value"; `find` asks for the first label's tag (the API filters by one tag) and
  checks the others itself: one list call, paged.
- droplet names are not unique at DigitalOcean, but the interface promises `uniqueness_error`: create
  asks for droplets of that name first (GET /droplets?name=...).
- the SSH public key becomes an account SSH key named after the droplet (as on Hetzner,
  docs/decisions.md), deleted with the droplet.
- errors: DigitalOcean's `id` is the ProviderError code; 429 and 5xx, timeouts, connection errors and
  "size not available in this region" (no capacity now: code resource_unavailable) are retryable.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import time
from typing import Any

import httpx

from backend.integrations.cloud_provider import (
    Availability,
    Offer,
    ProviderError,
    ProviderHealth,
    ServerNotFound,
    ServerSpec,
    ServerState,
)

PER_PAGE = 200
_STATUSES = {"new": "initializing", "active": "running", "off": "off", "archive": "deleting"}


def _error(response: httpx.Response) -> ProviderError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    code = (
        str(body.get("id") or response.status_code) if isinstance(body, dict) else str(response.status_code)
    )
    message = body.get("message", "") if isinstance(body, dict) else ""
    text = f"DigitalOcean answered {response.status_code}: {message or response.reason_phrase} ({code})"
    if response.status_code == 404:
        return ServerNotFound(text, code="not_found")
    if response.status_code == 422 and "not available" in message.lower():
        return ProviderError(text, code="resource_unavailable", retryable=True)
    return ProviderError(
        text, code=code, retryable=response.status_code >= 500 or response.status_code == 429
    )


def _labels(tags: list[str]) -> dict[str, str]:
    return dict(tag.split(":", 1) for tag in tags if ":" in tag)


def _tags(labels: dict[str, str]) -> list[str]:
    return [f"{k}:{v}" for k, v in labels.items()]


def _fingerprint(public_key: str) -> str:
    try:
        blob = base64.b64decode(public_key.split()[1], validate=True)
    except (IndexError, ValueError):
        return ""
    digest = hashlib.md5(blob).hexdigest()  # DigitalOcean's fingerprint format, not for security
    return ":".join(digest[i : i + 2] for i in range(0, 32, 2))


def droplet_state(droplet: dict[str, Any]) -> ServerState:
    status = _STATUSES.get(droplet.get("status", ""), "unknown")
    if droplet.get("locked") and status in ("running", "off"):
        status = "stopping" if status == "running" else "starting"
    networks = droplet.get("networks") or {}
    public = [n["ip_address"] for n in networks.get("v4", []) if n.get("type") == "public"]
    public6 = [n["ip_address"] for n in networks.get("v6", []) if n.get("type") == "public"]
    return ServerState(
        ref=str(droplet["id"]),
        name=droplet.get("name", ""),
        status=status,
        ipv4=public[0] if public else "",
        ipv6=public6[0] if public6 else "",
        server_type=droplet.get("size_slug") or (droplet.get("size") or {}).get("slug", ""),
        location=(droplet.get("region") or {}).get("slug", ""),
        labels=_labels(droplet.get("tags") or []),
    )


class DigitalOcean:
    """One DigitalOcean account (team) reached with one API token."""

    def __init__(
        self, token: str, base_url: str = "https://api.digitalocean.com/v2", *, timeout: float = 20
    ) -> None:
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            timeout=timeout,
        )

    def close(self) -> None:
        self._http.close()

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as error:
            raise ProviderError(
                f"DigitalOcean did not answer in time: {error}", code="timeout", retryable=True
            ) from error
        except httpx.TransportError as error:
            raise ProviderError(
                f"DigitalOcean is unreachable: {error}", code="connection_error", retryable=True
            ) from error
        if response.is_error:
            raise _error(response)
        return response

    def _all(self, path: str, key: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            body = self._request(
                "GET", path, params={**(params or {}), "page": page, "per_page": PER_PAGE}
            ).json()
            items += body.get(key, [])
            if not ((body.get("links") or {}).get("pages") or {}).get("next"):
                return items
            page += 1

    # ------------------------------------------------------------------ catalog

    def availability(self, server_type: str, location: str) -> Availability:
        sizes = self._all("/sizes", "sizes")
        regions = {r["slug"] for r in self._all("/regions", "regions") if r.get("available", True)}
        where = {
            s["slug"]: [r for r in s.get("regions", []) if r in regions]
            for s in sizes
            if s.get("available", True)
        }
        memory = {s["slug"]: s.get("memory", 0) for s in sizes}
        if server_type not in memory:
            raise ProviderError(f"DigitalOcean has no size {server_type!r}.", code="invalid_input")
        if location not in regions:
            raise ProviderError(f"DigitalOcean has no region {location!r}.", code="invalid_input")
        if location in where.get(server_type, []):
            return Availability(available=True)
        alternatives = [Offer(server_type, r) for r in where.get(server_type, []) if r != location]
        wanted = memory[server_type]
        others = sorted(
            (slug for slug, rs in where.items() if slug != server_type and location in rs),
            key=lambda slug: (memory[slug] < wanted, abs(memory[slug] - wanted), slug),
        )
        alternatives += [Offer(slug, location) for slug in others]
        return Availability(
            available=False, alternatives=alternatives, reason=f"{server_type} is sold out in {location}"
        )

    # ------------------------------------------------------------------ droplets

    def create(self, spec: ServerSpec) -> ServerState:
        if self._all("/droplets", "droplets", {"name": spec.name}):
            raise ProviderError(f"A droplet named {spec.name} exists already.", code="uniqueness_error")
        key_id, created_key = self._ssh_key(spec.name, spec.ssh_public_key)
        body: dict[str, Any] = {
            "name": spec.name,
            "region": spec.location,
            "size": spec.server_type,
            "image": spec.image,
            "ssh_keys": [key_id],
            "ipv6": True,
            "tags": _tags(spec.labels),
        }
        if spec.user_data:
            body["user_data"] = spec.user_data
        try:
            droplet = self._request("POST", "/droplets", json=body).json()["droplet"]
        except ProviderError:
            if created_key:
                self._forget_key(key_id)
            raise
        return droplet_state(droplet)

    def _ssh_key(self, name: str, public_key: str) -> tuple[int, bool]:
        fingerprint = _fingerprint(public_key)
        if not fingerprint:
            raise ProviderError("The SSH public key is not in OpenSSH format.", code="invalid_input")
        try:
            return self._request("GET", f"/account/keys/{fingerprint}").json()["ssh_key"]["id"], False
        except ServerNotFound:
            pass
        key = self._request("POST", "/account/keys", json={"name": name, "public_key": public_key}).json()
        return key["ssh_key"]["id"], True

    def _forget_key(self, key: int | str) -> None:
        with contextlib.suppress(ServerNotFound):
            self._request("DELETE", f"/account/keys/{key}")

    def find(self, labels: dict[str, str]) -> list[ServerState]:
        tags = _tags(labels)
        droplets = self._all("/droplets", "droplets", {"tag_name": tags[0]} if tags else None)
        states = [droplet_state(d) for d in droplets]
        return [s for s in states if all(s.labels.get(k) == v for k, v in labels.items())]

    def status(self, ref: str) -> ServerState:
        return droplet_state(self._request("GET", f"/droplets/{_droplet_id(ref)}").json()["droplet"])

    def list_servers(self) -> list[ServerState]:
        return [droplet_state(d) for d in self._all("/droplets", "droplets")]

    def start(self, ref: str) -> None:
        self._action(ref, {"type": "power_on"})

    def stop(self, ref: str) -> None:
        self._action(ref, {"type": "power_off"})

    def reboot(self, ref: str) -> None:
        self._action(ref, {"type": "reboot"})

    def resize(self, ref: str, server_type: str) -> None:
        droplet = self.status(ref)
        if droplet.status != "off":
            raise ProviderError(
                f"Droplet {droplet.name} must be off to change its size.", code="server_not_stopped"
            )
        self._action(ref, {"type": "resize", "size": server_type, "disk": False})

    def _action(self, ref: str, body: dict[str, Any]) -> None:
        self._request("POST", f"/droplets/{_droplet_id(ref)}/actions", json=body)

    def delete(self, ref: str) -> None:
        if not ref.isdigit():
            return
        try:
            droplet = self._request("GET", f"/droplets/{ref}").json()["droplet"]
            self._request("DELETE", f"/droplets/{ref}")
        except ServerNotFound:
            return
        for key in self._all("/account/keys", "ssh_keys"):
            if key.get("name") == droplet.get("name"):
                self._forget_key(key["id"])

    def health(self) -> ProviderHealth:
        started = time.perf_counter()
        try:
            account = self._request("GET", "/account").json()["account"]
        except ProviderError as error:
            return ProviderHealth(ok=False, detail=str(error))
        ms = round((time.perf_counter() - started) * 1000)
        return ProviderHealth(
            ok=account.get("status") == "active", detail=f"account {account.get('status')}, {ms} ms"
        )


def _droplet_id(ref: str) -> str:
    if not ref.isdigit():
        raise ServerNotFound(f"DigitalOcean has no droplet {ref!r}.", code="not_found")
    return ref
