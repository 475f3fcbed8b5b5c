"""The sinks on their own: atomic page+cursor commits, the JSON Lines commit protocol."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import orjson
import pytest
from synckit import EMAIL, metric_event, ticket_event

from zendesk_events.checkpoint import Checkpoint
from zendesk_events.errors import CheckpointError, ConfigError, StoreError
from zendesk_events.store import open_store
from zendesk_events.sync import JsonLinesSink, RunInfo, SqlSink, StdoutSink, open_sink

RUN = RunInfo(
    source="https://acme.zendesk.com", include_comments=True, started="2026-01-01T00:00:00+00:00"
)


def test_open_sink_picks_the_sink_by_target(tmp_path: Path) -> None:
    assert isinstance(open_sink(str(tmp_path / "a.db")), SqlSink)
    assert isinstance(open_sink(str(tmp_path / "a.jsonl")), JsonLinesSink)
    assert isinstance(open_sink("-"), StdoutSink)
    assert open_sink("-").resumable is False


def test_status_of_a_target_never_synced_is_a_config_error(tmp_path: Path) -> None:
    for name in ("missing.db", "missing.jsonl"):
        with pytest.raises(ConfigError, match="nothing synced"):
            open_sink(str(tmp_path / name), create=False)
    assert not (tmp_path / "missing.db").exists()
    with pytest.raises(ConfigError):
        open_sink("-", create=False)


def test_sql_sink_commits_items_and_cursor_together(store_url: str) -> None:
    sink = open_sink(store_url)
    sink.begin_run(RUN)
    items = [ticket_event(i, 1000 + i, comment=True) for i in range(1, 4)]
    sink.write_page("ticket_events", items, Checkpoint(1003, frozenset({3})), caught_up=False)
    state = sink.cursor("ticket_events")
    assert state is not None
    assert state.checkpoint == Checkpoint(1003, frozenset({3}))
    assert (state.source, state.include_comments, state.last_run_events) == (RUN.source, True, 3)
    # a page that fails half-way leaves neither rows nor cursor behind
    bad = [metric_event(10, 2000), {"id": 11}]
    with pytest.raises((KeyError, StoreError)):
        sink.write_page("ticket_metric_events", bad, Checkpoint(2000), caught_up=True)
    assert sink.cursor("ticket_metric_events") is None
    status = sink.status()
    assert status.counts["ticket_metric_events"] == 0
    assert status.counts["ticket_events"] == 3
    assert status.counts["ticket_comments"] == 3
    assert [s.stream for s in status.streams] == ["ticket_events"]
    sink.close()


def test_jsonl_sink_writes_one_line_per_item_and_a_cursor_file(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    sink = JsonLinesSink(path)
    sink.begin_run(RUN)
    items = [metric_event(i, 5000 + i) for i in range(1, 6)]
    sink.write_page("ticket_metric_events", items, Checkpoint(5005, frozenset({5})), caught_up=True)
    sink.close()
    lines = [orjson.loads(x) for x in path.read_bytes().splitlines()]
    assert lines == [{"stream": "ticket_metric_events", "item": i} for i in items]
    cursor = orjson.loads((tmp_path / "out.jsonl.cursor.json").read_bytes())
    assert cursor["length"] == path.stat().st_size
    reopened = JsonLinesSink(path, create=False)
    state = reopened.cursor("ticket_metric_events")
    assert state is not None and state.checkpoint == Checkpoint(5005, frozenset({5}))
    assert state.caught_up and state.source == RUN.source
    assert reopened.status().counts == {"ticket_metric_events": 5}
    assert EMAIL not in (tmp_path / "out.jsonl.cursor.json").read_text()


def test_jsonl_reopen_drops_an_uncommitted_tail(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    sink = JsonLinesSink(path)
    sink.begin_run(RUN)
    sink.write_page(
        "ticket_events", [ticket_event(1, 10)], Checkpoint(10, frozenset({1})), caught_up=False
    )
    sink.close()
    committed = path.read_bytes()
    # a crash after appending a page (and half a line) but before the cursor commit
    with open(path, "ab") as f:
        f.write(b'{"stream":"ticket_events","item":{"id":2}}\n{"stream":"tick')
    sink = JsonLinesSink(path)
    sink.begin_run(RUN)
    assert path.read_bytes() == committed
    sink.write_page(
        "ticket_events", [ticket_event(2, 11)], Checkpoint(11, frozenset({2})), caught_up=True
    )
    sink.close()
    ids = [orjson.loads(x)["item"]["id"] for x in path.read_bytes().splitlines()]
    assert ids == [1, 2]


def test_jsonl_refuses_a_foreign_file_and_a_shortened_one(tmp_path: Path) -> None:
    foreign = tmp_path / "foreign.jsonl"
    foreign.write_text('{"not": "ours"}\n')
    with pytest.raises(CheckpointError, match="not written by zendesk-events"):
        JsonLinesSink(foreign)
    assert foreign.read_text() == '{"not": "ours"}\n'

    path = tmp_path / "out.jsonl"
    sink = JsonLinesSink(path)
    sink.begin_run(RUN)
    sink.write_page("ticket_events", [ticket_event(1, 10)], Checkpoint(10), caught_up=False)
    sink.close()
    path.write_bytes(b"")
    sink = JsonLinesSink(path)
    with pytest.raises(CheckpointError, match="shorter"):
        sink.begin_run(RUN)


def test_an_empty_jsonl_file_is_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_bytes(b"")
    sink = JsonLinesSink(path)
    assert sink.cursor("ticket_events") is None
    assert not (tmp_path / "out.jsonl.cursor.json").exists()  # nothing written before the claim
    sink.begin_run(RUN)
    assert (tmp_path / "out.jsonl.cursor.json").exists()
    sink.close()


def test_stdout_sink_writes_the_same_lines_and_keeps_no_cursor() -> None:
    out = io.BytesIO()
    sink = StdoutSink(out)
    sink.begin_run(RUN)
    sink.write_page("ticket_events", [ticket_event(1, 10)], Checkpoint(10), caught_up=True)
    assert orjson.loads(out.getvalue()) == {"stream": "ticket_events", "item": ticket_event(1, 10)}
    assert sink.cursor("ticket_events") is None


def test_sql_sink_over_an_existing_store_keeps_its_users(tmp_path: Path) -> None:
    url = str(tmp_path / "s.db")
    with open_store(url) as store:
        store.users.add(EMAIL, "admin")
    sink = open_sink(url)
    sink.begin_run(RUN)
    sink.write_page("ticket_events", [ticket_event(1, 10)], Checkpoint(10), caught_up=True)
    sink.close()
    with open_store(url) as store:
        assert store.users.by_email(EMAIL) is not None
        assert store.events.counts()["ticket_events"] == 1


def test_files_a_sync_creates_are_the_owners_only(tmp_path: Path) -> None:
    """They hold the account's tickets (and a store also its users' credential hashes)."""
    with open_sink(str(tmp_path / "a.db")) as sql, open_sink(str(tmp_path / "a.jsonl")) as lines:
        for sink in (sql, lines):
            sink.begin_run(RUN)
            sink.write_page("ticket_events", [ticket_event(1, 10)], Checkpoint(10), caught_up=True)
    made = [p for p in tmp_path.iterdir() if p.name.startswith("a.")]
    assert {p.name for p in made} >= {"a.db", "a.jsonl", "a.jsonl.cursor.json"}
    for path in made:
        assert path.stat().st_mode & 0o077 == 0, (path.name, oct(path.stat().st_mode))


def test_jsonl_cursor_commit_is_a_new_temp_file_fsynced_replaced_then_the_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The data first, then the cursor through a temporary file no other writer shares, made
    durable before the rename, and the rename made durable: a crash anywhere leaves the old
    cursor or the new one, each matching the data file once cut to its length."""
    path = tmp_path / "out.jsonl"
    sink = JsonLinesSink(path)
    sink.begin_run(RUN)
    calls: list[tuple[str, ...]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        calls.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src: Any, dst: Any) -> None:
        calls.append(("replace", str(src), str(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    for n in (1, 2):
        sink.write_page(
            "ticket_events", [ticket_event(n, 10 + n)], Checkpoint(10 + n), caught_up=False
        )
    monkeypatch.undo()
    sink.close()
    cursor = str(tmp_path / "out.jsonl.cursor.json")
    temps = [c[1] for c in calls if c[0] == "replace"]
    assert len(set(temps)) == 2, "each commit gets a temporary file of its own"
    assert all(t.startswith(cursor + ".") and t.endswith(".tmp") for t in temps)
    assert calls == [
        call
        for temp in temps
        for call in (
            ("fsync", str(path)),
            ("fsync", temp),
            ("replace", temp, cursor),
            ("fsync", str(tmp_path)),
        )
    ]
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.parametrize("failing", ["data fsync", "cursor fsync", "replace"])
def test_a_failed_jsonl_commit_leaves_the_last_one_and_a_retry_writes_the_page_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    path = tmp_path / "out.jsonl"
    sink = JsonLinesSink(path)
    sink.begin_run(RUN)
    sink.write_page("ticket_events", [ticket_event(1, 11)], Checkpoint(11), caught_up=False)
    committed = (tmp_path / "out.jsonl.cursor.json").read_bytes()
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        name = os.readlink(f"/proc/self/fd/{fd}")
        if (failing == "data fsync" and name == str(path)) or (
            failing == "cursor fsync" and name.endswith(".tmp")
        ):
            raise OSError(5, "Input/output error")
        real_fsync(fd)

    def replace(src: Any, dst: Any) -> None:
        if failing == "replace":
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    page = [ticket_event(2, 12), ticket_event(3, 13)]
    with pytest.raises(StoreError):
        sink.write_page("ticket_events", page, Checkpoint(13), caught_up=False)
    monkeypatch.undo()
    assert (tmp_path / "out.jsonl.cursor.json").read_bytes() == committed
    assert not list(tmp_path.glob("*.tmp"))
    state = sink.cursor("ticket_events")
    assert state is not None and state.checkpoint == Checkpoint(11)
    # the caller tries the page again with the same sink: written once, after the commit
    sink.write_page("ticket_events", page, Checkpoint(13), caught_up=True)
    sink.close()
    ids = [orjson.loads(x)["item"]["id"] for x in path.read_bytes().splitlines()]
    assert ids == [1, 2, 3]
    assert orjson.loads((tmp_path / "out.jsonl.cursor.json").read_bytes())["length"] == len(
        path.read_bytes()
    )


def test_temporary_cursor_files_a_crash_left_are_cleared_on_the_next_claim(
    tmp_path: Path,
) -> None:
    path = tmp_path / "out.jsonl"
    sink = JsonLinesSink(path)
    sink.begin_run(RUN)
    sink.write_page("ticket_events", [ticket_event(1, 11)], Checkpoint(11), caught_up=False)
    sink.close()
    for name in ("out.jsonl.cursor.json.tmp", "out.jsonl.cursor.json.k2j4h1.tmp"):
        (tmp_path / name).write_bytes(b'{"length": 99')
    (tmp_path / "other.tmp").write_bytes(b"not ours")
    sink = JsonLinesSink(path)
    sink.begin_run(RUN)
    sink.close()
    assert [p.name for p in tmp_path.glob("*.tmp")] == ["other.tmp"]
