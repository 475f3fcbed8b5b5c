"""Request budgets: 10 a minute for exports, 10 per 20 minutes for samples, shared by workers."""

from __future__ import annotations

import math
import sqlite3
import threading
import time
from typing import Any

import httpx
from serverkit import NOW, make_account

from zendesk_events.config import ServerSettings
from zendesk_events.server import create_app
from zendesk_events.store import open_store
from zendesk_events.timeutil import FakeClock

TE = "/api/v2/incremental/ticket_events"
START = f"?start_time={NOW - 3600}"
# spec §8, recorded on the export (airbytehq/airbyte#11899, zendesk-java-client#319)
TOO_MANY = {
    "error": "APIRateLimitExceeded",
    "description": "Number of allowed incremental export API requests per minute exceeded",
}
# NOW is 20 s into a minute: the window resets in 40 s
RESET = 60 - NOW % 60


def test_ten_exports_a_minute_then_429_until_the_window_resets(account: Any, serve: Any) -> None:
    with serve(account.store) as s:
        for i in range(10):
            r = s.get(TE + START, headers=account.admin)
            assert r.status_code == 200
            assert r.headers["Zendesk-RateLimit-incremental-exports"] == (
                f"total=10; remaining={9 - i}; resets={RESET}"
            )
        s.clock.advance(RESET - 0.5)  # half a second before the reset
        r = s.get(f"{TE}.json{START}", headers=account.admin)
        assert r.status_code == 429
        assert r.json() == TOO_MANY
        assert r.headers["Retry-After"] == "1"
        assert r.headers["Zendesk-RateLimit-incremental-exports"] == (
            "total=10; remaining=0; resets=1"
        )
        # the other stream shares the budget
        r = s.get(f"/api/v2/incremental/ticket_metric_events{START}", headers=account.admin)
        assert r.status_code == 429
        s.clock.advance(0.5)
        r = s.get(TE + START, headers=account.admin)
        assert r.status_code == 200
        assert r.headers["Zendesk-RateLimit-incremental-exports"] == (
            "total=10; remaining=9; resets=60"
        )


def test_retry_after_and_resets_are_ceilings(account: Any, serve: Any) -> None:
    clock = FakeClock(NOW + 0.25)
    with serve(account.store, clock=clock, export_rate_limit=1) as s:
        assert s.get(TE + START, headers=account.admin).status_code == 200
        r = s.get(TE + START, headers=account.admin)
        assert r.status_code == 429
        true_wait = RESET - 0.25
        assert int(r.headers["Retry-After"]) == math.ceil(true_wait) == RESET
        assert r.headers["ratelimit-reset"] == str(RESET)
        s.clock.advance(int(r.headers["Retry-After"]))
        assert s.get(TE + START, headers=account.admin).status_code == 200


def test_account_headers_on_every_response(account: Any, serve: Any) -> None:
    with serve(account.store, account_rate_limit=200) as s:
        responses = [
            s.get(TE + START, headers=account.admin),
            s.get(TE + "?start_time=x", headers=account.admin),
            s.get(TE + START),
            s.get("/nowhere"),
            s.get("/openapi.json"),
        ]
        for n, r in enumerate(responses, start=1):
            assert r.headers["X-Rate-Limit"] == "200" == r.headers["ratelimit-limit"]
            assert r.headers["X-Rate-Limit-Remaining"] == str(200 - n)
            assert r.headers["ratelimit-remaining"] == str(200 - n)
            assert r.headers["ratelimit-reset"] == str(RESET)
        # refused before the budget (401) still reports it, without spending it
        assert (
            responses[2]
            .headers["Zendesk-RateLimit-incremental-exports"]
            .startswith("total=10; remaining=8;")
        )
        assert "Zendesk-RateLimit-incremental-exports" not in responses[3].headers


def test_sample_budget_is_ten_per_twenty_minutes_and_separate(account: Any, serve: Any) -> None:
    reset = 1200 - NOW % 1200
    with serve(account.store) as s:
        for i in range(10):
            r = s.get(f"{TE}/sample{START}", headers=account.admin)
            assert r.status_code == 200
            assert r.headers["Zendesk-RateLimit-incremental-exports-sample"] == (
                f"total=10; remaining={9 - i}; resets={reset}"
            )
        r = s.get(f"{TE}/sample{START}", headers=account.admin)
        assert r.status_code == 429
        assert r.headers["Retry-After"] == str(reset)
        assert s.get(TE + START, headers=account.admin).status_code == 200
        s.clock.advance(60)
        assert s.get(f"{TE}/sample{START}", headers=account.admin).status_code == 429
        s.clock.advance(reset)
        assert s.get(f"{TE}/sample{START}", headers=account.admin).status_code == 200


def test_limit_zero_switches_the_budget_off(account: Any, serve: Any) -> None:
    with serve(account.store, export_rate_limit=0) as s:
        for _ in range(30):
            r = s.get(TE + START, headers=account.admin)
            assert r.status_code == 200
            assert "Zendesk-RateLimit-incremental-exports" not in r.headers
            assert r.headers["X-Rate-Limit"] == "700"


def test_high_volume_limit_and_custom_window(account: Any, serve: Any) -> None:
    with serve(account.store, export_rate_limit=30, export_rate_window=10) as s:
        codes = [s.get(TE + START, headers=account.admin).status_code for _ in range(31)]
        assert codes == [200] * 30 + [429]
        assert s.get(TE + START, headers=account.admin).headers["Retry-After"] == "10"


def test_shared_limits_count_across_app_instances(store_url: str, run_server: Any) -> None:
    clock = FakeClock(NOW)
    settings = ServerSettings(db="unused", shared_limits=True, export_rate_limit=4)
    with open_store(store_url) as one, open_store(store_url) as two:
        acc = make_account(one)
        with (
            run_server(create_app(settings, one, clock)) as url1,
            run_server(create_app(settings, two, clock)) as url2,
            httpx.Client() as http,
        ):
            codes = [
                http.get(f"{url}{TE}{START}", headers=acc.admin).status_code
                for url in (url1, url2, url1, url2, url1, url2)
            ]
            assert codes == [200, 200, 200, 200, 429, 429]
            clock.advance(RESET)
            r = http.get(f"{url2}{TE}{START}", headers=acc.admin)
            assert r.status_code == 200
            assert r.headers["Zendesk-RateLimit-incremental-exports"].startswith(
                "total=4; remaining=3;"
            )


def test_counting_behind_a_sync_s_write_lock_stops_no_other_request(
    account: Any, serve: Any, sqlite_url: str
) -> None:
    """A counted export must write its count into the store; a `sync` into the same SQLite
    file holds the write lock for each page it commits (seconds while it builds its indexes).
    That export waits; the worker's other requests do not wait with it."""
    writer = sqlite3.connect(sqlite_url, isolation_level=None, timeout=30)
    with serve(account.store) as s:
        assert s.get(TE + START, headers=account.admin).status_code == 200  # counted once
        writer.execute("BEGIN IMMEDIATE")  # as a sync committing a page
        answers: list[httpx.Response] = []
        export = threading.Thread(
            target=lambda: answers.append(s.get(TE + START, headers=account.admin))
        )
        export.start()
        time.sleep(0.3)  # the export is waiting for the lock
        t0 = time.monotonic()
        me = s.get("/api/v2/users/me.json", headers=account.admin)
        waited = time.monotonic() - t0
        waiting = export.is_alive()
        time.sleep(0.5)
        writer.execute("COMMIT")
        export.join(timeout=30)
    writer.close()
    assert me.status_code == 200 and waiting
    assert waited < 0.4, f"users/me waited {waited:.2f} s behind the export's count"
    (counted,) = answers
    assert counted.status_code == 200
    assert counted.headers["Zendesk-RateLimit-incremental-exports"].startswith(
        "total=10; remaining=8;"
    )
