"""Handles the incremental export requests: read params, call the store, shape Zendesk's JSON.

No SQL and no paging logic here: :meth:`EventStore.export_page` decides every time-based page
(spec §2), :meth:`EventStore.metric_cursor_page` every cursor page (§2b);
this module checks who may ask (auth, budgets, parameters, in Zendesk's order) and joins the
stored JSON text of the events into the page body without parsing or re-serializing an event,
because this is the hot path (hundreds of 1000-event pages a second).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from zendesk_events.config import ServerSettings
from zendesk_events.events import PAGE_LIMIT, SAMPLE_LIMIT, STREAMS, StreamName
from zendesk_events.server.auth import Authenticator, client_address
from zendesk_events.server.errors import (
    InvalidStartTime,
    RateLimitExceeded,
    TooRecentStartTime,
    ZendeskHTTPError,
    render,
)
from zendesk_events.server.openapi import operation_docs
from zendesk_events.server.paging import (
    cursor_meta_links,
    origin,
    page_size,
    parse_cursor_params,
    wants_cursor,
)
from zendesk_events.server.ratelimit import Bucket, RateLimiter
from zendesk_events.server.routing import Route, zendesk_router
from zendesk_events.store import CursorPage, Store
from zendesk_events.timeutil import Clock

__all__ = ["ExportFastPath", "IncrementalExport", "router"]

_DIGITS = re.compile(r"[0-9]{1,20}")
_JSON = "application/json; charset=utf-8"

CURSOR_PAGE_DEFAULT = 100
"""Items per cursor page when ``page[size]`` is absent (OAS: "a maximum of 100 records per
page"); our links always carry ``page[size]``, so only a hand-built request gets this."""


class IncrementalExport:
    """Everything the export routes need, built once per app.

    Args:
        settings: lag, page limit, base URL.
        store: the events to serve.
        clock: "now" for the hold-back lag.
        limiter: the request budgets.
        authenticator: who may call.
    """

    def __init__(
        self,
        settings: ServerSettings,
        store: Store,
        clock: Clock,
        limiter: RateLimiter,
        authenticator: Authenticator,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.limiter = limiter
        self.authenticator = authenticator
        self._base_url = settings.base_url.rstrip("/") if settings.base_url else None

    async def respond(self, request: Request, stream: StreamName, sample: bool) -> Response:
        """Answer one export request; errors are raised with the budget headers attached."""
        return await self.answer(
            request, "sample" if sample else "export", lambda: self._page(request, stream, sample)
        )

    async def answer(
        self,
        request: Request,
        bucket: Bucket,
        page: Callable[[], bytes],
        *,
        off_loop: bool = False,
    ) -> Response:
        """Check who asks and the budget of ``bucket``, then answer with ``page()``'s body.

        Every endpoint counted against an export budget goes through here (the two streams,
        their samples, the tickets cursor export). The order of checks is Zendesk's: auth
        (401/403), then the budget (429), then the parameters (400/422, raised by ``page``).
        Routing (404/405) happened before we were called. Errors are raised with the budget
        headers attached.

        Why the store is mostly called on the event loop: Python's sqlite3 releases the GIL
        around every row step, so a few threads each reading a 1000-row page hand the GIL back
        and forth thousands of times per page; measured, that made a 2-worker server ~5x slower
        than doing the same work on the loop. Three things go to threads instead:

        * the slow, uncached password check (scrypt), in the password checker's own pool;
        * counting an enforced budget in the store: a write, which may wait for a sync's lock
          on a SQLite store (on the loop, that stopped every request of the worker);
        * a page that may take seconds (``off_loop``: the tickets export, whose page groups
          every audit from its start), which then slows the worker's other requests rather
          than stopping them.
        """
        headers: dict[str, str] = {}
        try:
            try:
                await self.authenticator.admin(
                    request.headers.get("authorization"), client_address(request.scope)
                )
            except ZendeskHTTPError:
                headers = self.limiter.bucket_headers(bucket, self.limiter.peek(bucket))
                raise
            if self.limiter.blocking and self.limiter.enabled(bucket):
                # A write that may wait for a sync's lock on the store: not on the loop.
                state = await run_in_threadpool(self.limiter.hit, bucket)
            else:
                state = self.limiter.hit(bucket)
            headers = self.limiter.bucket_headers(bucket, state)
            if state is not None and state.exceeded:
                raise RateLimitExceeded(state.reset)
            body = await run_in_threadpool(page) if off_loop else page()
        except ZendeskHTTPError as exc:
            exc.headers = {**headers, **exc.headers}
            raise
        return Response(body, headers=headers, media_type=_JSON)

    def _start_time(self, request: Request, stream: StreamName) -> int | None:
        """The request's ``start_time``; None when it is too recent on ticket_metric_events.

        Too recent (within the lag, or in the future) is a 422 on ticket_events but an
        empty page on ticket_metric_events, where a widely used exporter checks access with
        ``start_time=now`` (spec §7).

        Raises:
            InvalidStartTime: missing, not digits, or negative.
            TooRecentStartTime: too recent, on ticket_events.
        """
        raw = request.query_params.get("start_time")
        if raw is None or not (raw := raw.strip()) or not raw.isascii() or not raw.isdigit():
            raise InvalidStartTime()
        # Leading zeros say nothing (23 zeros is 0); > 20 digits after them is an integer,
        # but far in the future (and not one a database can bind).
        digits = raw.lstrip("0") or "0"
        if not _DIGITS.fullmatch(digits) or int(digits) > self.clock.now() - self.settings.lag:
            if stream == "ticket_events":
                raise TooRecentStartTime()
            return None
        return int(digits)

    def _page(self, request: Request, stream: StreamName, sample: bool) -> bytes:
        params = request.query_params
        if stream == "ticket_metric_events" and not sample and wants_cursor(params):
            return self._cursor_page(request)
        start_time = self._start_time(request, stream)
        limit = SAMPLE_LIMIT if sample else self.settings.page_limit
        if stream == "ticket_events":  # per_page is documented for ticket_events only
            per_page = page_size(
                params.get("per_page"), name="per_page", default=limit, maximum=PAGE_LIMIT
            )
            limit = min(per_page, limit) if sample else per_page
        if start_time is None:  # too recent on ticket_metric_events: an empty, final page
            # end_time = start_time, kept as its digits (it may exceed any integer type)
            digits = params["start_time"].strip().lstrip("0") or "0"
            return self._time_body(request, stream, [], digits, True)
        include_comments = stream == "ticket_events" and _wants_comments(request)
        page = self.store.events.export_page_bytes(
            stream,
            start_time,
            before=int(self.clock.now()) - self.settings.lag,
            limit=limit,
            include_comments=include_comments,
            late_events=self.settings.late_events,
        )
        items, end_time, end_of_stream = page.items, page.end_time, page.end_of_stream
        if sample and len(items) > limit:
            # The store extended a same-second run past the limit; a sample stays at 50 and,
            # as Zendesk does, restarts at the last item's second (end_time - 1 after an
            # extension, see EventStore.export_page).
            items, end_time, end_of_stream = items[:limit], end_time - 1, False
        return self._time_body(request, stream, items, end_time, end_of_stream)

    def _time_body(
        self,
        request: Request,
        stream: StreamName,
        items: list[bytes],
        end_time: int | str,
        end_of_stream: bool,
    ) -> bytes:
        head = b'{"' + STREAMS[stream].items_key.encode() + b'":['
        tail = b"".join(
            (
                b'],"next_page":',
                orjson.dumps(self._next_page(request, end_time)),
                b',"count":',
                str(len(items)).encode(),
                b',"end_of_stream":',
                b"true" if end_of_stream else b"false",
                b',"end_time":',
                str(end_time).encode(),
                b"}",
            )
        )
        return _join_page(head, items, tail)

    def _cursor_page(self, request: Request) -> bytes:
        """A cursor-paged ticket_metric_events page (spec §2b).

        ``start_time`` is required to start a walk and optional to continue one (clients
        follow ``links.next`` verbatim, and some build the next request from the cursor
        alone); when given with a cursor it still bounds the walk from below.
        """
        params = request.query_params
        cursor = parse_cursor_params(params, default=CURSOR_PAGE_DEFAULT, maximum=PAGE_LIMIT)
        start_time: int | None = None
        too_recent = False
        if "start_time" in params or not cursor.continues:
            start_time = self._start_time(request, "ticket_metric_events")
            too_recent = start_time is None
        if too_recent:
            page = CursorPage([], None, None, False)
        else:
            page = self.store.events.metric_cursor_page(
                start_time=start_time,
                after=cursor.after,
                before_key=cursor.before,
                before=int(self.clock.now()) - self.settings.lag,
                limit=cursor.size,
                late_events=self.settings.late_events,
            )
        meta, links = cursor_meta_links(
            request,
            origin(request, self._base_url),
            cursor.size,
            page.first,
            page.last,
            page.has_more,
        )
        tail = b'],"meta":' + orjson.dumps(meta) + b',"links":' + orjson.dumps(links) + b"}"
        return _join_page(b'{"ticket_metric_events":[', page.items, tail)

    def _next_page(self, request: Request, end_time: int | str) -> str:
        """The same request (``.json`` path, other params kept) starting at ``end_time``."""
        base = origin(request, self._base_url)
        path: str = request.scope["path"]
        if not path.endswith(".json"):
            path += ".json"
        pairs: list[tuple[str, str]] = []
        placed = False
        for key, value in request.query_params.multi_items():
            if key == "start_time":
                if not placed:
                    pairs.append((key, str(end_time)))
                    placed = True
                continue
            pairs.append((key, value))
        return f"{base}{path}?{urlencode(pairs)}"


class ExportFastPath:
    """Pure ASGI middleware answering ``GET`` on the export paths without FastAPI's routing
    and request handling, which cost a measurable share of a page on the hot path.

    The answer is the route's, byte for byte: the same :meth:`IncrementalExport.respond`, and a
    :class:`ZendeskHTTPError` rendered as the app's handler renders it. Anything else (other
    paths and methods, a ``root_path``) goes on to the app, where the same routes stay
    registered (OpenAPI, ``HEAD``). Installed inside the fault injector and the edge
    middleware, so faults and the account-wide headers apply as before.
    """

    def __init__(self, app: ASGIApp, export: IncrementalExport) -> None:
        self.app = app
        self.export = export
        self.routes: dict[str, tuple[StreamName, bool]] = {}
        for name in STREAMS:
            stream: StreamName = (
                "ticket_events" if name == "ticket_events" else "ticket_metric_events"
            )
            for sample in (False, True):
                path = STREAMS[stream].path + ("/sample" if sample else "")
                self.routes[path] = self.routes[path + ".json"] = (stream, sample)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = (
            self.routes.get(scope["path"])
            if scope["type"] == "http" and scope["method"] == "GET" and not scope.get("root_path")
            else None
        )
        if route is None:
            await self.app(scope, receive, send)
            return
        try:
            response = await self.export.respond(Request(scope, receive), *route)
        except ZendeskHTTPError as exc:
            response = render(exc)
        await response(scope, receive, send)


def _join_page(head: bytes, items: list[bytes], tail: bytes) -> bytes:
    """``head + b",".join(items) + tail`` with a single copy of the ~1 MB page.

    Each intermediate result of that size is a fresh allocation that the C library maps
    and the kernel zero-fills page by page: measured, every extra copy cost more than the
    join itself. So ``head`` and ``tail`` are glued to the first and last (small) items and
    the one join builds the body.
    """
    if not items:
        return head + tail
    if len(items) == 1:
        return head + items[0] + tail
    return b",".join([head + items[0], *items[1:-1], items[-1] + tail])


def _wants_comments(request: Request) -> bool:
    for value in request.query_params.getlist("include"):
        if "comment_events" in (v.strip() for v in value.split(",")):
            return True
    return False


def _endpoint(stream: StreamName, sample: bool) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        export: IncrementalExport = request.app.state.export
        return await export.respond(request, stream, sample)

    endpoint.__name__ = f"{stream}{'_sample' if sample else ''}"
    return endpoint


def _build_router() -> APIRouter:
    # Endpoints taking only the Request: FastAPI has no parameters to validate, so no
    # ``{"detail"}`` body can ever come from here; the parameters are documented by hand in
    # openapi.py.
    routes: list[Route] = []
    for name in STREAMS:
        stream: StreamName = "ticket_events" if name == "ticket_events" else "ticket_metric_events"
        for sample in (False, True):
            path = STREAMS[stream].path + ("/sample" if sample else "")
            routes.append((path, "GET", _endpoint(stream, sample), operation_docs(stream, sample)))
    return zendesk_router(routes)


router = _build_router()
