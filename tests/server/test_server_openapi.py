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
        "/api/v2/incremental/ticket_events": "TicketEventsPage",
        "/api/v2/incremental/ticket_metric_events": "TicketMetricEventsPage",
        "/api/v2/incremental/ticket_events/sample": "TicketEventsPage",
        "/api/v2/incremental/ticket_metric_events/sample": "TicketMetricEventsPage",
    }
    for path, page in expected.items():
        op = paths[path]["get"]
        assert set(paths[path]) == {"get"}
        assert op["security"] == [{"basicAuth": []}, {"bearerAuth": []}]
        params = {p["name"]: p for p in op["parameters"]}
        assert params["start_time"]["required"] is True
        assert params["start_time"]["schema"]["type"] == "integer"
        assert ("include" in params) == ("ticket_events" in path)
        ok = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        assert ok.endswith("/" + page)
        assert "Zendesk-RateLimit-incremental-exports" in next(
            h for h in op["responses"]["200"]["headers"] if h.startswith("Zendesk-")
        )
        for status in ("400", "401", "403", "404", "422", "429"):
            error = op["responses"][status]["content"]["application/json"]
            assert error["schema"]["$ref"].endswith("/ZendeskError")
        too_recent = op["responses"]["422"]["content"]["application/json"]["examples"]
        assert next(iter(too_recent.values()))["value"]["description"].startswith(
            "Too recent start_time."
        )
    schemas = doc["components"]["schemas"]
    assert set(schemas["ZendeskError"]["properties"]) == {"error", "description"}
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
