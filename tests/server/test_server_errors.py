"""Every refusal has Zendesk's exact status and body, in Zendesk's order; never a traceback."""

from __future__ import annotations

from typing import Any

import pytest
from serverkit import NOW, put, ticket_event

TE = "/api/v2/incremental/ticket_events"
BAD_START = {
    "error": "InvalidValue",
    "description": "start_time is required and must be an integer",
}


BAD_QUERIES = [
    "",
    "?start_time=",
    "?start_time=abc",
    "?start_time=-5",
    "?start_time=1.5",
    "?start_time=%201e9",
    "?start_time=0x10",
    "?include=comment_events",
    "?start_time=%D9%A1%D9%A2",  # Arabic-Indic digits: str.isdigit() but not an integer here
]


def test_bad_start_time_is_400(account: Any, serve: Any) -> None:
    with serve(account.store, export_rate_limit=0) as s:
        for query in BAD_QUERIES:
            for path in (TE, TE + ".json", "/api/v2/incremental/ticket_metric_events/sample"):
                r = s.get(path + query, headers=account.admin)
                assert r.status_code == 400, (path, query)
                assert r.json() == BAD_START


@pytest.mark.parametrize("lag", [60, 300, 90, 1])
def test_too_recent_start_time_is_422_with_the_recorded_text_whatever_the_lag(
    account: Any, serve: Any, lag: int
) -> None:
    # spec §7: every recorded body says "5 minutes"; clients match the whole phrase
    with serve(account.store, lag=lag) as s:
        for start in (NOW - lag + 1, NOW, NOW + 86400, 10**30):
            r = s.get(f"{TE}.json?start_time={start}", headers=account.admin)
            assert r.status_code == 422, start
            assert r.json() == {
                "error": "InvalidValue",
                "description": "Too recent start_time. Use a start_time older than 5 minutes",
            }
        assert s.get(f"{TE}?start_time={NOW - lag}", headers=account.admin).status_code == 200


UNKNOWN_PATHS = [
    "/",
    "/api/v2/incremental/tickets",
    "/api/v2/incremental/ticket_events/",
    "/api/v2/x",
    "/api/v2/incremental/ticket_events.xml",
    "/api/v2/incremental/ticket_events/sample/x",
]


def test_unknown_path_is_404_before_auth(account: Any, serve: Any) -> None:
    with serve(account.store) as s:
        for path in UNKNOWN_PATHS:
            r = s.get(path + "?start_time=0")
            assert r.status_code == 404, path
            assert r.json() == {"error": "InvalidEndpoint", "description": "Not found"}
            assert r.headers["X-Rate-Limit"] == "700"


def test_wrong_method_is_405_with_allow(account: Any, serve: Any) -> None:
    with serve(account.store) as s:
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            r = s.client.request(method, f"{s.url}{TE}.json?start_time=0")
            assert r.status_code == 405
            assert r.headers["Allow"] == "GET, HEAD"  # HEAD: a GET without its body
            body = r.json()
            assert body["error"] == "MethodNotAllowed"
            assert "GET" in body["description"]
            assert "detail" not in body


def test_order_is_route_then_auth_then_limit_then_params(account: Any, serve: Any) -> None:
    with serve(account.store, export_rate_limit=1) as s:
        assert s.get(f"{TE}?start_time=abc").status_code == 401
        assert s.get(f"{TE}?start_time=abc", headers=account.agent).status_code == 403
        assert s.get(f"{TE}?start_time=abc", headers=account.admin).status_code == 400
        r = s.get(f"{TE}?start_time=abc", headers=account.admin)
        assert r.status_code == 429
        assert s.client.post(f"{s.url}{TE}?start_time=abc").status_code == 405


def test_unexpected_failure_is_a_json_500_without_details(account: Any, serve: Any) -> None:
    put(account.store, "ticket_events", [ticket_event(1, NOW - 1000)])
    account.store.db.query("DROP TABLE ticket_metric_events")
    with serve(account.store) as s:
        r = s.get("/api/v2/incremental/ticket_metric_events?start_time=0", headers=account.admin)
        assert r.status_code == 500
        assert r.json() == {
            "error": "InternalError",
            "description": "Something went wrong on the server; try again later",
        }
        assert "Traceback" not in r.text and "ticket_metric_events" not in r.text
        assert r.headers["X-Rate-Limit"] == "700"
        # the other stream still works
        assert s.get(f"{TE}?start_time=0", headers=account.admin).json()["count"] == 1


def test_no_fastapi_detail_body_anywhere(account: Any, serve: Any) -> None:
    with serve(account.store) as s:
        for r in (
            s.get("/nowhere"),
            s.client.delete(f"{s.url}{TE}"),
            s.get(f"{TE}?start_time[]=1", headers=account.admin),
            s.client.post(f"{s.url}/_emulator/clock?set=abc", headers=account.admin),
        ):
            assert "detail" not in r.json(), r.text
            assert set(r.json()) <= {"error", "description"}
