"""What ``/openapi.json`` says about the endpoints: parameters, security, bodies.

The routes take the raw request (see ``incremental.py``, ``tickets.py``, ``account.py``), so
FastAPI cannot infer any of this; it is declared here, once, from the same constants and error
classes the routes use, so the document stays true.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, ConfigDict, Field

from zendesk_events.events import PAGE_LIMIT, SAMPLE_LIMIT, MetricEvent, StreamName, TicketEvent
from zendesk_events.server.errors import (
    Forbidden,
    InvalidPaginationParameter,
    InvalidStartTime,
    InvalidToken,
    RateLimitExceeded,
    RecordNotFound,
    SignInThrottled,
    TooRecentStartTime,
    Unauthorized,
    ZendeskHTTPError,
)
from zendesk_events.server.faults import FAULT_STATUSES, MAX_PER_REQUEST, MAX_QUEUED

__all__ = [
    "ZendeskError",
    "control_docs",
    "endpoint_docs",
    "install_openapi",
    "operation_docs",
]


class ZendeskError(BaseModel):
    """Zendesk's error body."""

    error: str = Field(description="Error code.")
    description: str | None = Field(None, description="What went wrong.")


class AuthenticationError(BaseModel):
    """A 401: Basic credentials (``error`` is the message, no description) or an OAuth
    token (``invalid_token`` with ``error_description``, the OAuth 2.0 error format)."""

    error: str = Field(description='"Couldn\'t authenticate you", or invalid_token.')
    error_description: str | None = Field(None, description="With invalid_token only.")


class _ForbiddenDetail(BaseModel):
    title: str
    message: str


class ForbiddenError(BaseModel):
    """A 403: the nested body Zendesk sends to a non-admin."""

    error: _ForbiddenDetail


class _Meta(BaseModel):
    has_more: bool = Field(description="More items follow: request links.next.")
    after_cursor: str | None = Field(description="Opaque; null when the page is empty.")
    before_cursor: str | None = Field(description="Opaque; null when the page is empty.")


class _Links(BaseModel):
    next: str | None = Field(
        description="The next page (page[after]), every other parameter kept; null when empty."
    )
    prev: str | None = Field(description="The previous page (page[before]); null when empty.")


class _Page(BaseModel):
    next_page: str = Field(
        description="Absolute URL of the next page: the same request with start_time=end_time."
    )
    count: int = Field(description="Items in this page.")
    end_of_stream: bool = Field(description="True when the export has caught up.")
    end_time: int = Field(
        description="Epoch second of the last item (where next_page starts); start_time when empty."
    )


class TicketEventsPage(_Page):
    """A time-based page of ticket events (one item per ticket update)."""

    ticket_events: list[TicketEvent]


class TicketMetricEventsPage(_Page):
    """A time-based page of ticket metric (SLA) events."""

    ticket_metric_events: list[MetricEvent]


class TicketMetricEventsCursorPage(BaseModel):
    """A cursor page of ticket metric events (``page[size]``)."""

    ticket_metric_events: list[MetricEvent]
    meta: _Meta
    links: _Links


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Ticket(_Open):
    """A ticket's current state, folded from its audits (only what the audits tell)."""

    url: str
    id: int
    created_at: str
    updated_at: str
    status: str | None
    tags: list[str]
    custom_fields: list[dict[str, Any]]
    generated_timestamp: int


class TicketsCursorPage(BaseModel):
    """A page of the cursor-based incremental ticket export."""

    tickets: list[Ticket]
    after_url: str | None = Field(description="The next page (cursor=after_cursor).")
    before_url: None = Field(description="Always null.")
    after_cursor: str | None
    before_cursor: None = Field(description="Always null.")
    end_of_stream: bool


class Audit(_Open):
    """One audit in the Ticket Audits API's shape."""

    id: int
    ticket_id: int
    created_at: str | None
    author_id: int | None
    metadata: dict[str, Any]
    events: list[dict[str, Any]] = Field(
        description="Create/Change: {id, type, value, field_name[, previous_value]}; Comment; "
        "other types with their payload keys."
    )
    via: dict[str, Any]


class AuditsPage(BaseModel):
    """Offset page of one ticket's audits (cursor pages with page[size] have meta/links)."""

    audits: list[Audit]
    next_page: str | None
    previous_page: str | None
    count: int


class _User(_Open):
    id: int
    url: str
    name: str
    email: str
    role: str
    active: bool


class CurrentUser(BaseModel):
    """``GET /api/v2/users/me``."""

    user: _User


class AccountSettings(BaseModel):
    """``GET /api/v2/account/settings``."""

    settings: dict[str, dict[str, bool]]


class _Token(_Open):
    url: str
    id: int
    user_id: int
    token: str = Field(description="The first 10 characters of the access token.")
    scopes: list[str]
    created_at: str | None = None


class CurrentToken(BaseModel):
    """``GET /api/v2/oauth/tokens/current``."""

    token: _Token


class TicketFieldsList(BaseModel):
    """Every ticket field as stored (cursor pages with page[size] have meta/links)."""

    ticket_fields: list[dict[str, Any]]
    next_page: str | None
    previous_page: str | None
    count: int


class GroupsList(BaseModel):
    """Groups as stored, 100 a page (cursor pages with page[size] have meta/links)."""

    groups: list[dict[str, Any]]
    next_page: str | None
    previous_page: str | None
    count: int


class SlaPoliciesList(BaseModel):
    """Every SLA policy as stored (cursor pages with page[size] have meta/links)."""

    sla_policies: list[dict[str, Any]]
    next_page: str | None
    previous_page: str | None
    count: int


class TicketFieldsCursorPage(BaseModel):
    """A cursor page of ticket fields (``page[size]``), by id."""

    ticket_fields: list[dict[str, Any]]
    meta: _Meta
    links: _Links


class GroupsCursorPage(BaseModel):
    """A cursor page of groups (``page[size]``), by id."""

    groups: list[dict[str, Any]]
    meta: _Meta
    links: _Links


class SlaPoliciesCursorPage(BaseModel):
    """A cursor page of SLA policies (``page[size]``), by id."""

    sla_policies: list[dict[str, Any]]
    meta: _Meta
    links: _Links


class AuditsCursorPage(BaseModel):
    """A cursor page of one ticket's audits (``page[size]``)."""

    audits: list[Audit]
    meta: _Meta
    links: _Links


class ClockState(BaseModel):
    """``/_emulator/clock``: the server's "now" and whether it can be moved."""

    now: float = Field(description="Epoch seconds.")
    lag: int = Field(description="Seconds of newest events held back (serve --lag).")
    settable: bool = Field(description="True on a fake clock (tests, demos).")


class FaultState(BaseModel):
    """``/_emulator/faults``: the faults still queued, in order, and how many were served."""

    pending: list[dict[str, Any]] = Field(
        description="Each {status, retry_after, delay, truncate}; one per /api/v2 request."
    )
    served: int


def _error(status: int, summary: str, *examples: ZendeskHTTPError) -> dict[str, Any]:
    models: dict[int, type[BaseModel]] = {401: AuthenticationError, 403: ForbiddenError}
    model = models.get(status, ZendeskError)
    response: dict[str, Any] = {"model": model, "description": summary}
    headers = {name for e in examples for name in e.headers}
    if headers:
        response["headers"] = {
            name: {"description": _ERROR_HEADERS.get(name, name), "schema": {"type": "string"}}
            for name in sorted(headers)
        }
    content = {f"{type(e).__name__}": {"value": e.body()} for e in examples if e.status == status}
    if content:
        response["content"] = {"application/json": {"examples": content}}
    return response


_ERROR_HEADERS = {
    "Retry-After": "Whole seconds until the window resets (wait this long, then retry).",
    "WWW-Authenticate": 'Basic realm="Web Password"; for a Bearer token: '
    'Bearer error="invalid_token"',
}

_RATE_HEADERS = {
    "X-Rate-Limit": "Account-wide requests per minute (reported, not enforced).",
    "X-Rate-Limit-Remaining": "Account-wide requests left this minute.",
    "ratelimit-limit": "Same as X-Rate-Limit.",
    "ratelimit-remaining": "Same as X-Rate-Limit-Remaining.",
    "ratelimit-reset": "Seconds until the account-wide window resets.",
}


def _query(name: str, description: str, schema: dict[str, Any], required: bool = False) -> Any:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema,
    }


def _rate_headers(bucket: str | None) -> dict[str, Any]:
    texts = dict(_RATE_HEADERS)
    if bucket is not None:
        texts[bucket] = "total=N; remaining=N; resets=S (when the endpoint limit is on)."
    return {
        name: {"description": text, "schema": {"type": "string"}} for name, text in texts.items()
    }


_THROTTLED = SignInThrottled(600)

_AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: _error(
        401,
        "No or wrong credentials; an unknown Bearer token gets the OAuth error body.",
        Unauthorized(),
        InvalidToken(),
    ),
    403: _error(403, "Authenticated, but not an admin.", Forbidden()),
    429: _error(
        429,
        "Too many failed password checks for this user or from this address (or too many at "
        "once); wait Retry-After seconds. Tokens are never refused this way.",
        _THROTTLED,
    ),
}

_CURSOR_SCHEMA = {
    "type": "string",
    "minLength": 1,
    "maxLength": 200,
    "pattern": "^[A-Za-z0-9+/]+={0,2}$",
}
"""A cursor we issued: base64 text. Any other is a 400 (a cursor is opaque: which base64 texts
are ours cannot be said in a schema)."""

_SECURITY: list[dict[str, list[str]]] = [{"basicAuth": []}, {"bearerAuth": []}]


def operation_docs(stream: StreamName, sample: bool) -> dict[str, Any]:
    """``add_api_route`` keyword arguments documenting one export endpoint."""
    limit = SAMPLE_LIMIT if sample else PAGE_LIMIT
    cursor = stream == "ticket_metric_events" and not sample
    params: list[dict[str, Any]] = [
        _query(
            "start_time",
            "Unix epoch seconds; items with a timestamp at or after it. Required, except with "
            "page[after] or page[before] on cursor pages."
            if cursor
            else "Unix epoch seconds; items with a timestamp at or after it.",
            {"type": "integer", "minimum": 0},
            required=not cursor,
        )
    ]
    if stream == "ticket_events":
        params.append(
            _query(
                "include",
                "A comma-separated list; comment_events: each comment as a full child event. "
                "Other values are ignored.",
                {"type": "string"},
            )
        )
        params.append(
            _query(
                "per_page",
                f"Items per page (default and maximum {limit}).",
                {"type": "integer", "minimum": 1, "maximum": PAGE_LIMIT},
            )
        )
    if cursor:
        params += [
            _query(
                "page[size]",
                "Any page[...] parameter asks for cursor pages: this many items a page "
                "(default 100).",
                {"type": "integer", "minimum": 1, "maximum": PAGE_LIMIT},
            ),
            _query("page[after]", "after_cursor of the previous page.", _CURSOR_SCHEMA),
            _query(
                "page[before]",
                "before_cursor of the next page (not with page[after]).",
                _CURSOR_SCHEMA,
            ),
            _query(
                "include_changes",
                "Accepted and ignored, whatever its value (Zendesk documents a boolean and no "
                "behaviour for it).",
                {"type": "string"},
            ),
        ]
    page_model: Any = TicketEventsPage if stream == "ticket_events" else TicketMetricEventsPage
    if cursor:
        page_model = TicketMetricEventsPage | TicketMetricEventsCursorPage
    header_name = "Zendesk-RateLimit-incremental-exports" + ("-sample" if sample else "")
    what = "ticket updates (audits)" if stream == "ticket_events" else "ticket metric events"
    description = (
        f"Time-based incremental export of {what} at or after start_time, ordered by "
        f"(time, id), at most {limit} a page"
        + (
            "."
            if sample
            else " (a page is extended to the end of its last second when more items share it)."
        )
        + " Follow next_page until end_of_stream; items at the boundary second repeat "
        "and are dropped by id."
    )
    if cursor:
        description += (
            " With page[size] the same stream comes in cursor pages (meta, links): follow "
            "links.next until meta.has_more is false; no item repeats."
        )
    if stream == "ticket_metric_events":
        description += " A start_time within the hold-back lag gets an empty page, not a 422."
    responses: dict[int | str, dict[str, Any]] = {
        200: {
            "model": page_model,
            "description": "One page.",
            "headers": _rate_headers(header_name),
        },
        400: _error(
            400,
            "start_time missing, not an integer, or negative; a malformed page size or cursor.",
            InvalidStartTime(),
            InvalidPaginationParameter("page[after] is not valid"),
        ),
        **_AUTH_ERRORS,
        429: _error(
            429,
            "Over the endpoint's rate limit, or too many failed password checks; wait "
            "Retry-After seconds.",
            RateLimitExceeded(30),
            _THROTTLED,
        ),
    }
    if stream == "ticket_events":
        responses[422] = _error(
            422, "start_time too recent or in the future.", TooRecentStartTime()
        )
    return {
        "summary": f"{'Sample of' if sample else 'Incremental export of'} {what}",
        "description": description + " Also served with a .json suffix. Admins only.",
        "operation_id": f"incremental_{stream}{'_sample' if sample else ''}",
        "tags": ["Incremental export"],
        "responses": responses,
        "openapi_extra": {"parameters": params, "security": _SECURITY},
    }


_LIST_PARAMS = [
    _query(
        "page[size]",
        "Cursor pages of this many (at most 100), by id; any page[...] parameter asks for "
        "cursor pages (default 100).",
        {"type": "integer", "minimum": 1, "maximum": 100},
    ),
    _query("page[after]", "after_cursor of the previous page.", _CURSOR_SCHEMA),
    _query(
        "page[before]", "before_cursor of the next page (not with page[after]).", _CURSOR_SCHEMA
    ),
]
_OFFSET_PARAMS = [
    _query(
        "page", "Offset page number, from 1.", {"type": "integer", "minimum": 1, "maximum": 10**9}
    ),
    _query(
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
            _query(
                "start_time",
                "Unix epoch seconds, whole or as a float (946684800.0); required without cursor.",
                {"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?$"},
            ),
            _query("cursor", "after_cursor of the previous page.", {"type": "string"}),
            _query(
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
            "headers": _rate_headers(
                "Zendesk-RateLimit-incremental-exports" if name == "tickets_cursor" else None
            ),
        },
        **_AUTH_ERRORS,
    }
    if paged:
        responses[400] = _error(
            400,
            "A malformed page size or cursor (tickets_cursor: a bad start_time).",
            InvalidPaginationParameter("page[size] cannot be greater than 100"),
        )
    if name in ("ticket_audits", "oauth_token_current"):
        responses[404] = _error(404, "No such ticket / no current token.", RecordNotFound())
    if name == "tickets_cursor":
        responses[422] = _error(
            422, "start_time too recent or in the future.", TooRecentStartTime()
        )
        responses[429] = _error(
            429,
            "Over the export rate limit, or too many failed password checks; wait Retry-After "
            "seconds.",
            RateLimitExceeded(30),
            _THROTTLED,
        )
    return {
        "description": description + " Also served with a .json suffix. Admins only.",
        "operation_id": name,
        "responses": responses,
        "openapi_extra": {"parameters": params, "security": _SECURITY},
    }


_FAULT = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "status": {
            "description": "Answer this status with a Zendesk-shaped body instead.",
            "anyOf": [{"type": "integer", "enum": list(FAULT_STATUSES)}, {"type": "null"}],
        },
        "retry_after": {
            "description": "With status 429: the Retry-After seconds (default 1).",
            "type": "integer",
            "minimum": 0,
            "maximum": 3600,
        },
        "delay": {
            "description": "Seconds to wait before answering.",
            "type": "number",
            "minimum": 0,
            "maximum": 300,
        },
        "truncate": {
            "description": "Send the headers and half the body, then cut the connection.",
            "type": "boolean",
        },
        "times": {
            "description": "Serve this fault to this many requests in a row (default 1).",
            "type": "integer",
            "minimum": 1,
            "maximum": 1000,
        },
    },
    # a fault does something: a status, a delay or a cut
    "anyOf": [
        {"required": ["status"], "properties": {"status": {"type": "integer"}}},
        {"required": ["delay"], "properties": {"delay": {"exclusiveMinimum": 0}}},
        {"required": ["truncate"], "properties": {"truncate": {"const": True}}},
    ],
}


def control_docs(name: str, max_clock_seconds: int = 0) -> dict[str, Any]:
    """Route keyword arguments documenting one ``/_emulator`` control; ``name`` is the
    endpoint function's. Reads are open to anyone; changes need an admin."""
    bad_value = _error(400, "A missing or impossible value (see description).")
    if name == "get_clock":
        return {
            "operation_id": name,
            "description": "The server's notion of now. Open to anyone.",
            "responses": {200: {"model": ClockState, "description": "The clock."}},
        }
    if name == "set_clock":
        params = [
            _query(
                "set",
                "Epoch seconds to set the clock to.",
                {"type": "number", "minimum": 0, "maximum": max_clock_seconds},
            ),
            _query(
                "advance",
                "Seconds to move the clock forward (or back, when negative).",
                {"type": "number", "minimum": -max_clock_seconds, "maximum": max_clock_seconds},
            ),
        ]
        return {
            "operation_id": name,
            "description": "Give exactly one of set or advance; the clock stays within 0 .. "
            f"{max_clock_seconds}. Only on a server running on a fake clock (tests, demos). "
            "Admins only.",
            "responses": {
                200: {"model": ClockState, "description": "The clock, moved."},
                400: bad_value,
                **_AUTH_ERRORS,
                409: _error(409, "The server runs on the wall clock, which nothing may move."),
            },
            "openapi_extra": {"parameters": params, "security": _SECURITY},
        }
    if name == "get_faults":
        return {
            "operation_id": name,
            "description": "Faults still queued, and how many were served. Open to anyone.",
            "responses": {200: {"model": FaultState, "description": "The queue."}},
        }
    if name == "add_faults":
        body = {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"type": "array", "maxItems": MAX_PER_REQUEST, "items": _FAULT}
                }
            },
        }
        return {
            "operation_id": name,
            "description": "Queue faults for the next /api/v2 requests, one per request, in "
            f"order; at most {MAX_QUEUED} wait at once. Admins only.",
            "responses": {
                200: {"model": FaultState, "description": "The queue, with the new faults."},
                400: _error(400, "Not a list of faults, or the queue would hold too many."),
                **_AUTH_ERRORS,
            },
            "openapi_extra": {"requestBody": body, "security": _SECURITY},
        }
    if name == "clear_faults":
        return {
            "operation_id": name,
            "description": "Drop every queued fault. Admins only.",
            "responses": {
                200: {"model": FaultState, "description": "The queue, empty."},
                **_AUTH_ERRORS,
            },
            "openapi_extra": {"security": _SECURITY},
        }
    raise KeyError(name)


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` add the two security schemes Zendesk accepts."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            schema.setdefault("components", {})["securitySchemes"] = {
                "basicAuth": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "email:password, or email/token:API_TOKEN (an admin's).",
                },
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An OAuth access token of an admin.",
                },
            }
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
