"""A source whose metric events arrive late: back-dated rows that the server shows only from a
later ``visible_at``, and a pre-written breach that turns ``deleted`` (spec §5).

Item shapes follow the recorded metric events (``tests/fixtures/recorded/
ticket_metric_events_page.json``): every event carries ``deleted``.
"""

from __future__ import annotations

from typing import Any

from synckit import NOW

from zendesk_events.store import Store
from zendesk_events.timeutil import epoch_to_iso

LATE_BY = 20 * 60
"""How late the late events are written: more than the 11-13 minutes recorded live."""


def metric(
    event_id: int, ts: int, kind: str = "activate", *, deleted: bool = False
) -> dict[str, Any]:
    return {
        "id": event_id,
        "ticket_id": 4000 + event_id % 11,
        "metric": "reply_time",
        "instance_id": 1,
        "type": kind,
        "time": epoch_to_iso(ts),
        "deleted": deleted,
    }


def write(store: Store, items: list[dict[str, Any]], *, visible_at: int | None = None) -> None:
    with store.db.transaction() as tx:
        store.events.upsert(tx, "ticket_metric_events", items, visible_at=visible_at)


def history(store: Store, *, count: int = 300, breach_id: int = 900_001) -> None:
    """What the server shows at NOW: ``count`` events over the last 3 hours (ending 5 minutes
    ago) and a breach pre-written 40 minutes ago for 10 minutes ago."""
    step = (3 * 3600 - 300) // count
    write(store, [metric(i, NOW - 3 * 3600 + i * step) for i in range(1, count + 1)])
    write(store, [metric(breach_id, NOW - 600, "breach")], visible_at=NOW - 2400)


def arrive_late(store: Store, *, count: int = 5, first_id: int = 800_001) -> list[int]:
    """``count`` events with times 15-12 minutes before NOW, written ``LATE_BY`` after their
    time: the server shows them from about NOW + 5 minutes on. Returns their ids."""
    ids = list(range(first_id, first_id + count))
    for n, event_id in enumerate(ids):
        ts = NOW - 900 + n * (180 // max(1, count - 1))
        write(store, [metric(event_id, ts, "fulfill")], visible_at=ts + LATE_BY)
    return ids


def turn_deleted(store: Store, breach_id: int = 900_001, *, at: int = NOW + 300) -> None:
    """The target was fulfilled in time: Zendesk rewrites the breach with ``deleted: true``."""
    write(store, [metric(breach_id, NOW - 600, "breach", deleted=True)], visible_at=at)


def metric_rows(store: Store) -> dict[int, str]:
    return {int(r[0]): r[1] for r in store.db.query("SELECT id, raw FROM ticket_metric_events")}
