"""Same (tickets, days, seed, end) -> the same store content; another seed -> another history."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from emukit import END, seeded

from zendesk_events.emulator import LateArrival, seed_store
from zendesk_events.store import Store, open_store

_TABLES = {
    "ticket_events": "id, ticket_id, timestamp, created_at, updater_id, via, raw, raw_comments",
    "ticket_field_changes": "id, field, audit_id, value, previous_value, via",
    "ticket_comments": "id, audit_id, author_id, body, raw",
    "ticket_metric_events": "id, ticket_id, type, time, deleted, visible_at, raw",
    "users": "id, email, name, role",
    "ticket_fields": "id, raw",
    "groups": "id, raw",
    "sla_policies": "id, raw",
}


def _content(store: Store) -> dict[str, list[tuple[object, ...]]]:
    return {
        t: [tuple(r) for r in store.db.query(f"SELECT {cols} FROM {t} ORDER BY 1, 2")]
        for t, cols in _TABLES.items()
    }


def test_same_arguments_give_identical_rows(tmp_path: Path) -> None:
    with (
        seeded(str(tmp_path / "a.db"), tickets=60) as a,
        seeded(str(tmp_path / "b.db"), tickets=60) as b,
    ):
        first, second = _content(a), _content(b)
    assert first["ticket_events"], "the seed wrote nothing"
    assert first == second


def test_another_seed_gives_another_history(tmp_path: Path) -> None:
    with (
        seeded(str(tmp_path / "a.db"), tickets=60, seed=1) as a,
        seeded(str(tmp_path / "b.db"), tickets=60, seed=2) as b,
    ):
        assert _content(a)["ticket_events"] != _content(b)["ticket_events"]


def test_sqlite_and_postgresql_hold_the_same_history(store_url: str, tmp_path: Path) -> None:
    with seeded(str(tmp_path / "ref.db"), tickets=12) as ref, open_store(store_url) as store:
        report = seed_store(store, tickets=12, days=30, seed=1, now=END, admin_email=None)
        assert report.counts["ticket_events"] == ref.events.counts()["ticket_events"]
        got = _content(store)
        want = _content(ref)
        for table in ("ticket_events", "ticket_metric_events", "ticket_comments"):
            assert got[table] == want[table], table


def test_reseeding_the_same_store_changes_nothing(tmp_path: Path) -> None:
    with seeded(str(tmp_path / "a.db"), tickets=20) as store:
        before = _content(store)
        # a store with a history is refused unless the caller says to add to it (--append)
        seed_store(store, tickets=20, days=30, seed=1, now=END, admin_email=None, append=True)
        assert _content(store) == before


def test_history_ends_before_end_and_spans_the_days(tmp_path: Path) -> None:
    with open_store(str(tmp_path / "a.db")) as store:
        report = seed_store(store, tickets=40, days=10, seed=5, now=END, admin_email=None)
        for span in report.spans.values():
            assert span is not None
            assert report.start <= span[0] < END
        span = report.spans["ticket_events"]
        assert span is not None and span[1] < END
        # every metric event was written before the end; only a breach written in advance
        # can carry a later time (Zendesk serves it once that time has come)
        (written,) = store.db.query(
            "SELECT MAX(timestamp) FROM ticket_metric_events WHERE type <> 'breach'"
        )
        assert written[0] < END
        (ahead,) = store.db.query(
            "SELECT COUNT(*) FROM ticket_metric_events WHERE timestamp >= ? AND deleted = ?",
            (END, False),
        )
        assert ahead[0] > 0
    assert report.start == END - 10 * 86_400


def test_lateness_changes_when_rows_become_visible_never_the_history(tmp_path: Path) -> None:
    contents = []
    for share in (0.0, 0.5):
        with open_store(str(tmp_path / f"{share}.db")) as store:
            seed_store(
                store,
                tickets=30,
                days=10,
                seed=4,
                now=END,
                admin_email=None,
                late=LateArrival(share=share),
            )
            contents.append(
                store.db.query(
                    "SELECT id, raw, visible_at, visible_at <= timestamp "
                    "FROM ticket_metric_events ORDER BY id"
                )
            )
    off, half = contents
    assert [r[:2] for r in off] == [r[:2] for r in half]
    # off: a row is visible from when Zendesk wrote it, never after its time (a breach written
    # in advance is visible before its time)
    assert all(r[3] for r in off)
    delays = Counter(h[2] - o[2] for o, h in zip(off, half, strict=True))
    assert set(delays) - {0}, "nothing arrived late"
    assert all(d == 0 or 11 * 60 <= d <= 13 * 60 for d in delays)
    assert 0.2 < (delays.total() - delays[0]) / delays.total() < 0.8


def test_worker_process_writes_the_same_history(tmp_path: Path) -> None:
    contents = []
    for parallel in (False, True):
        with open_store(str(tmp_path / f"{parallel}.db")) as store:
            seed_store(
                store, tickets=150, days=30, seed=4, now=END, admin_email=None, parallel=parallel
            )
            contents.append(_content(store))
    assert contents[0]["ticket_events"]
    assert contents[0] == contents[1]
