"""Handles the ticket endpoints export tools call (spec §10): the cursor-based incremental
ticket export and one ticket's audits, both read from the stored ticket events.

The state of each ticket is folded in the store (:class:`~zendesk_events.store.TicketStore`)
and an audit is the stored export item in the Ticket Audits API's shape
(:func:`~zendesk_events.store.audit_from_event`); this module reads parameters and shapes
Zendesk's page formats.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from fastapi import Request
from starlette.responses import Response

from zendesk_events.server.account import LIST_PAGE_LIMIT
from zendesk_events.server.auth import Authenticator, client_address
from zendesk_events.server.errors import InvalidStartTime, RecordNotFound, TooRecentStartTime
from zendesk_events.server.incremental import IncrementalExport
from zendesk_events.server.openapi import endpoint_docs
from zendesk_events.server.paging import (
    decode_cursor,
    encode_cursor,
    link,
    list_page,
    origin,
    page_size,
)
from zendesk_events.server.routing import zendesk_router
from zendesk_events.store import Store, audit_from_event
from zendesk_events.timeutil import iso_to_epoch

__all__ = ["router"]

TICKETS_PAGE_LIMIT = 1000
"""Tickets per cursor export page (``per_page`` default and maximum)."""

_START_TIME = re.compile(r"([0-9]+)(\.[0-9]+)?")
"""``start_time`` of the tickets export: whole seconds, or a float such as ``946684800.0``,
which some export tools send."""
_TICKET_ID = re.compile(r"[0-9]{1,19}")


def _tickets_page(request: Request, export: IncrementalExport) -> bytes:
    params = request.query_params
    per_page = page_size(
        params.get("per_page"),
        name="per_page",
        default=TICKETS_PAGE_LIMIT,
        maximum=TICKETS_PAGE_LIMIT,
    )
    before = int(export.clock.now()) - export.settings.lag
    cursor_text = params.get("cursor")
    after: tuple[int, int] | None = None
    start_time: int | None = None
    if cursor_text is not None:  # continuing: the cursor says where (start_time is not needed)
        after = decode_cursor(cursor_text, "cursor")
    else:
        raw = (params.get("start_time") or "").strip()
        match = _START_TIME.fullmatch(raw) if raw.isascii() else None
        if match is None:
            raise InvalidStartTime()
        seconds = match.group(1).lstrip("0") or "0"
        if len(seconds) > 19 or int(seconds) > before:  # as on ticket_events (inferred)
            raise TooRecentStartTime()
        start_time = int(seconds)
    page = export.store.tickets.changed_page(
        start_time=start_time, after=after, before=before, limit=per_page
    )
    base = origin(request, export.settings.base_url)
    tickets = [{"url": f"{base}/api/v2/tickets/{t['id']}.json", **t} for t in page.tickets]
    position = page.last if page.last is not None else after
    after_cursor = None if position is None else encode_cursor(position)
    after_url = None
    if after_cursor is not None:
        kept = [(k, v) for k, v in params.multi_items() if k not in ("cursor", "start_time")]
        after_url = link(base, request.scope["path"], [*kept, ("cursor", after_cursor)])
    return orjson.dumps(
        {
            "tickets": tickets,
            "after_url": after_url,
            "before_url": None,
            "after_cursor": after_cursor,
            "before_cursor": None,
            "end_of_stream": not page.has_more,
        }
    )


async def tickets_cursor(request: Request) -> Response:
    """``GET /api/v2/incremental/tickets/cursor``: tickets changed since ``start_time``.

    Counted against the export budget, as Zendesk counts it (its responses carry
    ``zendesk-ratelimit-incremental-exports``). Built off the event loop: a page groups every
    audit from its start on (1.5-6 s on a 1 M-event store), which would stop every other
    request of this worker meanwhile.
    """
    export: IncrementalExport = request.app.state.export
    return await export.answer(
        request, "export", lambda: _tickets_page(request, export), off_loop=True
    )


async def ticket_audits(request: Request) -> Response:
    """``GET /api/v2/tickets/{ticket_id}/audits``: one ticket's audits, oldest first.

    Cursor pages with ``page[size]`` (at most 100), else offset pages (``page``, ``per_page``,
    100 a page) with ``next_page``, ``previous_page`` and ``count``. Audits up to now count:
    this is not an incremental export, so it has no hold-back.
    """
    authenticator: Authenticator = request.app.state.authenticator
    await authenticator.admin(request.headers.get("authorization"), client_address(request.scope))
    raw_id = str(request.path_params["ticket_id"])
    if not _TICKET_ID.fullmatch(raw_id) or int(raw_id) >= 2**63:
        raise RecordNotFound()
    store: Store = request.app.state.store
    now = int(request.app.state.clock.now())
    items = store.tickets.audit_items(int(raw_id), before=now + 1)
    if not items:
        raise RecordNotFound()
    audits = [audit_from_event(item) for item in items]
    positions = [(_seconds(item), int(item["id"])) for item in items]
    base = origin(request, request.app.state.settings.base_url)
    return _json(list_page(request, base, "audits", audits, positions, LIST_PAGE_LIMIT))


def _seconds(item: dict[str, Any]) -> int:
    ts = item.get("timestamp")
    return ts if isinstance(ts, int) else iso_to_epoch(str(item["created_at"]))


def _json(body: Any) -> Response:
    return Response(orjson.dumps(body), media_type="application/json; charset=utf-8")


router = zendesk_router(
    [
        (path, "GET", endpoint, {"summary": summary, **endpoint_docs(endpoint.__name__)})
        for path, endpoint, summary in (
            (
                "/api/v2/incremental/tickets/cursor",
                tickets_cursor,
                "Incremental ticket export, cursor based",
            ),
            ("/api/v2/tickets/{ticket_id}/audits", ticket_audits, "List audits for a ticket"),
        )
    ],
    tags=["Tickets"],
)
