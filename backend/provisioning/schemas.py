"""What pages and the API receive about servers, backorders and providers (plain dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ServerView:
    item_id: int
    subscription_number: str
    plan_name: str
    hostname: str
    # What the customer sees: "pending", "provisioning", "running", "off", "starting", "stopping",
    # "rebooting", "failed", "backordered", "suspended", "deleted".
    state: str
    state_label: str  # the same in words: "Running", "Setting up", "Stopped (payment overdue)"
    ipv4: str = ""
    ipv6: str = ""
    server_type: str = ""
    location: str = ""
    failure_reason: str = ""  # why provisioning failed, in words
    key_revealed: bool = False  # the SSH key was shown once already
    key_available: bool = False  # there is a key to reveal (a server of ours, not revealed yet)
    can_operate: bool = False  # start/stop/reboot offered (active, not suspended, no action pending)
    pending_action: str = ""  # "start" | "stop" | "reboot" | ""
    customer_name: str = ""  # admin views
    provider: str = ""  # admins only: "hetzner", "digitalocean", "simulated"
    provider_ref: str = ""  # admins only: the provider's id of the server


@dataclass(frozen=True, slots=True)
class OfferView:
    server_type: str
    location: str
    label: str  # "cx22 in Nuremberg (nbg1)"


@dataclass(frozen=True, slots=True)
class AvailabilityView:
    """The order wizard's answer for a provisioned plan's chosen options."""

    provisioned: bool  # False: the plan creates no server (billing only); nothing to check
    available: bool
    reason: str = ""
    alternatives: list[OfferView] = field(default_factory=list)
    backorder_possible: bool = False  # the customer may order anyway and wait


@dataclass(frozen=True, slots=True)
class RevealedKey:
    hostname: str
    private_key: str  # OpenSSH private key (PEM-like text)
    public_key: str  # "ssh-ed25519 AAAA... hostname"
    fingerprint: str  # "SHA256:..."


@dataclass(frozen=True, slots=True)
class LogLine:
    at: str  # formatted in the tenant's time zone
    event: str
    message: str
    actor: str


@dataclass(frozen=True, slots=True)
class BackorderView:
    id: int
    subscription_number: str
    customer_name: str
    hostname: str
    server_type: str
    location: str
    status: str  # "open" | "fulfilled" | "canceled"
    reason: str
    attempts: int
    created: str
    next_attempt: str


@dataclass(frozen=True, slots=True)
class ProviderHealthView:
    service_type_id: int
    service_type_key: str
    service_type_name: str
    provider: str  # "hetzner" | "digitalocean" | "simulated"
    token_source: str  # "tenant" | "deployment" | "" (none set)
    ok: bool
    detail: str  # "3 servers, 120 ms" or the error
    servers: int = 0  # live items of this service type
