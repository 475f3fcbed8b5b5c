"""Helpers for the sync tests: a source store with fabricated events, a real server over it.

A module of its own (not conftest) so test files import it by a name no other folder uses.
"""

from __future__ import annotations

import base64
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from zendesk_events.config import ServerSettings
from zendesk_events.server import create_app
from zendesk_events.store import Store, open_store
from zendesk_events.timeutil import FakeClock, epoch_to_iso

NOW = 1_700_000_000
"""The server's (fake) now: every fabricated event is well older than its lag."""
EMAIL = "admin@example.com"
BASE = NOW - 30 * 86400
SAME_SECOND = BASE + 200_000
"""A second holding more events than a page (Zendesk's 1000 and our small test pages)."""


def ticket_event(event_id: int, ts: int, *, comment: bool = False) -> dict[str, Any]:
    children: list[dict[str, Any]] = [
        {
            "id": event_id * 10 + 1,
            "via": "Web form",
            "via_reference_id": None,
            "event_type": "Change",
            "status": "open",
            "previous_value": "new",
        },
        {
            "id": event_id * 10 + 3,
            "via": "Rule",
            "via_reference_id": 360000001,
            "event_type": "Change",
            "tags": ["printer", "urgent"],
            "added_tags": ["urgent"],
            "removed_tags": [],
            "previous_value": ["printer"],
        },
    ]
    if comment:
        children.append(
            {
                "id": event_id * 10 + 2,
                "event_type": "Comment",
                "type": "Comment",
                "author_id": 5031726587,
                "body": f"comment {event_id} \u00e6\u00f8\u00e5 \U0001f525",
                "html_body": f'<div class="zd-comment"><p>comment {event_id}</p></div>',
                "public": event_id % 2 == 0,
                "attachments": [],
                "audit_id": event_id,
                "created_at": epoch_to_iso(ts),
                "via": {"channel": "api", "source": {"from": {}, "to": {}, "rel": None}},
                "via_reference_id": None,
            }
        )
    return {
        "id": event_id,
        "ticket_id": 100 + event_id % 37,
        "timestamp": ts,
        "created_at": epoch_to_iso(ts),
        "updater_id": 1507432183,
        "via": "Web form",
        "event_type": "Audit",
        "system": {"client": "Mozilla/5.0", "ip_address": "203.0.113.7", "latitude": 55.68},
        "merged_ticket_ids": [],
        "child_events": children,
        "custom_unknown": {"kept": True},
    }


def metric_event(event_id: int, ts: int) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": event_id,
        "ticket_id": 100 + event_id % 37,
        "metric": "reply_time",
        "instance_id": 1,
        "type": "measure",
        "time": epoch_to_iso(ts),
    }
    if event_id % 5 == 0:
        item["type"] = "apply_sla"
        item["sla"] = {"target": 60, "business_hours": False, "policy": {"id": 1, "title": "P"}}
    return item


def fabricate(
    store: Store, *, tickets: int = 2000, same_second: int = 1200, metrics: int = 1500
) -> None:
    """Ticket events (every third with a full comment) incl. a run of ``same_second`` events
    sharing one second, and metric events incl. a same-second run of 1100."""
    events = [ticket_event(i, BASE + i * 37, comment=i % 3 == 0) for i in range(1, tickets + 1)]
    events += [
        ticket_event(1_000_000 + i, SAME_SECOND, comment=i % 3 == 0) for i in range(same_second)
    ]
    metric = [metric_event(i, BASE + i * 53) for i in range(1, metrics + 1)]
    metric += [metric_event(2_000_000 + i, SAME_SECOND + 7) for i in range(1100)]
    put(store, "ticket_events", events)
    put(store, "ticket_metric_events", metric)


def put(store: Store, stream: str, items: list[dict[str, Any]]) -> None:
    with store.db.transaction() as tx:
        store.events.upsert(tx, stream, items)  # type: ignore[arg-type]


@dataclass
class Source:
    """A store served by a real server: what a sync reads from."""

    store: Store
    url: str
    token: str
    clock: FakeClock
    clients: list[Any] = field(default_factory=list)

    def client(self, **kwargs: Any) -> Any:
        """A client of this server as the admin (closed with the server, if not before)."""
        from zendesk_events.client import ZendeskClient

        client = ZendeskClient(base_url=self.url, email=EMAIL, token=self.token, **kwargs)
        self.clients.append(client)
        return client

    def cli_args(self, target: str, *extra: str) -> list[str]:
        return ["sync", "--url", self.url, "--email", EMAIL, "--to", target, "--quiet", *extra]


@pytest.fixture
def source_store(tmp_path: Path) -> Iterator[Store]:
    """The server's store, with an admin and fabricated events of both streams."""
    with open_store(str(tmp_path / "source.db")) as store:
        fabricate(store)
        yield store


def admin_token(store: Store) -> str:
    user = store.users.by_email(EMAIL) or store.users.add(EMAIL, "admin")
    return store.users.new_api_token(user)


@pytest.fixture
def serve_source(run_server: Callable[[Any], Any]) -> Callable[..., Any]:
    """``with serve_source(store, page_limit=100) as src:`` — a real server, limits off.

    ``wrap`` puts an ASGI app in front of the server (e.g. a fake of an endpoint it lacks).
    """

    @contextmanager
    def start(
        store: Store, *, wrap: Callable[[Any], Any] | None = None, **settings: Any
    ) -> Iterator[Source]:
        clock = FakeClock(NOW)
        token = admin_token(store)
        settings.setdefault("export_rate_limit", 0)
        app = create_app(ServerSettings(db="unused", **settings), store, clock)
        with run_server(app if wrap is None else wrap(app)) as url:
            source = Source(store, url, token, clock)
            try:
                yield source
            finally:
                for client in source.clients:
                    client.close()

    return start


def inject_faults(src: Source, faults: list[dict[str, Any]]) -> None:
    """Queue faults for the server's next export requests (``/_emulator/faults``)."""
    auth = base64.b64encode(f"{EMAIL}/token:{src.token}".encode()).decode()
    r = httpx.post(
        f"{src.url}/_emulator/faults", json=faults, headers={"Authorization": f"Basic {auth}"}
    )
    assert r.status_code == 200, r.text


# ---- comparing stores -----------------------------------------------------------------------

QUERIES = {
    "ticket_events": "SELECT id, raw FROM ticket_events",
    "ticket_events_comments": "SELECT id, raw_comments FROM ticket_events",
    "ticket_comments": "SELECT id, raw FROM ticket_comments",
    "ticket_metric_events": "SELECT id, raw FROM ticket_metric_events",
    "ticket_field_changes": "SELECT id, field, audit_id, ticket_id, timestamp, event_type, "
    "value, previous_value, via, via_reference_id FROM ticket_field_changes",
}


def table(store: Store, name: str) -> dict[Any, Any]:
    """A table's rows keyed by primary key (raw JSON as the value)."""
    rows = store.db.query(QUERIES[name])
    if name == "ticket_field_changes":
        return {(r[0], r[1]): tuple(r[2:]) for r in rows}
    return {r[0]: r[1] for r in rows}


def assert_same_events(source: Store, target: Store, *, comments: bool) -> None:
    names = ["ticket_events", "ticket_metric_events", "ticket_field_changes"]
    if comments:
        names += ["ticket_events_comments", "ticket_comments"]
    for name in names:
        want, got = table(source, name), table(target, name)
        assert len(got) == len(want), name
        assert got == want, name
    if not comments:
        assert table(target, "ticket_comments") == {}


def jsonl_items(path: Path) -> dict[str, list[dict[str, Any]]]:
    """The items of a JSON Lines sink file, per stream, in file order."""
    out: dict[str, list[dict[str, Any]]] = {}
    for line in path.read_bytes().splitlines():
        record = orjson.loads(line)
        out.setdefault(record["stream"], []).append(record["item"])
    return out


def served_items(store: Store, stream: str, *, comments: bool = False) -> dict[int, Any]:
    """What the server would serve of ``stream``, decoded, by id."""
    column = "COALESCE(raw_comments, raw)" if comments and stream == "ticket_events" else "raw"
    rows = store.db.query(f"SELECT id, {column} FROM {stream}")
    return {int(r[0]): orjson.loads(r[1]) for r in rows}


def caught_up(target: str) -> bool:
    """Whether both streams synced into ``target`` have caught up (False before a commit)."""
    from zendesk_events.sync import open_sink

    try:
        sink = open_sink(target, create=False)
    except Exception:  # nothing committed yet
        return False
    try:
        streams = sink.status().streams
    finally:
        sink.close()
    return len(streams) == 2 and all(s.caught_up for s in streams)


def wait_caught_up(proc: subprocess.Popen[bytes], target: str, timeout: float = 60) -> None:
    """Wait until the running ``sync --follow`` process ``proc`` has caught up in ``target``."""
    deadline = time.monotonic() + timeout
    while not caught_up(target):
        assert proc.poll() is None, proc.communicate()[1].decode()
        assert time.monotonic() < deadline, "the sync did not catch up"
        time.sleep(0.05)


def run_cli(args: list[str], env: dict[str, str] | None = None, **kwargs: Any) -> Any:
    """``python -m zendesk_events ARGS`` as a real subprocess."""
    return subprocess.Popen(
        [sys.executable, "-m", "zendesk_events", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        **kwargs,
    )
