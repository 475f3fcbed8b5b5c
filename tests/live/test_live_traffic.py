"""``--traffic``: a deterministic stream of live activity, through the same writes as the API;
``sync --follow`` against it ends with the synced store equal to the server's, late metric
events included (the sync's look-back catches them)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from livekit import NO_LATE, token_header

from zendesk_events.client import ZendeskClient
from zendesk_events.config import ServerSettings
from zendesk_events.emulator import LateArrival, LiveDesk, seed_store
from zendesk_events.emulator.live import TRAFFIC_CATCH_UP
from zendesk_events.server import create_app
from zendesk_events.store import Store, open_store
from zendesk_events.sync import open_sink, run_sync
from zendesk_events.timeutil import FakeClock

END = 1_760_000_040  # the seeded history ends here; the traffic starts a minute later


def _seeded(path: str) -> Store:
    store = open_store(path)
    seed_store(store, tickets=40, days=3, seed=5, now=END, admin_email=None)
    return store


def _rows(store: Store, *, before: int | None = None) -> dict[str, dict[int, str]]:
    """Every row of both streams (as served); with ``before``: only what the export serves
    at that hold-back bound (a row's time and, for metric events, its visibility)."""
    bound = "" if before is None else " WHERE timestamp < ?"
    visible = "" if before is None else " AND visible_at < ?"
    tickets = store.db.query(
        f"SELECT id, raw FROM ticket_events{bound}", () if before is None else (before,)
    )
    metrics = store.db.query(
        f"SELECT id, raw FROM ticket_metric_events{bound}{visible}",
        () if before is None else (before, before),
    )
    return {
        "ticket_events": {int(r[0]): r[1] for r in tickets},
        "ticket_metric_events": {int(r[0]): r[1] for r in metrics},
    }


def test_the_same_seed_writes_the_same_activity(tmp_path: Path) -> None:
    histories = []
    for name in ("a", "b", "c"):
        with _seeded(str(tmp_path / f"{name}.db")) as store:
            seed = 9 if name != "c" else 10
            desk = LiveDesk(
                store, FakeClock(END + 60), late=LateArrival(0.3), seed=seed, traffic=2.0
            )
            desk.prepare()
            writes = desk.advance(END + 60 + 120)
            assert 100 < writes < 400  # ~2 a second for 2 minutes, plus due automations
            histories.append(_rows(store))
    assert histories[0] == histories[1]
    assert histories[0]["ticket_events"] != histories[2]["ticket_events"]


def test_traffic_writes_are_api_writes(tmp_path: Path) -> None:
    """Traffic goes through the model as requests do: every audit has the recorded keys and
    every ticket it opens starts with the seven measures."""
    with _seeded(str(tmp_path / "a.db")) as store:
        before = {int(r[0]) for r in store.db.query("SELECT id FROM live_tickets")}
        desk = LiveDesk(store, FakeClock(END + 60), late=NO_LATE, seed=3, traffic=1.0)
        desk.prepare()
        desk.advance(END + 60 + 600)
        opened = {int(r[0]) for r in store.db.query("SELECT id FROM live_tickets")} - before
        assert opened
        for ticket in opened:
            rows = store.db.query(
                "SELECT COUNT(*) FROM ticket_metric_events "
                "WHERE ticket_id = ? AND type = 'measure'",
                (ticket,),
            )
            assert rows[0][0] == 7
        kinds = {
            r[0]
            for r in store.db.query(
                "SELECT DISTINCT via FROM ticket_events WHERE timestamp > ?", (END,)
            )
        }
        assert {"Web form", "Mail"} <= kinds


def test_a_clock_jump_replays_only_the_last_hour_of_traffic(tmp_path: Path) -> None:
    """A fake clock moved a day ahead owes a day of traffic; it runs the last hour of it (and
    every automation), so the move answers in moments rather than after every write."""
    with _seeded(str(tmp_path / "a.db")) as store:
        start = END + 60
        desk = LiveDesk(store, FakeClock(start), late=NO_LATE, seed=3, traffic=0.05)
        desk.prepare()
        cast = {p.id for p in (*desk.traffic.cast.agents, *desk.traffic.cast.requesters)}  # type: ignore[union-attr]
        until = start + 86_400
        desk.advance(until)
        people = ",".join(str(i) for i in cast)
        times = [
            int(r[0])
            for r in store.db.query(
                "SELECT timestamp FROM ticket_events "
                f"WHERE timestamp > ? AND updater_id IN ({people})",
                (start,),
            )
        ]
        assert 60 < len(times) < 400  # ~0.05 a second for the last hour
        assert min(times) >= until - TRAFFIC_CATCH_UP
        automations = store.db.query(
            "SELECT COUNT(*) FROM ticket_events WHERE timestamp BETWEEN ? AND ? "
            "AND updater_id = -1",
            (start, until - TRAFFIC_CATCH_UP),
        )[0][0]
        assert automations > 0  # the seeded tickets' automations ran all day


@pytest.mark.slow
def test_sync_follow_against_traffic_ends_equal_to_the_server_late_events_included(
    tmp_path: Path, run_server: Any
) -> None:
    with _seeded(str(tmp_path / "server.db")) as store:
        auth_header = token_header(store, "follower@example.com", "admin")
        token = store.users.new_api_token(store.users.by_email("follower@example.com"))  # type: ignore[arg-type]
        clock = FakeClock(END + 60)
        late = LateArrival(0.3, 11, 13)
        desk = LiveDesk(store, clock, late=late, seed=11, traffic=0.5, poll=3600)
        desk.prepare()
        app = create_app(ServerSettings(db="unused", export_rate_limit=0), store, clock, desk)
        with run_server(app) as url, httpx.Client(timeout=60) as control:

            def move(seconds: float) -> None:
                r = control.post(f"{url}/_emulator/clock?advance={seconds}", headers=auth_header)
                assert r.status_code == 200, r.text

            stop = threading.Event()
            errors: list[BaseException] = []
            sink = open_sink(str(tmp_path / "synced.db"))
            client = ZendeskClient(base_url=url, email="follower@example.com", token=token)

            def follow() -> None:
                try:
                    run_sync(
                        client,
                        sink,
                        streams=["ticket_events", "ticket_metric_events"],
                        since=END - 4 * 86_400,
                        follow=True,
                        poll_interval=0.05,
                        stop=stop,
                    )
                except BaseException as exc:
                    errors.append(exc)

            thread = threading.Thread(target=follow)
            thread.start()
            try:
                for _ in range(40):  # 20 minutes of traffic, 30 seconds a step
                    move(30)
                    time.sleep(0.05)
                desk.traffic = None  # the account goes quiet; late events still arrive
                for _ in range(20):  # 20 more minutes: every late event becomes visible
                    move(60)
                    time.sleep(0.05)
                now = int(clock.now())
                served = _rows(store, before=now - 60)
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline:
                    with open_store(str(tmp_path / "synced.db")) as synced:
                        if _rows(synced) == served:
                            break
                    time.sleep(0.2)
            finally:
                stop.set()
                thread.join(timeout=60)
                sink.close()
                client.close()
        assert not errors, errors
        late_rows = store.db.query(
            "SELECT COUNT(*) FROM ticket_metric_events "
            "WHERE timestamp > ? AND visible_at > timestamp + 600",
            (END,),
        )[0][0]
    assert late_rows > 0, "the traffic wrote no late metric events"
    with open_store(str(tmp_path / "synced.db")) as synced:
        got = _rows(synced)
    assert got["ticket_events"] == served["ticket_events"]
    assert got["ticket_metric_events"] == served["ticket_metric_events"]
