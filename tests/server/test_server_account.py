"""The endpoints export tools call before exporting (spec §10): each answers an admin in
Zendesk's page format, from the store, and refuses everyone else with the spec's bodies."""

from __future__ import annotations

from typing import Any

import pytest
from serverkit import Account, make_account

from recorded import load
from zendesk_events.store import open_store

# spec §6, recorded
FORBIDDEN = {
    "error": {
        "title": "Forbidden",
        "message": "Access to this resource is restricted. Please contact the account "
        "administrator for assistance.",
    }
}
UNAUTHORIZED = {"error": "Couldn't authenticate you"}
INVALID_TOKEN = {
    "error": "invalid_token",
    "error_description": "The access token provided is expired, revoked, malformed or invalid "
    "for other reasons.",
}

ENDPOINTS = [
    "/api/v2/users/me",
    "/api/v2/account/settings",
    "/api/v2/incremental/tickets/cursor?start_time=0",
    "/api/v2/ticket_fields",
    "/api/v2/slas/policies",
    "/api/v2/groups",
    "/api/v2/tickets/29/audits",
    "/api/v2/oauth/tokens/current",
]


def _fill(account: Account) -> None:
    store = account.store
    with store.db.transaction() as tx:
        store.events.upsert(tx, "ticket_events", [load("ticket_event_29_export")])
        store.account.put(tx, "ticket_fields", load("ticket_fields")["ticket_fields"])
        store.account.put(tx, "groups", load("groups")["groups"])
        store.account.put(tx, "sla_policies", load("sla_policies")["sla_policies"])


def _with_json(path: str) -> str:
    base, _, query = path.partition("?")
    return base + ".json" + (f"?{query}" if query else "")


@pytest.mark.parametrize("path", ENDPOINTS)
def test_each_endpoint_answers_an_admin_and_refuses_everyone_else(
    store_url: str, serve: Any, path: str
) -> None:

    with open_store(store_url) as store:
        account = make_account(store)
        _fill(account)
        bearer = {"Authorization": f"Bearer {account.oauth_token}"}
        with serve(store) as s:
            for p in (path, _with_json(path)):
                ok = s.get(p, headers=bearer)
                assert ok.status_code == 200, (p, ok.text)
                assert ok.headers["content-type"].startswith("application/json")
                for who in (account.agent, account.end_user):
                    r = s.get(p, headers=who)
                    assert (r.status_code, r.json()) == (403, FORBIDDEN), p
                r = s.get(p)
                assert (r.status_code, r.json()) == (401, UNAUTHORIZED), p
                assert r.headers["WWW-Authenticate"] == 'Basic realm="Web Password"'
                r = s.get(p, headers={"Authorization": "Bearer not-a-token"})
                assert (r.status_code, r.json()) == (401, INVALID_TOKEN), p
            if "oauth" not in path:  # every other one takes an API token as well
                assert s.get(path, headers=account.admin).status_code == 200


def test_ticket_fields_groups_and_sla_policies_are_served_as_recorded(
    account: Account, serve: Any
) -> None:
    _fill(account)
    with serve(account.store) as s:
        for path, fixture in (
            ("/api/v2/ticket_fields.json", "ticket_fields"),
            ("/api/v2/groups.json", "groups"),
            ("/api/v2/slas/policies.json", "sla_policies"),
        ):
            r = s.get(path, headers=account.admin)
            assert r.json() == load(fixture), path
            assert list(r.json()) == list(load(fixture))  # key order too


def test_a_mirror_without_groups_or_policies_serves_empty_lists(
    account: Account, serve: Any
) -> None:
    with serve(account.store) as s:
        for path, key in (("/api/v2/groups", "groups"), ("/api/v2/slas/policies", "sla_policies")):
            body = s.get(path, headers=account.admin).json()
            assert body == {key: [], "next_page": None, "previous_page": None, "count": 0}


def test_groups_page_by_offset_and_by_cursor(account: Account, serve: Any) -> None:
    _fill(account)
    recorded = load("groups")["groups"]
    with serve(account.store) as s:
        first = s.get("/api/v2/groups.json?per_page=3", headers=account.admin).json()
        assert [g["id"] for g in first["groups"]] == [g["id"] for g in recorded[:3]]
        assert first["count"] == 8 and first["previous_page"] is None
        assert first["next_page"].endswith("/api/v2/groups.json?page=2&per_page=3")
        second = s.client.get(first["next_page"], headers=account.admin).json()
        assert [g["id"] for g in second["groups"]] == [g["id"] for g in recorded[3:6]]
        assert second["previous_page"].endswith("groups.json?page=1&per_page=3")

        seen: list[int] = []
        url: str | None = f"{s.url}/api/v2/groups.json?page[size]=3"
        while url:
            body = s.client.get(url, headers=account.admin).json()
            assert set(body) == {"groups", "meta", "links"}
            seen.extend(g["id"] for g in body["groups"])
            url = body["links"]["next"] if body["meta"]["has_more"] else None
        assert seen == sorted(g["id"] for g in recorded)  # cursor pages go by id (ours)
        r = s.get("/api/v2/groups.json?page[size]=101", headers=account.admin)
        assert (r.status_code, r.json()) == (
            400,
            {
                "error": "InvalidPaginationParameter",
                "description": "page[size] cannot be greater than 100",
            },
        )


def test_users_me_is_the_caller(account: Account, serve: Any) -> None:
    admin = account.store.users.by_email("admin@example.com")
    assert admin is not None
    with serve(account.store) as s:
        body = s.get("/api/v2/users/me.json", headers=account.admin).json()
        assert body == {
            "user": {
                "id": admin.id,
                "url": f"{s.url}/api/v2/users/{admin.id}.json",
                "name": "admin",
                "email": "admin@example.com",
                "role": "admin",
                "active": True,
            }
        }


def test_account_settings_report_organization_access(account: Account, serve: Any) -> None:
    with serve(account.store) as s:
        body = s.get("/api/v2/account/settings.json", headers=account.admin).json()
        assert body["settings"]["active_features"]["organization_access_enabled"] is True


def test_the_current_oauth_token_shows_its_first_ten_characters(
    account: Account, serve: Any
) -> None:
    admin = account.store.users.by_email("admin@example.com")
    assert admin is not None
    with serve(account.store) as s:
        r = s.get(
            "/api/v2/oauth/tokens/current.json",
            headers={"Authorization": f"Bearer {account.oauth_token}"},
        )
        token = r.json()["token"]
        assert token["token"] == account.oauth_token[:10]
        assert token["user_id"] == admin.id
        assert token["scopes"] == ["read"]
        assert account.oauth_token not in r.text
        assert token["url"] == f"{s.url}/api/v2/oauth/tokens/{token['id']}.json"
        # with Basic credentials there is no current token
        r = s.get("/api/v2/oauth/tokens/current.json", headers=account.admin)
        assert (r.status_code, r.json()) == (
            404,
            {"error": "RecordNotFound", "description": "Not found"},
        )
