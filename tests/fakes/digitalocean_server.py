"""A local stand-in for the DigitalOcean API (v2) that `backend.integrations.digitalocean` talks to.

Point the provider at `fake.base_url` (".../v2"). It speaks the wire format of
https://docs.digitalocean.com/reference/api/: JSON bodies, `Authorization: Bearer <token>`, errors as
`{"id": "not_found", "message": ..., "request_id": ...}` with DigitalOcean's statuses (401
unauthorized, 404 not_found, 422 unprocessable_entity, 429 too_many_requests, 5xx server_error /
service_unavailable), lists paged with `page`/`per_page` (at most 200) and `links.pages` + `meta.total`,
`tag_name` and `name` filters on GET /droplets. Droplet names are NOT unique at DigitalOcean (the real
API lets you create two of one name); the provider checks that itself.

Each token is its own account (droplets, SSH keys, actions). The catalog: sizes s-1vcpu-2gb,
s-2vcpu-4gb, s-4vcpu-8gb in regions fra1, ams3, lon1; images debian-12-x64, ubuntu-24-04-x64.

Time does not pass by itself, like the Hetzner fake: a new droplet is "new" (and locked) for its first
`boot_polls` GETs (one droplet or a list), then "active"; power actions leave the droplet `locked` in
its old status for `boot_polls` GETs, then finish. `boot_now()` finishes everything at once.

Test controls: `sold_out(size, region)`, `fail_next(method, path_prefix, status, error_id)`, `boot_now()`,
`calls[(method, path)]` (path below /v2: ("GET", "/droplets")).
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from tests.fakes.local_server import LocalHttpServer

JSON = dict[str, Any]
DEFAULT_TOKEN = "do-test-token"
MAX_PER_PAGE = 200

_REGIONS = {"fra1": "Frankfurt 1", "ams3": "Amsterdam 3", "lon1": "London 1"}
_FEATURES = ["backups", "ipv6", "metadata", "install_agent", "storage", "image_transfer"]
# slug -> (vcpus, memory MB, disk GB, transfer TB, price monthly USD, price hourly USD)
_SIZES = {
    "s-1vcpu-2gb": (1, 2048, 50, 2.0, 12, 0.01786),
    "s-2vcpu-4gb": (2, 4096, 80, 4.0, 24, 0.03571),
    "s-4vcpu-8gb": (4, 8192, 160, 5.0, 48, 0.07143),
}
_IMAGES = {
    "debian-12-x64": (154229853, "12 x64", "Debian"),
    "ubuntu-24-04-x64": (160232537, "24.04 (LTS) x64", "Ubuntu"),
}
_ACTIONS = {  # type -> (status while in progress, status after)
    "power_on": ("off", "active"),
    "power_off": ("active", "off"),
    "shutdown": ("active", "off"),
    "reboot": ("active", "active"),
    "power_cycle": ("active", "active"),
}


class DOFail(Exception):
    def __init__(self, status: int, error_id: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error_id, self.message = status, error_id, message


@dataclass
class Account:
    token: str
    uuid: str = field(default_factory=lambda: uuid.uuid4().hex)
    droplets: dict[int, JSON] = field(default_factory=dict)
    keys: dict[int, JSON] = field(default_factory=dict)
    actions: dict[int, JSON] = field(default_factory=dict)
    # droplet id -> (GETs left, action ids it finishes, status after)
    pending: dict[int, tuple[int, list[int], str]] = field(default_factory=dict)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeDigitalOcean(LocalHttpServer):
    def __init__(self, tokens: Iterable[str] = (DEFAULT_TOKEN,), *, boot_polls: int = 2) -> None:
        self.boot_polls = boot_polls
        self.now = lambda: datetime.now(UTC)
        self.calls: Counter[tuple[str, str]] = Counter()
        self._lock = threading.RLock()
        self._accounts: dict[str, Account] = {}
        self._sold_out: set[tuple[str, str]] = set()
        self._fail: list[tuple[str, str, int, str]] = []
        self._seq = 510_000_000
        for token in tokens:
            self.account(token)
        self._serve(self._handler_class(), "fake-do")

    # ---------------------------------------------------------------- lifecycle

    @property
    def base_url(self) -> str:
        return self.address + "/v2"

    # ---------------------------------------------------------------- test controls

    def account(self, token: str) -> Account:
        with self._lock:
            return self._accounts.setdefault(token, Account(token))

    def sold_out(self, size: str, region: str, sold_out: bool = True) -> None:
        with self._lock:
            (self._sold_out.add if sold_out else self._sold_out.discard)((size, region))

    def fail_next(
        self, method: str, path_prefix: str, status: int = 503, error_id: str = "service_unavailable"
    ) -> None:
        with self._lock:
            self._fail.append((method.upper(), path_prefix, status, error_id))

    def boot_now(self) -> None:
        with self._lock:
            for account in self._accounts.values():
                for droplet_id in list(account.pending):
                    self._finish(account, droplet_id)

    def droplets(self, token: str = DEFAULT_TOKEN) -> list[JSON]:
        with self._lock:
            return [json.loads(json.dumps(d)) for d in self.account(token).droplets.values()]

    def ssh_keys(self, token: str = DEFAULT_TOKEN) -> list[JSON]:
        with self._lock:
            return [dict(k) for k in self.account(token).keys.values()]

    # ---------------------------------------------------------------- the API

    def _next_id(self) -> int:
        self._seq += 1
        return self._seq

    def _api(
        self, method: str, path: str, query: JSON, body: JSON, headers: dict[str, str]
    ) -> tuple[int, JSON]:
        sub = path[len("/v2") :] or "/"
        with self._lock:
            self.calls[(method, sub)] += 1
            try:
                for i, (m, prefix, status, error_id) in enumerate(self._fail):
                    if m == method and sub.startswith(prefix):
                        del self._fail[i]
                        raise DOFail(status, error_id, f"injected failure: {error_id}")
                auth = headers.get("authorization", "")
                token = auth[len("Bearer ") :] if auth.startswith("Bearer ") else ""
                if token not in self._accounts:
                    raise DOFail(401, "unauthorized", "Unable to authenticate you")
                return self._route(self._accounts[token], method, sub, query, body)
            except DOFail as fail:
                return fail.status, {
                    "id": fail.error_id,
                    "message": fail.message,
                    "request_id": uuid.uuid4().hex,
                }

    def _route(self, account: Account, method: str, sub: str, query: JSON, body: JSON) -> tuple[int, JSON]:
        parts = [p for p in sub.split("/") if p]
        if parts == ["account"] and method == "GET":
            return 200, {
                "account": {
                    "droplet_limit": 25,
                    "floating_ip_limit": 3,
                    "volume_limit": 100,
                    "email": "ops@example.net",
                    "uuid": account.uuid,
                    "email_verified": True,
                    "status": "active",
                    "status_message": "",
                    "team": {"uuid": account.uuid[::-1], "name": "Billing Console"},
                }
            }
        if parts == ["droplets"] and method == "GET":
            return 200, self._list_droplets(account, sub, query)
        if parts == ["droplets"] and method == "POST":
            return 202, self._create_droplet(account, body)
        if len(parts) >= 2 and parts[0] == "droplets":
            droplet = self._droplet_of(account, parts[1])
            if len(parts) == 2 and method == "GET":
                self._observe(account, droplet)
                return 200, {"droplet": droplet}
            if len(parts) == 2 and method == "DELETE":
                account.pending.pop(droplet["id"], None)
                del account.droplets[droplet["id"]]
                return 204, {}
            if len(parts) == 3 and parts[2] == "actions" and method == "POST":
                return 201, {"action": self._droplet_action(account, droplet, body)}
            if len(parts) == 4 and parts[2] == "actions" and method == "GET":
                return 200, {"action": self._action_of(account, parts[3])}
        if len(parts) == 2 and parts[0] == "actions" and method == "GET":
            return 200, {"action": self._action_of(account, parts[1])}
        if parts[:2] == ["account", "keys"]:
            return self._keys(account, method, parts[2:], sub, query, body)
        if parts == ["sizes"] and method == "GET":
            return 200, self._page([self._size(s) for s in _SIZES], sub, query, "sizes")
        if parts == ["regions"] and method == "GET":
            return 200, self._page([self._region(r) for r in _REGIONS], sub, query, "regions")
        raise DOFail(404, "not_found", "The resource you were accessing could not be found.")

    # --------------------------------------------------------------- catalog

    def _size(self, slug: str) -> JSON:
        vcpus, memory, disk, transfer, monthly, hourly = _SIZES[slug]
        regions = [r for r in _REGIONS if (slug, r) not in self._sold_out]
        return {
            "slug": slug,
            "memory": memory,
            "vcpus": vcpus,
            "disk": disk,
            "transfer": transfer,
            "price_monthly": monthly,
            "price_hourly": hourly,
            "regions": regions,
            "available": bool(regions),
            "description": "Basic",
            "networking_throughput": 2000,
            "disk_info": [{"type": "local", "size": {"amount": disk, "unit": "gib"}}],
        }

    def _region(self, slug: str) -> JSON:
        return {
            "name": _REGIONS[slug],
            "slug": slug,
            "features": list(_FEATURES),
            "available": True,
            "sizes": [s for s in _SIZES if (s, slug) not in self._sold_out],
        }

    def _image(self, slug: str) -> JSON:
        image_id, name, distribution = _IMAGES[slug]
        return {
            "id": image_id,
            "name": name,
            "distribution": distribution,
            "slug": slug,
            "public": True,
            "regions": list(_REGIONS),
            "created_at": "2024-06-12T19:35:23Z",
            "min_disk_size": 7,
            "type": "base",
            "size_gigabytes": 0.98,
            "description": f"{distribution} {name}",
            "tags": [],
            "status": "available",
            "error_message": "",
        }

    # --------------------------------------------------------------- droplets

    def _page(self, items: list[JSON], sub: str, query: JSON, key: str) -> JSON:
        try:
            page = max(1, int(query.get("page", 1)))
            per_page = min(MAX_PER_PAGE, max(1, int(query.get("per_page", 20))))
        except ValueError as error:
            raise DOFail(400, "bad_request", "page and per_page must be numbers") from error
        last = max(1, -(-len(items) // per_page))
        keep = {k: v for k, v in query.items() if k not in ("page", "per_page")}

        def url(n: int) -> str:
            return f"https://api.digitalocean.com/v2{sub}?" + urlencode(
                {**keep, "page": n, "per_page": per_page}
            )

        pages: JSON = {}
        if page > 1:
            pages.update(first=url(1), prev=url(page - 1))
        if page < last:
            pages.update(next=url(page + 1), last=url(last))
        return {
            key: items[(page - 1) * per_page : page * per_page],
            "links": {"pages": pages},
            "meta": {"total": len(items)},
        }

    def _droplet_of(self, account: Account, ref: str) -> JSON:
        droplet = account.droplets.get(int(ref)) if ref.isdigit() else None
        if droplet is None:
            raise DOFail(404, "not_found", "The resource you were accessing could not be found.")
        return droplet

    def _action_of(self, account: Account, ref: str) -> JSON:
        action = account.actions.get(int(ref)) if ref.isdigit() else None
        if action is None:
            raise DOFail(404, "not_found", "The resource you were accessing could not be found.")
        return action

    def _list_droplets(self, account: Account, sub: str, query: JSON) -> JSON:
        if "tag_name" in query and "name" in query:
            raise DOFail(422, "unprocessable_entity", "You may only filter by one of tag_name or name.")
        droplets = list(account.droplets.values())
        if "tag_name" in query:
            droplets = [d for d in droplets if query["tag_name"] in d["tags"]]
        if "name" in query:
            droplets = [d for d in droplets if d["name"] == query["name"]]
        page = self._page(droplets, sub, query, "droplets")
        for droplet in page["droplets"]:
            self._observe(account, droplet)
        return page

    def _observe(self, account: Account, droplet: JSON) -> None:
        pending = account.pending.get(droplet["id"])
        if pending is None:
            return
        left, action_ids, after = pending
        if left <= 0:
            self._finish(account, droplet["id"])
        else:
            account.pending[droplet["id"]] = (left - 1, action_ids, after)

    def _finish(self, account: Account, droplet_id: int) -> None:
        _, action_ids, after = account.pending.pop(droplet_id)
        droplet = account.droplets.get(droplet_id)
        if droplet is not None:
            droplet.update(status=after, locked=False)
        for action_id in action_ids:
            account.actions[action_id].update(status="completed", completed_at=_iso(self.now()))

    def _new_action(self, account: Account, kind: str, droplet: JSON, status: str = "in-progress") -> JSON:
        action = {
            "id": self._next_id(),
            "status": status,
            "type": kind,
            "started_at": _iso(self.now()),
            "completed_at": None if status == "in-progress" else _iso(self.now()),
            "resource_id": droplet["id"],
            "resource_type": "droplet",
            "region": self._region(droplet["region"]["slug"]),
            "region_slug": droplet["region"]["slug"],
        }
        account.actions[action["id"]] = action
        return action

    def _create_droplet(self, account: Account, body: JSON) -> JSON:
        name, region, size, image = body.get("name"), body.get("region"), body.get("size"), body.get("image")
        if not isinstance(name, str) or not name or len(name) > 255:
            raise DOFail(422, "unprocessable_entity", "Name is invalid.")
        if region not in _REGIONS:
            raise DOFail(422, "unprocessable_entity", "Region is not available.")
        if size not in _SIZES:
            raise DOFail(422, "unprocessable_entity", "Size is invalid.")
        if image not in _IMAGES:
            raise DOFail(422, "unprocessable_entity", "You specified an invalid image for Droplet creation.")
        tags = body.get("tags") or []
        if not isinstance(tags, list) or not all(isinstance(t, str) and 0 < len(t) <= 255 for t in tags):
            raise DOFail(422, "unprocessable_entity", "Tags are invalid.")
        keys = []
        for ref in body.get("ssh_keys") or []:
            key = next(
                (k for k in account.keys.values() if ref in (k["id"], k["fingerprint"], str(k["id"]))), None
            )
            if key is None:
                raise DOFail(422, "unprocessable_entity", "SSH key is invalid.")
            keys.append(key)
        if (size, region) in self._sold_out:
            raise DOFail(422, "unprocessable_entity", f"Size {size} is not available in this region.")
        droplet_id = self._next_id()
        vcpus, memory, disk, *_ = _SIZES[size]
        n = droplet_id % 250 + 1
        droplet: JSON = {
            "id": droplet_id,
            "name": name,
            "memory": memory,
            "vcpus": vcpus,
            "disk": disk,
            "locked": True,
            "status": "new",
            "kernel": None,
            "created_at": _iso(self.now()),
            "features": ["ipv6", "droplet_agent"] if body.get("ipv6") else ["droplet_agent"],
            "backup_ids": [],
            "next_backup_window": None,
            "snapshot_ids": [],
            "image": self._image(image),
            "volume_ids": [],
            "size": self._size(size),
            "size_slug": size,
            "networks": {
                "v4": [
                    {
                        "ip_address": f"192.0.2.{n}",
                        "netmask": "255.255.255.0",
                        "gateway": "192.0.2.254",
                        "type": "public",
                    },
                    {
                        "ip_address": f"10.114.0.{n}",
                        "netmask": "255.255.240.0",
                        "gateway": "10.114.0.1",
                        "type": "private",
                    },
                ],
                "v6": [
                    {
                        "ip_address": f"2001:db8:d0::{droplet_id % 65536:x}",
                        "netmask": 64,
                        "gateway": "2001:db8:d0::1",
                        "type": "public",
                    }
                ]
                if body.get("ipv6")
                else [],
            },
            "region": self._region(region),
            "tags": list(dict.fromkeys(tags)),
            "vpc_uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{account.uuid}/{region}")),
        }
        account.droplets[droplet_id] = droplet
        action = self._new_action(account, "create", droplet)
        account.pending[droplet_id] = (self.boot_polls, [action["id"]], "active")
        return {
            "droplet": droplet,
            "links": {
                "actions": [
                    {
                        "id": action["id"],
                        "rel": "create",
                        "href": f"https://api.digitalocean.com/v2/actions/{action['id']}",
                    }
                ]
            },
        }

    def _droplet_action(self, account: Account, droplet: JSON, body: JSON) -> JSON:
        kind = body.get("type")
        if droplet["id"] in account.pending:
            raise DOFail(422, "unprocessable_entity", "Droplet already has a pending event.")
        if kind == "resize":
            size = body.get("size")
            if size not in _SIZES:
                raise DOFail(422, "unprocessable_entity", "Size is invalid.")
            if droplet["status"] != "off":
                raise DOFail(422, "unprocessable_entity", "Droplet must be powered off to resize.")
            if (size, droplet["region"]["slug"]) in self._sold_out:
                raise DOFail(422, "unprocessable_entity", f"Size {size} is not available in this region.")
            vcpus, memory, disk, *_ = _SIZES[size]
            droplet.update(size=self._size(size), size_slug=size, vcpus=vcpus, memory=memory)
            if body.get("disk"):
                droplet["disk"] = disk
            return self._new_action(account, "resize", droplet, status="completed")
        if kind not in _ACTIONS:
            raise DOFail(422, "unprocessable_entity", f"Action type {kind!r} is not valid.")
        during, after = _ACTIONS[kind]
        if droplet["status"] == after and kind not in ("reboot", "power_cycle"):
            return self._new_action(account, kind, droplet, status="completed")
        if kind in ("reboot", "power_cycle") and droplet["status"] == "off":
            kind, during = "power_on", "off"
        action = self._new_action(account, kind, droplet)
        droplet.update(status=during, locked=True)
        account.pending[droplet["id"]] = (self.boot_polls, [action["id"]], after)
        return action

    # --------------------------------------------------------------- SSH keys

    def _keys(
        self, account: Account, method: str, rest: list[str], sub: str, query: JSON, body: JSON
    ) -> tuple[int, JSON]:
        if not rest and method == "GET":
            return 200, self._page(list(account.keys.values()), sub, query, "ssh_keys")
        if not rest and method == "POST":
            name, public_key = body.get("name"), body.get("public_key")
            parts = public_key.split() if isinstance(public_key, str) else []
            if not name or len(parts) < 2 or not parts[0].startswith(("ssh-", "ecdsa-")):
                raise DOFail(
                    422, "unprocessable_entity", "Key invalid, key should be of the form 'ssh-rsa AAAA...'"
                )
            try:
                blob = base64.b64decode(parts[1], validate=True)
            except ValueError as error:
                raise DOFail(422, "unprocessable_entity", "Key invalid") from error
            digest = hashlib.md5(blob).hexdigest()
            fingerprint = ":".join(digest[i : i + 2] for i in range(0, 32, 2))
            if any(k["fingerprint"] == fingerprint for k in account.keys.values()):
                raise DOFail(422, "unprocessable_entity", "SSH Key is already in use on your account")
            key = {
                "id": self._next_id(),
                "fingerprint": fingerprint,
                "public_key": public_key.strip(),
                "name": name,
            }
            account.keys[key["id"]] = key
            return 201, {"ssh_key": key}
        if len(rest) == 1:
            key = next(
                (k for k in account.keys.values() if rest[0] in (str(k["id"]), k["fingerprint"])), None
            )
            if key is None:
                raise DOFail(404, "not_found", "The resource you were accessing could not be found.")
            if method == "GET":
                return 200, {"ssh_key": key}
            if method == "DELETE":
                del account.keys[key["id"]]
                return 204, {}
        raise DOFail(404, "not_found", "The resource you were accessing could not be found.")

    # --------------------------------------------------------------- HTTP

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

            def do_PUT(self) -> None:
                self._handle("PUT")

            def do_DELETE(self) -> None:
                self._handle("DELETE")

            def _handle(self, method: str) -> None:
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                query = dict(parse_qsl(url.query, keep_blank_values=True))
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    body = json.loads(raw) if raw else {}
                except ValueError:
                    status, payload = (
                        400,
                        {"id": "bad_request", "message": "unparsable JSON", "request_id": ""},
                    )
                else:
                    if url.path.startswith("/v2"):
                        status, payload = fake._api(method, url.path, query, body, headers)
                    else:
                        status, payload = 404, {"id": "not_found", "message": "not found", "request_id": ""}
                data = b"" if status == 204 else json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.send_header("Ratelimit-Limit", "5000")
                    self.send_header("Ratelimit-Remaining", "4999")
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
