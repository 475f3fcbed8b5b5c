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
    EndpointNotFound,
    Forbidden,
    InvalidPaginationParameter,
    InvalidStartTime,
    InvalidToken,
    RateLimitExceeded,
    RecordNotFound,
    TooRecentStartTime,
    Unauthorized,
    ZendeskHTTPError,
)

__all__ = ["ZendeskError", "endpoint_docs", "install_openapi", "operation_docs"]


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
    """Every SLA policy as stored."""

    sla_policies: list[dict[str, Any]]
    next_page: str | None
    previous_page: str | None
    count: int


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


_AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: _error(
        401,
        "No or wrong credentials; an unknown Bearer token gets the OAuth error body.",
        Unauthorized(),
        InvalidToken(),
    ),
    403: _error(403, "Authenticated, but not an admin.", Forbidden()),
    404: _error(404, "No such endpoint.", EndpointNotFound()),
}

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
                "comment_events: each comment as a full child event. Other values are ignored.",
                {"type": "string", "enum": ["comment_events"]},
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
            _query("page[after]", "after_cursor of the previous page.", {"type": "string"}),
            _query("page[before]", "before_cursor of the next page.", {"type": "string"}),
            _query(
                "include_changes",
                "Accepted and ignored (Zendesk documents no behaviour for it).",
                {"type": "boolean"},
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
            429, "Over the endpoint's rate limit; wait Retry-After seconds.", RateLimitExceeded(30)
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
    _query("page[size]", "Cursor pages of this many (at most 100), by id.", {"type": "integer"}),
    _query("page[after]", "after_cursor of the previous page.", {"type": "string"}),
    _query("page[before]", "before_cursor of the next page.", {"type": "string"}),
]
_OFFSET_PARAMS = [
    _query("page", "Offset page number, from 1.", {"type": "integer", "minimum": 1}),
    _query("per_page", "Offset page size (at most 100).", {"type": "integer", "maximum": 100}),
]

_ENDPOINTS: dict[str, tuple[Any, str, list[dict[str, Any]], bool]] = {
    "users_me": (CurrentUser, "The caller.", [], False),
    "account_settings": (AccountSettings, "The account's active features.", [], False),
    "oauth_token_current": (
        CurrentToken,
        "The OAuth token the request was made with; 404 with Basic credentials.",
        [],
        False,
    ),
    "ticket_fields": (TicketFieldsList, "Every ticket field, by position.", _LIST_PARAMS, True),
    "groups": (GroupsList, "Groups by name, 100 a page.", _LIST_PARAMS + _OFFSET_PARAMS, True),
    "sla_policies": (SlaPoliciesList, "Every SLA policy, by position.", [], False),
    "ticket_audits": (
        AuditsPage,
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
            429, "Over the export rate limit; wait Retry-After seconds.", RateLimitExceeded(30)
        )
    return {
        "description": description + " Also served with a .json suffix. Admins only.",
        "operation_id": name,
        "responses": responses,
        "openapi_extra": {"parameters": params, "security": _SECURITY},
    }


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
