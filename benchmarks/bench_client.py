"""The client against a hostile server: what a gzip bomb, a huge body and `Retry-After: 0` cost.

A hostile server (``tests/hostile.py``) runs in a process of its own. Each reader runs in a
fresh process too, so its peak resident memory (``ru_maxrss``) is its own:

* a gzip bomb (~1 MB on the wire, 1 GiB inflated) and a 300 MB plain body (no
  ``Content-Length``, ended by the connection's close), each read by the client with its
  default limit (64 MiB) and by bare httpx reading the whole body (the client before the
  limit did just that): peak RSS and seconds until the error (or the end of the body);
* a server that always answers 429 with ``Retry-After: 0``: requests until the client gives
  up and requests per second, the client as it is (a floor of 1 s doubling) next to the same
  client taking ``Retry-After`` at its word (as before).

    python benchmarks/bench_client.py
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from common import table

HOSTILE = Path(__file__).resolve().parent.parent / "tests" / "hostile.py"


def measure(case: str, base: str) -> dict[str, Any]:
    """Run one case in this (fresh) process; its outcome, seconds and peak RSS."""
    import httpx

    from zendesk_events.client import ZendeskClient
    from zendesk_events.errors import ZendeskEventsError

    outcome, requests = "read whole", 0
    t0 = time.perf_counter()
    if case == "idle":
        outcome = "nothing read"
    elif case.startswith("bare"):
        path = case.split(":")[1]
        with httpx.Client(timeout=300) as http:
            size = len(http.get(f"{base}/{path}/api/v2/incremental/ticket_events.json").content)
        outcome = f"read whole ({size / 2**20:,.0f} MiB)"
    else:
        kind, path = case.split(":")
        client = ZendeskClient(
            base_url=f"{base}/{path}", email="a@example.com", token="t", max_rate_limited=3
        )
        if kind == "as-before":  # Retry-After taken at its word, the floor switched off
            import zendesk_events.client.client as module

            module.rate_limited_wait = lambda asked, _n: 60.0 if asked is None else asked
        try:
            with client:
                client.fetch_page("ticket_events", 0)
        except ZendeskEventsError as exc:
            outcome = type(exc).__name__
        if path == "429":
            requests = json.loads(httpx.get(f"{base}/count").text)["limited"]
    seconds = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"outcome": outcome, "seconds": seconds, "rss": rss, "requests": requests}


def run_case(case: str, base: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--case", case, "--base", base],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(measure(args.case, args.base)))
        return
    import httpx

    server = subprocess.Popen(
        [sys.executable, str(HOSTILE)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    try:
        assert server.stdout is not None
        base = f"http://127.0.0.1:{int(server.stdout.readline())}"
        idle = run_case("idle", base)
        bodies = [["-", "(the reader's process, its imports only)", "-", idle["rss"], 0.0]]
        for path, what in (("bomb", "gzip bomb, 1 GiB inflated"), ("plain", "300 MB plain body")):
            for reader, case in (
                ("client, 64 MiB limit", f"client:{path}"),
                ("bare httpx (as before)", f"bare:{path}"),
            ):
                r = run_case(case, base)
                bodies.append([what, reader, r["outcome"], r["rss"], r["seconds"]])
        print(table(["body", "reader", "outcome", "peak RSS MB", "seconds"], bodies))
        print()
        limited = []
        for reader, case in (
            ("client (floor 1 s, doubling)", "client:429"),
            ("client taking Retry-After: 0 at its word", "as-before:429"),
        ):
            before = httpx.get(f"{base}/count").json()["limited"]
            r = run_case(case, base)
            sent = r["requests"] - before
            limited.append([reader, sent, r["seconds"], sent / r["seconds"]])
        print("429 with Retry-After: 0 on every request, until the client gives up (3 retries)")
        print(table(["client", "requests", "seconds", "requests/s"], limited))
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
