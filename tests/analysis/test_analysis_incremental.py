"""Re-running ``analyze`` after more events arrive gives the same tables as a full rebuild, and
rebuilds only the tickets whose events changed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from analysiskit import (
    GROUPS,
    M101_FIRST,
    M101_LATER,
    M102,
    M102_LATE,
    T0,
    T101_FIRST,
    T101_LATER,
    T102,
    T103,
    T104,
    all_tables,
    rows,
    write,
)
from test_analysis_tables import FIELD_HISTORY, SLA_OUTCOMES, SNAPSHOT, STATUS_PERIODS

from recorded import load
from zendesk_events.emulator import seed_store
from zendesk_events.store import Store, open_store

H = 3600


def _stage_one(store: Store) -> None:
    with store.db.transaction() as tx:
        store.account.put(tx, "ticket_fields", load("ticket_fields")["ticket_fields"])
        store.account.put(tx, "groups", GROUPS)
    write(store, [*T101_FIRST, *T104], M101_FIRST)
    write(store, T102, M102, visible_at=T0 + 1800)


def test_a_second_run_after_more_events_gives_the_known_answers_and_equals_a_rebuild(
    store_url: str,
) -> None:
    with open_store(store_url) as store:
        _stage_one(store)
        first = store.analysis.update(as_of=T0 + H + 60)
        assert first.full and first.tickets == 3
        reply, wait = rows(store, "sla_outcomes")[:2]
        # The reply breach (T0+1h) is still undeleted, but the reply came at T0+10min: a breach
        # after the fulfilment cannot have happened.
        assert reply[11:16] == (T0 + 600, None, False, None, "fulfilled")
        # The wait breach is written ahead for T0+2h: not due yet, the instance runs.
        assert wait[11:16] == (None, T0 + 2 * H, False, None, "running")

        # A sync brings ticket 101's last updates, the breaches turned deleted and moved, a
        # ticket first seen now (103), and a metric event of 102 written late, back-dated.
        write(store, [*T101_LATER, *T103], M101_LATER)
        write(store, (), M102_LATE, visible_at=T0 + 1800 + 720)
        second = store.analysis.update(as_of=T0 + 4 * H)
        assert not second.full
        assert second.tickets == 3  # 101, 102 and 103; 104 did not change
        assert rows(store, "ticket_field_history") == FIELD_HISTORY
        assert rows(store, "ticket_status_periods") == STATUS_PERIODS
        assert rows(store, "sla_outcomes") == SLA_OUTCOMES
        assert rows(store, "ticket_snapshot") == SNAPSHOT
        incremental = all_tables(store)

        again = store.analysis.update(as_of=T0 + 4 * H)
        assert again.tickets == 0
        rebuilt = store.analysis.update(as_of=T0 + 4 * H, full=True)
        assert rebuilt.full and rebuilt.tickets == 4
        assert all_tables(store) == incremental


def test_a_breach_turning_deleted_alone_is_noticed(store_url: str) -> None:
    with open_store(store_url) as store:
        _stage_one(store)
        store.analysis.update(as_of=T0 + 3 * H)
        breach = dict(M102[2])  # 102's reply breach, due T0+1h: breached as of T0+3h
        assert breach["type"] == "breach"
        assert rows(store, "sla_outcomes")[3][13:16] == (True, T0 + H, "breached")
        write(store, (), [{**breach, "deleted": True}])
        run = store.analysis.update(as_of=T0 + 3 * H)
        assert run.tickets == 1
        assert rows(store, "sla_outcomes")[3][12:16] == (None, False, None, "running")


def _copy_in_stages(source: Store, target: Store, cuts: list[int]) -> list[int]:
    """Write source's events into target in time order, analysing after each stage (as a sync
    followed by ``analyze`` would); returns how many tickets each run rebuilt."""
    with target.db.transaction() as tx:
        for table in ("ticket_fields", "groups", "sla_policies"):
            target.account.put(tx, table, source.account.all(table))
    audits = source.db.query("SELECT timestamp, raw FROM ticket_events ORDER BY timestamp, id")
    metrics = source.db.query(
        "SELECT visible_at, raw FROM ticket_metric_events ORDER BY visible_at, id"
    )
    rebuilt = []
    lo = -1
    for hi in [*cuts, 2**62]:
        batch_a = [orjson.loads(raw) for ts, raw in audits if lo <= ts < hi]
        batch_m: list[dict[str, Any]] = [orjson.loads(raw) for v, raw in metrics if lo <= v < hi]
        with target.db.transaction() as tx:
            target.events.upsert(tx, "ticket_events", batch_a)
            target.events.upsert(tx, "ticket_metric_events", batch_m)
        rebuilt.append(target.analysis.update(as_of=hi if hi < 2**62 else cuts[-1] + 30 * 86400,
                                              batch_tickets=7).tickets)  # fmt: skip
        lo = hi
    return rebuilt


def test_an_emulated_history_analysed_in_stages_equals_one_full_build(
    store_url: str, tmp_path: Path
) -> None:
    end = 1_790_000_000
    with open_store(str(tmp_path / "source.db")) as source, open_store(store_url) as target:
        seed_store(source, tickets=60, days=10, seed=5, now=end, admin_email=None)
        span = source.events.time_span("ticket_events")
        assert span is not None
        lo, hi = span
        cuts = [lo + (hi - lo) * k // 4 for k in (1, 2, 3)]
        rebuilt = _copy_in_stages(source, target, cuts)
        assert sum(rebuilt) > 60  # tickets are rebuilt again as their history grows
        assert 0 < rebuilt[-1] < 60  # the last stage touches only the tickets still active
        staged = all_tables(target)
        assert all(staged.values())
        target.analysis.update(as_of=cuts[-1] + 30 * 86400, full=True)
        assert all_tables(target) == staged
