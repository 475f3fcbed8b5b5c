"""/openapi.json tells the truth: endpoints, parameters, both security schemes, every body."""

from __future__ import annotations

from typing import Any


def test_openapi_describes_endpoints_security_and_errors(account: Any, serve: Any) -> None:
    with serve(account.store) as s:
        doc = s.get("/openapi.json").json()
        docs_page = s.get("/docs")
    assert docs_page.status_code == 200 and "swagger" in docs_page.text.lower()
    assert doc["components"]["securitySchemes"] == {
        "basicAuth": {
            "type": "http",
            "scheme": "basic",
            "description": doc["components"]["securitySchemes"]["basicAuth"]["description"],
        },
        "bearerAuth": {
            "type": "http",
            "scheme": "bearer",
            "description": doc["components"]["securitySchemes"]["bearerAuth"]["description"],
        },
    }
    paths = doc["paths"]
    expected = {
        "/api/v2/incremental/ticket_events": ["TicketEventsPage"],
        "/api/v2/incremental/ticket_metric_events": [
            "TicketMetricEventsPage",
            "TicketMetricEventsCursorPage",
        ],
        "/api/v2/incremental/ticket_events/sample": ["TicketEventsPage"],
        "/api/v2/incremental/ticket_metric_events/sample": ["TicketMetricEventsPage"],
    }
    error_models = {
        "400": "ZendeskError",
        "401": "AuthenticationError",
        "403": "ForbiddenError",
        "404": "ZendeskError",
        "422": "ZendeskError",
        "429": "ZendeskError",
    }
    for path, pages in expected.items():
        op = paths[path]["get"]
        assert set(paths[path]) == {"get"}
        assert op["security"] == [{"basicAuth": []}, {"bearerAuth": []}]
        params = {p["name"]: p for p in op["parameters"]}
        cursor = path.endswith("ticket_metric_events")
        # start_time may be left out when continuing from a cursor
        assert params["start_time"]["required"] is not cursor
        assert params["start_time"]["schema"]["type"] == "integer"
        assert ("include" in params) == ("ticket_events" in path)
        assert ("per_page" in params) == ("ticket_events" in path)
        assert ({"page[size]", "page[after]", "page[before]"} <= set(params)) == cursor
        ok = op["responses"]["200"]["content"]["application/json"]["schema"]
        refs = [r["$ref"] for r in ok["anyOf"]] if "anyOf" in ok else [ok["$ref"]]
        assert [r.rsplit("/", 1)[1] for r in refs] == pages
        assert "Zendesk-RateLimit-incremental-exports" in next(
            h for h in op["responses"]["200"]["headers"] if h.startswith("Zendesk-")
        )
        # a too-recent start_time is a 422 on ticket_events only (spec §7)
        assert ("422" in op["responses"]) == ("ticket_events" in path)
        for status, model in error_models.items():
            if status in op["responses"]:
                error = op["responses"][status]["content"]["application/json"]
                assert error["schema"]["$ref"].endswith("/" + model), (path, status)
        if "422" in op["responses"]:
            too_recent = op["responses"]["422"]["content"]["application/json"]["examples"]
            assert next(iter(too_recent.values()))["value"]["description"].startswith(
                "Too recent start_time."
            )
    for path in (
        "/api/v2/users/me",
        "/api/v2/account/settings",
        "/api/v2/incremental/tickets/cursor",
        "/api/v2/ticket_fields",
        "/api/v2/groups",
        "/api/v2/slas/policies",
        "/api/v2/tickets/{ticket_id}/audits",
        "/api/v2/oauth/tokens/current",
    ):
        op = paths[path]["get"]
        assert op["security"] == [{"basicAuth": []}, {"bearerAuth": []}]
        assert {"200", "401", "403"} <= set(op["responses"]), path
    schemas = doc["components"]["schemas"]
    assert set(schemas["ZendeskError"]["properties"]) == {"error", "description"}
    assert set(schemas["AuthenticationError"]["properties"]) == {"error", "error_description"}
    assert set(schemas["TicketMetricEventsCursorPage"]["properties"]) == {
        "ticket_metric_events",
        "meta",
        "links",
    }
    ticket_event = schemas["TicketEvent"]["properties"]
    assert {"id", "ticket_id", "timestamp", "child_events", "via", "system"} <= set(ticket_event)
    assert {"id", "ticket_id", "metric", "instance_id", "type", "time"} <= set(
        schemas["MetricEvent"]["properties"]
    )
    assert not any(p.startswith("/api/v2") and "_emulator" in p for p in paths)


def test_openapi_documents_retry_after_and_www_authenticate(account: Any, serve: Any) -> None:
    with serve(account.store) as s:
        op = s.get("/openapi.json").json()["paths"]["/api/v2/incremental/ticket_events"]["get"]
    assert "Retry-After" in op["responses"]["429"]["headers"]
    assert "WWW-Authenticate" in op["responses"]["401"]["headers"]
