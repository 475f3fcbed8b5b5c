"""Statuses that fail at once (never retried), and the message each one gives."""

from __future__ import annotations

import pytest
from clientkit import Script, json_response, make_client

from zendesk_events.client.ratelimit import classify_status
from zendesk_events.errors import (
    ApiError,
    AuthenticationError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
)
from zendesk_events.timeutil import FakeClock


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, "ok"),
        (204, "ok"),
        (301, "fatal"),
        (400, "fatal"),
        (401, "fatal"),
        (403, "fatal"),
        (404, "fatal"),
        (408, "retry"),
        (422, "fatal"),
        (429, "rate_limited"),
        (500, "retry"),
        (502, "retry"),
        (503, "retry"),
        (504, "retry"),
    ],
)
def test_classify_status(status: int, outcome: str) -> None:
    assert classify_status(status) == outcome


def _fails(status: int, body: object, **kwargs: str) -> tuple[ApiError, Script, FakeClock]:
    script = Script(json_response(status, body))
    clock = FakeClock()
    with make_client(script, clock=clock, **kwargs) as client, pytest.raises(ApiError) as info:
        client.fetch_page("ticket_events", 1000)
    return info.value, script, clock


def test_401_is_authentication_error_not_retried() -> None:
    err, script, clock = _fails(401, {"error": "Couldn't authenticate you"})
    assert isinstance(err, AuthenticationError)
    assert "Zendesk refused the credentials (401): wrong email or API token/password" in str(err)
    assert err.status == 401
    assert len(script.requests) == 1
    assert clock.slept == []


def test_403_says_admin_needed() -> None:
    err, script, _ = _fails(403, {"error": "Forbidden", "description": "You do not have access"})
    assert isinstance(err, PermissionDeniedError)
    assert "(403): this user is not an admin; incremental exports need an admin" in str(err)
    assert len(script.requests) == 1


def test_404_with_subdomain_names_it() -> None:
    err, script, _ = _fails(404, {"error": "InvalidEndpoint"}, subdomain="acme", base_url=None)
    assert isinstance(err, NotFoundError)
    assert "no such Zendesk subdomain 'acme' (404)" in str(err)
    assert len(script.requests) == 1


def test_404_with_base_url_asks_if_compatible() -> None:
    err, _, _ = _fails(404, {"error": "InvalidEndpoint", "description": "Not found"})
    assert isinstance(err, NotFoundError)
    assert "not found (404): is this a Zendesk-compatible server?" in str(err)


def test_400_carries_zendesk_error_and_description() -> None:
    body = {"error": "InvalidValue", "description": "start_time is required"}
    err, script, _ = _fails(400, body)
    assert isinstance(err, InvalidRequestError)
    assert "(400)" in str(err)
    assert "InvalidValue: start_time is required" in str(err)
    assert err.body == body
    assert len(script.requests) == 1


def test_other_422_is_invalid_request() -> None:
    err, script, _ = _fails(422, {"error": "InvalidValue", "description": "Something else"})
    assert type(err) is InvalidRequestError
    assert err.status == 422
    assert len(script.requests) == 1


def test_too_recent_422_means_caught_up() -> None:
    body = {
        "error": "InvalidValue",
        "description": "Too recent start_time. Use a start_time older than 5 minutes",
    }
    script = Script(json_response(422, body))
    with make_client(script) as client:
        page = client.fetch_page("ticket_events", 1_700_000_000)
        assert page.items == []
        assert page.count == 0
        assert page.end_of_stream is True
        assert page.end_time == page.next_start_time == 1_700_000_000


def test_too_recent_in_pages_ends_the_stream_keeping_the_cursor() -> None:
    body = {"error": "InvalidValue", "description": "Too recent start_time. Use older"}
    script = Script(json_response(422, body))
    from zendesk_events.checkpoint import Checkpoint

    with make_client(script) as client:
        results = list(client.pages("ticket_events", Checkpoint(50, frozenset({7}))))
    assert len(results) == 1
    assert results[0].items == []
    assert results[0].checkpoint == Checkpoint(50, frozenset({7}))


def test_redirect_is_not_followed() -> None:
    script = Script(json_response(301, {}, {"Location": "https://elsewhere.example/"}))
    with make_client(script) as client, pytest.raises(ApiError, match="redirect") as info:
        client.fetch_page("ticket_events", 1)
    assert info.value.status == 301
    assert len(script.requests) == 1
