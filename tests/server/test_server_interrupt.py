"""Ctrl-C at any moment of a real `zendesk-events serve`, starting or serving: no traceback,
exit 130 while it starts, 0 once it serves (Ctrl-C is how a server stops)."""

from __future__ import annotations

from pathlib import Path

import pytest

from interrupts import assert_clean, delays, interrupt
from zendesk_events.store import open_store


@pytest.mark.slow
def test_ctrl_c_at_random_moments_stops_serve_cleanly(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    open_store(str(db)).close()
    runs = [
        interrupt(["serve", "--db", str(db), "--port", "0", "--log-level", "warning"], delay)
        for delay in delays(30, seed=20)
    ]
    for run in runs:
        assert_clean(run)
        assert "did not start" not in run.stderr, run.stderr
    reached = [r for r in runs if r.reached_main]
    assert len(reached) >= 20, [(r.delay, r.returncode) for r in runs]
