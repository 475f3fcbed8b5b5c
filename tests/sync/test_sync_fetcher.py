"""The backlog fetcher process: same rows as the thread, errors and waits cross, no orphans."""

from __future__ import annotations

import os
import pickle
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from synckit import (
    EMAIL,
    admin_token,
    assert_same_events,
    jsonl_items,
    run_cli,
    served_items,
)

from zendesk_events import errors
from zendesk_events.client import Wait, ZendeskClient
from zendesk_events.config import ServerSettings
from zendesk_events.server import create_app
from zendesk_events.store import Store, open_store
from zendesk_events.sync import engine, open_sink, run_sync
from zendesk_events.timeutil import SystemClock


class Spy:
    """Counts the fetcher processes the engine starts (the real class does the work)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.started = 0
        real = engine.ProcessFetcher

        def counting(*args: Any, **kwargs: Any) -> Any:
            self.started += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(engine, "ProcessFetcher", counting)


@pytest.mark.parametrize("suffix", [".db", ".jsonl"])
@pytest.mark.parametrize("backlog", [0, None], ids=["process", "thread"])
def test_both_fetchers_store_every_event_once(
    source_store: Store,
    serve_source: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    backlog: int | None,
    suffix: str,
) -> None:
    spy = Spy(monkeypatch)
    target = tmp_path / f"out{suffix}"
    with serve_source(source_store, page_limit=25) as src:
        sink = open_sink(str(target))
        report = run_sync(
            src.client(),
            sink,
            streams=["ticket_events", "ticket_metric_events"],
            since=0,
            include_comments=True,
            fetch_process_backlog=backlog,
        )
        sink.close()
    assert spy.started == (2 if backlog == 0 else 0)  # one child per stream's pass
    assert all(s.caught_up for s in report.streams.values())
    if suffix == ".db":
        with open_store(str(target)) as synced:
            assert_same_events(source_store, synced, comments=True)
            assert not synced.lookup_indexes.deferred
        return
    got = jsonl_items(target)
    for stream in ("ticket_events", "ticket_metric_events"):
        ids = [i["id"] for i in got[stream]]
        assert len(ids) == len(set(ids)), f"{stream}: written twice"
        assert {i["id"]: i for i in got[stream]} == served_items(
            source_store, stream, comments=True
        )


def test_a_refusal_in_the_child_is_raised_in_the_writer_as_itself(
    source_store: Store, serve_source: Any, tmp_path: Path
) -> None:
    with serve_source(source_store) as src:
        client = ZendeskClient(
            base_url=src.url, email="admin@example.com", token="not-the-token-x7q"
        )
        sink = open_sink(str(tmp_path / "out.db"))
        with pytest.raises(errors.AuthenticationError) as caught:
            run_sync(client, sink, streams=["ticket_events"], since=0, fetch_process_backlog=0)
        sink.close()
        client.close()
    assert caught.value.status == 401
    assert "x7q" not in str(caught.value)  # the token never shows


def test_child_waits_reach_on_wait_and_its_budget_comes_back(
    source_store: Store, run_server: Any, tmp_path: Path
) -> None:
    """3 requests per 1-second window on a server on the wall clock: the child must pace."""
    waits: list[Wait] = []
    settings = ServerSettings(
        db="unused", page_limit=200, export_rate_limit=3, export_rate_window=1
    )
    app = create_app(settings, source_store, SystemClock())
    with run_server(app) as url:
        client = ZendeskClient(
            base_url=url, email=EMAIL, token=admin_token(source_store), on_wait=waits.append
        )
        sink = open_sink(str(tmp_path / "out.db"))
        report = run_sync(client, sink, streams=["ticket_events"], since=0, fetch_process_backlog=0)
        sink.close()
        remaining, reset_at, source = client.budget()
        client.close()
    assert report.streams["ticket_events"].caught_up
    assert report.streams["ticket_events"].pages > 3
    assert waits and {w.reason for w in waits} == {"pacing"}  # paced: never a 429
    assert remaining is not None and reset_at is not None and source


def test_every_error_survives_pickling_with_its_fields() -> None:
    cases: list[errors.ZendeskEventsError] = [
        errors.ConfigError("bad flag"),
        errors.AuthenticationError("no", status=401, body={"error": "Couldn't authenticate you"}),
        errors.RateLimitedError("slow down", retry_after=12.5, status=429, url="http://x/y"),
        errors.ServerError("boom", status=503),
        errors.TransportError("reset"),
        errors.StoreError("locked"),
    ]
    for exc in cases:
        back = pickle.loads(pickle.dumps(exc))
        assert type(back) is type(exc)
        assert str(back) == str(exc)
        assert back.__dict__ == exc.__dict__


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_killed_sync_leaves_no_fetcher_behind(
    source_store: Store, serve_source: Any, tmp_path: Path
) -> None:
    target = str(tmp_path / "out.db")
    with serve_source(source_store, page_limit=5) as src:
        env = {**os.environ, "ZENDESK_API_TOKEN": src.token}
        proc = run_cli(src.cli_args(target), env=env)
        deadline = time.monotonic() + 30
        fetchers: list[int] = []
        while not fetchers:
            assert proc.poll() is None and time.monotonic() < deadline, "no fetcher started"
            fetchers = [c for c in _children(proc.pid) if b"spawn_main" in _cmdline(c)]
            time.sleep(0.01)
        for child in fetchers:  # Ctrl-C is the writer's to handle, never the fetcher's
            assert _takes_no_sigint(child), _status(child)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 15
        while any(_alive(c) for c in fetchers):
            assert time.monotonic() < deadline, f"fetcher outlived its writer: {fetchers}"
            time.sleep(0.05)


def _status(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return ""


def _takes_no_sigint(pid: int) -> bool:
    """SIGINT blocked or ignored in ``pid`` (or it is gone already)."""
    fields = dict(line.split(":", 1) for line in _status(pid).splitlines() if ":" in line)
    if not fields:
        return True
    bit = 1 << (signal.SIGINT - 1)
    return any(int(fields[k].strip(), 16) & bit for k in ("SigBlk", "SigIgn") if k in fields)


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""
