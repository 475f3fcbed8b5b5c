"""Cursor pages of ticket_metric_events held against recorded cursor pages (spec §2b), and
every bad cursor, page size and start_time answered with a Zendesk-shaped 4xx, never a 500."""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from serverkit import NOW, Account, metric_event, put, ticket_event

from recorded import load
from zendesk_events.timeutil import FakeClock, iso_to_epoch

TME = "/api/v2/incremental/ticket_metric_events"
TE = "/api/v2/incremental/ticket_events"
CURSOR_LOOK = re.compile(r"[0-9]+\.0\|\|[0-9]+\|")


def _decoded(cursor: str) -> str:
    return base64.b64decode(cursor).decode()


def test_a_cursor_page_has_the_recorded_shape_key_by_key(account: Account, serve: Any) -> None:
    recorded = load("ticket_metric_events_cursor_page")
    items = recorded["ticket_metric_events"]
    breach = load("ticket_metric_events_page")["ticket_metric_events"][-1]  # a later event
    put(account.store, "ticket_metric_events", [*items, breach])
    start = iso_to_epoch(items[0]["time"]) - 100
    clock = FakeClock(iso_to_epoch(breach["time"]) + 3600)
    with serve(account.store, clock=clock, export_rate_limit=0) as s:
        r = s.get(f"{TME}.json?start_time={start}&page[size]=2", headers=account.admin)
        assert r.status_code == 200
        body = r.json()
        assert list(body) == list(recorded)  # items, meta, links: same keys, same order
        assert body["ticket_metric_events"] == items  # served exactly as stored
        assert list(body["meta"]) == list(recorded["meta"])
        assert body["meta"]["has_more"] is True
        for key in ("after_cursor", "before_cursor"):
            assert isinstance(body["meta"][key], str)
            # our cursors have the recorded cursors' look (ours to choose: they are opaque)
            assert CURSOR_LOOK.fullmatch(_decoded(recorded["meta"][key]))
            assert CURSOR_LOOK.fullmatch(_decoded(body["meta"][key]))
        assert list(body["links"]) == list(recorded["links"])
        for name, param in (("next", "page[after]"), ("prev", "page[before]")):
            ours, theirs = urlsplit(body["links"][name]), urlsplit(recorded["links"][name])
            assert ours.path == theirs.path == "/api/v2/incremental/ticket_metric_events.json"
            assert [k for k, _ in parse_qsl(ours.query)] == [k for k, _ in parse_qsl(theirs.query)]
            assert ours.query.startswith(theirs.query.split("=")[0] + "=")  # page%5B...%5D=
            ours_q, theirs_q = dict(parse_qsl(ours.query)), dict(parse_qsl(theirs.query))
            assert ours_q["page[size]"] == theirs_q["page[size]"] == "2"
            assert ours_q["start_time"] == str(start)
            cursor = "after_cursor" if name == "next" else "before_cursor"
            assert ours_q[param] == body["meta"][cursor]
        # links.next, followed verbatim, gives the rest and stops
        nxt = s.client.get(body["links"]["next"], headers=account.admin).json()
        assert nxt["ticket_metric_events"] == [breach]
        assert nxt["meta"]["has_more"] is False
        # links.prev of that page leads back to the first page
        prev = s.client.get(nxt["links"]["prev"], headers=account.admin).json()
        assert prev["ticket_metric_events"] == items


def test_an_empty_cursor_page_has_null_cursors_and_links_as_recorded(
    account: Account, serve: Any
) -> None:
    # Recorded on a cursor-paginated endpoint with no results: cursors and links null (the
    # spec said "absent"; the recording says null, and clients accept either).
    recorded = load("cursor_page_empty")
    with serve(account.store) as s:
        body = s.get(f"{TME}?start_time=0&page[size]=100", headers=account.admin).json()
        assert body == {
            "ticket_metric_events": [],
            "meta": recorded["meta"],
            "links": recorded["links"],
        }


def test_page_after_works_with_or_without_start_time(account: Account, serve: Any) -> None:
    put(account.store, "ticket_metric_events", [metric_event(i, NOW - 900 + i) for i in range(9)])
    with serve(account.store, export_rate_limit=0) as s:
        first = s.get(f"{TME}.json?start_time=0&page[size]=4", headers=account.admin).json()
        after = first["meta"]["after_cursor"]
        with_start = s.get(
            f"{TME}.json?start_time=0&page[size]=4&page[after]={after}", headers=account.admin
        ).json()
        without = s.get(f"{TME}.json?page[size]=4&page[after]={after}", headers=account.admin)
        assert without.status_code == 200
        assert _ids(with_start) == _ids(without.json()) == [4, 5, 6, 7]
        assert "start_time" not in without.json()["links"]["next"]
        # a start_time given with a cursor still bounds the walk from below
        bounded = s.get(
            f"{TME}.json?start_time={NOW - 900 + 6}&page[size]=4&page[after]={after}",
            headers=account.admin,
        ).json()
        assert _ids(bounded) == [6, 7, 8]


def test_links_keep_every_other_parameter(account: Account, serve: Any) -> None:
    put(account.store, "ticket_metric_events", [metric_event(i, NOW - 900) for i in range(5)])
    with serve(account.store, export_rate_limit=0) as s:
        body = s.get(
            f"{TME}?include_changes=true&start_time=5&page[size]=2", headers=account.admin
        ).json()
        query = dict(parse_qsl(urlsplit(body["links"]["next"]).query))
        assert query == {
            "include_changes": "true",
            "page[after]": body["meta"]["after_cursor"],
            "page[size]": "2",
            "start_time": "5",
        }


def test_more_items_in_one_second_than_the_page_are_split_without_loss(
    account: Account, serve: Any
) -> None:
    put(account.store, "ticket_metric_events", [metric_event(i, NOW - 600) for i in range(1, 8)])
    with serve(account.store, export_rate_limit=0) as s:
        url: str | None = f"{s.url}{TME}.json?start_time=0&page[size]=3"
        pages = []
        while url:
            body = s.client.get(url, headers=account.admin).json()
            pages.append(_ids(body))
            url = body["links"]["next"] if body["meta"]["has_more"] else None
        assert pages == [[1, 2, 3], [4, 5, 6], [7]]


@pytest.mark.parametrize("start", [NOW - 59, NOW, NOW + 86400, 10**30])
def test_a_too_recent_start_time_on_metric_events_is_an_empty_200(
    account: Account, serve: Any, start: int
) -> None:
    put(account.store, "ticket_metric_events", [metric_event(1, NOW - 30)])
    with serve(account.store) as s:
        r = s.get(f"{TME}.json?start_time={start}", headers=account.admin)
        assert r.status_code == 200, r.text
        body = r.json()
        assert (body["count"], body["end_of_stream"], body["end_time"]) == (0, True, start)
        assert body["ticket_metric_events"] == []
        assert body["next_page"].endswith(f"ticket_metric_events.json?start_time={start}")
        r = s.get(f"{TME}.json?start_time={start}&page[size]=100", headers=account.admin)
        assert r.status_code == 200
        assert r.json()["meta"] == {"has_more": False, "after_cursor": None, "before_cursor": None}
        # ticket_events keeps its 422 (spec §7)
        assert s.get(f"{TE}.json?start_time={start}", headers=account.admin).status_code == 422


def _ids(body: dict[str, Any]) -> list[int]:
    return [e["id"] for e in body["ticket_metric_events"]]


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


BAD_START = {
    "error": "InvalidValue",
    "description": "start_time is required and must be an integer",
}


def _pagination(description: str) -> dict[str, str]:
    return {"error": "InvalidPaginationParameter", "description": description}


BAD_REQUESTS: list[tuple[str, dict[str, str]]] = [
    # page[size]
    (f"{TME}?start_time=0&page[size]=", _pagination("page[size] is not valid")),
    (f"{TME}?start_time=0&page[size]=0", _pagination("page[size] is not valid")),
    (f"{TME}?start_time=0&page[size]=-1", _pagination("page[size] is not valid")),
    (f"{TME}?start_time=0&page[size]=abc", _pagination("page[size] is not valid")),
    (f"{TME}?start_time=0&page[size]=1.5", _pagination("page[size] is not valid")),
    (f"{TME}?start_time=0&page[size]=1e3", _pagination("page[size] is not valid")),
    (f"{TME}?start_time=0&page[size]=%D9%A1%D9%A2", _pagination("page[size] is not valid")),
    (f"{TME}?start_time=0&page[size]=1001", _pagination("page[size] cannot be greater than 1000")),
    (
        f"{TME}?start_time=0&page[size]={'9' * 40}",
        _pagination("page[size] cannot be greater than 1000"),
    ),
    # cursors
    (f"{TME}?page[size]=2&page[after]=not-a-cursor", _pagination("page[after] is not valid")),
    (f"{TME}?page[size]=2&page[after]=", _pagination("page[after] is not valid")),
    (f"{TME}?page[size]=2&page[after]={_b64('hello')}", _pagination("page[after] is not valid")),
    (f"{TME}?page[size]=2&page[after]={_b64('1.0||x|')}", _pagination("page[after] is not valid")),
    (
        f"{TME}?page[size]=2&page[after]={_b64('1.0||' + '9' * 19 + '|')}",
        _pagination("page[after] is not valid"),
    ),
    (f"{TME}?page[size]=2&page[after]=%00%FF", _pagination("page[after] is not valid")),
    (f"{TME}?page[size]=2&page[after]={'A' * 5000}", _pagination("page[after] is not valid")),
    (f"{TME}?page[size]=2&page[before]=%3D%3D%3D", _pagination("page[before] is not valid")),
    (
        f"{TME}?page[after]={_b64('1.0||1|')}&page[before]={_b64('1.0||1|')}",
        _pagination("page[after] and page[before] cannot be used together"),
    ),
    # start_time, with cursor pages too
    (f"{TME}?page[size]=2", BAD_START),
    (f"{TME}?page[size]=2&start_time=", BAD_START),
    (f"{TME}?page[size]=2&start_time=abc", BAD_START),
    (f"{TME}?page[size]=2&start_time=-5", BAD_START),
    (f"{TME}?page[size]=2&start_time=1.5", BAD_START),
    (f"{TME}?page[after]={_b64('1.0||1|')}&start_time=x", BAD_START),
    (f"{TME}?start_time=946684800.0", BAD_START),
    # per_page on ticket_events
    (f"{TE}?start_time=0&per_page=0", _pagination("per_page is not valid")),
    (f"{TE}?start_time=0&per_page=x", _pagination("per_page is not valid")),
    (f"{TE}?start_time=0&per_page=1001", _pagination("per_page cannot be greater than 1000")),
]


def test_every_bad_cursor_size_and_start_time_is_a_zendesk_shaped_400(
    account: Account, serve: Any
) -> None:
    put(account.store, "ticket_metric_events", [metric_event(1, NOW - 900)])
    with serve(account.store, export_rate_limit=0) as s:
        for path, want in BAD_REQUESTS:
            r = s.get(path, headers=account.admin)
            assert (r.status_code, r.json()) == (400, want), path


def test_arbitrary_paging_parameters_never_cause_a_500_on_any_paged_endpoint(
    account: Account, serve: Any
) -> None:
    put(account.store, "ticket_metric_events", [metric_event(i, NOW - 900) for i in range(3)])
    put(account.store, "ticket_events", [ticket_event(i, NOW - 900) for i in range(3)])
    text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
    value = st.one_of(text, st.integers(-(10**30), 10**30).map(str), st.just(_b64("1.0||1|")))
    names = [
        "start_time",
        "page[size]",
        "page[after]",
        "page[before]",
        "per_page",
        "page",
        "cursor",
        "include",
    ]
    paths = [
        TME,
        TE,
        "/api/v2/incremental/tickets/cursor.json",
        "/api/v2/tickets/1001/audits.json",
        "/api/v2/groups.json",
        "/api/v2/ticket_fields",
    ]
    with serve(account.store, export_rate_limit=0) as s:

        @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
        @given(params=st.dictionaries(st.sampled_from(names), value), path=st.sampled_from(paths))
        def check(params: dict[str, str], path: str) -> None:
            r = s.get(path, params=params, headers=account.admin)
            assert r.status_code in (200, 400, 404, 422), (params, r.text)
            body = r.json()
            if r.status_code != 200:
                assert set(body) == {"error", "description"}, body

        check()
