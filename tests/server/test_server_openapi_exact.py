"""``/openapi.json`` describes exactly what is served: every route the app serves is an operation
of the document (or the ``.json`` twin of one), every operation is served, a method the document
does not list is a 405 whose ``Allow`` lists exactly the documented ones (plus HEAD with GET),
and every error an operation declares is Zendesk-shaped JSON.

Generic on purpose: it walks whatever routes the app has, so routes added later are held to the
same rule (issue 10, item 9: ``/_emulator/*`` POST/DELETE were undocumented, ``Allow: GET`` was
sent on routes that accept POST/DELETE, and HEAD on the exports answered 405). Each test runs on
a mirror's app and on a live one (with the emulated account's write routes, issue 8).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from serverkit import NOW

from zendesk_events.config import ServerSettings
from zendesk_events.emulator import LateArrival, LiveDesk
from zendesk_events.server import create_app
from zendesk_events.store import Store
from zendesk_events.timeutil import Clock, FakeClock

TOOLING = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _served(app: FastAPI) -> list[tuple[str, set[str], bool]]:
    """(path, methods, documented) of every route, through included routers too."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # FastAPI before included routers were kept as such
        contexts: Any = app.routes
    else:
        contexts = iter_route_contexts(app.routes)
    out = []
    for ctx in contexts:
        route = getattr(ctx, "route", ctx)
        documented = bool(getattr(route, "include_in_schema", True))
        out.append((ctx.path, set(ctx.methods or ()) - {"HEAD"}, documented))
    return out


def _desk(store: Store, clock: Clock) -> LiveDesk:
    return LiveDesk(store, clock, late=LateArrival(share=0.0), poll=3600)


def _app(sqlite_url: str, live: bool) -> FastAPI:
    return create_app(ServerSettings(db=sqlite_url), desk_factory=_desk if live else None)


LIVE = pytest.mark.parametrize("live", [False, True], ids=["mirror", "live"])


def _example(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


@LIVE
def test_every_route_is_documented_and_every_operation_served(
    account: Any, serve: Any, sqlite_url: str, live: bool
) -> None:
    app = _app(sqlite_url, live)
    doc = app.openapi()
    documented = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    served_ops = set()
    for path, methods, in_schema in _served(app):
        if path in TOOLING:
            continue
        for method in methods:
            if in_schema:
                served_ops.add((path, method))
            else:  # only the .json twin of a documented operation may be left out
                assert path.endswith(".json"), (path, method)
                assert (path.removesuffix(".json"), method) in documented, (path, method)
    assert served_ops == documented
    assert {p for p, _ in documented} >= {
        "/api/v2/incremental/ticket_events",
        "/_emulator/faults",
        "/_emulator/clock",
    }
    assert ("/_emulator/faults", "POST") in documented
    assert ("/_emulator/faults", "DELETE") in documented
    assert (("/api/v2/tickets", "POST") in documented) == live


@LIVE
def test_undocumented_methods_are_405_with_the_documented_allow(
    account: Any, serve: Any, live: bool
) -> None:
    clock = FakeClock(NOW)
    with serve(account.store, clock, _desk(account.store, clock) if live else None) as s:
        doc = s.get("/openapi.json").json()
        for path, ops in doc["paths"].items():
            allowed = [m for m in METHODS if m.lower() in ops]
            if "GET" in allowed:
                allowed.insert(allowed.index("GET") + 1, "HEAD")
            url = s.url + _example(path)
            for method in (*METHODS, "OPTIONS"):
                if method in allowed:
                    r = s.client.request(method, url, headers=account.admin)
                    assert r.status_code not in (404, 405) or r.json()["error"] not in (
                        "InvalidEndpoint",
                        "MethodNotAllowed",
                    ), (method, path, r.text)
                    continue
                r = s.client.request(method, url, headers=account.admin)
                assert r.status_code == 405, (method, path)
                assert r.headers["allow"] == ", ".join(allowed), (method, path)
                assert r.json()["error"] == "MethodNotAllowed"
            if "GET" in allowed:
                get = s.client.get(url, headers=account.admin)
                head = s.client.head(url, headers=account.admin)
                assert (head.status_code, head.content) == (get.status_code, b""), path


@LIVE
def test_every_declared_error_is_zendesk_json_and_secured_operations_declare_auth(
    sqlite_url: str, live: bool
) -> None:
    doc = _app(sqlite_url, live).openapi()
    assert doc["components"]["securitySchemes"].keys() == {"basicAuth", "bearerAuth"}
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            responses = op["responses"]
            # 422: a start_time too recent, or a ticket or SLA policy body Zendesk refuses
            # (RecordInvalid, recorded), never a framework's validation error.
            assert "422" not in responses or path.startswith(
                ("/api/v2/incremental", "/api/v2/tickets", "/api/v2/slas/policies")
            ), (path, method)
            for status, response in responses.items():
                if int(status) < 400:
                    continue
                content = response.get("content", {})
                assert list(content) == ["application/json"], (path, method, status)
                schema = content["application/json"]["schema"]
                assert "HTTPValidationError" not in str(schema), (path, method, status)
            if op.get("security"):
                assert {"401", "403", "429"} <= set(responses), (path, method)
                assert "Retry-After" in responses["429"]["headers"], (path, method)
