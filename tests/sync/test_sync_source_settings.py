"""SourceSettings.resolve: flags over environment, by group; clear refusals; secrets hidden."""

from __future__ import annotations

import pytest

from zendesk_events.config import Secret, SourceSettings


def test_environment_fills_what_flags_leave_out() -> None:
    env = {"ZENDESK_SUBDOMAIN": "acme", "ZENDESK_EMAIL": "a@acme.com", "ZENDESK_API_TOKEN": "t0k"}
    s = SourceSettings.resolve(env)
    assert (s.subdomain, s.url, s.email) == ("acme", None, "a@acme.com")
    assert s.token == Secret("t0k")
    assert s.base_url == "https://acme.zendesk.com"


def test_flags_win_by_group() -> None:
    env = {
        "ZENDESK_SUBDOMAIN": "acme",
        "ZENDESK_EMAIL": "env@acme.com",
        "ZENDESK_API_TOKEN": "envtoken",
    }
    s = SourceSettings.resolve(env, url="http://127.0.0.1:9/", password="pw", email="me@x.com")
    assert (s.subdomain, s.url, s.email) == (None, "http://127.0.0.1:9/", "me@x.com")
    assert s.token is None and s.password == Secret("pw")
    assert s.base_url == "http://127.0.0.1:9"


def test_oauth_needs_no_email() -> None:
    s = SourceSettings.resolve({}, subdomain="acme", oauth_token="bearer")
    assert s.oauth_token == Secret("bearer") and s.email is None


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ({"token": "t", "email": "e"}, "no source"),
        ({"subdomain": "a", "url": "http://x", "token": "t", "email": "e"}, "not both"),
        ({"subdomain": "a", "email": "e"}, "no credentials"),
        ({"subdomain": "a", "token": "t", "password": "p", "email": "e"}, "one credential"),
        ({"subdomain": "a", "token": "t"}, "needs --email"),
        ({"url": "ftp://x", "token": "t", "email": "e"}, "http"),
        ({"url": "http://u:secretpw@x", "token": "t", "email": "e"}, "credentials"),
    ],
)
def test_refusals_name_what_is_missing_and_never_the_secret(
    flags: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message) as info:
        SourceSettings.resolve({}, **flags)
    assert "secretpw" not in str(info.value)


def test_repr_hides_secrets() -> None:
    s = SourceSettings.resolve({}, subdomain="acme", email="e", token="supersecret")
    assert "supersecret" not in repr(s) and "supersecret" not in str(s)
