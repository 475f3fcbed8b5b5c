"""A seeded history goes on live: each seeded ticket stands as its audits say, the live API
changes it, and the automations the history left due run when the clock passes them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from livekit import live

from zendesk_events.emulator import seed_store
from zendesk_events.store import open_store

END = 1_760_000_040


def test_a_seeded_ticket_stands_as_its_audits_fold(tmp_path: Path) -> None:
    with open_store(str(tmp_path / "s.db")) as store:
        seed_store(store, tickets=120, days=20, seed=3, now=END, admin_email=None)
        rows = store.db.query("SELECT id, raw FROM live_tickets ORDER BY id")
        folded = store.tickets.states([int(r[0]) for r in rows], before=END + 1)
    assert len(rows) == 120
    for ticket_id, raw in rows:
        live_ticket = orjson.loads(raw)
        fold = folded[int(ticket_id)]
        for key in (
            "status",
            "priority",
            "type",
            "subject",
            "requester_id",
            "assignee_id",
            "group_id",
            "custom_status_id",
            "created_at",
            "updated_at",
        ):
            assert live_ticket[key] == fold[key], (ticket_id, key)
        assert sorted(live_ticket["tags"]) == sorted(fold["tags"]), ticket_id
        values = {f["id"]: f["value"] for f in live_ticket["custom_fields"] if f["value"]}
        assert values == {f["id"]: f["value"] for f in fold["custom_fields"]}, ticket_id


def test_the_live_clock_closes_what_the_history_left_solved(
    tmp_path: Path, run_server: Any
) -> None:
    with open_store(str(tmp_path / "s.db")) as store:
        seed_store(store, tickets=120, days=20, seed=3, now=END, admin_email=None)
        solved = [
            int(r[0]) for r in store.db.query("SELECT id FROM live_tickets WHERE status = 'solved'")
        ]
        running = [
            int(r[0])
            for r in store.db.query(
                "SELECT id FROM live_tickets WHERE status IN ('open', 'pending', 'hold')"
            )
        ]
        assert solved and running
        with live(store, run_server, now=END + 60) as acct:
            r = acct.call(
                "PUT",
                f"/api/v2/tickets/{running[0]}.json",
                {"ticket": {"comment": {"body": "Any news?", "public": True}}},
            )
            assert r.status_code == 200, r.text
            acct.advance(6 * 86_400)  # every close due after the history ended has run
            statuses = dict(store.db.query("SELECT id, status FROM live_tickets"))
            closes = store.db.query(
                "SELECT ticket_id, timestamp FROM ticket_events WHERE updater_id = -1 "
                'AND timestamp > ? AND raw LIKE \'%"status":"closed"%\'',
                (END,),
            )
    assert all(statuses[t] == "closed" for t in solved)
    assert {int(t) for t, _ in closes} >= set(solved)
    assert all(int(ts) % 3600 == 17 * 60 for _, ts in closes)
