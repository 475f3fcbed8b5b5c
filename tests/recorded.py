"""The hand-written recorded shapes of ``tests/fixtures/recorded`` (see its README for sources)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "recorded"


def load(name: str) -> Any:
    """The decoded fixture ``name`` (``.json`` optional)."""
    path = FIXTURES / (name if name.endswith(".json") else name + ".json")
    return orjson.loads(path.read_bytes())


def recorded_ticket_events() -> list[dict[str, Any]]:
    """Every recorded ticket event of the fixtures, without the comment sideload."""
    return [
        *load("ticket_events_sample_ticket")["ticket_events"],
        load("ticket_event_custom_fields"),
        load("ticket_event_system_update"),
        load("ticket_event_other_children"),
    ]


def recorded_metric_events() -> list[dict[str, Any]]:
    """Every recorded ticket metric event of the fixtures."""
    return [
        *load("ticket_metric_events_page")["ticket_metric_events"],
        *load("ticket_metric_events_more"),
    ]
