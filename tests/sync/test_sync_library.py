"""The library as a user's script calls it: no ``__main__`` guard needed, no process-wide
setting touched, the fetch path the caller's choice."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from synckit import EMAIL

from zendesk_events.checkpoint import Checkpoint
from zendesk_events.store import Store
from zendesk_events.sync import SyncObserver, ThreadFetcher, open_sink, run_sync

SCRIPT = """\
import signal, sys
from zendesk_events.client import ZendeskClient
from zendesk_events.sync import ClientRecipe, ProcessFetcher, open_sink, run_sync

before = (sys.getswitchinterval(), signal.getsignal(signal.SIGINT))
recipe = ClientRecipe(base_url={url!r}, email={email!r}, token={token!r})
client = recipe.build()
sink = open_sink({target!r})
fetcher = ProcessFetcher(recipe) if {process!r} else None
report = run_sync(
    client, sink, streams=["ticket_events", "ticket_metric_events"], since=0, fetcher=fetcher
)
sink.close()
client.close()
assert (sys.getswitchinterval(), signal.getsignal(signal.SIGINT)) == before
print(report.events_total)
"""


@pytest.mark.parametrize("process", [False, True], ids=["default", "process"])
def test_a_plain_script_without_a_main_guard_syncs_a_backlog(
    source_store: Store, serve_source: Any, tmp_path: Path, process: bool
) -> None:
    """Top-level code, as a beginner writes it: ``multiprocessing``'s spawn would run it again
    in the child (and fail). The backlog is years long (the store's events are of 2023)."""
    total = sum(source_store.events.counts()[s] for s in ("ticket_events", "ticket_metric_events"))
    script = tmp_path / "export.py"
    with serve_source(source_store) as src:
        script.write_text(
            SCRIPT.format(
                url=src.url,
                email=EMAIL,
                token=src.token,
                target=str(tmp_path / "out.db"),
                process=process,
            )
        )
        done = subprocess.run(
            [sys.executable, str(script)], capture_output=True, text=True, timeout=120
        )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(total)]
    assert done.stderr == ""


def test_overlapping_syncs_leave_the_interpreter_as_they_found_it(
    source_store: Store, serve_source: Any, tmp_path: Path
) -> None:
    """Two syncs at once in one process: the switch interval is never changed, during or
    after (the first release shortened it while pages streamed, and two overlapping syncs
    left it shortened)."""
    default = sys.getswitchinterval()
    seen: set[float] = set()

    class Watch(SyncObserver):
        def page_written(self, stream: str, n: int, cp: Checkpoint, caught_up: bool) -> None:
            seen.add(sys.getswitchinterval())

    errors: list[BaseException] = []
    with serve_source(source_store, page_limit=100) as src:

        def one(name: str) -> None:
            try:
                with src.client() as client, open_sink(str(tmp_path / name)) as sink:
                    run_sync(
                        client,
                        sink,
                        streams=["ticket_events"],
                        since=0,
                        progress=Watch(),
                        fetcher=ThreadFetcher(),
                    )
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=one, args=(f"{n}.db",)) for n in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert not errors, errors
    assert seen == {default}
    assert sys.getswitchinterval() == default
