"""Bodies above MAX_REQUEST_BODY_BYTES get 413 before they are read or parsed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest
from starlette.types import Message

from backend.api.app import create_api
from tests.api.conftest import client, composed, problem_of

MIB = 1024 * 1024


class Upload:
    """The client side of one ASGI call: sends `chunks` as the request body, records how many the
    app read and what it answered."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.read = 0
        self.sent: list[Message] = []

    async def receive(self) -> Message:
        if self.read < len(self.chunks):
            self.read += 1
            return {
                "type": "http.request",
                "body": self.chunks[self.read - 1],
                "more_body": self.read < len(self.chunks),
            }
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        self.sent.append(message)

    @property
    def status(self) -> int:
        return int(next(m["status"] for m in self.sent if m["type"] == "http.response.start"))

    @property
    def headers(self) -> dict[str, str]:
        start = next(m for m in self.sent if m["type"] == "http.response.start")
        return {name.decode(): value.decode() for name, value in start["headers"]}

    @property
    def body(self) -> Any:
        return json.loads(
            b"".join(m.get("body", b"") for m in self.sent if m["type"] == "http.response.body")
        )


def post(app: Callable[..., Any], path: str, upload: Upload, *, content_length: int | None) -> Upload:
    headers = [(b"host", b"console.test"), (b"content-type", b"application/json")]
    if content_length is not None:
        headers.append((b"content-length", str(content_length).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("10.1.2.3", 5000),
        "server": ("console.test", 80),
    }
    asyncio.run(app(scope, upload.receive, upload.send))
    return upload


def ticket_body(size: int) -> bytes:
    """A JSON body of exactly `size` bytes for POST /api/auth/session."""
    frame = b'{"ticket": ""}'
    return frame[:-2] + b"x" * (size - len(frame)) + frame[-2:]


def test_a_declared_body_above_the_limit_is_refused_without_reading_a_byte() -> None:
    """The unauthenticated sign-in exchange with 50 MB: 413 before any chunk is read."""
    body = ticket_body(50 * MIB)
    upload = post(create_api(), "/api/auth/session", Upload([body]), content_length=len(body))
    assert upload.read == 0
    assert upload.status == 413
    assert upload.headers["content-type"] == "application/problem+json"
    assert upload.body["type"] == "/api/problems/body-too-large"
    assert upload.body["detail"] == f"The request body is larger than {MIB} bytes."


def test_a_chunked_body_is_refused_as_soon_as_it_passes_the_limit() -> None:
    chunks = [b"x" * (64 * 1024)] * 800  # 50 MiB in 64 KiB chunks, no Content-Length
    upload = post(create_api(), "/api/auth/session", Upload(chunks), content_length=None)
    assert upload.status == 413 and upload.body["status"] == 413
    assert upload.read == MIB // (64 * 1024) + 1  # the chunk that passed the limit was the last read


def test_a_body_under_the_limit_reaches_the_route() -> None:
    body = ticket_body(MIB)
    upload = post(
        create_api(), "/api/auth/session", Upload([body[: MIB // 2], body[MIB // 2 :]]), content_length=None
    )
    assert upload.read == 2
    assert upload.status == 422  # parsed: a ticket of a million x is not a ticket, but no 413


def test_the_limit_is_a_setting(settings_env: Any) -> None:
    settings_env(MAX_REQUEST_BODY_BYTES="2048")
    api = client("console.test")
    refused = api.post(
        "/api/auth/session", content=ticket_body(2049), headers={"content-type": "application/json"}
    )
    assert problem_of(refused, 413)["detail"] == "The request body is larger than 2048 bytes."
    accepted = api.post(
        "/api/auth/session", content=ticket_body(2048), headers={"content-type": "application/json"}
    )
    assert accepted.status_code == 422


@pytest.mark.parametrize("path", ["/api/v1/admin/users/1/lock", "/api/nothing-here", "/register", "/_event/"])
def test_the_limit_holds_for_every_path_of_the_web_process(path: str) -> None:
    """Reflex's app is mounted inside ours: its paths are behind the same limit."""
    upload = post(composed(), path, Upload([b"x" * (MIB + 1)]), content_length=MIB + 1)
    assert (upload.status, upload.read) == (413, 0)


def test_reflex_uploads_have_a_limit_of_their_own(settings_env: Any) -> None:
    settings_env(MAX_UPLOAD_BODY_BYTES=str(4 * MIB))
    within = post(composed(), "/_upload", Upload([b"x" * (3 * MIB)]), content_length=3 * MIB)
    assert within.status == 404  # reached Reflex (the stand-in knows no upload)
    above = post(composed(), "/_upload", Upload([b"x" * (4 * MIB + 1)]), content_length=4 * MIB + 1)
    assert (above.status, above.read) == (413, 0)
    assert above.body["detail"] == f"The request body is larger than {4 * MIB} bytes."
