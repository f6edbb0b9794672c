"""A local stand-in for the Hetzner Cloud API (v1) that the official `hcloud` client talks to.

Point the client at it with `Client(token, api_endpoint=fake.endpoint, poll_interval=0.01)`. It speaks
the wire format of https://docs.hetzner.cloud: JSON bodies, `Authorization: Bearer <token>`,
`{"error": {"code", "message", "details"}}` with Hetzner's HTTP statuses (401 unauthorized, 404
not_found, 409 uniqueness_error, 412 resource_unavailable / server_not_stopped, 400 invalid_input),
`meta.pagination` on every list (`page`, `per_page`, at most 50), `label_selector` and `name` filters.

Each token is its own project: it sees only its own servers, SSH keys and actions. The catalog (server
types, locations, datacenters, images) is shared and shaped like the real one (cx22/cx32/cx42 in
fsn1/nbg1/hel1). Objects keep the real fields and types (server: public_net, server_type with prices,
datacenter, location, image, labels, protection, ...; action: command, status running -> success,
progress, started, finished, resources, error).

Time does not pass by itself. A new server is "initializing"; the first `boot_polls` GETs that return
it (one server or a list) still show "initializing", the next shows "running" (the create and
start actions finish then). Power actions work the same way ("starting"/"stopping" -> "running"/"off").
`boot_now()` finishes every transition at once.

Test controls: `sold_out(server_type, location)`, `fail_next(method, path_prefix, status, code)`,
`boot_now()`, `calls[(method, path)]` (path below /v1, ids included: ("GET", "/servers")).
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.local_server import LocalHttpServer

JSON = dict[str, Any]
DEFAULT_TOKEN = "hz-test-token"
MAX_PER_PAGE = 50

_LOCATIONS: list[JSON] = [
    {
        "id": 1,
        "name": "fsn1",
        "description": "Falkenstein DC Park 1",
        "country": "DE",
        "city": "Falkenstein",
        "latitude": 50.47612,
        "longitude": 12.370071,
        "network_zone": "eu-central",
    },
    {
        "id": 2,
        "name": "nbg1",
        "description": "Nuremberg DC Park 1",
        "country": "DE",
        "city": "Nuremberg",
        "latitude": 49.452102,
        "longitude": 11.076665,
        "network_zone": "eu-central",
    },
    {
        "id": 3,
        "name": "hel1",
        "description": "Helsinki DC Park 1",
        "country": "FI",
        "city": "Helsinki",
        "latitude": 60.169855,
        "longitude": 24.938379,
        "network_zone": "eu-central",
    },
]
_DATACENTERS = {"fsn1": (4, "fsn1-dc14"), "nbg1": (2, "nbg1-dc3"), "hel1": (3, "hel1-dc2")}
# name -> (id, cores, memory GB, disk GB, monthly net EUR, hourly net EUR)
_SERVER_TYPES = {
    "cx22": (104, 2, 4.0, 40, "3.7900", "0.0060"),
    "cx32": (105, 4, 8.0, 80, "6.8000", "0.0110"),
    "cx42": (106, 8, 16.0, 160, "16.4000", "0.0260"),
}
_IMAGES: list[JSON] = [
    {
        "id": 161547269,
        "name": "ubuntu-24.04",
        "os_flavor": "ubuntu",
        "os_version": "24.04",
        "desc": "Ubuntu 24.04",
    },
    {"id": 114690387, "name": "debian-12", "os_flavor": "debian", "os_version": "12", "desc": "Debian 12"},
]
_TRANSITIONS = {  # action command -> (status while running, status after)
    "start_server": ("starting", "running"),
    "poweron": ("starting", "running"),
    "poweroff": ("stopping", "off"),
    "reboot": ("starting", "running"),
    "change_type": ("off", "off"),
}


class HetznerFail(Exception):
    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


@dataclass
class Project:
    token: str
    servers: dict[int, JSON] = field(default_factory=dict)
    ssh_keys: dict[int, JSON] = field(default_factory=dict)
    actions: dict[int, JSON] = field(default_factory=dict)
    # server id -> (GETs left before the pending transition completes, action ids it finishes)
    pending: dict[int, tuple[int, list[int], str]] = field(default_factory=dict)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _location(name: str) -> JSON:
    return next(dict(loc) for loc in _LOCATIONS if loc["name"] == name)


def _prices(monthly: str, hourly: str) -> list[JSON]:
    def gross(net: str) -> str:  # 19 % VAT, as the API shows for a German project (strings, like the API)
        return str((Decimal(net) * Decimal("1.19")).quantize(Decimal("0.0001")))

    return [
        {
            "location": loc["name"],
            "price_hourly": {"net": hourly, "gross": gross(hourly)},
            "price_monthly": {"net": monthly, "gross": gross(monthly)},
            "included_traffic": 21990232555520,
            "price_per_tb_traffic": {"net": "1.0000", "gross": "1.1900"},
        }
        for loc in _LOCATIONS
    ]


class FakeHetzner(LocalHttpServer):
    def __init__(self, tokens: Iterable[str] = (DEFAULT_TOKEN,), *, boot_polls: int = 2) -> None:
        self.boot_polls = boot_polls
        self.now = lambda: datetime.now(UTC)
        self.calls: Counter[tuple[str, str]] = Counter()
        self._lock = threading.RLock()
        self._projects: dict[str, Project] = {}
        self._sold_out: set[tuple[str, str]] = set()
        self._fail: list[tuple[str, str, int, str]] = []
        self._seq = 40_000_000
        for token in tokens:
            self.project(token)
        self._serve(self._handler_class(), "fake-hetzner")

    # ---------------------------------------------------------------- lifecycle

    @property
    def endpoint(self) -> str:
        return self.address + "/v1"

    # ---------------------------------------------------------------- test controls

    def project(self, token: str) -> Project:
        with self._lock:
            return self._projects.setdefault(token, Project(token))

    def sold_out(self, server_type: str, location: str, sold_out: bool = True) -> None:
        with self._lock:
            (self._sold_out.add if sold_out else self._sold_out.discard)((server_type, location))

    def fail_next(self, method: str, path_prefix: str, status: int = 503, code: str = "unavailable") -> None:
        """The next request whose path (below /v1) starts with `path_prefix` fails with this error."""
        with self._lock:
            self._fail.append((method.upper(), path_prefix, status, code))

    def boot_now(self) -> None:
        with self._lock:
            for project in self._projects.values():
                for server_id in list(project.pending):
                    self._finish(project, server_id)

    def add_server(
        self,
        token: str,
        name: str,
        server_type: str = "cx22",
        location: str = "fsn1",
        labels: dict[str, str] | None = None,
        status: str = "running",
    ) -> int:
        """A server that exists already (made in the console, or long ago), without an API call."""
        with self._lock:
            project = self.project(token)
            body = {"name": name, "server_type": server_type, "location": location, "image": "ubuntu-24.04"}
            created = self._create_server(project, body | {"labels": labels or {}})
            server_id: int = created["server"]["id"]
            self._finish(project, server_id)
            project.servers[server_id]["status"] = status
            return server_id

    def set_status(self, token: str, server_id: int, status: str) -> None:
        """The server changed on its own (powered off in the console, crashed, ...)."""
        with self._lock:
            project = self.project(token)
            project.pending.pop(server_id, None)
            project.servers[server_id]["status"] = status

    def servers(self, token: str = DEFAULT_TOKEN) -> list[JSON]:
        with self._lock:
            return [json.loads(json.dumps(s)) for s in self.project(token).servers.values()]

    def ssh_keys(self, token: str = DEFAULT_TOKEN) -> list[JSON]:
        with self._lock:
            return [dict(k) for k in self.project(token).ssh_keys.values()]

    def list_calls(self, method: str = "GET", path: str = "/servers") -> int:
        return self.calls[(method, path)]

    # ---------------------------------------------------------------- the API

    def _next_id(self) -> int:
        self._seq += 1
        return self._seq

    def _api(
        self, method: str, path: str, query: JSON, body: JSON, headers: dict[str, str]
    ) -> tuple[int, JSON]:
        sub = path[len("/v1") :] or "/"
        with self._lock:
            self.calls[(method, sub)] += 1
            try:
                for i, (m, prefix, status, code) in enumerate(self._fail):
                    if m == method and sub.startswith(prefix):
                        del self._fail[i]
                        raise HetznerFail(status, code, f"injected failure: {code}")
                auth = headers.get("authorization", "")
                token = auth[len("Bearer ") :] if auth.startswith("Bearer ") else ""
                if not token or token not in self._projects:
                    raise HetznerFail(401, "unauthorized", "unable to authenticate")
                return self._route(self._projects[token], method, sub, query, body)
            except HetznerFail as fail:
                return fail.status, {
                    "error": {"code": fail.code, "message": fail.message, "details": fail.details}
                }

    def _route(self, project: Project, method: str, sub: str, query: JSON, body: JSON) -> tuple[int, JSON]:
        parts = [p for p in sub.split("/") if p]
        if method == "GET" and parts == ["servers"]:
            return 200, self._list_servers(project, query)
        if method == "POST" and parts == ["servers"]:
            return 201, self._create_server(project, body)
        if len(parts) >= 2 and parts[0] == "servers":
            server = self._server_of(project, parts[1])
            if len(parts) == 2 and method == "GET":
                self._observe(project, server)
                return 200, {"server": server}
            if len(parts) == 2 and method == "DELETE":
                return 200, {"action": self._delete_server(project, server)}
            if len(parts) == 4 and parts[2] == "actions" and method == "POST":
                return 201, {"action": self._server_action(project, server, parts[3], body)}
            if len(parts) == 4 and parts[2] == "actions" and method == "GET":
                return 200, {"action": self._action_of(project, parts[3])}
        if method == "GET" and parts == ["actions"]:
            return 200, self._page(list(project.actions.values()), query, "actions")
        if method == "GET" and len(parts) == 2 and parts[0] == "actions":
            return 200, {"action": self._action_of(project, parts[1])}
        if parts and parts[0] == "ssh_keys":
            return self._ssh_keys(project, method, parts, query, body)
        if method == "GET" and parts and parts[0] in ("server_types", "locations", "datacenters", "images"):
            return 200, self._catalog(parts, query)
        raise HetznerFail(404, "not_found", f"no route {method} {sub}")

    # --------------------------------------------------------------- catalog

    def _server_type(self, name: str) -> JSON:
        tid, cores, memory, disk, monthly, hourly = _SERVER_TYPES[name]
        return {
            "id": tid,
            "name": name,
            "description": name.upper(),
            "category": "cost_optimized",
            "cores": cores,
            "memory": memory,
            "disk": disk,
            "prices": _prices(monthly, hourly),
            "storage_type": "local",
            "cpu_type": "shared",
            "architecture": "x86",
            "deprecated": False,
            "deprecation": None,
            "included_traffic": 21990232555520,
            "locations": [
                {
                    "id": loc["id"],
                    "name": loc["name"],
                    "deprecation": None,
                    "available": (name, loc["name"]) not in self._sold_out,
                    "recommended": (name, loc["name"]) not in self._sold_out,
                }
                for loc in _LOCATIONS
            ],
        }

    def _datacenter(self, location: str) -> JSON:
        dc_id, dc_name = _DATACENTERS[location]
        ids = [t[0] for t in _SERVER_TYPES.values()]
        return {
            "id": dc_id,
            "name": dc_name,
            "description": f"{_location(location)['city']} 1 virtual DC {dc_name.split('dc')[-1]}",
            "location": _location(location),
            "server_types": {
                "supported": ids,
                "available": [t[0] for n, t in _SERVER_TYPES.items() if (n, location) not in self._sold_out],
                "available_for_migration": ids,
            },
        }

    def _image(self, image: JSON) -> JSON:
        return {
            **image,
            "type": "system",
            "status": "available",
            "description": image["desc"],
            "image_size": None,
            "disk_size": 5,
            "created": "2024-04-25T12:00:00+00:00",
            "created_from": None,
            "bound_to": None,
            "rapid_deploy": True,
            "protection": {"delete": False},
            "deprecated": None,
            "deleted": None,
            "labels": {},
            "architecture": "x86",
        }

    def _catalog(self, parts: list[str], query: JSON) -> JSON:
        kind = parts[0]
        if kind == "server_types":
            items = [self._server_type(n) for n in _SERVER_TYPES]
        elif kind == "locations":
            items = [dict(loc) for loc in _LOCATIONS]
        elif kind == "datacenters":
            items = [self._datacenter(loc["name"]) for loc in _LOCATIONS]
        else:
            items = [self._image(i) for i in _IMAGES]
            for image in items:
                image.pop("desc")
        if len(parts) == 2:
            single = kind[:-1]
            for item in items:
                if str(item["id"]) == parts[1]:
                    return {single: item}
            raise HetznerFail(404, "not_found", f"{single} with ID '{parts[1]}' not found")
        if "name" in query:
            items = [i for i in items if i["name"] == query["name"]]
        return self._page(items, query, kind)

    # --------------------------------------------------------------- servers

    def _server_of(self, project: Project, ref: str) -> JSON:
        server = project.servers.get(int(ref)) if ref.isdigit() else None
        if server is None:
            raise HetznerFail(404, "not_found", f"server with ID '{ref}' not found")
        return server

    def _action_of(self, project: Project, ref: str) -> JSON:
        action = project.actions.get(int(ref)) if ref.isdigit() else None
        if action is None:
            raise HetznerFail(404, "not_found", f"action with ID '{ref}' not found")
        return action

    def _page(self, items: list[JSON], query: JSON, key: str) -> JSON:
        try:
            page = max(1, int(query.get("page", 1)))
            per_page = min(MAX_PER_PAGE, max(1, int(query.get("per_page", 25))))
        except ValueError as error:
            raise HetznerFail(400, "invalid_input", "invalid page or per_page") from error
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        return {
            key: chunk,
            "meta": {
                "pagination": {
                    "page": page,
                    "per_page": per_page,
                    "previous_page": page - 1 if page > 1 else None,
                    "next_page": page + 1 if page < last else None,
                    "last_page": last,
                    "total_entries": len(items),
                }
            },
        }

    def _list_servers(self, project: Project, query: JSON) -> JSON:
        servers = list(project.servers.values())
        if "name" in query:
            servers = [s for s in servers if s["name"] == query["name"]]
        if "label_selector" in query:
            servers = [s for s in servers if _matches(s["labels"], query["label_selector"])]
        if "status" in query:
            servers = [s for s in servers if s["status"] == query["status"]]
        page = self._page(servers, query, "servers")
        for server in page["servers"]:
            self._observe(project, server)
        return page

    def _observe(self, project: Project, server: JSON) -> None:
        """One GET saw the server: count down its pending transition (the answer shows the state before)."""
        pending = project.pending.get(server["id"])
        if pending is None:
            return
        left, action_ids, target = pending
        if left <= 0:
            self._finish(project, server["id"])
        else:
            project.pending[server["id"]] = (left - 1, action_ids, target)

    def _finish(self, project: Project, server_id: int) -> None:
        _, action_ids, target = project.pending.pop(server_id)
        server = project.servers.get(server_id)
        if server is not None:
            server["status"] = target
        for action_id in action_ids:
            action = project.actions[action_id]
            action.update(status="success", progress=100, finished=_iso(self.now()))

    def _new_action(self, project: Project, command: str, server_id: int, status: str = "running") -> JSON:
        action = {
            "id": self._next_id(),
            "command": command,
            "status": status,
            "progress": 0 if status == "running" else 100,
            "started": _iso(self.now()),
            "finished": None if status == "running" else _iso(self.now()),
            "resources": [{"id": server_id, "type": "server"}],
            "error": None,
        }
        project.actions[action["id"]] = action
        return action

    def _create_server(self, project: Project, body: JSON) -> JSON:
        name = body.get("name")
        if not isinstance(name, str) or not _valid_hostname(name):
            raise HetznerFail(
                400, "invalid_input", "invalid input in field 'name'", {"fields": [{"name": "name"}]}
            )
        type_name = body.get("server_type")
        type_name = next((n for n, t in _SERVER_TYPES.items() if type_name in (n, t[0], str(t[0]))), None)
        if type_name is None:
            raise HetznerFail(
                400, "invalid_input", "server type not found", {"fields": [{"name": "server_type"}]}
            )
        location = body.get("location") or "fsn1"
        location = next((loc["name"] for loc in _LOCATIONS if location in (loc["name"], loc["id"])), None)
        if location is None:
            raise HetznerFail(400, "invalid_input", "location not found", {"fields": [{"name": "location"}]})
        image = next((i for i in _IMAGES if body.get("image") in (i["name"], i["id"], str(i["id"]))), None)
        if image is None:
            raise HetznerFail(400, "invalid_input", "image not found", {"fields": [{"name": "image"}]})
        labels = body.get("labels") or {}
        if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
            raise HetznerFail(400, "invalid_input", "invalid input in field 'labels'")
        keys = []
        for ref in body.get("ssh_keys") or []:
            key = next(
                (k for k in project.ssh_keys.values() if ref in (k["id"], k["name"], str(k["id"]))), None
            )
            if key is None:
                raise HetznerFail(400, "invalid_input", f"SSH key {ref!r} not found")
            keys.append(key)
        if any(s["name"] == name for s in project.servers.values()):
            raise HetznerFail(
                409, "uniqueness_error", "server name is already used", {"fields": [{"name": "name"}]}
            )
        if (type_name, location) in self._sold_out:
            raise HetznerFail(412, "resource_unavailable", "error during placement")
        server_id = self._next_id()
        n = server_id % 250 + 1
        dc_id, dc_name = _DATACENTERS[location]
        server: JSON = {
            "id": server_id,
            "name": name,
            "status": "initializing",
            "created": _iso(self.now()),
            "public_net": {
                "ipv4": {
                    "id": self._next_id(),
                    "ip": f"198.51.100.{n}",
                    "blocked": False,
                    "dns_ptr": f"static.{n}.100.51.198.clients.your-server.de",
                },
                "ipv6": {
                    "id": self._next_id(),
                    "ip": f"2001:db8:{server_id % 65536:x}::/64",
                    "blocked": False,
                    "dns_ptr": [],
                },
                "floating_ips": [],
                "firewalls": [],
            },
            "private_net": [],
            "server_type": self._server_type(type_name),
            "datacenter": self._datacenter(location) | {"id": dc_id, "name": dc_name},
            "location": _location(location),
            "image": self._image(image) | {},
            "iso": None,
            "rescue_enabled": False,
            "locked": False,
            "backup_window": None,
            "outgoing_traffic": 0,
            "ingoing_traffic": 0,
            "included_traffic": 21990232555520,
            "protection": {"delete": False, "rebuild": False},
            "labels": dict(labels),
            "volumes": [],
            "load_balancers": [],
            "primary_disk_size": _SERVER_TYPES[type_name][3],
            "placement_group": None,
        }
        server["image"].pop("desc", None)
        server["server_type"].pop("locations", None)
        project.servers[server_id] = server
        create = self._new_action(project, "create_server", server_id)
        start = self._new_action(project, "start_server", server_id)
        project.pending[server_id] = (self.boot_polls, [create["id"], start["id"]], "running")
        return {
            "server": server,
            "action": create,
            "next_actions": [start],
            "root_password": None if keys else "YItygq1v3GYjjMomLaKc",
        }

    def _server_action(self, project: Project, server: JSON, command: str, body: JSON) -> JSON:
        if command not in ("poweron", "poweroff", "reboot", "shutdown", "reset", "change_type"):
            raise HetznerFail(404, "not_found", f"no action {command}")
        if server["id"] in project.pending:
            raise HetznerFail(409, "locked", "server is locked by another action")
        if command == "change_type":
            new = body.get("server_type")
            new = next((n for n, t in _SERVER_TYPES.items() if new in (n, t[0], str(t[0]))), None)
            if new is None:
                raise HetznerFail(400, "invalid_input", "server type not found")
            if server["status"] != "off":
                raise HetznerFail(
                    412, "server_not_stopped", "server must be stopped before changing its type"
                )
            if (new, server["location"]["name"]) in self._sold_out:
                raise HetznerFail(412, "resource_unavailable", "server type not available in this location")
            action = self._new_action(project, "change_server_type", server["id"], status="success")
            server["server_type"] = {k: v for k, v in self._server_type(new).items() if k != "locations"}
            return action
        if command == "shutdown":
            command = "poweroff"
        if command == "reset":
            command = "reboot"
        during, after = _TRANSITIONS[command]
        if command == "poweron" and server["status"] == "running":
            return self._new_action(project, "start_server", server["id"], status="success")
        if command == "poweroff" and server["status"] == "off":
            return self._new_action(project, "stop_server", server["id"], status="success")
        name = {"poweron": "start_server", "poweroff": "stop_server", "reboot": "reboot_server"}[command]
        action = self._new_action(project, name, server["id"])
        server["status"] = during
        project.pending[server["id"]] = (self.boot_polls, [action["id"]], after)
        return action

    def _delete_server(self, project: Project, server: JSON) -> JSON:
        project.pending.pop(server["id"], None)
        del project.servers[server["id"]]
        return self._new_action(project, "delete_server", server["id"], status="success")

    # --------------------------------------------------------------- SSH keys

    def _ssh_keys(
        self, project: Project, method: str, parts: list[str], query: JSON, body: JSON
    ) -> tuple[int, JSON]:
        if parts == ["ssh_keys"] and method == "GET":
            keys = list(project.ssh_keys.values())
            if "name" in query:
                keys = [k for k in keys if k["name"] == query["name"]]
            if "fingerprint" in query:
                keys = [k for k in keys if k["fingerprint"] == query["fingerprint"]]
            if "label_selector" in query:
                keys = [k for k in keys if _matches(k["labels"], query["label_selector"])]
            return 200, self._page(keys, query, "ssh_keys")
        if parts == ["ssh_keys"] and method == "POST":
            name, public_key = body.get("name"), body.get("public_key")
            if not isinstance(name, str) or not name:
                raise HetznerFail(400, "invalid_input", "invalid input in field 'name'")
            fingerprint = _fingerprint(public_key)
            if any(k["name"] == name for k in project.ssh_keys.values()):
                raise HetznerFail(409, "uniqueness_error", "SSH key with the same name already exists")
            if any(k["fingerprint"] == fingerprint for k in project.ssh_keys.values()):
                raise HetznerFail(409, "uniqueness_error", "SSH key with the same fingerprint already exists")
            key = {
                "id": self._next_id(),
                "name": name,
                "fingerprint": fingerprint,
                "public_key": public_key.strip(),
                "labels": dict(body.get("labels") or {}),
                "created": _iso(self.now()),
            }
            project.ssh_keys[key["id"]] = key
            return 201, {"ssh_key": key}
        if len(parts) == 2:
            key = project.ssh_keys.get(int(parts[1])) if parts[1].isdigit() else None
            if key is None:
                raise HetznerFail(404, "not_found", f"SSH key with ID '{parts[1]}' not found")
            if method == "GET":
                return 200, {"ssh_key": key}
            if method == "DELETE":
                del project.ssh_keys[key["id"]]
                return 204, {}
        raise HetznerFail(404, "not_found", "no such route")

    # --------------------------------------------------------------- HTTP

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body leave at once (no 40 ms delayed-ACK stall)

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
                        {"error": {"code": "json_error", "message": "invalid JSON", "details": None}},
                    )
                else:
                    if not url.path.startswith("/v1"):
                        status, payload = (
                            404,
                            {"error": {"code": "not_found", "message": "not found", "details": None}},
                        )
                    else:
                        status, payload = fake._api(method, url.path, query, body, headers)
                data = b"" if status == 204 else json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.send_header("X-Correlation-Id", f"fake{fake._seq:x}")
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def _valid_hostname(name: str) -> bool:
    labels = name.split(".")
    return 0 < len(name) <= 253 and all(
        0 < len(p) <= 63 and p[0].isalnum() and p[-1].isalnum() and all(c.isalnum() or c == "-" for c in p)
        for p in labels
    )


def _fingerprint(public_key: Any) -> str:
    """MD5 of the key blob, colon-separated, as Hetzner shows it; invalid_input for anything else."""
    parts = public_key.split() if isinstance(public_key, str) else []
    if len(parts) < 2 or not parts[0].startswith(("ssh-", "ecdsa-")):
        raise HetznerFail(400, "invalid_input", "invalid input in field 'public_key'")
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except ValueError as error:
        raise HetznerFail(400, "invalid_input", "invalid input in field 'public_key'") from error
    digest = hashlib.md5(blob).hexdigest()  # Hetzner's format, not for security
    return ":".join(digest[i : i + 2] for i in range(0, 32, 2))


def _matches(labels: dict[str, str], selector: str) -> bool:
    """Hetzner's label selector: `k=v`, `k==v`, `k!=v`, `k`, `!k`, comma-separated (all must hold)."""
    for term in filter(None, (t.strip() for t in selector.split(","))):
        if "!=" in term:
            key, value = term.split("!=", 1)
            if labels.get(key.strip()) == value.strip():
                return False
        elif "=" in term:
            key, value = term.replace("==", "=").split("=", 1)
            if labels.get(key.strip()) != value.strip():
                return False
        elif term.startswith("!"):
            if term[1:].strip() in labels:
                return False
        elif term not in labels:
            return False
    return True
