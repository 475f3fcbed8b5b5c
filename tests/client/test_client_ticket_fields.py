"""``ZendeskClient.ticket_fields()``: the recorded list, paced apart from the export budget."""

from __future__ import annotations

import httpx
import orjson
import pytest
from clientkit import BASE, EMAIL, TOKEN, json_response, page_json, ticket_event

from recorded import load
from zendesk_events.client import ZendeskClient
from zendesk_events.errors import NotFoundError, PaginationError
from zendesk_events.timeutil import FakeClock

EXPORT_HEADERS = {"Zendesk-RateLimit-incremental-exports": "total=10; remaining=3; resets=30"}
ACCOUNT_HEADERS = {"ratelimit-remaining": "699", "ratelimit-reset": "41", "x-rate-limit": "700"}


def _client(handler: httpx.MockTransport) -> ZendeskClient:
    return ZendeskClient(
        base_url=BASE, email=EMAIL, token=TOKEN, transport=handler, clock=FakeClock()
    )


def test_reads_the_recorded_list_and_leaves_the_export_budget_alone() -> None:
    fields = load("ticket_fields")
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if request.url.path.endswith("ticket_fields.json"):
            return json_response(200, fields, ACCOUNT_HEADERS)
        body = page_json("ticket_events", [ticket_event(1, 1000)], 1000, True)
        return json_response(200, body, EXPORT_HEADERS)

    with _client(httpx.MockTransport(handler)) as client:
        client.fetch_page("ticket_events", 1000)
        export_budget = client.pacer.state()
        assert client.ticket_fields() == fields["ticket_fields"]
        # an ordinary call's account-wide headers (699 left) do not overwrite the export's 3
        assert client.pacer.state() == export_budget
    assert seen == ["/api/v2/incremental/ticket_events.json", "/api/v2/ticket_fields.json"]


def test_follows_a_next_page_on_the_same_host_only() -> None:
    fields = load("ticket_fields")["ticket_fields"]
    pages = {
        "/api/v2/ticket_fields.json": {
            "ticket_fields": fields[:2],
            "next_page": f"{BASE}/api/v2/ticket_fields.json?page=2",
            "previous_page": None,
            "count": 4,
        },
    }

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("page") == "2":
            return json_response(200, {"ticket_fields": fields[2:], "next_page": None})
        return json_response(200, pages[request.url.path])

    with _client(httpx.MockTransport(handler)) as client:
        assert client.ticket_fields() == fields

    pages["/api/v2/ticket_fields.json"]["next_page"] = "https://evil.example/steal?page=2"
    with _client(httpx.MockTransport(handler)) as client, pytest.raises(PaginationError):
        client.ticket_fields()


def test_a_server_without_the_endpoint_is_a_not_found_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return json_response(404, {"error": "InvalidEndpoint", "description": "Not found"})

    with _client(httpx.MockTransport(handler)) as client, pytest.raises(NotFoundError):
        client.ticket_fields()


@pytest.mark.parametrize(
    "body", [{"ticket_fields": [{"title": "no id"}]}, {"fields": []}, "not an object"]
)
def test_a_body_that_is_no_field_list_is_a_pagination_error(body: object) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=orjson.dumps(body))

    with _client(httpx.MockTransport(handler)) as client, pytest.raises(PaginationError):
        client.ticket_fields()
