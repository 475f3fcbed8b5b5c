"""The fetchers: the child process stores what the thread does; errors and waits cross; no
orphans; Ctrl-C never reaches the child."""

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
from zendesk_events.checkpoint import Checkpoint
from zendesk_events.client import Wait
from zendesk_events.config import ServerSettings
from zendesk_events.server import create_app
from zendesk_events.store import Store, open_store
from zendesk_events.sync import (
    ClientRecipe,
    Fetcher,
    ProcessFetcher,
    ThreadFetcher,
    open_sink,
    process,
    run_sync,
)
from zendesk_events.sync.fetching import FetchJob
from zendesk_events.sync.sqlsink import prepare_rows
from zendesk_events.timeutil import SystemClock


class Spy:
    """Counts the fetcher processes started (the real class does the work)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.started = 0
        real = process._Child

        def counting(*args: Any, **kwargs: Any) -> Any:
            self.started += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(process, "_Child", counting)


def _fetcher(kind: str, src: Any, **kwargs: Any) -> Fetcher:
    if kind == "thread":
        return ThreadFetcher()
    return ProcessFetcher(ClientRecipe(base_url=src.url, email=EMAIL, token=src.token), **kwargs)


@pytest.mark.parametrize("suffix", [".db", ".jsonl"])
@pytest.mark.parametrize("kind", ["process", "thread"])
def test_both_fetchers_store_every_event_once(
    source_store: Store,
    serve_source: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    suffix: str,
) -> None:
    spy = Spy(monkeypatch)
    target = tmp_path / f"out{suffix}"
    with (
        serve_source(source_store, page_limit=25) as src,
        src.client() as client,
        open_sink(str(target)) as sink,
    ):
        report = run_sync(
            client,
            sink,
            streams=["ticket_events", "ticket_metric_events"],
            since=0,
            include_comments=True,
            fetcher=_fetcher(kind, src),
        )
    assert spy.started == (2 if kind == "process" else 0)  # one child per stream's pass
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
        recipe = ClientRecipe(base_url=src.url, email=EMAIL, token="not-the-token-x7q")
        with (
            recipe.build() as client,
            open_sink(str(tmp_path / "out.db")) as sink,
            pytest.raises(errors.AuthenticationError) as caught,
        ):
            run_sync(
                client, sink, streams=["ticket_events"], since=0, fetcher=ProcessFetcher(recipe)
            )
    assert caught.value.status == 401
    assert "x7q" not in str(caught.value)  # the token never shows
    assert "x7q" not in repr(recipe)


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
        recipe = ClientRecipe(base_url=url, email=EMAIL, token=admin_token(source_store))
        with recipe.build() as client, open_sink(str(tmp_path / "out.db")) as sink:
            assert client.pacer.state()[0] is None  # nothing known before the child ran
            report = run_sync(
                client,
                sink,
                streams=["ticket_events"],
                since=0,
                fetcher=ProcessFetcher(recipe, on_wait=waits.append),
            )
            remaining, reset_at, source = client.pacer.state()
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
        try:
            deadline = time.monotonic() + 30
            fetchers: list[int] = []
            while not fetchers:
                assert proc.poll() is None and time.monotonic() < deadline, "no fetcher started"
                fetchers = [c for c in _children(proc.pid) if b"_child_main" in _cmdline(c)]
                time.sleep(0.01)
            for child in fetchers:  # Ctrl-C is the writer's to handle, never the fetcher's
                assert _own_session(child, proc.pid)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            proc.kill()
            proc.communicate()
        deadline = time.monotonic() + 15
        while any(_alive(c) for c in fetchers):
            assert time.monotonic() < deadline, f"fetcher outlived its writer: {fetchers}"
            time.sleep(0.05)


def test_the_fetcher_child_ends_by_itself_without_a_word_on_stderr(
    source_store: Store, serve_source: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    # Its stdin leash thread sits in a read of stdin, which the writer keeps open; a child
    # whose interpreter shut down around it aborted with "Fatal Python error:
    # _enter_buffered_busy" on the user's terminal (seen on every 1 M-event benchmark run).
    with serve_source(source_store, page_limit=1000) as src:
        recipe = ClientRecipe(base_url=src.url, email=EMAIL, token=src.token)
        job = FetchJob("ticket_events", Checkpoint(0, frozenset()), False, None, prepare_rows)
        child = process._Child(recipe, job, None)
        try:
            kinds = [kind for kind, _ in child.messages()]
            assert kinds[-1] == "end", kinds
            code = child.exit_code()  # its stdin still open: it must end on its own
        finally:
            child.stop()
            child.close()
    err = capfd.readouterr().err
    assert code == 0, err
    assert "Fatal Python error" not in err, err


def _own_session(child: int, parent: int) -> bool:
    """``child`` is in a session (and so a process group) of its own: a terminal's Ctrl-C,
    sent to the writer's foreground group, never reaches it (or it is gone already)."""
    try:
        return os.getsid(child) == child and os.getsid(child) != os.getsid(parent)
    except ProcessLookupError:
        return True


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def test_a_recipe_for_another_server_than_the_client_is_refused(
    source_store: Store, serve_source: Any, tmp_path: Path
) -> None:
    with serve_source(source_store) as src, open_sink(str(tmp_path / "t.db")) as sink:
        other = ProcessFetcher(ClientRecipe(base_url="http://127.0.0.1:9", email=EMAIL, token="t"))
        with pytest.raises(errors.ConfigError, match=r"recipe reads http://127\.0\.0\.1:9"):
            run_sync(src.client(), sink, streams=["ticket_events"], since=0, fetcher=other)
        with pytest.raises(errors.ConfigError):
            ProcessFetcher(ClientRecipe(subdomain="not a subdomain", email=EMAIL, token="t"))
