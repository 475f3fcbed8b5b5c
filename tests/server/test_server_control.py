"""Emulator controls live under /_emulator/ and move only a fake clock, for admins only."""

from __future__ import annotations

from typing import Any

import httpx
from serverkit import NOW, put, ticket_event

from zendesk_events.config import ServerSettings
from zendesk_events.server import create_app
from zendesk_events.timeutil import SystemClock


def test_clock_can_be_read_and_advanced_by_an_admin(account: Any, serve: Any) -> None:
    put(account.store, "ticket_events", [ticket_event(1, NOW - 10)])
    with serve(account.store) as s:
        assert s.get("/_emulator/clock").json() == {"now": NOW, "lag": 60, "settable": True}
        assert s.client.post(f"{s.url}/_emulator/clock?advance=60").status_code == 401
        r = s.client.post(f"{s.url}/_emulator/clock?advance=60", headers=account.agent)
        assert r.status_code == 403
        r = s.client.post(f"{s.url}/_emulator/clock?advance=60", headers=account.admin)
        assert r.json()["now"] == NOW + 60
        # the event held back a minute ago is now served
        te = f"/api/v2/incremental/ticket_events?start_time={NOW - 100}"
        assert s.get(te, headers=account.admin).json()["count"] == 1
        r = s.client.post(f"{s.url}/_emulator/clock?set={NOW}", headers=account.admin)
        assert r.json()["now"] == NOW
        bad = s.client.post(f"{s.url}/_emulator/clock", headers=account.admin)
        assert bad.status_code == 400 and bad.json()["error"] == "InvalidValue"


def test_wall_clock_is_read_only(account: Any, run_server: Any) -> None:
    app = create_app(ServerSettings(db="unused"), account.store, SystemClock())
    with run_server(app) as url:
        r = httpx.post(f"{url}/_emulator/clock?advance=5", headers=account.admin)
        assert r.status_code == 409
        assert r.json()["error"] == "ClockIsReal"
        assert httpx.get(f"{url}/_emulator/clock").json()["settable"] is False
