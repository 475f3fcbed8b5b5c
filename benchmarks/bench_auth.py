"""Password guessing against `zendesk-events serve`: what it costs the server and its admin.

A real `serve` process over a small SQLite store. A legitimate admin requests export pages
one after another with an API token for the whole run. In the *quiet* phase nobody else
calls; in the *guessing* phase N threads send wrong passwords as fast as the server answers,
each guess with a new email from a new address (``X-Forwarded-For``, trusted from
127.0.0.1 as from a proxy), so no lockout ever applies: the worst case for the hashing. Then
the same with every guess for the admin's own email from one address (the lockout case).

Printed per phase: the admin's median and p99 latency (and the ratio to the quiet phase, the
baseline of the same run), guesses answered per second (401 and 429 apart), and the server's
resident memory at the start and its peak.

    python benchmarks/bench_auth.py [--guessers 48] [--duration 10]
"""

from __future__ import annotations

import argparse
import base64
import random
import tempfile
import threading
import time
from pathlib import Path

import httpx

from common import free_port, median, process, python, table
from zendesk_events.store import open_store

START = "/api/v2/incremental/ticket_events?start_time=0"


def _basic(user: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()}


def _rss_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def phase(url: str, admin: dict[str, str], guessers: int, duration: float, mode: str) -> dict:
    codes: list[int] = []
    ready = threading.Barrier(guessers + 1)
    stop = [0.0]

    def guess(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(timeout=120) as http:
            ready.wait()  # every client built (TLS contexts cost CPU) before the clock starts
            while time.monotonic() < stop[0]:
                n = rng.randrange(10**9)
                if mode == "spread":
                    address = f"10.{n % 256}.{n // 256 % 256}.{n // 65536 % 256}"
                    headers = _basic(f"guess{n}@example.com", f"pw{n}")
                else:
                    address, headers = "10.0.0.1", _basic("admin@example.com", f"pw{n}")
                try:
                    r = http.get(url + START, headers={**headers, "X-Forwarded-For": address})
                    codes.append(r.status_code)
                except httpx.HTTPError:
                    codes.append(0)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(guessers)]
    for t in threads:
        t.start()
    latencies: list[float] = []
    failures = 0
    with httpx.Client(timeout=120) as http:
        stop[0] = time.monotonic() + duration
        ready.wait()
        while not latencies or time.monotonic() < stop[0]:
            started = time.perf_counter()
            status = http.get(url + START, headers=admin).status_code
            latencies.append((time.perf_counter() - started) * 1000)
            failures += status != 200
    for t in threads:
        t.join()
    return {
        "median": median(latencies),
        "p99": _p99(latencies),
        "admin_failures": failures,
        "admin_requests": len(latencies),
        "401/s": codes.count(401) / duration,
        "429/s": codes.count(429) / duration,
        "other": len([c for c in codes if c not in (401, 429)]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--guessers", type=int, default=48, help="concurrent guessing clients")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per phase")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = f"{tmp}/auth.db"
        with open_store(db) as store:
            user = store.users.add("admin@example.com", "admin", password="the admin's own")
            admin = _basic("admin@example.com/token", store.users.new_api_token(user))
        port = free_port()
        cmd = [python(), "-m", "zendesk_events", "serve", "--db", db, "--port", str(port)]
        cmd += ["--export-rate-limit", "0", "--log-level", "error"]
        with process(cmd, port) as pid:
            url = f"http://127.0.0.1:{port}"
            rows = []
            quiet = phase(url, admin, 0, args.duration, "spread")
            for name, guessers, mode in (
                ("quiet (baseline)", 0, "spread"),
                (f"{args.guessers} guessers, new email+address each", args.guessers, "spread"),
                (f"{args.guessers} guessers, the admin's email", args.guessers, "one"),
            ):
                before = _rss_mb(pid, "VmRSS")
                result = (
                    quiet if guessers == 0 else phase(url, admin, guessers, args.duration, mode)
                )
                rows.append(
                    [
                        name,
                        f"{result['median']:.1f}",
                        f"{result['p99']:.1f}",
                        f"{result['p99'] / quiet['p99']:.1f}x",
                        f"{result['admin_requests']}/{result['admin_failures']}",
                        f"{result['401/s']:.0f}",
                        f"{result['429/s']:.0f}",
                        result["other"],
                        f"{before:.0f}",
                        f"{_rss_mb(pid, 'VmHWM'):.0f}",
                    ]
                )
    headers = ["phase", "admin med ms", "admin p99 ms", "p99/quiet", "admin reqs/fails"]
    headers += ["401/s", "429/s", "other", "RSS MB", "peak RSS MB"]
    print(table(headers, rows))


if __name__ == "__main__":
    main()
