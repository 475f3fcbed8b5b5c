"""Password guessing under load, against a real `serve`: the server's memory stays bounded, a
legitimate admin keeps being served, and a wrong password for a known email takes as long as one
for an unknown email (issue 10, item 3; the fast checks are in test_server_guessing.py).

Figures for the note come from ``benchmarks/bench_auth.py``; these are the bounds.
"""

from __future__ import annotations

import random
import statistics
import threading
import time
from typing import Any

import httpx
import pytest
from processkit import serve_process
from serverkit import NOW, basic, make_account

from zendesk_events.store import open_store

TE = f"/api/v2/incremental/ticket_events?start_time={NOW - 3600}"


def _from(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}  # uvicorn trusts it from 127.0.0.1, as behind a proxy


def test_known_and_unknown_emails_take_the_same_time(account: Any, serve: Any) -> None:
    with serve(account.store, export_rate_limit=0, signin_failures_per_user=0) as s:
        times: dict[str, list[float]] = {"admin@example.com": [], "nobody@example.com": []}
        for i in range(16):
            for email, seen in times.items():
                started = time.perf_counter()
                r = s.get(TE, headers={**basic(email, "wrong"), **_from(f"198.51.100.{i}")})
                seen.append(time.perf_counter() - started)
                assert r.status_code == 401
        known, unknown = (statistics.median(v) for v in times.values())
        assert unknown > 0.5 * known, (known, unknown)  # was 2 ms against 60 ms


@pytest.mark.slow
def test_guessers_do_not_grow_the_server_or_lock_out_the_admin(tmp_path: Any) -> None:
    """32 concurrent guessers for 4 s against a real `serve`: 24 guess the admin's password
    (each from its own address), 8 send a new email from a new address with every guess (no
    lockout ever applies to those: the worst case for the hashing pool)."""
    db = str(tmp_path / "guess.db")
    with open_store(db) as store:
        admin = make_account(store).admin
    with serve_process(db, "--export-rate-limit", "0") as server, httpx.Client() as legit:
        for _ in range(20):  # warm up, then the baseline
            assert legit.get(server.url + TE, headers=admin).status_code == 200
        baseline = server.rss_kib()
        answered: list[int] = []
        ready = threading.Barrier(33)
        stop = [0.0]

        def guess(seed: int) -> None:
            rng = random.Random(seed)
            with httpx.Client(timeout=60) as http:
                ready.wait()
                while time.monotonic() < stop[0]:
                    n = rng.randrange(10**9)
                    if seed < 24:
                        headers = {
                            **basic("admin@example.com", f"pw{n}"),
                            **_from(f"10.9.9.{seed}"),
                        }
                    else:
                        address = f"10.{n % 256}.{n // 256 % 256}.{n // 65536 % 256}"
                        headers = {**basic(f"guess{n}@example.com", f"pw{n}"), **_from(address)}
                    answered.append(http.get(server.url + TE, headers=headers).status_code)

        threads = [threading.Thread(target=guess, args=(i,)) for i in range(32)]
        for t in threads:
            t.start()
        stop[0] = time.monotonic() + 4
        ready.wait()
        latencies = []
        while not latencies or time.monotonic() < stop[0]:
            started = time.perf_counter()
            r = legit.get(server.url + TE, headers=admin)
            latencies.append(time.perf_counter() - started)
            assert r.status_code == 200
        for t in threads:
            t.join()
        peak = server.rss_kib("VmHWM")
    assert set(answered) <= {401, 429} and answered.count(401) > 0
    growth_mib = (peak - baseline) / 1024
    assert growth_mib < 96, growth_mib  # one hashing thread: ~16 MiB; was ~600 MiB
    assert len(latencies) > 5 and max(latencies) < 5, (len(latencies), max(latencies))
