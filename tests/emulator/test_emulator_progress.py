"""The library reports progress (tickets begun) as it writes, ending at the ticket count."""

from __future__ import annotations

from pathlib import Path

from emukit import END

from zendesk_events.emulator import SeedReport, seed_store
from zendesk_events.store import open_store


def test_progress_grows_to_the_ticket_count(tmp_path: Path) -> None:
    seen: list[int] = []
    with open_store(str(tmp_path / "p.db")) as store:
        report = seed_store(
            store, tickets=800, days=30, seed=9, now=END, progress=seen.append, admin_email=None
        )
    assert isinstance(report, SeedReport)
    assert len(seen) > 3  # one call per batch, several batches
    assert seen == sorted(seen)
    assert seen[-1] == 800 == report.tickets


def test_ten_tickets_make_a_small_store(tmp_path: Path) -> None:
    with open_store(str(tmp_path / "p.db")) as store:
        report = seed_store(store, tickets=10, days=30, seed=1, now=END)
        assert 30 <= report.counts["ticket_events"] <= 200
        assert report.admin_email is None  # no one may sign in unless asked
        tickets = store.db.query("SELECT COUNT(DISTINCT ticket_id) FROM ticket_events")[0][0]
        assert tickets == 10
        roles = dict(store.db.query("SELECT role, COUNT(*) FROM users GROUP BY role"))
        assert roles["admin"] == 1 and roles["agent"] >= 4 and roles["end-user"] >= 5
        # the people the events name are users of the account
        updaters = {r[0] for r in store.db.query("SELECT DISTINCT updater_id FROM ticket_events")}
        known = {r[0] for r in store.db.query("SELECT id FROM users")}
        assert updaters - {-1} <= known
