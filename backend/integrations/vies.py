"""A client for VIES, the European Commission's VAT ID register, over its REST API (httpx).

`POST {base}/check-vat-number` with `{"countryCode": "DE", "vatNumber": "136695976"}` answers
`{"valid": true, "name": ..., "address": ..., "requestDate": ...}`, or, when a member state's
register cannot answer, `{"actionSucceed": false, "errorWrappers": [{"error": "MS_UNAVAILABLE"}]}`.
Only a definite answer counts: timeouts, connection errors, 5xx and VIES's service errors are
`unreachable`, so the caller keeps what it knew and asks again later.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType
from typing import Any, Protocol

import httpx

from backend.settings import Settings
from backend.tax.vat_ids import normalize_vat_id, split_vat_id

# VIES answers INVALID_INPUT for a number it refuses outright; every other error code
# (MS_UNAVAILABLE, SERVICE_UNAVAILABLE, TIMEOUT, *_MAX_CONCURRENT_REQ, ...) means "ask again later".
_INVALID_ERRORS = frozenset({"INVALID_INPUT"})


class ViesStatus(StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    UNREACHABLE = "unreachable"


@dataclass(frozen=True, slots=True)
class ViesResult:
    status: ViesStatus
    vat_id: str
    name: str = ""
    address: str = ""
    request_date: str = ""
    # Why there is no definite answer (VIES error code or transport failure); empty otherwise.
    error: str = ""


class VatIdRegister(Protocol):
    """What the tax service needs from a VAT ID register (VIES, or a fake in tests)."""

    def check(self, vat_id: str) -> ViesResult: ...


class ViesClient:
    """Checks VAT IDs against VIES; every failure to get a definite answer is `unreachable`."""

    def __init__(
        self, base_url: str, timeout_seconds: float, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout_seconds),
            headers={"Accept": "application/json"},
            transport=transport,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> ViesClient:
        return cls(settings.vies_url, settings.vies_timeout_seconds)

    def check(self, vat_id: str) -> ViesResult:
        normalized = normalize_vat_id(vat_id)
        prefix, number = split_vat_id(normalized)
        try:
            response = self._http.post("/check-vat-number", json={"countryCode": prefix, "vatNumber": number})
        except httpx.TimeoutException:
            return ViesResult(ViesStatus.UNREACHABLE, normalized, error="timeout")
        except httpx.HTTPError as exc:
            return ViesResult(ViesStatus.UNREACHABLE, normalized, error=f"connection: {type(exc).__name__}")
        return _result(normalized, response)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ViesClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


def _result(vat_id: str, response: httpx.Response) -> ViesResult:
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    http = f"HTTP {response.status_code}"
    if not isinstance(body, dict):
        return ViesResult(ViesStatus.UNREACHABLE, vat_id, error=f"{http}, no JSON answer")
    wrappers = body.get("errorWrappers") or []
    errors = [str(wrapper.get("error", "")) for wrapper in wrappers if isinstance(wrapper, dict)]
    if body.get("actionSucceed") is False or errors:
        code = errors[0] if errors else http
        status = ViesStatus.INVALID if code in _INVALID_ERRORS else ViesStatus.UNREACHABLE
        return ViesResult(status, vat_id, error=code)
    # "valid" is the check-vat-number field; "isValid" the one of VIES's GET endpoint.
    valid = body.get("valid", body.get("isValid"))
    if response.status_code >= 400 or not isinstance(valid, bool):
        return ViesResult(ViesStatus.UNREACHABLE, vat_id, error=f"{http}, unexpected answer")
    return ViesResult(
        ViesStatus.VALID if valid else ViesStatus.INVALID,
        vat_id,
        name=_text(body.get("name")),
        address=_text(body.get("address")),
        request_date=_text(body.get("requestDate")),
    )


def _text(value: object) -> str:
    # VIES writes "---" where a member state does not disclose the trader's name or address.
    text = str(value or "").strip()
    return "" if text == "---" else text
