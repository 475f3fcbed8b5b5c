"""Several clients write at once through two servers (two worker processes' worth: each with its
own store connections and desk) sharing one store: no half audit, every id handed out once,
every audit's children its own, every write's metric events with it."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import httpx
import orjson
import pytest
from livekit import MONDAY_10AM, NO_LATE, token_header

from zendesk_events.config import ServerSettings
from zendesk_events.emulator import LiveDesk
from zendesk_events.server import create_app
from zendesk_events.store import audit_from_event, open_store
from zendesk_events.timeutil import FakeClock

CLIENTS = 6
UPDATES = 5


def _work(
    url: str, auth: dict[str, str], shared: int, results: list[Any], errors: list[BaseException]
) -> None:
    try:
        with httpx.Client(base_url=url, headers=auth, timeout=60) as c:
            body = {"ticket": {"subject": "Busy", "priority": "urgent", "comment": {"body": "Hi"}}}
            r = c.post("/api/v2/tickets.json", json=body)
            assert r.status_code == 201, r.text
            results.append(r.json()["audit"])
            mine = r.json()["ticket"]["id"]
            for i in range(UPDATES):
                for target in (mine, shared):  # one ticket of its own, one everybody writes
                    update = {
                        "ticket": {
                            "status": ("pending", "open")[i % 2],
                            "comment": {"body": f"update {i}", "public": i % 2 == 0},
                        }
                    }
                    r = c.put(f"/api/v2/tickets/{target}.json", json=update)
                    assert r.status_code == 200, r.text
                    results.append(r.json()["audit"])
    except BaseException as exc:
        errors.append(exc)


@pytest.mark.slow
def test_concurrent_writers_never_interleave_an_audit(store_url: str, run_server: Any) -> None:
    with open_store(store_url) as first, open_store(store_url) as second:
        auth = token_header(first, "agent@example.com", "agent")
        desks = [
            LiveDesk(store, FakeClock(MONDAY_10AM), late=NO_LATE, poll=3600)
            for store in (first, second)
        ]
        desks[0].prepare()
        settings = ServerSettings(db="unused", export_rate_limit=0)
        apps = [
            create_app(settings, store, desk.clock, desk)  # type: ignore[arg-type]
            for store, desk in zip((first, second), desks, strict=True)
        ]
        with run_server(apps[0]) as url_a, run_server(apps[1]) as url_b:
            body = {"ticket": {"subject": "Shared", "comment": {"body": "Everyone writes"}}}
            r = httpx.post(url_a + "/api/v2/tickets.json", json=body, headers=auth)
            shared = r.json()["ticket"]["id"]
            results: list[Any] = [r.json()["audit"]]
            errors: list[BaseException] = []
            threads = [
                threading.Thread(
                    target=_work, args=((url_a, url_b)[i % 2], auth, shared, results, errors)
                )
                for i in range(CLIENTS)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=300)
        assert not errors, errors
        rows = first.db.query(
            "SELECT id, ticket_id, COALESCE(raw_comments, raw) FROM ticket_events ORDER BY id"
        )
        metric_rows = first.db.query("SELECT id, ticket_id, raw FROM ticket_metric_events")

    stored = {int(r[0]): orjson.loads(r[2]) for r in rows}
    writes = 1 + CLIENTS * (1 + 2 * UPDATES)
    assert len(stored) == len(results) == writes
    # every answer is the audit as stored (a writer saw its whole audit committed, no more)
    assert {a["id"]: a for a in results} == {i: audit_from_event(e) for i, e in stored.items()}
    # ids: audits and children handed out once, each audit's children between it and the next
    audit_ids = sorted(stored)
    children = [c["id"] for e in stored.values() for c in e["child_events"]]
    assert len(set(children)) == len(children)
    assert not set(children) & set(audit_ids)
    for here, nxt in zip(audit_ids, [*audit_ids[1:], 2**63], strict=True):
        kids = [c["id"] for c in stored[here]["child_events"]]
        assert kids and all(here < k < nxt for k in kids), (here, kids)
    # the shared ticket took every update, one audit each
    per_ticket = Counter(e["ticket_id"] for e in stored.values())
    assert per_ticket[shared] == 1 + CLIENTS * UPDATES
    assert sorted(per_ticket) == list(range(min(per_ticket), min(per_ticket) + CLIENTS + 1))
    # every ticket's creation wrote its seven measures; metric ids handed out once
    assert len({int(r[0]) for r in metric_rows}) == len(metric_rows)
    measures = Counter(int(r[1]) for r in metric_rows if orjson.loads(r[2])["type"] == "measure")
    assert measures == {t: 7 for t in per_ticket}
