"""Late metric events end to end: back-dated events and a breach turned ``deleted`` reach the
store through the look-back, and are lost without it (spec §5, §9.6)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner
from latekit import arrive_late, history, metric_rows, turn_deleted
from synckit import EMAIL, NOW, jsonl_items

from zendesk_events.cli import cli
from zendesk_events.store import open_store
from zendesk_events.sync import Lookback, SyncObserver, open_sink, run_sync
from zendesk_events.timeutil import FakeClock


def _sync(src: Any, target: str, *extra: str) -> Any:
    args = [*src.cli_args(target, "--stream", "ticket_metric_events"), *extra]
    result = CliRunner().invoke(cli, args, env={"ZENDESK_API_TOKEN": src.token})
    assert result.exit_code == 0, result.output
    return result


def test_default_look_back_converges_and_lookback_0_loses(
    tmp_path: Path, serve_source: Any, store_url: str
) -> None:
    """Two targets synced alike; then Zendesk writes late events and deletes a breach. The
    default run takes both; ``--lookback 0`` misses both (what a forward-only cursor loses)."""
    plain = str(tmp_path / "forward-only.db")
    with open_store(str(tmp_path / "source.db")) as source, serve_source(source) as src:
        history(source)
        _sync(src, store_url)
        _sync(src, plain)
        late = arrive_late(source)
        turn_deleted(source)
        src.clock.set(NOW + 12 * 60)  # the late rows and the rewritten breach are visible now
        final = metric_rows(source)
        _sync(src, store_url)
        _sync(src, plain, "--lookback", "0")
        status = CliRunner().invoke(cli, ["status", "--to", store_url])
    with open_store(store_url) as looked_back:
        assert metric_rows(looked_back) == final  # the server's final state, row for row
        state = looked_back.state.get("ticket_metric_events")
    assert state is not None
    assert state.late.late == len(late) == state.late.run_late
    assert state.late.changed == 1
    # found 12-15 minutes behind the cursor (the last event, 5 minutes before NOW)
    assert 7 * 60 <= state.late.late_worst <= 10 * 60
    assert "late arrivals: 5 late (worst " in status.stdout and "1 changed" in status.stdout
    with open_store(plain) as forward_only:
        got = metric_rows(forward_only)
    assert not set(late) & set(got), "a forward-only cursor cannot see back-dated events"
    assert orjson.loads(got[900_001])["deleted"] is False  # nor the breach turned deleted
    assert set(got) | set(late) == set(final)


def test_json_lines_appends_late_and_changed_items_once(tmp_path: Path, serve_source: Any) -> None:
    target = tmp_path / "events.jsonl"
    with open_store(str(tmp_path / "source.db")) as source, serve_source(source) as src:
        history(source)
        _sync(src, str(target))
        late = arrive_late(source)
        turn_deleted(source)
        src.clock.set(NOW + 12 * 60)
        final = {k: orjson.loads(v) for k, v in metric_rows(source).items()}
        _sync(src, str(target))
        _sync(src, str(target))  # again: the window holds nothing new, nothing is appended
    lines = jsonl_items(target)["ticket_metric_events"]
    assert len(lines) == len(final) + 1  # each item once, the breach twice (its two versions)
    last = {item["id"]: item for item in lines}  # a reader keeps the last line per id
    assert last == final
    assert [i["deleted"] for i in lines if i["id"] == 900_001] == [False, True]
    assert {i["id"] for i in lines[-(len(late) + 1) :]} == {*late, 900_001}
    cursor = orjson.loads((tmp_path / "events.jsonl.cursor.json").read_bytes())
    entry = cursor["streams"]["ticket_metric_events"]
    assert (entry["late_events"], entry["changed_events"], entry["last_run_late"]) == (5, 1, 0)


def test_trailing_keeps_the_cursor_behind_now_and_reads_each_item_once(
    tmp_path: Path, serve_source: Any
) -> None:
    """``trail``: the cursor stays 30 minutes behind now, so late events (20 minutes late)
    are still ahead of it when they appear: taken as ordinary items, nothing read twice."""
    clock = FakeClock(NOW)
    found: list[tuple[int, int]] = []

    class Late(SyncObserver):
        def late_found(self, stream: str, late: int, worst: int, changed: int) -> None:
            found.append((late, changed))

    with open_store(str(tmp_path / "source.db")) as source, serve_source(source) as src:
        history(source)
        late = arrive_late(source)
        trail = Lookback(trail=True)
        with src.client() as client, open_sink(str(tmp_path / "t.jsonl")) as sink:
            first = run_sync(
                client,
                sink,
                streams=["ticket_metric_events"],
                since=0,
                lookback=trail,
                clock=clock,
                progress=Late(),
            )
            state = first.streams["ticket_metric_events"]
            assert state.cursor.start_time == NOW - 1800 and state.caught_up
            src.clock.set(NOW + 40 * 60)
            clock.set(NOW + 40 * 60)
            run_sync(
                client,
                sink,
                streams=["ticket_metric_events"],
                since=0,
                lookback=trail,
                clock=clock,
                progress=Late(),
            )
        want = {k: orjson.loads(v) for k, v in metric_rows(source).items()}
    lines = jsonl_items(tmp_path / "t.jsonl")["ticket_metric_events"]
    ids = [i["id"] for i in lines]
    assert len(ids) == len(set(ids))  # nothing read twice
    assert {i["id"]: i for i in lines} == want and set(late) <= set(ids)
    assert found == []  # never behind the cursor: nothing is "late" for a trailing sync


def test_look_back_reads_from_the_window_and_the_cursor_never_moves_back(
    tmp_path: Path, serve_source: Any
) -> None:
    """The second run's requests start 30 minutes behind the cursor; every page committed
    during the look-back carries the old cursor, never one behind it."""
    written: list[int] = []

    class Cursor(SyncObserver):
        def page_written(self, stream: str, n: int, cp: Any, caught_up: bool) -> None:
            written.append(cp.start_time)

    with (
        open_store(str(tmp_path / "source.db")) as source,
        serve_source(source, page_limit=20) as src,
    ):
        history(source)
        with src.client() as client, open_sink(str(tmp_path / "t.db")) as sink:
            first = run_sync(client, sink, streams=["ticket_metric_events"], since=0)
            cursor = first.streams["ticket_metric_events"].cursor
            again = run_sync(
                client, sink, streams=["ticket_metric_events"], since=0, progress=Cursor()
            )
    report = again.streams["ticket_metric_events"]
    assert report.reread >= 3 and report.events == 0  # the window re-read: nothing new
    assert written and all(t == cursor.start_time for t in written)
    assert report.cursor == cursor
    # a costly window (here 3+ pages of 20) is pointed out once, with the alternative
    (note,) = again.notes
    assert f"look-back again took {report.reread} requests" in note and "--trail" in note
    assert first.notes == []


@pytest.mark.parametrize("value", ["ticket_events=1h", "0", "ticket_metric_events=45m"])
def test_lookback_flag_forms(tmp_path: Path, value: str, serve_source: Any) -> None:
    with open_store(str(tmp_path / "source.db")) as source, serve_source(source) as src:
        history(source, count=10)
        result = _sync(src, str(tmp_path / "t.db"), "--lookback", value)
    assert "ticket_metric_events: 11 events" in result.stderr


def test_a_bad_lookback_is_one_line_and_exit_2(tmp_path: Path) -> None:
    flags = ["--url", "http://x", "--email", EMAIL, "--token", "t"]
    for value in ("tickets=1h", "soon"):
        result = CliRunner().invoke(
            cli, ["sync", *flags, "--lookback", value, "--to", str(tmp_path / "never.db")]
        )
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
        assert "--lookback" in result.stderr or "span" in result.stderr


def test_the_look_backs_requests_are_paced_inside_the_budget(
    tmp_path: Path, run_server: Any
) -> None:
    """3 export requests a second on a server on the wall clock: the second run's look-back
    pages are paced like any other request (waits, never a 429)."""
    from synckit import admin_token

    from zendesk_events.client import Wait, ZendeskClient
    from zendesk_events.config import ServerSettings
    from zendesk_events.server import create_app
    from zendesk_events.timeutil import SystemClock

    waits: list[Wait] = []
    with open_store(str(tmp_path / "source.db")) as source:
        history(source)
        settings = ServerSettings(
            db="unused", page_limit=20, export_rate_limit=3, export_rate_window=1
        )
        with (
            run_server(create_app(settings, source, SystemClock())) as url,
            ZendeskClient(
                base_url=url, email=EMAIL, token=admin_token(source), on_wait=waits.append
            ) as client,
            open_sink(str(tmp_path / "t.db")) as sink,
        ):
            run_sync(client, sink, streams=["ticket_metric_events"], since=NOW - 3600)
            waits.clear()
            again = run_sync(client, sink, streams=["ticket_metric_events"], since=0)
    assert again.streams["ticket_metric_events"].reread >= 3  # a whole window of requests
    assert waits and {w.reason for w in waits} == {"pacing"}
