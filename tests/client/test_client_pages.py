"""Reading pages and following the cursor: shape checks, boundary dedup, stalls, ``until``."""

from __future__ import annotations

import httpx
import orjson
import pytest
from clientkit import (
    FakeZendesk,
    Script,
    json_response,
    make_client,
    metric_event,
    page_json,
    ticket_event,
)

from zendesk_events.checkpoint import Checkpoint
from zendesk_events.client.pagination import parse_page
from zendesk_events.errors import PaginationError
from zendesk_events.events import MetricEvent, TicketEvent

T0 = 1_600_000_000


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b"<html>oops</html>", "not valid JSON"),
        (b"[]", "not a JSON object"),
        (b'{"count": 0, "end_time": 1, "end_of_stream": true}', "'ticket_events' list missing"),
        (b'{"ticket_events": {}, "count": 0, "end_time": 1}', "not a list"),
        (b'{"ticket_events": [], "end_time": 1, "end_of_stream": true}', "no integer 'count'"),
        (b'{"ticket_events": [], "count": 0, "end_of_stream": true}', "no 'end_time'"),
        (b'{"ticket_events": [], "count": 2, "end_time": 1, "end_of_stream": true}', "count=2"),
        (
            b'{"ticket_events": [{"x": 1}], "count": 1, "end_time": 1, "end_of_stream": true}',
            "item 1 of 1 has no integer 'id'",
        ),
        (b'{"ticket_events": [], "count": 0, "end_time": 1}', "end_of_stream"),
        (b'{"ticket_events": [], "count": 0, "end_time": "1", "end_of_stream": true}', "end_time"),
    ],
)
def test_malformed_pages_are_named(body: bytes, match: str) -> None:
    with pytest.raises(PaginationError, match=match):
        parse_page("ticket_events", 1, body, "http://x/y")


def test_next_start_time_from_next_page_else_end_time() -> None:
    body = page_json("ticket_events", [ticket_event(1, T0)], T0, False, next_start=T0 + 5)
    page = parse_page("ticket_events", T0, orjson.dumps(body), "u")
    assert (page.end_time, page.next_start_time, page.end_of_stream) == (T0, T0 + 5, False)
    body["next_page"] = None
    page = parse_page("ticket_events", T0, orjson.dumps(body), "u")
    assert page.next_start_time == T0


def test_empty_page_with_null_end_time_stays_put() -> None:
    body = {"ticket_events": [], "count": 0, "end_time": None, "end_of_stream": True}
    page = parse_page("ticket_events", T0, orjson.dumps(body), "u")
    assert page.end_time == page.next_start_time == T0


def test_boundary_duplicates_dropped_every_event_once() -> None:
    zendesk = FakeZendesk(page_limit=5)
    # runs of 1-4 items per second so boundaries fall inside runs
    items, n = [], 0
    for second in range(30):
        for _ in range(1 + second % 4):
            n += 1
            items.append(ticket_event(n, T0 + second))
    zendesk.add(items)
    with make_client(zendesk) as client:
        results = list(client.pages("ticket_events", T0))
    got = [i["id"] for r in results for i in r.items]
    assert got == list(range(1, n + 1))
    assert results[-1].page.end_of_stream
    assert sum(len(r.page.items) for r in results) > n  # the server did repeat items
    last = results[-1].checkpoint
    assert last.start_time == T0 + 29
    assert last.boundary_ids == frozenset(i["id"] for i in items if i["timestamp"] == T0 + 29)


def test_resume_from_checkpoint_at_every_page() -> None:
    zendesk = FakeZendesk(page_limit=4)
    zendesk.add(ticket_event(n, T0 + n // 3) for n in range(1, 40))
    with make_client(zendesk) as client:
        results = list(client.pages("ticket_events", T0))
        for k, result in enumerate(results[:-1]):
            before = [i["id"] for r in results[: k + 1] for i in r.items]
            after = [
                i["id"] for r in client.pages("ticket_events", result.checkpoint) for i in r.items
            ]
            assert before + after == list(range(1, 40))


def test_metric_events_by_time() -> None:
    zendesk = FakeZendesk(key="ticket_metric_events", page_limit=3)
    zendesk.add(metric_event(n, T0 + n // 2) for n in range(1, 12))
    with make_client(zendesk) as client:
        events = list(client.ticket_metric_events(T0))
    assert [e.id for e in events] == list(range(1, 12))
    assert all(isinstance(e, MetricEvent) for e in events)


def test_same_second_page_repeated_raises_instead_of_looping() -> None:
    zendesk = FakeZendesk(page_limit=5)  # real-Zendesk paging: no extension
    zendesk.add(ticket_event(n, T0 + 1) for n in range(1, 9))  # 8 items share one second
    with make_client(zendesk) as client:
        pages = client.pages("ticket_events", T0)
        first = next(pages)
        assert [i["id"] for i in first.items] == [1, 2, 3, 4, 5]
        with pytest.raises(PaginationError, match="share second") as info:
            next(pages)
    assert "cannot make progress without losing events" in str(info.value)
    assert len(zendesk.requests) == 2


def test_extending_server_passes_same_second_runs() -> None:
    zendesk = FakeZendesk(page_limit=5, extend=True)
    zendesk.add(ticket_event(n, T0 + 1) for n in range(1, 13))
    zendesk.add(ticket_event(n, T0 + 2) for n in range(13, 16))
    with make_client(zendesk) as client:
        ids = [e.id for e in client.ticket_events(T0)]
    assert ids == list(range(1, 16))


def test_cursor_going_backwards_raises() -> None:
    body = page_json("ticket_events", [ticket_event(1, T0)], T0, False, next_start=T0 - 10)
    script = Script(json_response(200, body))
    with make_client(script) as client, pytest.raises(PaginationError, match="backwards"):
        list(client.pages("ticket_events", T0))


def test_until_stops_before_it_and_cursor_rests_there() -> None:
    zendesk = FakeZendesk(page_limit=4)
    zendesk.add(ticket_event(n, T0 + n) for n in range(1, 21))
    until = T0 + 10
    with make_client(zendesk) as client:
        results = list(client.pages("ticket_events", T0, until=until))
        got = [i["id"] for r in results for i in r.items]
        assert got == list(range(1, 10))
        assert results[-1].checkpoint == Checkpoint(until)
        rest = [
            i["id"] for r in client.pages("ticket_events", results[-1].checkpoint) for i in r.items
        ]
    assert rest == list(range(10, 21))


def test_until_already_reached_sends_nothing() -> None:
    script = Script()
    with make_client(script) as client:
        assert list(client.pages("ticket_events", T0, until=T0)) == []
    assert script.requests == []


def test_unknown_fields_and_types_are_kept() -> None:
    event = ticket_event(1, T0, brand_new_field={"x": [1, 2]})
    event["child_events"].append(
        {"id": 99, "event_type": "TicketSharingEvent", "agreement_id": 5, "action": "shared"}
    )
    script = Script(json_response(200, page_json("ticket_events", [event], T0, True)))
    with make_client(script) as client:
        results = list(client.pages("ticket_events", T0))
        assert results[0].items == [event]  # raw dict, untouched
    model = TicketEvent.model_validate(event)
    dumped = model.model_dump()
    assert dumped["brand_new_field"] == {"x": [1, 2]}
    assert dumped["child_events"][1]["agreement_id"] == 5
    assert model.child_events[1].event_type == "TicketSharingEvent"


def test_stream_name_checked() -> None:
    from zendesk_events.errors import ConfigError

    with make_client(Script()) as client, pytest.raises(ConfigError, match="unknown stream"):
        client.fetch_page("tickets", 1)  # type: ignore[arg-type]


def test_response_url_in_page_errors() -> None:
    script = Script(httpx.Response(200, content=b"not json"))
    with make_client(script) as client, pytest.raises(PaginationError) as info:
        client.fetch_page("ticket_events", 7)
    assert "start_time=7" in str(info.value)
