"""Refuse request bodies above a size limit with 413, before anything parses them.

An ASGI middleware on the outermost app (it sees every HTTP request: the API, the job monitor and
Reflex's own routes). A declared `Content-Length` above the limit is refused without reading a byte;
a body without one (chunked) is counted while it streams in, and refused the moment it passes the
limit. Reflex's upload endpoint has a limit of its own (MAX_UPLOAD_BODY_BYTES).
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.api.problems import problem_response

UPLOAD_PATH = "/_upload"


class BodyTooLarge(HTTPException):
    """Raised from `receive` when a streamed body passes the limit; FastAPI lets HTTPExceptions
    through its body parsing, so the app's handler (or this middleware) answers 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than {limit} bytes.")
        self.limit = limit


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload_bytes = max_upload_bytes

    def limit_for(self, path: str) -> int:
        upload = path == UPLOAD_PATH or path.startswith(UPLOAD_PATH + "/")
        return self.max_upload_bytes if upload else self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(limit, scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge:
            if started:
                raise
            await _refuse(limit, scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


async def _refuse(limit: int, scope: Scope, receive: Receive, send: Send) -> None:
    response = problem_response(
        413,
        f"The request body is larger than {limit} bytes.",
        slug="body-too-large",
        headers={"Connection": "close"},
    )
    await response(scope, receive, send)
