"""The serve-side switch for late metric events (spec §5): on by default, off on request.

A row written late carries the time it became visible (``visible_at``) apart from its
back-dated ``time``. With the switch on (Zendesk's behaviour) it is served only once both are
older than the lag; with ``--no-late-events`` its time alone decides.
"""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner
from serverkit import NOW, Account

from zendesk_events.cli import cli
from zendesk_events.config import ServerSettings
from zendesk_events.timeutil import epoch_to_iso

TME = "/api/v2/incremental/ticket_metric_events.json"
T = NOW - 3600


def _metric(i: int, ts: int) -> dict[str, Any]:
    return {
        "id": i,
        "ticket_id": 7,
        "metric": "reply_time",
        "instance_id": 1,
        "type": "activate",
        "time": epoch_to_iso(ts),
        "deleted": False,
    }


def _fill(account: Account) -> None:
    store = account.store
    with store.db.transaction() as tx:
        store.events.upsert(tx, "ticket_metric_events", [_metric(1, T), _metric(3, T + 10)])
        # stamped T + 5, written 12 minutes after NOW - 60: not visible yet at NOW
        store.events.upsert(
            tx, "ticket_metric_events", [_metric(2, T + 5)], visible_at=NOW - 60 + 720
        )


def _ids(body: dict[str, Any]) -> list[int]:
    return [e["id"] for e in body["ticket_metric_events"]]


@pytest.mark.parametrize("query", [f"?start_time={T}", f"?start_time={T}&page[size]=10"])
def test_a_late_event_is_held_back_until_visible_by_default(
    account: Account, serve: Any, query: str
) -> None:
    _fill(account)
    with serve(account.store, export_rate_limit=0) as s:
        assert _ids(s.get(TME + query, headers=account.admin).json()) == [1, 3]
        s.clock.advance(720)  # visible_at == now - lag: still held back
        assert _ids(s.get(TME + query, headers=account.admin).json()) == [1, 3]
        s.clock.advance(1)
        assert _ids(s.get(TME + query, headers=account.admin).json()) == [1, 2, 3]


@pytest.mark.parametrize("query", [f"?start_time={T}", f"?start_time={T}&page[size]=10"])
def test_switched_off_every_event_is_served_once_its_time_passes_the_lag(
    account: Account, serve: Any, query: str
) -> None:
    _fill(account)
    with serve(account.store, export_rate_limit=0, late_events=False) as s:
        assert _ids(s.get(TME + query, headers=account.admin).json()) == [1, 2, 3]


def test_serve_no_late_events_reaches_the_server_settings(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[ServerSettings] = []

    def fake_serve(settings: ServerSettings, sock: Any, **_: Any) -> None:
        sock.close()
        seen.append(settings)

    monkeypatch.setattr("zendesk_events.server.runner.serve", fake_serve)
    runner = CliRunner()
    assert runner.invoke(cli, ["serve", "--db", sqlite_url, "--port", "0"]).exit_code == 0
    r = runner.invoke(cli, ["serve", "--db", sqlite_url, "--port", "0", "--no-late-events"])
    assert r.exit_code == 0, r.output
    assert "late events served at once" in r.output
    assert [s.late_events for s in seen] == [True, False]
    help_text = runner.invoke(cli, ["serve", "--help"]).output
    assert "--no-late-events" in help_text
