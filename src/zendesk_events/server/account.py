"""Handles the calls export tools make before exporting (spec §10): who am I, the account's
settings, its ticket fields, groups and SLA policies, and the current OAuth token.

Each answers from the store in Zendesk's page format for that endpoint, admins only (the
agents' 403 is the export's); no SQL here. For a mirror these serve what the sync stored,
which may be nothing (an empty list, as an account without groups would show).
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from fastapi import Request
from starlette.responses import Response

from zendesk_events.server.auth import Authenticator, client_address, parse_authorization
from zendesk_events.server.errors import RecordNotFound
from zendesk_events.server.openapi import endpoint_docs
from zendesk_events.server.paging import (
    cursor_meta_links,
    cursor_slice,
    link,
    offset_slice,
    origin,
    parse_cursor_params,
    wants_cursor,
)
from zendesk_events.server.routing import zendesk_router
from zendesk_events.store import Store
from zendesk_events.timeutil import epoch_to_iso, iso_to_epoch

__all__ = ["router"]

LIST_PAGE_LIMIT = 100
"""Zendesk's page limit on list endpoints (``page[size] cannot be greater than 100``)."""

ACTIVE_FEATURES = {"organization_access_enabled": True, "ticket_tagging": True}
"""What ``account/settings`` reports: organization access, which an export tool checks before
reading organizations (spec §10), and tagging, which every exported ticket shows."""

_JSON = "application/json; charset=utf-8"


def _json(body: Any) -> Response:
    return Response(orjson.dumps(body), media_type=_JSON)


async def _admin(request: Request) -> Any:
    authenticator: Authenticator = request.app.state.authenticator
    return await authenticator.admin(
        request.headers.get("authorization"), client_address(request.scope)
    )


def _base(request: Request) -> str:
    return origin(request, request.app.state.settings.base_url)


async def users_me(request: Request) -> Response:
    """``{"user": {...}}``: the caller, as the Users API shows a user."""
    user = await _admin(request)
    return _json(
        {
            "user": {
                "id": user.id,
                "url": f"{_base(request)}/api/v2/users/{user.id}.json",
                "name": user.name,
                "email": user.email,
                "role": user.role,
                "active": True,
            }
        }
    )


async def account_settings(request: Request) -> Response:
    """``{"settings": {"active_features": {...}}}``."""
    await _admin(request)
    return _json({"settings": {"active_features": dict(ACTIVE_FEATURES)}})


async def oauth_token_current(request: Request) -> Response:
    """The OAuth token the request was made with (only its first 10 characters, as Zendesk).

    A request made with Basic credentials has no current token: 404.
    """
    user = await _admin(request)
    creds = parse_authorization(request.headers.get("authorization"))
    if creds is None or creds[0] != "oauth":
        raise RecordNotFound()
    token = creds[2]
    store: Store = request.app.state.store
    created = store.users.oauth_token_created_at(token)
    # Our tokens have no id of their own; this one is derived from the token's hash.
    token_id = int(hashlib.sha256(token.encode()).hexdigest()[:12], 16)
    body: dict[str, Any] = {
        "url": f"{_base(request)}/api/v2/oauth/tokens/{token_id}.json",
        "id": token_id,
        "user_id": user.id,
        "token": token[:10],
        "scopes": ["read"],
    }
    if created is not None:
        body["created_at"] = epoch_to_iso(iso_to_epoch(created))
    return _json({"token": body})


def _listing(
    request: Request, key: str, objects: list[dict[str, Any]], *, offset: bool
) -> Response:
    """One page of a small account list, in the endpoint's page format.

    ``page[size]`` asks for cursor pages (by id); otherwise ``offset`` lists page with
    ``page``/``per_page`` (100 a page), and the others return everything at once, as Zendesk
    does for ticket fields. Both forms end with ``next_page``, ``previous_page`` and ``count``.
    """
    params = request.query_params
    if wants_cursor(params):
        cursor = parse_cursor_params(params, default=LIST_PAGE_LIMIT, maximum=LIST_PAGE_LIMIT)
        objects = sorted(objects, key=lambda o: int(o["id"]))
        positions = [(0, int(o["id"])) for o in objects]
        chosen, has_more = cursor_slice(positions, cursor)
        page = [objects[i] for i in chosen]
        meta, links = cursor_meta_links(
            request,
            _base(request),
            cursor.size,
            positions[chosen[0]] if chosen else None,
            positions[chosen[-1]] if chosen else None,
            has_more,
        )
        return _json({key: page, "meta": meta, "links": links})
    count = len(objects)
    next_page = previous_page = None
    if offset:
        window, number, per_page = offset_slice(
            count, params, default=LIST_PAGE_LIMIT, maximum=LIST_PAGE_LIMIT
        )
        objects = [objects[i] for i in window]
        base, path = _base(request), request.scope["path"]
        kept = [(k, v) for k, v in params.multi_items() if k not in ("page", "per_page")]
        if number * per_page < count:
            pairs = [*kept, ("page", str(number + 1)), ("per_page", str(per_page))]
            next_page = link(base, path, pairs)
        if number > 1:
            pairs = [*kept, ("page", str(number - 1)), ("per_page", str(per_page))]
            previous_page = link(base, path, pairs)
    return _json(
        {key: objects, "next_page": next_page, "previous_page": previous_page, "count": count}
    )


async def ticket_fields(request: Request) -> Response:
    """Every ticket field (by position), or cursor pages by id."""
    await _admin(request)
    store: Store = request.app.state.store
    return _listing(request, "ticket_fields", store.account.all("ticket_fields"), offset=False)


async def groups(request: Request) -> Response:
    """Groups, offset pages of 100 (or cursor pages by id)."""
    await _admin(request)
    store: Store = request.app.state.store
    return _listing(request, "groups", store.account.all("groups"), offset=True)


async def sla_policies(request: Request) -> Response:
    """Every SLA policy (by position)."""
    await _admin(request)
    store: Store = request.app.state.store
    return _listing(request, "sla_policies", store.account.all("sla_policies"), offset=False)


_ROUTES: dict[str, tuple[Callable[[Request], Awaitable[Response]], str]] = {
    "/api/v2/users/me": (users_me, "Show the current user"),
    "/api/v2/account/settings": (account_settings, "Show the account's settings"),
    "/api/v2/ticket_fields": (ticket_fields, "List ticket fields"),
    "/api/v2/groups": (groups, "List groups"),
    "/api/v2/slas/policies": (sla_policies, "List SLA policies"),
    "/api/v2/oauth/tokens/current": (oauth_token_current, "Show the current OAuth token"),
}


router = zendesk_router(
    [
        (path, "GET", endpoint, {"summary": summary, **endpoint_docs(endpoint.__name__)})
        for path, (endpoint, summary) in _ROUTES.items()
    ],
    tags=["Account"],
)
