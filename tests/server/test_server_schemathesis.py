"""Schemathesis over ``/openapi.json`` against a real server: every check, bounded examples.

Every phase (examples, coverage, fuzzing, stateful) and every check: no 5xx, no status, header,
content type or body the document does not declare, schema-invalid requests refused, the
``Allow`` of a 405 as documented, auth not ignored. Run as its CLI runs it, with an admin's API
token; the seed is fixed, so a failure reproduces.

Two adjustments, both about state the document cannot express, are in ``CONFIG``:

* a request can be valid by the schema and still refused for what it names: a cursor is
  opaque (a base64 text we did not issue is a 400), a ``start_time`` in the future is "too
  recent" (422), the clock must be given exactly one of ``set``/``advance``, and the fault
  queue holds 10,000 at most (400). Those operations may answer those documented statuses to
  schema-valid requests;
* ``POST /_emulator/faults`` is fuzzed on a server of its own: the faults it queues are, by
  design, 5xx answers to the next ``/api/v2`` requests.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from serverkit import NOW, metric_event, put, serve_like_serve, ticket_event

from zendesk_events.config import ServerSettings
from zendesk_events.emulator import LateArrival, LiveDesk
from zendesk_events.server import create_app
from zendesk_events.timeutil import FakeClock

CONFIG = """
[[operations]]
include-path-regex = "^/api/v2/(incremental|ticket_fields|groups|slas|tickets)"
checks.positive_data_acceptance.expected-statuses = [
    "2xx", "400", "401", "403", "404", "422", "429",
]

[[operations]]
include-path-regex = "^/_emulator/"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "429"]
"""


def _schemathesis(url: str, token: str, tmp_path: Path, *selection: str) -> str:
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    cmd = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(config),
        "run",
        f"{url}/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        "15",
        "--seed",
        "20261129",
        "--workers",
        "1",
        "--auth",
        f"admin@example.com/token:{token}",
        "--request-timeout",
        "30",
        "--no-color",
        *selection,
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-15000:] + result.stderr[-3000:]
    return result.stdout


@pytest.mark.slow
@pytest.mark.parametrize("live", [False, True], ids=["mirror", "live"])
def test_schemathesis_finds_nothing(account: Any, tmp_path: Path, live: bool) -> None:
    put(account.store, "ticket_events", [ticket_event(i, NOW - 86_400 + i * 7) for i in range(40)])
    put(
        account.store,
        "ticket_metric_events",
        [metric_event(i, NOW - 86_400 + i * 5) for i in range(1, 60)],
    )
    # Live: twice the operations, so more invalid-credential probes than the per-address
    # sign-in budget; that 429 has tests of its own (test_server_guessing.py).
    limits = {"signin_failures_per_user": 0, "signin_failures_per_address": 0} if live else {}
    settings = ServerSettings(db="unused", export_rate_limit=0, sample_rate_limit=0, **limits)
    clock = FakeClock(NOW)
    desk = None
    if live:  # the emulated account's write routes too (issue 8), over a few live tickets
        desk = LiveDesk(account.store, clock, late=LateArrival(share=0.0), poll=3600)
        desk.prepare()
        admin = account.store.users.by_email("admin@example.com")
        assert admin is not None
        for n in range(3):
            desk.create_ticket(admin, {"subject": f"s{n}", "comment": {"body": "b"}})
    app = create_app(settings, account.store, clock, desk)
    with serve_like_serve(app, settings) as url:
        out = _schemathesis(
            url, account.api_token, tmp_path, "--exclude-operation-id", "add_faults"
        )
    print(out[-3000:])


@pytest.mark.slow
def test_schemathesis_finds_nothing_in_the_fault_queue(account: Any, tmp_path: Path) -> None:
    settings = ServerSettings(db="unused")
    app = create_app(settings, account.store, FakeClock(NOW))
    with serve_like_serve(app, settings) as url:
        _schemathesis(url, account.api_token, tmp_path, "--include-operation-id", "add_faults")
