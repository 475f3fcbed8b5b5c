"""What ``/openapi.json`` says about the export endpoints: parameters, security, bodies.

The routes take the raw request (see ``incremental.py``), so FastAPI cannot infer any of this;
it is declared here, once, from the same constants the routes use, so the document stays true.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field

from zendesk_events.events import PAGE_LIMIT, SAMPLE_LIMIT, MetricEvent, StreamName, TicketEvent
from zendesk_events.server.errors import (
    EndpointNotFound,
    Forbidden,
    InvalidStartTime,
    RateLimitExceeded,
    TooRecentStartTime,
    Unauthorized,
    ZendeskHTTPError,
)

__all__ = ["ZendeskError", "install_openapi", "operation_docs"]


class ZendeskError(BaseModel):
    """Zendesk's error body."""

    error: str = Field(description="Error code (or, for 401, the message).")
    description: str | None = Field(None, description="What went wrong (absent on 401).")


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


def _error(status: int, summary: str, *examples: ZendeskHTTPError) -> dict[str, Any]:
    response: dict[str, Any] = {"model": ZendeskError, "description": summary}
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
    "WWW-Authenticate": 'Basic realm="Web Password"',
}

_RATE_HEADERS = {
    "X-Rate-Limit": "Account-wide requests per minute (reported, not enforced).",
    "X-Rate-Limit-Remaining": "Account-wide requests left this minute.",
    "ratelimit-limit": "Same as X-Rate-Limit.",
    "ratelimit-remaining": "Same as X-Rate-Limit-Remaining.",
    "ratelimit-reset": "Seconds until the account-wide window resets.",
}


def operation_docs(stream: StreamName, sample: bool) -> dict[str, Any]:
    """``add_api_route`` keyword arguments documenting one export endpoint."""
    limit = SAMPLE_LIMIT if sample else PAGE_LIMIT
    params: list[dict[str, Any]] = [
        {
            "name": "start_time",
            "in": "query",
            "required": True,
            "description": "Unix epoch seconds; items with a timestamp at or after it. Must be "
            "older than the server's hold-back lag (default one minute).",
            "schema": {"type": "integer", "minimum": 0},
        }
    ]
    if stream == "ticket_events":
        params.append(
            {
                "name": "include",
                "in": "query",
                "required": False,
                "description": "comment_events: each comment as a full child event. Other "
                "values are ignored.",
                "schema": {"type": "string", "enum": ["comment_events"]},
            }
        )
    page_model = TicketEventsPage if stream == "ticket_events" else TicketMetricEventsPage
    header_name = "Zendesk-RateLimit-incremental-exports" + ("-sample" if sample else "")
    headers = {
        name: {"description": text, "schema": {"type": "string"}}
        for name, text in {
            **_RATE_HEADERS,
            header_name: "total=N; remaining=N; resets=S (when the endpoint limit is on).",
        }.items()
    }
    what = "ticket updates (audits)" if stream == "ticket_events" else "ticket metric events"
    return {
        "summary": f"{'Sample of' if sample else 'Incremental export of'} {what}",
        "description": (
            f"Time-based incremental export of {what} at or after start_time, ordered by "
            f"(time, id), at most {limit} a page"
            + (
                "."
                if sample
                else " (a page is extended to the end of its last second when more items share it)."
            )
            + " Follow next_page until end_of_stream; items at the boundary second repeat "
            "and are dropped by id. Also served with a .json suffix. Admins only."
        ),
        "operation_id": f"incremental_{stream}{'_sample' if sample else ''}",
        "tags": ["Incremental export"],
        "responses": {
            200: {"model": page_model, "description": "One page.", "headers": headers},
            400: _error(
                400, "start_time missing, not an integer, or negative.", InvalidStartTime()
            ),
            401: _error(401, "No or wrong credentials.", Unauthorized()),
            403: _error(403, "Authenticated, but not an admin.", Forbidden()),
            404: _error(404, "No such endpoint.", EndpointNotFound()),
            422: _error(422, "start_time too recent or in the future.", TooRecentStartTime()),
            429: _error(
                429,
                "Over the endpoint's rate limit; wait Retry-After seconds.",
                RateLimitExceeded(30),
            ),
        },
        "openapi_extra": {
            "parameters": params,
            "security": [{"basicAuth": []}, {"bearerAuth": []}],
        },
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
