"""The wire format shared by both ends: the two streams, their items and an export page.

The models keep every field they do not know (``extra="allow"``): Zendesk adds fields over time
and a faithful export must not drop them. Hot paths (the server's page assembly, the sync
engine's bulk writes) work on raw JSON and dicts; these models are the typed view for callers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from zendesk_events.timeutil import iso_to_epoch

__all__ = [
    "PAGE_LIMIT",
    "SAMPLE_LIMIT",
    "STREAMS",
    "ChildEvent",
    "ExportPage",
    "MetricEvent",
    "StreamName",
    "StreamSpec",
    "TicketEvent",
    "item_timestamp",
]

PAGE_LIMIT = 1000
"""Items per time-based export page (Zendesk's limit; our server may exceed it, see the spec)."""

SAMPLE_LIMIT = 50
"""Items per ``/sample`` page."""

StreamName = Literal["ticket_events", "ticket_metric_events"]


@dataclass(frozen=True, slots=True)
class StreamSpec:
    """What differs between the two exported streams."""

    name: StreamName
    path: str
    """URL path of the export endpoint (without ``.json``)."""
    items_key: str
    """Key of the item list in a page."""
    time_field: str
    """Item field that orders the stream: epoch ``timestamp`` or ISO ``time``."""


STREAMS: dict[str, StreamSpec] = {
    "ticket_events": StreamSpec(
        "ticket_events", "/api/v2/incremental/ticket_events", "ticket_events", "timestamp"
    ),
    "ticket_metric_events": StreamSpec(
        "ticket_metric_events",
        "/api/v2/incremental/ticket_metric_events",
        "ticket_metric_events",
        "time",
    ),
}


def item_timestamp(item: dict[str, Any]) -> int:
    """The epoch second that orders an item of either stream."""
    ts = item.get("timestamp")
    if isinstance(ts, int):
        return ts
    return iso_to_epoch(str(item["time"]))


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class ChildEvent(_Open):
    """One change inside a ticket update: Create, Change, Comment, Notification, ... (any type)."""

    id: int
    event_type: str | None = None
    via: Any = None
    via_reference_id: int | None = None
    previous_value: Any = None


class TicketEvent(_Open):
    """One ticket update (an audit) from ``/incremental/ticket_events``."""

    id: int
    ticket_id: int
    timestamp: int
    created_at: str | None = None
    updater_id: int | None = None
    via: Any = None
    event_type: str | None = None
    system: dict[str, Any] | None = None
    merged_ticket_ids: list[int] | None = None
    child_events: list[ChildEvent] = []


class MetricEvent(_Open):
    """One SLA/metric event from ``/incremental/ticket_metric_events``."""

    id: int
    ticket_id: int
    metric: str
    instance_id: int | None = None
    type: str
    time: str

    @property
    def timestamp(self) -> int:
        """Epoch seconds of ``time``."""
        return iso_to_epoch(self.time)


@dataclass(slots=True)
class ExportPage:
    """One decoded time-based export page, for callers that checkpoint themselves.

    ``items`` are the raw decoded objects exactly as served (nothing dropped); ``events`` gives
    the typed view. ``start_time`` is the request's; ``next_start_time`` is where the next
    request starts (parsed from ``next_page``, else ``end_time``).
    """

    stream: StreamName
    start_time: int
    items: list[dict[str, Any]]
    count: int
    end_time: int
    end_of_stream: bool
    next_page: str | None
    next_start_time: int
    url: str | None = None
    """The URL the page was fetched from (for messages; None for a page not fetched)."""

    @property
    def events(self) -> list[TicketEvent] | list[MetricEvent]:
        """The items as typed models (unknown fields kept)."""
        if self.stream == "ticket_events":
            return [TicketEvent.model_validate(i) for i in self.items]
        return [MetricEvent.model_validate(i) for i in self.items]
