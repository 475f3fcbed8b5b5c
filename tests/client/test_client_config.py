"""Constructing a client: where it points, how it signs in, what it sends."""

from __future__ import annotations

import base64

import httpx
import pytest
from clientkit import BASE, EMAIL, TOKEN, Script, json_response, make_client, ok_page, page_json

from zendesk_events.client import ZendeskClient
from zendesk_events.errors import ConfigError


def test_subdomain_becomes_zendesk_host() -> None:
    with ZendeskClient(subdomain="Acme-2", email=EMAIL, token=TOKEN) as client:
        assert client.base_url == "https://acme-2.zendesk.com"
        assert client.subdomain == "acme-2"


@pytest.mark.parametrize("bad", ["acme.zendesk.com", "ac me", "-acme", "acme_1", ""])
def test_bad_subdomain_is_config_error(bad: str) -> None:
    with pytest.raises(ConfigError, match="subdomain"):
        ZendeskClient(subdomain=bad, email=EMAIL, token=TOKEN)


def test_exactly_one_source() -> None:
    with pytest.raises(ConfigError, match="exactly one"):
        ZendeskClient(email=EMAIL, token=TOKEN)
    with pytest.raises(ConfigError, match="exactly one"):
        ZendeskClient(subdomain="acme", base_url=BASE, email=EMAIL, token=TOKEN)


def test_base_url_trailing_slash_and_credentials() -> None:
    with ZendeskClient(base_url="http://127.0.0.1:8000/", email=EMAIL, token=TOKEN) as c:
        assert c.base_url == "http://127.0.0.1:8000"
    with pytest.raises(ConfigError, match="credentials") as info:
        ZendeskClient(base_url="https://bob:hunter2@x.example", email=EMAIL, token=TOKEN)
    assert "hunter2" not in str(info.value)
    with pytest.raises(ConfigError, match="https://host"):
        ZendeskClient(base_url="ftp://x.example", email=EMAIL, token=TOKEN)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({}, "no credentials"),
        ({"email": EMAIL}, "no credentials"),
        ({"token": TOKEN}, "needs an email"),
        ({"email": EMAIL, "token": TOKEN, "password": "pw"}, "one credential"),
        ({"oauth_token": "abc def"}, "cannot be sent"),
    ],
)
def test_credentials_are_checked(kwargs: dict[str, str], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        ZendeskClient(base_url=BASE, **kwargs)


def _sent_auth(**kwargs: str) -> str:
    script = Script(ok_page())
    with make_client(script, **kwargs) as client:
        client.fetch_page("ticket_events", 1000)
    return script.requests[0].headers["Authorization"]


def test_api_token_is_basic_email_slash_token() -> None:
    expected = base64.b64encode(f"{EMAIL}/token:{TOKEN}".encode()).decode()
    assert _sent_auth() == f"Basic {expected}"


def test_password_is_basic_email_password() -> None:
    expected = base64.b64encode(f"{EMAIL}:pässword".encode()).decode()
    assert _sent_auth(password="pässword") == f"Basic {expected}"


def test_oauth_is_bearer() -> None:
    assert _sent_auth(oauth_token="oa-123") == "Bearer oa-123"


def test_request_shape() -> None:
    metric_page = json_response(200, page_json("ticket_metric_events", [], 5, True))
    script = Script(ok_page(), metric_page)
    with make_client(script) as client:
        client.fetch_page("ticket_events", 1000, include_comments=True)
        client.fetch_page("ticket_metric_events", 5)
    first, second = script.requests
    assert first.method == "GET"
    assert first.url.path == "/api/v2/incremental/ticket_events.json"
    assert dict(first.url.params) == {"start_time": "1000", "include": "comment_events"}
    assert first.headers["User-Agent"].startswith("zendesk-events/")
    assert first.headers["Accept"] == "application/json"
    assert second.url.path == "/api/v2/incremental/ticket_metric_events.json"
    assert dict(second.url.params) == {"start_time": "5"}


def test_close_closes_the_connection_pool() -> None:
    client = make_client(Script())
    client.close()
    with pytest.raises(RuntimeError):
        client._http.get(BASE)


def test_transport_is_injectable() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return ok_page()

    with make_client(handler) as client:
        client.fetch_page("ticket_events", 1000)
    assert seen == [f"{BASE}/api/v2/incremental/ticket_events.json?start_time=1000"]
