"""The page itself: exact body, next_page links, .json, include, sample size, the lag."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson
from serverkit import NOW, metric_event, put, ticket_event

TE = "/api/v2/incremental/ticket_events"
ME = "/api/v2/incremental/ticket_metric_events"


def test_body_is_exactly_zendesks_shape_and_events_are_served_byte_for_byte(
    account: Any, serve: Any
) -> None:
    events = [ticket_event(i, NOW - 1000 + i) for i in range(1, 4)]
    put(account.store, "ticket_events", events)
    with serve(account.store) as s:
        r = s.get(f"{TE}.json?start_time=0", headers=account.admin)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert list(body) == ["ticket_events", "next_page", "count", "end_of_stream", "end_time"]
    assert body["ticket_events"] == events
    assert body["count"] == 3
    assert body["end_of_stream"] is True
    assert body["end_time"] == NOW - 997
    assert body["next_page"] == f"{s.url}{TE}.json?start_time={NOW - 997}"
    # no re-serialization: the stored text is what goes out
    stored = account.store.events.export_page("ticket_events", 0, before=NOW, limit=10).items
    assert ("[" + ",".join(stored) + "]").encode() in r.content


def test_next_page_follows_the_host_header_and_keeps_other_params(account: Any, serve: Any) -> None:
    put(account.store, "ticket_events", [ticket_event(i, NOW - 500 + i) for i in range(1, 8)])
    with serve(account.store, page_limit=3) as s:
        r = s.get(
            f"{TE}?include=comment_events&start_time=0&foo=a%20b",
            headers={**account.admin, "Host": "acme.example.com:8443"},
        )
    body = r.json()
    assert body["count"] == 3 and body["end_of_stream"] is False
    link = urlsplit(body["next_page"])
    assert (link.scheme, link.netloc, link.path) == ("http", "acme.example.com:8443", TE + ".json")
    assert parse_qsl(link.query) == [
        ("include", "comment_events"),
        ("start_time", str(body["end_time"])),
        ("foo", "a b"),
    ]


def test_next_page_uses_base_url_when_set(account: Any, serve: Any) -> None:
    with serve(account.store, base_url="https://mirror.example.org/") as s:
        r = s.get(f"{ME}/sample?start_time=5", headers=account.admin)
    assert r.json()["next_page"] == f"https://mirror.example.org{ME}/sample.json?start_time=5"


def test_json_suffix_serves_the_same_page(account: Any, serve: Any) -> None:
    put(account.store, "ticket_metric_events", [metric_event(i, NOW - 900 + i) for i in range(5)])
    with serve(account.store, export_rate_limit=0) as s:
        for path in (ME, f"{ME}/sample"):
            plain = s.get(f"{path}?start_time=0", headers=account.admin).json()
            suffixed = s.get(f"{path}.json?start_time=0", headers=account.admin).json()
            assert plain == suffixed
            assert plain["count"] == 5
            assert [e["id"] for e in plain["ticket_metric_events"]] == list(range(5))


def test_sample_returns_at_most_50_items(account: Any, serve: Any) -> None:
    # 120 items, 60 of them in one second straddling the 50th item
    items = [ticket_event(i, NOW - 2000 + (0 if i < 10 else 1)) for i in range(120)]
    put(account.store, "ticket_events", items)
    with serve(account.store) as s:
        body = s.get(f"{TE}/sample?start_time=0", headers=account.admin).json()
        assert body["count"] == 50 == len(body["ticket_events"])
        assert [e["id"] for e in body["ticket_events"]] == list(range(50))
        assert body["end_of_stream"] is False
        assert body["end_time"] == NOW - 1999
        full = s.get(f"{TE}?start_time=0", headers=account.admin).json()
        assert full["count"] == 120


def test_include_comment_events_serves_full_comments(account: Any, serve: Any) -> None:
    comment = {
        "id": 77,
        "event_type": "Comment",
        "type": "Comment",
        "author_id": 5,
        "body": "Printer on fire",
        "html_body": "<p>Printer on fire</p>",
        "public": True,
        "attachments": [],
        "audit_id": 7,
        "via": {"channel": "web", "source": {"from": {}, "to": {}, "rel": None}},
    }
    event = ticket_event(7, NOW - 3000, child_events=[comment])
    put(account.store, "ticket_events", [event])
    with serve(account.store, export_rate_limit=0) as s:
        full = s.get(f"{TE}?start_time=0&include=comment_events", headers=account.admin).json()
        plain = s.get(f"{TE}?start_time=0", headers=account.admin).json()
        other = s.get(f"{TE}?start_time=0&include=users", headers=account.admin).json()
    assert full["ticket_events"][0]["child_events"][0]["body"] == "Printer on fire"
    child = plain["ticket_events"][0]["child_events"][0]
    assert "body" not in child and child["comment_present"] is True
    assert other["ticket_events"] == plain["ticket_events"]


def test_the_newest_minute_is_held_back(account: Any, serve: Any) -> None:
    put(
        account.store,
        "ticket_events",
        [ticket_event(1, NOW - 61), ticket_event(2, NOW - 60), ticket_event(3, NOW - 10)],
    )
    with serve(account.store) as s:
        body = s.get(f"{TE}?start_time={NOW - 100}", headers=account.admin).json()
        assert [e["id"] for e in body["ticket_events"]] == [1]
        assert body["end_of_stream"] is True
        s.clock.advance(60)
        body = s.get(f"{TE}?start_time={NOW - 100}", headers=account.admin).json()
        assert [e["id"] for e in body["ticket_events"]] == [1, 2, 3]


def test_empty_page(account: Any, serve: Any) -> None:
    with serve(account.store) as s:
        body = orjson.loads(s.get(f"{TE}?start_time=12345", headers=account.admin).content)
    assert body == {
        "ticket_events": [],
        "next_page": f"{s.url}{TE}.json?start_time=12345",
        "count": 0,
        "end_of_stream": True,
        "end_time": 12345,
    }
