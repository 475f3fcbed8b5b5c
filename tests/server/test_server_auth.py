"""Who may export: the three credential forms, roles, and the verification cache."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from serverkit import NOW, PASSWORD, basic, make_account, put, ticket_event

from zendesk_events.store import open_store

PATH = f"/api/v2/incremental/ticket_events?start_time={NOW - 3600}"
UNAUTHORIZED = {"error": "Couldn't authenticate you"}
# spec §6: the nested body, with the message Zendesk sends since 2026 (TAP PR #185)
FORBIDDEN = {
    "error": {
        "title": "Forbidden",
        "message": "Access to this resource is restricted. Please contact the account "
        "administrator for assistance.",
    }
}
# spec §6 (zdesk#58, zenpy#463): the OAuth error format, not Zendesk's usual one
INVALID_TOKEN = {
    "error": "invalid_token",
    "error_description": "The access token provided is expired, revoked, malformed or invalid "
    "for other reasons.",
}


def test_every_credential_form_of_an_admin_is_accepted(store_url: str, serve: Any) -> None:
    with open_store(store_url) as store:
        acc = make_account(store)
        put(store, "ticket_events", [ticket_event(1, NOW - 100)])
        with serve(store) as s:
            for headers in (
                acc.admin,
                basic("admin@example.com", PASSWORD),
                {"Authorization": f"Bearer {acc.oauth_token}"},
            ):
                r = s.get(PATH, headers=headers)
                assert r.status_code == 200, r.text
                assert r.json()["count"] == 1


@pytest.mark.parametrize("who", ["agent", "end_user"])
def test_non_admins_get_403(account: Any, serve: Any, who: str) -> None:
    with serve(account.store) as s:
        r = s.get(PATH, headers=getattr(account, who))
        assert r.status_code == 403
        assert r.json() == FORBIDDEN
        email = {"agent": "agent@example.com", "end_user": "user@example.com"}[who]
        r = s.get(PATH, headers=basic(email, PASSWORD))
        assert r.status_code == 403


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Basic",
        "Basic !!!not-base64!!!",
        f"Basic {_b64('no-colon-here')}",
        f"Basic {_b64('admin@example.com:')}",
        f"Basic {_b64('admin@example.com:wrong password')}",
        f"Basic {_b64('admin@example.com/token:wrong-token')}",
        f"Basic {_b64('nobody@example.com:' + PASSWORD)}",
        "Bearer",
        f"Digest {_b64('admin@example.com:' + PASSWORD)}",
    ],
)
def test_missing_wrong_or_malformed_credentials_get_401(
    account: Any, serve: Any, header: str | None
) -> None:
    headers = {} if header is None else {"Authorization": header}
    with serve(account.store) as s:
        r = s.get(PATH, headers=headers)
        assert r.status_code == 401
        assert r.json() == UNAUTHORIZED
        assert r.headers["WWW-Authenticate"] == 'Basic realm="Web Password"'


@pytest.mark.parametrize("token", ["wrong-oauth-token", "x" * 64, "a/b+c="])
def test_an_unknown_bearer_token_gets_the_oauth_401(account: Any, serve: Any, token: str) -> None:
    with serve(account.store) as s:
        r = s.get(PATH, headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401
        assert r.json() == INVALID_TOKEN
        assert r.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_a_bearer_token_of_an_agent_gets_403(account: Any, serve: Any) -> None:
    agent = account.store.users.by_email("agent@example.com")
    token = account.store.users.new_oauth_token(agent)
    with serve(account.store) as s:
        r = s.get(PATH, headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 403
        assert r.json() == FORBIDDEN


def test_api_token_of_another_user_is_refused(account: Any, serve: Any) -> None:
    with serve(account.store) as s:
        r = s.get(PATH, headers=basic("agent@example.com/token", account.api_token))
        assert r.status_code == 401


def test_a_changed_password_stops_working_at_once(account: Any, serve: Any) -> None:
    header = basic("admin@example.com", PASSWORD)
    with serve(account.store) as s:
        assert s.get(PATH, headers=header).status_code == 200  # now remembered (cached)
        account.store.users.add("admin@example.com", "admin", password="a new password")
        # no clock advance: the remembered check no longer holds
        assert s.get(PATH, headers=header).status_code == 401
        assert s.get(PATH, headers=basic("admin@example.com", "a new password")).status_code == 200


def test_a_demoted_admin_is_refused_at_once(account: Any, serve: Any) -> None:
    password = basic("admin@example.com", PASSWORD)
    with serve(account.store) as s:
        for header in (account.admin, password):
            assert s.get(PATH, headers=header).status_code == 200
        account.store.users.add("admin@example.com", "agent")
        for header in (account.admin, password):
            r = s.get(PATH, headers=header)
            assert r.status_code == 403
            assert r.json() == FORBIDDEN
