"""`sync` against a server whose second page is a gzip bomb: one line naming the URL and the
limit, a non-zero exit, the first page kept with its cursor and nothing of the bomb's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hostile import hostile_server
from zendesk_events.store import open_store


def sync(base: str, target: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    source = ["--url", base, "--email", "a@b.example", "--token", "SECRET-TOKEN"]
    what = ["--to", str(target), "--quiet", "--stream", "ticket_events", "--no-ticket-fields"]
    return subprocess.run(
        [sys.executable, "-m", "zendesk_events", "sync", *source, *what, *extra],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("fetcher", ["thread", "process"])
def test_a_bomb_page_stops_the_sync_and_stores_nothing_of_it(tmp_path: Path, fetcher: str) -> None:
    target = tmp_path / "out.db"
    with hostile_server() as server:
        base = f"{server.url}/page-then-bomb"
        done = sync(base, target, "--max-response-mb", "2", "--fetcher", fetcher)
    assert done.returncode == 1, done.stderr
    lines = done.stderr.splitlines()
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1, done.stderr
    assert f"{base}/api/v2/incremental/ticket_events.json?start_time=2" in errors[0]
    assert "2 MiB limit" in errors[0]
    assert "Traceback" not in done.stderr and "SECRET-TOKEN" not in done.stderr
    with open_store(str(target)) as store:
        ids = [row[0] for row in store.db.query("SELECT id FROM ticket_events ORDER BY id")]
        (state,) = store.state.all()
    assert ids == [1, 2]  # the first page, committed with its cursor; nothing of the bomb
    assert state.checkpoint.start_time == 2


@pytest.mark.parametrize("fetcher", ["thread", "process"])
def test_a_dripping_server_is_given_up_on_at_the_response_timeout(
    tmp_path: Path, fetcher: str
) -> None:
    """The deadline reaches the fetcher child too (it builds its client from the recipe)."""
    target = tmp_path / "out.db"
    with hostile_server() as server:
        done = sync(
            f"{server.url}/drip/40",  # 4 s for the whole page, 0.1 s between reads
            target,
            "--response-timeout",
            "1",
            "--max-retries",
            "0",
            "--fetcher",
            fetcher,
        )
    assert done.returncode == 1, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "did not end in time" in errors[0], done.stderr
    assert "Traceback" not in done.stderr and "SECRET-TOKEN" not in done.stderr
    with open_store(str(target)) as store:
        assert store.db.query("SELECT count(*) FROM ticket_events") == [(0,)]
