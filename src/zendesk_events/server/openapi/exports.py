"""What ``/openapi.json`` says about the incremental exports and their samples."""

from __future__ import annotations

from typing import Any

from zendesk_events.events import PAGE_LIMIT, SAMPLE_LIMIT, StreamName
from zendesk_events.server.errors import (
    InvalidPaginationParameter,
    InvalidStartTime,
    RateLimitExceeded,
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
    TicketEventsPage,
    TicketMetricEventsCursorPage,
    TicketMetricEventsPage,
)

__all__ = ["operation_docs"]


def operation_docs(stream: StreamName, sample: bool) -> dict[str, Any]:
    """``add_api_route`` keyword arguments documenting one export endpoint."""
    limit = SAMPLE_LIMIT if sample else PAGE_LIMIT
    cursor = stream == "ticket_metric_events" and not sample
    params: list[dict[str, Any]] = [
        query_param(
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
            query_param(
                "include",
                "A comma-separated list; comment_events: each comment as a full child event. "
                "Other values are ignored.",
                {"type": "string"},
            )
        )
        params.append(
            query_param(
                "per_page",
                f"Items per page (default and maximum {limit}).",
                {"type": "integer", "minimum": 1, "maximum": PAGE_LIMIT},
            )
        )
    if cursor:
        params += [
            query_param(
                "page[size]",
                "Any page[...] parameter asks for cursor pages: this many items a page "
                "(default 100).",
                {"type": "integer", "minimum": 1, "maximum": PAGE_LIMIT},
            ),
            query_param("page[after]", "after_cursor of the previous page.", CURSOR_SCHEMA),
            query_param(
                "page[before]",
                "before_cursor of the next page (not with page[after]).",
                CURSOR_SCHEMA,
            ),
            query_param(
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
            "headers": rate_headers(header_name),
        },
        400: error_response(
            400,
            "start_time missing, not an integer, or negative; a malformed page size or cursor.",
            InvalidStartTime(),
            InvalidPaginationParameter("page[after] is not valid"),
        ),
        **AUTH_ERRORS,
        429: error_response(
            429,
            "Over the endpoint's rate limit, or too many failed password checks; wait "
            "Retry-After seconds.",
            RateLimitExceeded(30),
            THROTTLED,
        ),
    }
    if stream == "ticket_events":
        responses[422] = error_response(
            422, "start_time too recent or in the future.", TooRecentStartTime()
        )
    return {
        "summary": f"{'Sample of' if sample else 'Incremental export of'} {what}",
        "description": description + " Also served with a .json suffix. Admins only.",
        "operation_id": f"incremental_{stream}{'_sample' if sample else ''}",
        "tags": ["Incremental export"],
        "responses": responses,
        "openapi_extra": {"parameters": params, "security": SECURITY},
    }
