"""A local stand-in for the VIES REST API, speaking its real request and response JSON.

`POST <base>/check-vat-number` with `{"countryCode": "DE", "vatNumber": "136695976"}` answers like
VIES does. `mode` switches the behaviour:

- "register": valid if the ID was registered with `register(...)`, else invalid (the default)
- "valid" / "invalid": every ID is valid / invalid
- "ms_unavailable": the member state's register is down (`actionSucceed: false`, MS_UNAVAILABLE)
- "invalid_input": VIES refuses the input (HTTP 400, INVALID_INPUT)
- "slow": the answer waits `slow_seconds` (to trigger the client's timeout)
- "error_500": an HTML error page with status 500
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal

Mode = Literal["register", "valid", "invalid", "ms_unavailable", "invalid_input", "slow", "error_500"]
BASE_PATH = "/taxation_customs/vies/rest-api"


class FakeVies:
    def __init__(self) -> None:
        self.mode: Mode = "register"
        self.slow_seconds = 5.0
        self.requests: list[dict[str, Any]] = []
        self._register: dict[str, tuple[str, str]] = {}
        self._release = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-vies", daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{BASE_PATH}"

    def register(self, vat_id: str, name: str = "ACME GMBH", address: str = "MUSTERWEG 1, BERLIN") -> None:
        """Make a VAT ID (prefix + number, e.g. "DE136695976") valid in "register" mode."""
        self._register[vat_id] = (name, address)

    def start(self) -> FakeVies:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()  # lets "slow" answers finish at once
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeVies:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def answer(self, request: dict[str, Any]) -> tuple[int, str, bytes]:
        """Status, content type and body VIES would send for `request` in the current mode."""
        self.requests.append(request)
        country, number = str(request.get("countryCode", "")), str(request.get("vatNumber", ""))
        if self.mode == "error_500":
            return 500, "text/html", b"<html><body><h1>500 Internal Server Error</h1></body></html>"
        if self.mode in {"ms_unavailable", "invalid_input"}:
            code = self.mode.upper()
            status = 200 if self.mode == "ms_unavailable" else 400
            error = {"actionSucceed": False, "errorWrappers": [{"error": code}]}
            return status, "application/json", _json(error)
        if self.mode == "slow":
            self._release.wait(self.slow_seconds)
        registered = self._register.get(country + number)
        valid = self.mode in {"valid", "slow"} or (self.mode == "register" and registered is not None)
        name, address = registered or ("---", "---")
        return (
            200,
            "application/json",
            _json(
                {
                    "countryCode": country,
                    "vatNumber": number,
                    "requestDate": datetime.now(UTC)
                    .isoformat(timespec="milliseconds")
                    .replace("+00:00", "Z"),
                    "valid": valid,
                    "requestIdentifier": "",
                    "name": name if valid else "---",
                    "address": address if valid else "---",
                    "traderName": "",
                    "traderStreet": "",
                    "traderPostalCode": "",
                    "traderCity": "",
                    "traderCompanyType": "",
                    "traderNameMatch": "NOT_PROCESSED",
                    "traderStreetMatch": "NOT_PROCESSED",
                    "traderPostalCodeMatch": "NOT_PROCESSED",
                    "traderCityMatch": "NOT_PROCESSED",
                    "traderCompanyTypeMatch": "NOT_PROCESSED",
                }
            ),
        )

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                if self.path != f"{BASE_PATH}/check-vat-number":
                    self._send(404, "application/json", _json({"error": "not found"}))
                    return
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    request = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    request = {}
                self._send(*fake.answer(request if isinstance(request, dict) else {}))

            def _send(self, status: int, content_type: str, body: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def _json(data: dict[str, Any]) -> bytes:
    return json.dumps(data).encode()
