"""Hostile and careless input gets a Zendesk-shaped JSON answer, never a 500 or a hang.

Issue 10: a non-ASCII ``Authorization`` header was a 500 (also on ``/_emulator/faults``), HEAD
on an export a 405, ``Allow`` said GET where POST and DELETE are served, a start_time of 23
zeros was "too recent"; request bodies had no size limit.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from serverkit import NOW, PASSWORD, basic, put, ticket_event

TE = "/api/v2/incremental/ticket_events"
AUTHENTICATED = [
    ("GET", f"{TE}?start_time=0"),
    ("GET", "/api/v2/incremental/ticket_metric_events?start_time=0"),
    ("GET", "/api/v2/incremental/tickets/cursor?start_time=0"),
    ("GET", "/api/v2/users/me"),
    ("GET", "/api/v2/tickets/1/audits"),
    ("POST", "/_emulator/faults"),
    ("DELETE", "/_emulator/faults"),
    ("POST", "/_emulator/clock?advance=1"),
]
NOT_ASCII = [b"Basic \xc3\xa9", b"Basic \xff\xfe", b"Bearer \xc3\xa9t\xc3\xa9", "Basic é".encode()]


@pytest.mark.parametrize(("method", "path"), AUTHENTICATED)
def test_a_non_ascii_authorization_header_is_a_401(
    account: Any, serve: Any, method: str, path: str
) -> None:
    with serve(account.store) as s:
        for value in NOT_ASCII:
            r = s.client.request(
                method, s.url + path, headers={"Authorization": value}, content=b"[]"
            )
            assert r.status_code == 401, (value, r.text)
            body = r.json()
            assert body in (
                {"error": "Couldn't authenticate you"},
                {
                    "error": "invalid_token",
                    "error_description": "The access token provided is expired, revoked, "
                    "malformed or invalid for other reasons.",
                },
            )
        # base64 of bytes that are not UTF-8 is malformed too
        r = s.client.request(method, s.url + path, headers={"Authorization": "Basic //79"})
        assert r.status_code == 401


def test_head_is_the_get_without_its_body(account: Any, serve: Any) -> None:
    put(account.store, "ticket_events", [ticket_event(i, NOW - 7200 + i) for i in range(1, 6)])
    paths = [
        f"{TE}.json?start_time={NOW - 9000}",
        f"{TE}/sample?start_time={NOW - 9000}",
        "/api/v2/incremental/ticket_metric_events?start_time=0&page[size]=2",
        "/api/v2/users/me.json",
        "/api/v2/groups",
        "/_emulator/faults",
        f"{TE}?start_time=x",  # an error answers HEAD the same way
    ]
    with serve(account.store) as s:
        for path in paths:
            get = s.get(path, headers=account.admin)
            head = s.client.head(s.url + path, headers=account.admin)
            assert head.status_code == get.status_code, path
            assert head.content == b""
            assert head.headers["content-length"] == str(len(get.content)) != "0"
            assert head.headers["content-type"] == get.headers["content-type"]
            assert head.headers.get("retry-after") == get.headers.get("retry-after")
        r = s.client.head(s.url + f"{TE}?start_time=0")
        assert r.status_code == 401 and r.headers["www-authenticate"]
        # HEAD is the GET underneath: it spends the export budget like one
        budget = s.get(f"{TE}?start_time=0", headers=account.admin).headers
        assert budget["Zendesk-RateLimit-incremental-exports"].startswith("total=10; remaining=")


def test_405_allow_lists_every_method_of_the_path(account: Any, serve: Any) -> None:
    expected = {
        "/_emulator/faults": "GET, HEAD, POST, DELETE",
        "/_emulator/clock": "GET, HEAD, POST",
        f"{TE}.json": "GET, HEAD",
        "/api/v2/tickets/7/audits": "GET, HEAD",
    }
    with serve(account.store) as s:
        for path, allow in expected.items():
            for method in ("PUT", "PATCH", "OPTIONS", "POST", "DELETE"):
                if method in allow:
                    continue
                r = s.client.request(method, s.url + path, headers=account.admin)
                assert r.status_code == 405, (method, path)
                assert r.headers["allow"] == allow, (method, path)
                assert r.json() == {
                    "error": "MethodNotAllowed",
                    "description": f"Method not allowed; this endpoint accepts {allow}",
                }


def test_a_start_time_of_many_zeros_is_zero(account: Any, serve: Any) -> None:
    put(account.store, "ticket_events", [ticket_event(1, NOW - 7200)])
    with serve(account.store) as s:
        for zeros in ("0" * 23, "0" * 40, "00000000000000000001"):
            for stream in ("ticket_events", "ticket_metric_events"):
                r = s.get(f"/api/v2/incremental/{stream}?start_time={zeros}", headers=account.admin)
                assert r.status_code == 200, (zeros, r.text)
                page = r.json()
                if stream == "ticket_events":
                    assert [e["id"] for e in page["ticket_events"]] == [1]
                    assert page["end_time"] == NOW - 7200
        # still too recent: 21 significant digits are far in the future
        r = s.get(f"{TE}?start_time=0{'9' * 21}", headers=account.admin)
        assert r.status_code == 422


def test_a_body_over_the_cap_is_a_413(account: Any, serve: Any) -> None:
    header = basic("admin@example.com", PASSWORD)
    with serve(account.store, max_body_bytes=1000) as s:
        fine = s.client.post(s.url + "/_emulator/faults", headers=header, content=b"[]")
        assert fine.status_code == 200
        for content in (b"[" + b" " * 2000 + b"]", iter([b"[", b" " * 1500, b"]"])):
            r = s.client.post(s.url + "/_emulator/faults", headers=header, content=content)
            assert r.status_code == 413
            assert r.json() == {
                "error": "PayloadTooLarge",
                "description": "The request body is too large",
            }


def test_faults_refuse_what_would_grow_the_queue_without_end(account: Any, serve: Any) -> None:
    with serve(account.store) as s:
        url = s.url + "/_emulator/faults"
        many = [{"status": 503, "times": 1000}] * 100
        for body in ([{"status": 503}] * 101, [{"status": True}], [{"delay": True}]):
            r = s.client.post(url, headers=account.admin, json=body)
            assert r.status_code == 400, body
            assert r.json()["error"] == "InvalidValue"
        assert s.client.post(url, headers=account.admin, json=many[:10]).status_code == 200
        r = s.client.post(url, headers=account.admin, json=many[:1])
        assert r.status_code == 400 and "at most 10000" in r.json()["description"]
        assert s.client.delete(url, headers=account.admin).json()["pending"] == []


def test_errors_are_zendesk_json_for_any_method_and_path(account: Any, serve: Any) -> None:
    with serve(account.store) as s:
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
            for path in (
                "/nowhere",
                "/api/v2/",
                "/_emulator",
                "/%ff%fe",
                "/api/v2/tickets//audits",
            ):
                r = s.client.request(method, s.url + path, headers=account.admin)
                assert r.status_code == 404, (method, path)
                assert r.headers["content-type"].startswith("application/json")
                assert r.json() == {"error": "InvalidEndpoint", "description": "Not found"}


def test_an_upgrade_request_is_answered_as_plain_http(account: Any, serve: Any) -> None:
    with serve(account.store) as s:
        headers = {**account.admin, "Connection": "Upgrade", "Upgrade": "websocket"}
        r = s.get(f"{TE}?start_time=x", headers=headers)
        assert r.status_code == 400
        assert r.json()["error"] == "InvalidValue"


def test_clock_values_out_of_range_are_400(account: Any, serve: Any) -> None:
    with serve(account.store) as s:
        for query in ("set=-1", "advance=1e300", "set=nan", "advance=abc", "set=1&advance=1", ""):
            r = s.client.post(f"{s.url}/_emulator/clock?{query}", headers=account.admin)
            assert r.status_code == 400, query
            assert r.json()["error"] == "InvalidValue"
        assert httpx.get(f"{s.url}/_emulator/clock").json()["now"] == NOW
