"""Password guessing: bounded, fair, and silent about which emails exist.

Issue 10, item 3: each wrong password cost ~16 MiB and 50-110 ms of scrypt, unbounded (48
guessers took the server from 61 to 759 MB, the legitimate p99 from 6 to 277 ms), and a known
email answered in ~60 ms where an unknown one took ~2 ms.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from typing import Any

import pytest
from serverkit import NOW, PASSWORD, basic

from zendesk_events.server.auth import Authenticator
from zendesk_events.server.errors import SignInThrottled, Unauthorized
from zendesk_events.timeutil import FakeClock

TE = f"/api/v2/incremental/ticket_events?start_time={NOW - 3600}"
THROTTLED = {
    "error": "APIRateLimitExceeded",
    "description": "Too many failed sign-in attempts; retry after Retry-After seconds",
}


def _from(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}  # uvicorn trusts it from 127.0.0.1, as behind a proxy


def test_ten_failures_lock_the_email_with_retry_after_tokens_stay_open(
    account: Any, serve: Any
) -> None:
    guess = basic("admin@example.com", "guess")
    with serve(account.store, export_rate_limit=0) as s:
        for i in range(10):  # each from another address: the per-user limit counts them all
            r = s.get(TE, headers={**guess, **_from(f"198.51.100.{i}")})
            assert r.status_code == 401
        window_left = 600 - NOW % 600
        for header in (guess, basic("admin@example.com", PASSWORD)):  # the right one too
            r = s.get(TE, headers={**header, **_from("203.0.113.9")})
            assert r.status_code == 429
            assert r.json() == THROTTLED
            assert r.headers["Retry-After"] == str(window_left)
        assert s.get(TE, headers=account.admin).status_code == 200  # an API token
        bearer = {"Authorization": f"Bearer {account.oauth_token}"}
        assert s.get(TE, headers=bearer).status_code == 200
        assert s.get(TE, headers=basic("agent@example.com", PASSWORD)).status_code == 403
        s.clock.advance(window_left)
        assert s.get(TE, headers=basic("admin@example.com", PASSWORD)).status_code == 200


def test_an_unknown_email_is_locked_exactly_like_a_real_one(account: Any, serve: Any) -> None:
    with serve(account.store, export_rate_limit=0) as s:
        answers = {}
        for email in ("admin@example.com", "nobody@example.com"):
            seen = []
            for i in range(12):
                r = s.get(TE, headers={**basic(email, "guess"), **_from(f"192.0.2.{i}")})
                seen.append((r.status_code, r.text, r.headers.get("Retry-After")))
            answers[email] = seen
        assert answers["admin@example.com"] == answers["nobody@example.com"]
        assert [a[0] for a in answers["nobody@example.com"]] == [401] * 10 + [429] * 2


def test_thirty_failures_lock_an_address_whatever_the_emails(account: Any, serve: Any) -> None:
    with serve(account.store, export_rate_limit=0) as s:
        for i in range(30):
            r = s.get(TE, headers={**basic(f"u{i}@example.com", "x"), **_from("192.0.2.77")})
            assert r.status_code == 401
        r = s.get(TE, headers={**basic("admin@example.com", PASSWORD), **_from("192.0.2.77")})
        assert r.status_code == 429
        # another address, and IPv6 neighbours of one /64 count together
        r = s.get(TE, headers={**basic("admin@example.com", PASSWORD), **_from("192.0.2.78")})
        assert r.status_code == 200
        for i in range(30):
            guess = basic(f"v{i}@example.com", "x")
            assert s.get(TE, headers={**guess, **_from(f"2001:db8::{i:x}")}).status_code == 401
        # (not the admin's header again: a header checked before is remembered, not re-checked)
        r = s.get(TE, headers={**basic("agent@example.com", PASSWORD), **_from("2001:db8::ffff")})
        assert r.status_code == 429
        r = s.get(TE, headers={**basic("agent@example.com", PASSWORD), **_from("2001:db9::1")})
        assert r.status_code == 403


def test_unknown_emails_and_users_without_password_cost_one_scrypt(account: Any) -> None:
    auth = Authenticator(account.store.users, FakeClock())
    account.store.users.add("tokens-only@example.com", "admin")
    for email in ("admin@example.com", "nobody@example.com", "tokens-only@example.com"):
        before = auth.checker.hashed
        with pytest.raises(Unauthorized):
            auth.authenticate(basic(email, "wrong")["Authorization"])
        assert auth.checker.hashed == before + 1, email
    auth.checker.close()


def test_the_queue_of_password_checks_is_bounded(account: Any) -> None:
    auth = Authenticator(account.store.users, FakeClock())
    auth.checker = type(auth.checker)(account.store.users, slots=1, queue=0)
    results: list[str] = []

    def attempt() -> None:
        try:
            auth.authenticate(basic("admin@example.com", "wrong")["Authorization"])
        except SignInThrottled:
            results.append("429")
        except Unauthorized:
            results.append("401")

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("429") >= 1 and results.count("401") >= 1
    assert auth.checker.hashed == results.count("401")
    auth.checker.close()


def test_a_failure_counted_behind_a_sync_s_write_lock_stops_no_other_request(
    account: Any, serve: Any, sqlite_url: str
) -> None:
    """A failed password check is counted in the store: a write, which waits while a `sync`
    into the same SQLite file commits. That guess waits; the worker's other requests do not."""
    writer = sqlite3.connect(sqlite_url, isolation_level=None, timeout=30)
    with serve(account.store, export_rate_limit=0) as s:
        writer.execute("BEGIN IMMEDIATE")  # as a sync committing a page
        answers: list[Any] = []
        guess = threading.Thread(
            target=lambda: answers.append(s.get(TE, headers=basic("admin@example.com", "guess")))
        )
        guess.start()
        time.sleep(0.5)  # the scrypt check done, its failure waiting for the lock
        t0 = time.monotonic()
        me = s.get("/api/v2/users/me.json", headers=account.admin)
        waited = time.monotonic() - t0
        waiting = guess.is_alive()
        writer.execute("COMMIT")
        guess.join(timeout=30)
    writer.close()
    assert me.status_code == 200 and waiting
    assert waited < 0.4, f"users/me waited {waited:.2f} s behind a failed guess's count"
    (refused,) = answers
    assert refused.status_code == 401
