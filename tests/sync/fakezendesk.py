"""Fakes of Zendesk for what our own server does not (or cannot) answer, built from the
recorded shapes in ``tests/fixtures/recorded``: pages served verbatim (including broken ones),
and ``GET /api/v2/ticket_fields.json`` in front of our server.

Plain ASGI apps (no framework) so they answer exactly the bytes a test gives them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

import orjson

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

NOT_FOUND = orjson.dumps({"error": "InvalidEndpoint", "description": "Not found"})
"""Zendesk's 404 body (spec §6)."""

ACCOUNT_HEADERS = [
    (b"x-rate-limit", b"700"),
    (b"x-rate-limit-remaining", b"699"),
    (b"ratelimit-limit", b"700"),
    (b"ratelimit-remaining", b"699"),
    (b"ratelimit-reset", b"41"),
]
"""The account-wide headers recorded on ordinary API responses (spec §8)."""


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def respond(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), *(headers or [])],
        }
    )
    await send({"type": "http.response.body", "body": body})


def export_pages(pages: dict[int, tuple[int, bytes]]) -> App:
    """Serves ``/api/v2/incremental/ticket_events.json?start_time=T`` as ``pages[T]``
    (status, body), byte for byte; anything else is Zendesk's 404."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        query = parse_qs(scope.get("query_string", b"").decode())
        start = query.get("start_time", [""])[0]
        page = pages.get(int(start)) if start.isdigit() else None
        if scope["path"] != "/api/v2/incremental/ticket_events.json" or page is None:
            await respond(send, 404, NOT_FOUND)
            return
        await respond(send, page[0], page[1], ACCOUNT_HEADERS)

    return app


def with_ticket_fields(inner: App, status: int, body: bytes, calls: list[str]) -> App:
    """``inner`` (our server) with ``GET /api/v2/ticket_fields[.json]`` answered by ``status``
    and ``body``; each such request is appended to ``calls``."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] in (
            "/api/v2/ticket_fields",
            "/api/v2/ticket_fields.json",
        ):
            calls.append(scope["path"])
            await respond(send, status, body, ACCOUNT_HEADERS)
            return
        await inner(scope, receive, send)

    return app
