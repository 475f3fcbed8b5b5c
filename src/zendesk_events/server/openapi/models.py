"""The bodies ``/openapi.json`` shows: the answers and error bodies of the documented routes,
as pydantic models (what FastAPI turns into schemas). They describe; the routes build their
bodies themselves (see the route modules), so nothing here is on the serving path."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from zendesk_events.events import MetricEvent, TicketEvent


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


class CursorMeta(BaseModel):
    has_more: bool = Field(description="More items follow: request links.next.")
    after_cursor: str | None = Field(description="Opaque; null when the page is empty.")
    before_cursor: str | None = Field(description="Opaque; null when the page is empty.")


class CursorLinks(BaseModel):
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
    meta: CursorMeta
    links: CursorLinks


class OpenObject(BaseModel):
    model_config = ConfigDict(extra="allow")


class Ticket(OpenObject):
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


class Audit(OpenObject):
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


class _User(OpenObject):
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


class _Token(OpenObject):
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
    meta: CursorMeta
    links: CursorLinks


class GroupsCursorPage(BaseModel):
    """A cursor page of groups (``page[size]``), by id."""

    groups: list[dict[str, Any]]
    meta: CursorMeta
    links: CursorLinks


class SlaPoliciesCursorPage(BaseModel):
    """A cursor page of SLA policies (``page[size]``), by id."""

    sla_policies: list[dict[str, Any]]
    meta: CursorMeta
    links: CursorLinks


class AuditsCursorPage(BaseModel):
    """A cursor page of one ticket's audits (``page[size]``)."""

    audits: list[Audit]
    meta: CursorMeta
    links: CursorLinks


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
