"""Fidelity as an executable contract (moto's ``@aws_verified``, STYLE.md §13).

Each test here states a fact of Zendesk's incremental export API and checks it over plain HTTP.
By default it runs against our server over an emulator-seeded store. With
``ZENDESK_VERIFIED=1`` and ``ZENDESK_SUBDOMAIN``/``ZENDESK_EMAIL``/``ZENDESK_API_TOKEN`` (an
admin's) in the environment, the very same tests run against real Zendesk, proving the emulator
right (run by hand, never in CI; they make about ten export requests, inside the 10/minute limit).
"""

from __future__ import annotations

import base64
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from zendesk_events.config import ServerSettings
from zendesk_events.emulator import seed_store
from zendesk_events.server import create_app
from zendesk_events.store import open_store

pytestmark = pytest.mark.zendesk_verified

PASSWORD = "fidelity-password"


@dataclass
class Target:
    base_url: str
    auth: str
    start_time: int

    def get(self, path: str, *, auth: str | None = None, **params: object) -> httpx.Response:
        headers = {"Authorization": auth or self.auth, "Accept": "application/json"}
        return httpx.get(f"{self.base_url}{path}", params=params, headers=headers, timeout=60)


def _basic(user: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()


@pytest.fixture(scope="module")
def target(
    tmp_path_factory: pytest.TempPathFactory, run_server: Callable[[Any], Any]
) -> Iterator[Target]:
    if os.environ.get("ZENDESK_VERIFIED") == "1":
        sub, email = os.environ["ZENDESK_SUBDOMAIN"], os.environ["ZENDESK_EMAIL"]
        auth = _basic(f"{email}/token", os.environ["ZENDESK_API_TOKEN"])
        yield Target(f"https://{sub}.zendesk.com", auth, int(time.time()) - 30 * 86400)
        return
    path = tmp_path_factory.mktemp("fidelity") / "emulated.db"
    now = int(time.time())
    with open_store(str(path)) as store:
        report = seed_store(
            store,
            tickets=60,
            days=10,
            seed=3,
            now=now - 120,
            admin_email="admin@example.com",
            admin_password=PASSWORD,
        )
        app = create_app(ServerSettings(db=str(path), export_rate_limit=10), store=store)
        with run_server(app) as base:
            yield Target(base, _basic(report.admin_email or "", PASSWORD), now - 11 * 86400)


def test_a_page_has_zendesks_shape_and_order(target: Target) -> None:
    r = target.get("/api/v2/incremental/ticket_events.json", start_time=target.start_time)
    assert r.status_code == 200
    page = r.json()
    assert {"ticket_events", "next_page", "count", "end_of_stream", "end_time"} <= set(page)
    items = page["ticket_events"]
    assert page["count"] == len(items) and isinstance(page["end_of_stream"], bool)
    keys = [(i["timestamp"], i["id"]) for i in items]
    assert keys == sorted(keys) and all(ts >= target.start_time for ts, _ in keys)
    next_start = int(parse_qs(urlsplit(page["next_page"]).query)["start_time"][0])
    assert next_start == page["end_time"]
    assert urlsplit(page["next_page"]).path.endswith("/incremental/ticket_events.json")


def test_audits_carry_typed_child_events(target: Target) -> None:
    r = target.get("/api/v2/incremental/ticket_events.json", start_time=target.start_time)
    children = [c for i in r.json()["ticket_events"] for c in i.get("child_events", [])]
    changes = [c for c in children if c.get("event_type") == "Change"]
    assert changes and all("previous_value" in c for c in changes)
    comments = [c for c in children if c.get("event_type") == "Comment"]
    assert all("comment_present" in c for c in comments)


def test_the_comment_sideload_gives_full_comments(target: Target) -> None:
    r = target.get(
        "/api/v2/incremental/ticket_events.json",
        start_time=target.start_time,
        include="comment_events",
    )
    comments = [
        c
        for i in r.json()["ticket_events"]
        for c in i.get("child_events", [])
        if c.get("event_type") == "Comment"
    ]
    assert comments and all("body" in c and isinstance(c.get("via"), dict) for c in comments)
    assert "include=comment_events" in r.json()["next_page"]


def test_metric_events_have_their_six_fields(target: Target) -> None:
    r = target.get("/api/v2/incremental/ticket_metric_events.json", start_time=target.start_time)
    items = r.json()["ticket_metric_events"]
    assert items
    for item in items:
        assert {"id", "ticket_id", "metric", "instance_id", "type", "time"} <= set(item)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", item["time"])


def test_export_responses_carry_the_incremental_rate_limit_header(target: Target) -> None:
    r = target.get("/api/v2/incremental/ticket_events.json", start_time=target.start_time)
    header = r.headers.get("zendesk-ratelimit-incremental-exports", "")
    assert re.fullmatch(r"total=\d+; remaining=\d+; resets=\d+", header), header


def test_wrong_credentials_are_401_couldnt_authenticate(target: Target) -> None:
    r = target.get(
        "/api/v2/incremental/ticket_events.json",
        auth=_basic("nobody@example.com/token", "wrong"),
        start_time=target.start_time,
    )
    assert r.status_code == 401
    assert r.json()["error"] == "Couldn't authenticate you"


def test_a_too_recent_start_time_is_422_invalid_value(target: Target) -> None:
    r = target.get("/api/v2/incremental/ticket_events.json", start_time=int(time.time()) + 3600)
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "InvalidValue"
    assert body["description"].startswith("Too recent start_time.")


def test_sample_returns_at_most_50(target: Target) -> None:
    r = target.get("/api/v2/incremental/ticket_events/sample.json", start_time=target.start_time)
    assert r.status_code == 200 and len(r.json()["ticket_events"]) <= 50
