"""What every HTTP request passes through before the routes: HEAD as GET, a cap on request
bodies, the account-wide rate-limit headers, the last-resort 500, and the ``Allow`` of a 405.

* **HEAD** is answered as GET without the body, as Rails (Zendesk) and any HTTP server do
  (RFC 9110 §9.3.2): the same status and headers, ``Content-Length`` included. It is the GET
  underneath, so it is authenticated and counted like one.
* A request **body** larger than ``max_body`` bytes is a 413 before the app reads more of it.
* ``Allow`` on a 405 lists every method any route serves at that path (plus HEAD where GET is
  served): Starlette's own names only the first route that matched the path.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zendesk_events.server.errors import InternalError, PayloadTooLarge, ZendeskHTTPError, render
from zendesk_events.server.ratelimit import RateLimiter

__all__ = ["Edge", "allowed_methods"]

log = logging.getLogger("zendesk_events.server")

_METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(routes: Iterable[BaseRoute], scope: Scope) -> str:
    """The ``Allow`` value for the scope's path: every method some route serves there.

    Each standard method is tried against the routes' own ``matches`` (how the router picks a
    route), so routers included into others count as well as plain routes.
    """
    methods = []
    for method in _METHOD_ORDER:
        probe = {**scope, "method": method}
        if any(route.matches(probe)[0] == Match.FULL for route in routes):
            methods.append(method)
    if "GET" in methods and "HEAD" not in methods:
        methods.insert(methods.index("GET") + 1, "HEAD")
    return ", ".join(methods)


class Edge:
    """Pure ASGI middleware, outermost of ours (see the module docstring).

    Pure ASGI rather than ``BaseHTTPMiddleware``, whose per-request task and body streaming
    would cost more than the whole header logic on the export hot path. The 500 is answered
    here rather than by Starlette's ``ServerErrorMiddleware``, which re-raises after answering
    and lets the server drop the connection mid-response.

    Args:
        app: the app inside.
        limiter: the account-wide figure for the headers on every response.
        max_body: request body bytes read at most.
    """

    def __init__(self, app: ASGIApp, limiter: RateLimiter, max_body: int) -> None:
        self.app = app
        self.limiter = limiter
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}
        extra = [
            (name.lower().encode(), value.encode())
            for name, value in RateLimiter.account_headers(self.limiter.account_hit())
        ]
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", ()), *extra]
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        try:
            declared = _content_length(scope)
            if declared is not None and declared > self.max_body:
                raise PayloadTooLarge()
            await self.app(scope, _Capped(receive, self.max_body), send_with_headers)
        except ZendeskHTTPError as exc:  # raised outside a route (the body cap, while reading)
            if started:
                raise
            await render(exc)(scope, receive, send_with_headers)
        except Exception as exc:
            log.error("unhandled error on %s %s: %r", scope.get("method"), scope.get("path"), exc)
            if started:  # too late for a clean answer: let the server drop the connection
                raise
            await render(InternalError())(scope, receive, send_with_headers)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


class _Capped:
    """A ``receive`` that raises :class:`PayloadTooLarge` once more than ``limit`` body bytes
    came (a chunked body declares no length)."""

    def __init__(self, receive: Receive, limit: int) -> None:
        self._receive = receive
        self._left = limit

    async def __call__(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            self._left -= len(message.get("body", b""))
            if self._left < 0:
                raise PayloadTooLarge()
        return message
