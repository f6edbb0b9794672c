"""Where a request really came from: host, scheme and client IP, also behind reverse proxies.

One function, `resolve_request_origin`, answers for both entry points: the API (Starlette requests)
and the Reflex states (the websocket's router headers). `X-Forwarded-Host`, `-Proto` and `-For` are
honoured only when the direct peer is one of `TRUSTED_PROXIES`; from anyone else they are ignored,
so a client cannot pick another tenant's host or hide its address by sending them.

The client IP is the right-most address of `X-Forwarded-For` that is not a trusted proxy: every
trusted proxy appends the address it received the request from, so everything left of the first
untrusted address may have been written by the client itself.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# A host header value: a DNS name or IPv4 address, or a bracketed IPv6 address, with an optional port.
_HOST = re.compile(r"^(?:[a-z0-9_](?:[a-z0-9_.-]{0,251}[a-z0-9_])?|\[[0-9a-f:.]{2,45}\])(?::[0-9]{1,5})?$")
_SCHEMES = frozenset({"http", "https"})
FORWARDED_HEADERS = ("x-forwarded-for", "x-forwarded-host", "x-forwarded-proto")


@dataclass(frozen=True, slots=True)
class RequestOrigin:
    host: str  # lower case, with the port when the client named one: picks the tenant
    scheme: str  # "http" or "https", as the browser used it
    client_ip: str  # audited and throttled


def parse_trusted_proxies(value: str) -> tuple[IPNetwork, ...]:
    """`TRUSTED_PROXIES`: comma-separated IP addresses or CIDR ranges (ValueError names a bad one)."""
    networks = []
    for item in filter(None, (part.strip() for part in value.split(","))):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"{item!r} is not an IP address or CIDR range such as 10.0.0.0/8") from None
    return tuple(networks)


def _address(text: str) -> IPAddress | None:
    """An address as proxies write it: plain, bracketed IPv6, or IPv4 with a port; else None."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _trusted(address: IPAddress | None, proxies: Iterable[IPNetwork]) -> bool:
    return address is not None and any(address in network for network in proxies)


def is_trusted_proxy(peer: str, proxies: tuple[IPNetwork, ...]) -> bool:
    return bool(proxies) and _trusted(_address(peer), proxies)


def _right_most(value: str) -> str:
    """The value the nearest proxy wrote, when proxies appended to a list."""
    return value.rsplit(",", 1)[-1].strip()


def clean_host(value: str) -> str:
    """A Host value in lower case, or "" when it is not a host name (with an optional port)."""
    host = value.strip().lower().rstrip(".")
    return host if _HOST.match(host) else ""


def without_port(host: str) -> str:
    """The host without its port: acme.example:8443 -> acme.example, [::1]:3000 -> [::1]."""
    if host.startswith("["):
        return host.partition("]")[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _client_ip(forwarded_for: str, peer: IPAddress, proxies: tuple[IPNetwork, ...]) -> str:
    nearest = peer  # the last address known to be a trusted proxy (or the client, when none is)
    for entry in reversed([part for part in forwarded_for.split(",") if part.strip()]):
        address = _address(entry)
        if address is None:  # garbage a trusted proxy passed on: stop at the proxy that did
            break
        if not _trusted(address, proxies):
            return str(address)
        nearest = address
    return str(nearest)


def resolve_request_origin(
    headers: Mapping[str, str],
    peer: str,
    trusted_proxies: tuple[IPNetwork, ...],
    *,
    default_scheme: str = "http",
) -> RequestOrigin:
    """Host, scheme and client IP of a request from its headers (lower-case names, repeated headers
    joined with ", ") and the address of the direct peer."""
    host = clean_host(headers.get("host", ""))
    scheme = default_scheme if default_scheme in _SCHEMES else "http"
    peer_address = _address(peer)
    if not _trusted(peer_address, trusted_proxies):
        return RequestOrigin(host=host, scheme=scheme, client_ip=str(peer_address) if peer_address else peer)
    assert peer_address is not None
    forwarded_host = clean_host(_right_most(headers.get("x-forwarded-host", "")))
    forwarded_proto = _right_most(headers.get("x-forwarded-proto", "")).lower()
    return RequestOrigin(
        host=forwarded_host or host,
        scheme=forwarded_proto if forwarded_proto in _SCHEMES else scheme,
        client_ip=_client_ip(headers.get("x-forwarded-for", ""), peer_address, trusted_proxies),
    )
