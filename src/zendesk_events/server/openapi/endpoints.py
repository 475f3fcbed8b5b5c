"""What ``/openapi.json`` says about the endpoints export tools call besides the exports (a
connection check, a catalogue, a ticket's audits, the tickets cursor export)."""

from __future__ import annotations

from typing import Any

from zendesk_events.server.errors import (
    InvalidPaginationParameter,
    RateLimitExceeded,
    RecordNotFound,
    TooRecentStartTime,
)
from zendesk_events.server.openapi.common import (
    AUTH_ERRORS,
    CURSOR_SCHEMA,
    SECURITY,
    THROTTLED,
    error_response,
    query_param,
    rate_headers,
)
from zendesk_events.server.openapi.models import (
    AccountSettings,
    AuditsCursorPage,
    AuditsPage,
    CurrentToken,
    CurrentUser,
    GroupsCursorPage,
    GroupsList,
    SlaPoliciesCursorPage,
    SlaPoliciesList,
    TicketFieldsCursorPage,
    TicketFieldsList,
    TicketsCursorPage,
)

__all__ = ["endpoint_docs"]

_LIST_PARAMS = [
    query_param(
        "page[size]",
        "Cursor pages of this many (at most 100), by id; any page[...] parameter asks for "
        "cursor pages (default 100).",
        {"type": "integer", "minimum": 1, "maximum": 100},
    ),
    query_param("page[after]", "after_cursor of the previous page.", CURSOR_SCHEMA),
    query_param(
        "page[before]", "before_cursor of the next page (not with page[after]).", CURSOR_SCHEMA
    ),
]
_OFFSET_PARAMS = [
    query_param(
        "page", "Offset page number, from 1.", {"type": "integer", "minimum": 1, "maximum": 10**9}
    ),
    query_param(
        "per_page",
        "Offset page size (default and maximum 100).",
        {"type": "integer", "minimum": 1, "maximum": 100},
    ),
]

_ENDPOINTS: dict[str, tuple[Any, str, list[dict[str, Any]], bool]] = {
    # name: (200 model, description, parameters, whether malformed paging gets a 400)
    "users_me": (CurrentUser, "The caller.", [], False),
    "account_settings": (AccountSettings, "The account's active features.", [], False),
    "oauth_token_current": (
        CurrentToken,
        "The OAuth token the request was made with; 404 with Basic credentials.",
        [],
        False,
    ),
    "ticket_fields": (
        TicketFieldsList | TicketFieldsCursorPage,
        "Every ticket field, by position.",
        _LIST_PARAMS,
        True,
    ),
    "groups": (
        GroupsList | GroupsCursorPage,
        "Groups by name, 100 a page.",
        _LIST_PARAMS + _OFFSET_PARAMS,
        True,
    ),
    "sla_policies": (
        SlaPoliciesList | SlaPoliciesCursorPage,
        "Every SLA policy, by position.",
        _LIST_PARAMS,
        True,
    ),
    "ticket_audits": (
        AuditsPage | AuditsCursorPage,
        "One ticket's audits, oldest first; the stored export items in the Ticket Audits "
        "API's shape.",
        [
            {
                "name": "ticket_id",
                "in": "path",
                "required": True,
                "description": "The ticket's id.",
                "schema": {"type": "integer"},
            },
            *_LIST_PARAMS,
            *_OFFSET_PARAMS,
        ],
        True,
    ),
    "tickets_cursor": (
        TicketsCursorPage,
        "Tickets changed at or after start_time (their current state folded from their "
        "audits), by (generated_timestamp, id); follow after_url until end_of_stream. Counted "
        "against the export budget.",
        [
            query_param(
                "start_time",
                "Unix epoch seconds, whole or as a float (946684800.0); required without cursor.",
                {"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?$"},
            ),
            query_param("cursor", "after_cursor of the previous page.", {"type": "string"}),
            query_param(
                "per_page",
                "Tickets per page (default and maximum 1000).",
                {"type": "integer", "minimum": 1, "maximum": 1000},
            ),
        ],
        True,
    ),
}


def endpoint_docs(name: str) -> dict[str, Any]:
    """``add_api_route`` keyword arguments documenting one of the endpoints export tools call
    besides the exports (``account.py``, ``tickets.py``); ``name`` is the endpoint function's."""
    model, description, params, paged = _ENDPOINTS[name]
    responses: dict[int | str, dict[str, Any]] = {
        200: {
            "model": model,
            "description": description,
            "headers": rate_headers(
                "Zendesk-RateLimit-incremental-exports" if name == "tickets_cursor" else None
            ),
        },
        **AUTH_ERRORS,
    }
    if paged:
        responses[400] = error_response(
            400,
            "A malformed page size or cursor (tickets_cursor: a bad start_time).",
            InvalidPaginationParameter("page[size] cannot be greater than 100"),
        )
    if name in ("ticket_audits", "oauth_token_current"):
        responses[404] = error_response(404, "No such ticket / no current token.", RecordNotFound())
    if name == "tickets_cursor":
        responses[422] = error_response(
            422, "start_time too recent or in the future.", TooRecentStartTime()
        )
        responses[429] = error_response(
            429,
            "Over the export rate limit, or too many failed password checks; wait Retry-After "
            "seconds.",
            RateLimitExceeded(30),
            THROTTLED,
        )
    return {
        "description": description + " Also served with a .json suffix. Admins only.",
        "operation_id": name,
        "responses": responses,
        "openapi_extra": {"parameters": params, "security": SECURITY},
    }
