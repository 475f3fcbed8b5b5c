"""Handles the Tickets API (create, show, list, update, delete, comments) and SLA policy writes.

Routes read the request, check who asks (the Tickets API is for agents and admins, SLA
policies for admins, as Zendesk's reference allows them), hand writes to the emulated account
(:class:`~zendesk_events.server.desk.Desk`, in a worker thread) and shape Zendesk's JSON; reads
come from the store. No SQL and no ticket logic here.

Bodies as recorded (zenpy cassettes 2023/2024, Estuary's bruno 2026, Zendesk's OpenAPI):
create answers ``201 {"ticket", "audit"}`` with ``Location``, update ``200 {"ticket",
"audit"}``, delete ``204``; a missing ticket or policy is ``404 RecordNotFound``, a refused
body ``422 RecordInvalid`` with ``details``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import orjson
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from zendesk_events.errors import RecordInvalidError, RecordNotFoundError
from zendesk_events.server.auth import Authenticator, client_address
from zendesk_events.server.desk import Desk
from zendesk_events.server.errors import (
    Forbidden,
    InvalidBody,
    RecordInvalid,
    RecordNotFound,
)
from zendesk_events.server.openapi import write_docs
from zendesk_events.server.paging import (
    cursor_meta_links,
    link,
    list_page,
    offset_slice,
    origin,
    parse_cursor_params,
    wants_cursor,
)
from zendesk_events.server.routing import Endpoint, zendesk_router
from zendesk_events.store import Store, User, audit_from_event, comments_from_event
from zendesk_events.timeutil import iso_to_epoch

__all__ = ["read_router", "write_router"]

LIST_LIMIT = 100
"""Tickets or comments a page (Zendesk's limit on these lists)."""

_ID = re.compile(r"[0-9]{1,19}")
_JSON = "application/json; charset=utf-8"


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type=_JSON, headers=headers)


def _record_id(request: Request, name: str) -> int:
    """A path id (``5`` or ``5.json``); anything else names no record: 404."""
    raw = str(request.path_params[name]).removesuffix(".json")
    if not _ID.fullmatch(raw) or int(raw) >= 2**63:
        raise RecordNotFound()
    return int(raw)


async def _caller(request: Request, *, admins_only: bool) -> User:
    auth: Authenticator = request.app.state.authenticator
    user = await auth.user(request.headers.get("authorization"), client_address(request.scope))
    if admins_only:
        return auth.require_admin(user)
    if user.role not in ("admin", "agent"):
        raise Forbidden()
    return user


def _desk(request: Request) -> Desk:
    # The write router is only included with a desk (create_app), so it is always there.
    desk: Desk = request.app.state.desk
    return desk


async def _body(request: Request, key: str) -> Any:
    """The ``key`` object of a JSON body (an empty body: an empty object)."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise InvalidBody(f'the body must be JSON: {{"{key}": {{...}}}}') from None
    if not isinstance(data, dict):
        raise InvalidBody(f'the body must be a JSON object: {{"{key}": {{...}}}}')
    return data.get(key, {})


async def _call(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a desk write in a worker thread; its refusals become Zendesk's error answers."""
    try:
        return await run_in_threadpool(func, *args, **kwargs)
    except RecordInvalidError as exc:
        raise RecordInvalid(exc.details) from None
    except RecordNotFoundError:
        raise RecordNotFound() from None


def _base(request: Request) -> str:
    return origin(request, request.app.state.settings.base_url)


def _ticket_url(request: Request, ticket_id: int) -> str:
    return f"{_base(request)}/api/v2/tickets/{ticket_id}.json"


def _with_url(request: Request, ticket: dict[str, Any]) -> dict[str, Any]:
    return {"url": _ticket_url(request, int(ticket["id"])), **ticket}


# ---- tickets --------------------------------------------------------------------------------


async def create_ticket(request: Request) -> Response:
    """``POST /api/v2/tickets``: 201 ``{"ticket", "audit"}`` and ``Location``."""
    user = await _caller(request, admins_only=False)
    desk = _desk(request)
    body = await _body(request, "ticket")
    client = request.headers.get("user-agent")
    ticket, item = await _call(desk.create_ticket, user, body, client=client)
    url = _ticket_url(request, int(ticket["id"]))
    answer = {"ticket": {"url": url, **ticket}, "audit": audit_from_event(item)}
    return _json(answer, 201, {"Location": url})


async def update_ticket(request: Request) -> Response:
    """``PUT /api/v2/tickets/{ticket_id}``: 200 ``{"ticket", "audit"}``."""
    user = await _caller(request, admins_only=False)
    ticket_id = _record_id(request, "ticket_id")
    desk = _desk(request)
    body = await _body(request, "ticket")
    client = request.headers.get("user-agent")
    ticket, item = await _call(desk.update_ticket, user, ticket_id, body, client=client)
    return _json({"ticket": _with_url(request, ticket), "audit": audit_from_event(item)})


async def delete_ticket(request: Request) -> Response:
    """``DELETE /api/v2/tickets/{ticket_id}``: 204."""
    user = await _caller(request, admins_only=False)
    ticket_id = _record_id(request, "ticket_id")
    desk = _desk(request)
    await _call(desk.delete_ticket, user, ticket_id, client=request.headers.get("user-agent"))
    return Response(status_code=204)


async def show_ticket(request: Request) -> Response:
    """``GET /api/v2/tickets/{ticket_id}``: ``{"ticket"}`` as it stands."""
    await _caller(request, admins_only=False)
    ticket_id = _record_id(request, "ticket_id")
    store: Store = request.app.state.store
    raw = store.live.ticket(ticket_id)
    if raw is None:
        raise RecordNotFound()
    url = orjson.dumps(_ticket_url(request, ticket_id))
    body = b'{"ticket":{"url":' + url + b"," + raw[1:] + b"}"
    return Response(body, media_type=_JSON)


async def list_tickets(request: Request) -> Response:
    """``GET /api/v2/tickets``: tickets by id, offset pages (``page``, ``per_page``) or cursor
    pages (``page[size]``), 100 a page at most."""
    await _caller(request, admins_only=False)
    store: Store = request.app.state.store
    params = request.query_params
    base = _base(request)
    if wants_cursor(params):
        cursor = parse_cursor_params(params, default=LIST_LIMIT, maximum=LIST_LIMIT)
        if cursor.before is not None:
            rows = store.live.tickets_before(cursor.before[1], cursor.size + 1)
            has_more = len(rows) > cursor.size
            rows = rows[-cursor.size :] if rows else []
        else:
            after = None if cursor.after is None else cursor.after[1]
            rows = store.live.tickets_after(after, cursor.size + 1)
            has_more = len(rows) > cursor.size
            rows = rows[: cursor.size]
        tickets = [_with_url(request, orjson.loads(raw)) for _, raw in rows]
        meta, links = cursor_meta_links(
            request,
            base,
            cursor.size,
            (0, rows[0][0]) if rows else None,
            (0, rows[-1][0]) if rows else None,
            has_more,
        )
        return _json({"tickets": tickets, "meta": meta, "links": links})
    _, number, per_page = offset_slice(0, params, default=LIST_LIMIT, maximum=LIST_LIMIT)
    raws, count = store.live.tickets_page((number - 1) * per_page, per_page)
    tickets = [_with_url(request, orjson.loads(raw)) for raw in raws]
    path = request.scope["path"]
    kept = [(k, v) for k, v in params.multi_items() if k not in ("page", "per_page")]
    next_page = previous_page = None
    if number * per_page < count:
        next_page = link(
            base, path, [*kept, ("page", str(number + 1)), ("per_page", str(per_page))]
        )
    if number > 1:
        previous_page = link(
            base, path, [*kept, ("page", str(number - 1)), ("per_page", str(per_page))]
        )
    return _json(
        {"tickets": tickets, "next_page": next_page, "previous_page": previous_page, "count": count}
    )


async def list_comments(request: Request) -> Response:
    """``GET /api/v2/tickets/{ticket_id}/comments``: the ticket's comments, oldest first."""
    await _caller(request, admins_only=False)
    ticket_id = _record_id(request, "ticket_id")
    store: Store = request.app.state.store
    now = int(request.app.state.clock.now())
    items = store.tickets.audit_items(ticket_id, before=now + 1)
    if not items or store.live.is_deleted(ticket_id):
        raise RecordNotFound()
    comments = [c for item in items for c in comments_from_event(item)]
    positions = [(_seconds(c), int(c["id"])) for c in comments]
    return _json(list_page(request, _base(request), "comments", comments, positions, LIST_LIMIT))


def _seconds(comment: dict[str, Any]) -> int:
    created = comment.get("created_at")
    return iso_to_epoch(created) if isinstance(created, str) else 0


# ---- SLA policies ---------------------------------------------------------------------------


async def show_policy(request: Request) -> Response:
    """``GET /api/v2/slas/policies/{sla_policy_id}``: ``{"sla_policy"}``."""
    await _caller(request, admins_only=True)
    policy_id = _record_id(request, "sla_policy_id")
    store: Store = request.app.state.store
    policy = store.account.get("sla_policies", policy_id)
    if policy is None:
        raise RecordNotFound()
    return _json({"sla_policy": policy})


async def create_policy(request: Request) -> Response:
    """``POST /api/v2/slas/policies``: 201 ``{"sla_policy"}``."""
    await _caller(request, admins_only=True)
    desk = _desk(request)
    body = await _body(request, "sla_policy")
    policy = await _call(desk.create_policy, body)
    return _json({"sla_policy": policy}, 201)


async def update_policy(request: Request) -> Response:
    """``PUT /api/v2/slas/policies/{sla_policy_id}``: 200 ``{"sla_policy"}``."""
    await _caller(request, admins_only=True)
    policy_id = _record_id(request, "sla_policy_id")
    desk = _desk(request)
    body = await _body(request, "sla_policy")
    policy = await _call(desk.update_policy, policy_id, body)
    return _json({"sla_policy": policy})


async def delete_policy(request: Request) -> Response:
    """``DELETE /api/v2/slas/policies/{sla_policy_id}``: 204."""
    await _caller(request, admins_only=True)
    policy_id = _record_id(request, "sla_policy_id")
    await _call(_desk(request).delete_policy, policy_id)
    return Response(status_code=204)


_READS: list[tuple[str, str, Endpoint, str]] = [
    ("/api/v2/tickets", "GET", list_tickets, "List tickets"),
    ("/api/v2/tickets/{ticket_id}", "GET", show_ticket, "Show ticket"),
    ("/api/v2/tickets/{ticket_id}/comments", "GET", list_comments, "List comments"),
    ("/api/v2/slas/policies/{sla_policy_id}", "GET", show_policy, "Show SLA policy"),
]
_WRITES: list[tuple[str, str, Endpoint, str]] = [
    ("/api/v2/tickets", "POST", create_ticket, "Create ticket"),
    ("/api/v2/tickets/{ticket_id}", "PUT", update_ticket, "Update ticket"),
    ("/api/v2/tickets/{ticket_id}", "DELETE", delete_ticket, "Delete ticket"),
    ("/api/v2/slas/policies", "POST", create_policy, "Create SLA policy"),
    ("/api/v2/slas/policies/{sla_policy_id}", "PUT", update_policy, "Update SLA policy"),
    ("/api/v2/slas/policies/{sla_policy_id}", "DELETE", delete_policy, "Delete SLA policy"),
]


def _build_router(routes: list[tuple[str, str, Endpoint, str]]) -> APIRouter:
    return zendesk_router(
        [
            (path, method, endpoint, {"summary": summary, **write_docs(endpoint.__name__)})
            for path, method, endpoint, summary in routes
        ],
        tags=["Tickets API"],
    )


read_router = _build_router(_READS)
"""Reads of the live account's tickets and policies: served by every server (a mirror has
no live tickets: empty lists and 404s)."""

write_router = _build_router(_WRITES)
"""Writes to the emulated account: served only with a desk, so a mirror answers them 405 and
its ``/openapi.json`` does not list them."""
