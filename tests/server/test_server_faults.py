"""/_emulator/faults: queue bad answers for the next export requests, admins only."""

from __future__ import annotations

from typing import Any

from serverkit import NOW, Account, put, ticket_event


def test_faults_are_served_in_order_then_normal_answers(account: Account, serve: Any) -> None:
    put(account.store, "ticket_events", [ticket_event(1, NOW - 3600)])
    with serve(account.store, export_rate_limit=0) as s:
        r = s.client.post(
            s.url + "/_emulator/faults",
            json=[{"status": 503, "times": 2}, {"status": 429, "retry_after": 9}],
            headers=account.admin,
        )
        assert r.status_code == 200 and len(r.json()["pending"]) == 3
        path = "/api/v2/incremental/ticket_events.json?start_time=0"
        got = [s.get(path, headers=account.admin) for _ in range(4)]
        assert [g.status_code for g in got] == [503, 503, 429, 200]
        assert got[0].json() == {
            "error": "ServiceUnavailable",
            "description": "Injected fault: service unavailable",
        }
        assert got[2].headers["retry-after"] == "9"
        # the recorded export 429 (spec §8), as the server's own limiter words it
        assert got[2].json() == {
            "error": "APIRateLimitExceeded",
            "description": "Number of allowed incremental export API requests per minute exceeded",
        }
        assert s.get("/_emulator/faults").json() == {"pending": [], "served": 3}


def test_faults_touch_only_the_api(account: Account, serve: Any) -> None:
    with serve(account.store) as s:
        s.client.post(s.url + "/_emulator/faults", json=[{"status": 500}], headers=account.admin)
        assert s.get("/openapi.json").status_code == 200
        assert s.get("/_emulator/faults").json()["served"] == 0


def test_bad_fault_lists_are_zendesk_shaped_400s(account: Account, serve: Any) -> None:
    with serve(account.store) as s:
        for body in ({"status": 500}, [{"status": 404}], [{"delay": -1}], [{"nope": 1}], [{}]):
            r = s.client.post(s.url + "/_emulator/faults", json=body, headers=account.admin)
            assert r.status_code == 400, body
            assert r.json()["error"] == "InvalidValue" and r.json()["description"]
        r = s.client.post(s.url + "/_emulator/faults", content=b"{", headers=account.admin)
        assert r.status_code == 400


def test_only_admins_may_queue_or_clear_faults(account: Account, serve: Any) -> None:
    with serve(account.store) as s:
        assert s.client.post(s.url + "/_emulator/faults", json=[{"status": 500}]).status_code == 401
        r = s.client.post(
            s.url + "/_emulator/faults", json=[{"status": 500}], headers=account.agent
        )
        assert r.status_code == 403
        assert (
            s.client.delete(s.url + "/_emulator/faults", headers=account.agent).status_code == 403
        )
        assert (
            s.client.delete(s.url + "/_emulator/faults", headers=account.admin).status_code == 200
        )
