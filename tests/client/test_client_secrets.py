"""Credentials never show: not in reprs, errors, logs or tracebacks."""

from __future__ import annotations

import base64
import logging
import traceback

import httpx
import pytest
from clientkit import EMAIL, TOKEN, Script, json_response, make_client, ok_page

from zendesk_events.client import APITokenAuth, OAuthTokenAuth, PasswordAuth
from zendesk_events.errors import ZendeskEventsError

PASSWORD = "pw-SECRET-hunter2"
OAUTH = "oauth-SECRET-abcdef"
SECRETS = [TOKEN, PASSWORD, OAUTH]
ENCODED = [
    base64.b64encode(f"{EMAIL}/token:{TOKEN}".encode()).decode(),
    base64.b64encode(f"{EMAIL}:{PASSWORD}".encode()).decode(),
]


def _clean(text: str) -> None:
    for secret in SECRETS + ENCODED:
        assert secret not in text


@pytest.mark.parametrize(
    "kwargs", [{"token": TOKEN}, {"password": PASSWORD}, {"oauth_token": OAUTH}]
)
def test_repr_hides_secrets(kwargs: dict[str, str]) -> None:
    with make_client(Script(), **kwargs) as client:
        text = repr(client) + str(client) + repr(client._auth) + repr(vars(client))
    _clean(text)
    assert "**********" in text


def test_auth_objects_repr() -> None:
    for auth in (APITokenAuth(EMAIL, TOKEN), PasswordAuth(EMAIL, PASSWORD), OAuthTokenAuth(OAUTH)):
        _clean(repr(auth) + str(auth) + repr(vars(auth)))


@pytest.mark.parametrize(
    "step",
    [
        json_response(401, {"error": "Couldn't authenticate you"}),
        json_response(403, {"error": "Forbidden"}),
        json_response(404, {"error": "InvalidEndpoint"}),
        json_response(400, {"error": "InvalidValue"}),
        json_response(500, {"error": "boom"}),
        httpx.Response(200, content=b"garbage"),
        httpx.ConnectError("refused", request=httpx.Request("GET", "https://x/")),
    ],
)
def test_errors_and_logs_hold_no_secret(
    step: httpx.Response | Exception, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for kwargs in ({"token": TOKEN}, {"password": PASSWORD}, {"oauth_token": OAUTH}):
        script = Script(step)
        client = make_client(script, max_retries=0, **kwargs)
        with client, pytest.raises(ZendeskEventsError) as info:
            client.fetch_page("ticket_events", 1)
        err = info.value
        text = str(err) + repr(err) + repr(vars(err))
        text += "".join(traceback.format_exception(err))
        _clean(text)
    _clean(caplog.text)


def test_success_logs_hold_no_secret(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with make_client(Script(ok_page())) as client:
        client.fetch_page("ticket_events", 1000)
    assert caplog.records  # httpx did log the request
    _clean(caplog.text)
