"""The Tickets API and the SLA policy writes: recorded bodies and errors, Zendesk's status
rules, who may call, paging; every expected key and wording from ``tests/fixtures/recorded``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from livekit import Live, live

from recorded import load
from zendesk_events.config import ServerSettings
from zendesk_events.server import create_app
from zendesk_events.store import open_store

CREATED_2024 = load("ticket_create_api_2024")
UPDATED_2023 = load("ticket_update_api_2023")
INVALID = load("record_invalid_bodies")


@pytest.fixture
def acct(sqlite_url: str, run_server: Any) -> Iterator[Live]:
    with open_store(sqlite_url) as store, live(store, run_server) as running:
        yield running


def _create(acct: Live, who: dict[str, str] | None = None, **fields: Any) -> dict[str, Any]:
    body = {"ticket": {"subject": "Printer on fire", "comment": {"body": "It smokes."}, **fields}}
    r = acct.call("POST", "/api/v2/tickets.json", body, who=who)
    assert r.status_code == 201, r.text
    answer: dict[str, Any] = r.json()
    return answer


def test_create_answers_the_recorded_shape_with_location(acct: Live) -> None:
    r = acct.call("POST", "/api/v2/tickets.json", CREATED_2024["request"])
    assert r.status_code == CREATED_2024["status"] == 201
    got, want = r.json(), CREATED_2024["response"]
    assert list(got) == list(want)  # {"ticket", "audit"}
    assert r.headers["location"] == got["ticket"]["url"]
    # every key of the recorded ticket but the account's forms and brands (ours has none)
    assert set(want["ticket"]) - set(got["ticket"]) == {"ticket_form_id", "brand_id"}
    assert set(got["ticket"]) <= set(want["ticket"])
    assert set(got["audit"]) == set(want["audit"])
    recorded_events = want["audit"]["events"]
    assert [e["type"] for e in got["audit"]["events"]][:1] == ["Comment"]
    # the agent's API ticket gets the recorded standard triggers' notifications, unrendered
    notices = [e for e in got["audit"]["events"] if e["type"] == "Notification"]
    recorded_notices = [e for e in recorded_events if e["type"] == "Notification"]
    assert [(n["subject"], n["body"]) for n in notices] == [
        (n["subject"], n["body"]) for n in recorded_notices
    ]
    assert all(n["recipients"] == [acct.ids["admin@example.com"]] for n in notices[:1])
    comment = got["audit"]["events"][0]
    assert set(comment) == set(recorded_events[0]) - {"plain_body"}
    assert comment["html_body"] == recorded_events[0]["html_body"].replace(
        "Some comment", "Some comment"
    )
    assert got["ticket"]["status"] == "new" and got["ticket"]["description"] == "Some comment"


def test_update_answers_the_recorded_shape_and_ignores_description(acct: Live) -> None:
    ticket = _create(acct)["ticket"]
    body = {"ticket": {**UPDATED_2023["request"]["ticket"], "id": ticket["id"]}}
    r = acct.call("PUT", f"/api/v2/tickets/{ticket['id']}.json", body)
    assert r.status_code == 200
    got, want = r.json(), UPDATED_2023["response"]
    assert list(got) == list(want)
    # as recorded: one Change of the subject; the description stays the first comment
    assert [(e["type"], e["field_name"]) for e in got["audit"]["events"]] == [
        (e["type"], e["field_name"]) for e in want["audit"]["events"]
    ]
    change = got["audit"]["events"][0]
    assert set(change) == set(want["audit"]["events"][0])
    assert change["previous_value"] == "Printer on fire"
    assert got["ticket"]["description"] == "It smokes."


def test_recorded_error_bodies(acct: Live) -> None:
    r = acct.call("POST", "/api/v2/tickets.json", {"ticket": {"subject": "no comment"}})
    assert r.status_code == 422
    want = INVALID["create_without_description"]
    got = r.json()
    assert got["error"] == want["error"] and got["description"] == want["description"]
    (item,) = got["details"]["base"]
    assert set(item) == set(want["details"]["base"][0])
    assert item["description"] == "Description: cannot be blank" and item["error"] == "BlankValue"
    ticket = _create(acct)["ticket"]
    path = f"/api/v2/tickets/{ticket['id']}.json"
    r = acct.call("PUT", path, {"ticket": {"assignee_id": acct.ids["user@example.com"]}})
    assert r.status_code == 422
    assert (
        r.json()["details"]["assignee"][0] == INVALID["invalid_assignee"]["details"]["assignee"][0]
    )
    r = acct.call(
        "POST",
        "/api/v2/tickets.json",
        {"ticket": {"comment": {"body": "x"}, "requester": {"email": "new@example.org"}}},
    )
    assert r.status_code == 422
    assert r.json() == INVALID["requester_without_name"]
    for missing in ("PUT", "DELETE", "GET"):
        r = acct.call(missing, "/api/v2/tickets/999999.json", {"ticket": {}})
        assert (r.status_code, r.json()) == (404, INVALID["record_not_found"])
    r = acct.client.post(
        acct.url + "/api/v2/tickets.json", content=b"{not json", headers=acct.admin
    )
    assert r.status_code == 400 and r.json()["error"] == "InvalidValue"


def test_status_rules(acct: Live) -> None:
    agent = acct.ids["agent@example.com"]
    user = acct.ids["user@example.com"]
    ticket = _create(acct, requester_id=user)["ticket"]
    path = f"/api/v2/tickets/{ticket['id']}.json"
    # new -> open when it gets an assignee
    r = acct.call("PUT", path, {"ticket": {"assignee_id": agent}})
    assert r.json()["ticket"]["status"] == "open"
    # never back to new
    r = acct.call("PUT", path, {"ticket": {"status": "new", "priority": "high"}})
    assert r.json()["ticket"]["status"] == "open"
    # an end user's comment on a pending ticket opens it
    acct.call("PUT", path, {"ticket": {"status": "pending"}})
    reply = {"ticket": {"comment": {"body": "Here you go", "author_id": user}}}
    r = acct.call("PUT", path, reply)
    assert r.json()["ticket"]["status"] == "open"
    # a priority once set cannot be emptied
    r = acct.call("PUT", path, {"ticket": {"priority": None}})
    assert r.json()["ticket"]["priority"] == "high"
    # solved without an assignee: the solving agent becomes it
    other = _create(acct)["ticket"]
    r = acct.call(
        "PUT",
        f"/api/v2/tickets/{other['id']}.json",
        {"ticket": {"status": "solved"}},
        who=acct.agent,
    )
    assert r.json()["ticket"]["assignee_id"] == agent


def test_agents_may_write_tickets_end_users_may_not_and_policies_are_for_admins(
    acct: Live,
) -> None:
    forbidden = {
        "title": "Forbidden",
        "message": "Access to this resource is restricted. "
        "Please contact the account administrator for assistance.",
    }
    _create(acct, who=acct.agent)
    r = acct.call(
        "POST", "/api/v2/tickets.json", {"ticket": {"comment": {"body": "x"}}}, who=acct.end_user
    )
    assert (r.status_code, r.json()) == (403, {"error": forbidden})
    r = acct.call(
        "POST", "/api/v2/slas/policies.json", {"sla_policy": {"title": "x"}}, who=acct.agent
    )
    assert (r.status_code, r.json()) == (403, {"error": forbidden})
    r = acct.call("GET", "/api/v2/tickets.json", who={})
    assert r.status_code == 401


def test_delete_then_the_ticket_is_gone_and_the_cursor_export_says_deleted(acct: Live) -> None:
    ticket = _create(acct)["ticket"]
    path = f"/api/v2/tickets/{ticket['id']}.json"
    r = acct.call("DELETE", path)
    assert r.status_code == 204 and r.content == b""
    assert acct.call("GET", path).status_code == 404
    assert acct.call("DELETE", path).status_code == 404
    acct.advance(120)
    start = int(acct.clock.now()) - 3600
    r = acct.call("GET", f"/api/v2/incremental/tickets/cursor.json?start_time={start}")
    (row,) = [t for t in r.json()["tickets"] if t["id"] == ticket["id"]]
    recorded = load("est_sla_probe")["tickets_cursor_after_delete"]["tickets"][0]
    assert row["status"] == recorded["status"] == "deleted"
    ids = [t["id"] for t in acct.call("GET", "/api/v2/tickets.json").json()["tickets"]]
    assert ticket["id"] not in ids


def test_list_show_and_comments_page_as_recorded(acct: Live) -> None:
    made = [_create(acct)["ticket"]["id"] for _ in range(5)]
    path = f"/api/v2/tickets/{made[0]}.json"
    acct.call("PUT", path, {"ticket": {"comment": {"body": "A note", "public": False}}})
    r = acct.call("GET", "/api/v2/tickets.json?per_page=2")
    page = r.json()
    assert page["count"] == 5 and [t["id"] for t in page["tickets"]] == made[:2]
    assert page["next_page"].endswith("/api/v2/tickets.json?page=2&per_page=2")
    walked: list[int] = []
    url = acct.url + "/api/v2/tickets.json?page%5Bsize%5D=2"
    while True:
        body = acct.client.get(url, headers=acct.admin).json()
        assert set(body) == {"tickets", "meta", "links"}
        walked += [t["id"] for t in body["tickets"]]
        if not body["meta"]["has_more"]:
            break
        url = body["links"]["next"]
    assert walked == made
    shown = acct.call("GET", path).json()["ticket"]
    assert shown["url"].endswith(path) and shown["id"] == made[0]
    recorded = load("ticket_comments_page_2024")
    r = acct.call("GET", f"/api/v2/tickets/{made[0]}/comments.json?page[size]=100")
    got = r.json()
    assert set(got) == set(recorded)
    assert set(got["meta"]) == set(recorded["meta"])
    assert [c["public"] for c in got["comments"]] == [True, False]
    assert set(got["comments"][0]) == set(recorded["comments"][0]) - {"plain_body"}


def test_sla_policy_crud(acct: Live) -> None:
    body = load("est_sla_probe")["C1_create_policy"]["body"]
    r = acct.call("POST", "/api/v2/slas/policies.json", body)
    assert r.status_code == 201
    policy = r.json()["sla_policy"]
    recorded = load("sla_policy")
    assert set(policy) == set(recorded)
    assert policy["filter"] == body["sla_policy"]["filter"]
    path = f"/api/v2/slas/policies/{policy['id']}.json"
    assert acct.call("GET", path).json() == {"sla_policy": policy}
    r = acct.call("PUT", path, {"sla_policy": {"title": "Faster"}})
    assert r.status_code == 200 and r.json()["sla_policy"]["title"] == "Faster"
    listed = acct.call("GET", "/api/v2/slas/policies.json").json()
    assert [p["title"] for p in listed["sla_policies"]] == ["Faster"]
    r = acct.call("POST", "/api/v2/slas/policies.json", {"sla_policy": {"title": ""}})
    assert r.status_code == 422 and r.json()["error"] == "RecordInvalid"
    r = acct.call(
        "POST",
        "/api/v2/slas/policies.json",
        {
            "sla_policy": {
                "title": "x",
                "filter": {"all": [{"field": "brand_id", "operator": "is", "value": 1}]},
            }
        },
    )
    assert r.status_code == 422 and "filter" in r.json()["details"]
    assert acct.call("DELETE", path).status_code == 204
    assert acct.call("DELETE", path).status_code == 404
    assert acct.call("GET", path).status_code == 404


def test_a_server_without_an_emulated_account_takes_no_writes(
    sqlite_url: str, run_server: Any
) -> None:
    import httpx
    from livekit import token_header

    with open_store(sqlite_url) as store:
        admin = token_header(store, "admin@example.com", "admin")
        app = create_app(ServerSettings(db="unused", export_rate_limit=0), store)
        with run_server(app) as url:
            body = {"ticket": {"comment": {"body": "x"}}}
            r = httpx.post(url + "/api/v2/tickets.json", json=body, headers=admin)
            assert (r.status_code, r.json()["error"]) == (405, "MethodNotAllowed")
            assert r.headers["allow"] == "GET, HEAD"
            r = httpx.put(url + "/api/v2/slas/policies/1", json={}, headers=admin)
            assert (r.status_code, r.json()["error"]) == (405, "MethodNotAllowed")
            paths = httpx.get(url + "/openapi.json").json()["paths"]
            assert list(paths["/api/v2/tickets"]) == ["get"]
            assert list(paths["/api/v2/slas/policies/{sla_policy_id}"]) == ["get"]
            assert "post" not in paths["/api/v2/slas/policies"]
            assert store.db.query("SELECT COUNT(*) FROM ticket_events")[0][0] == 0


@pytest.mark.parametrize(
    "body",
    [
        {"ticket": {"comment": {"body": "x"}, "via": {"channel": {}}}},
        {
            "ticket": {
                "comment": {"body": "x"},
                "custom_fields": [{"id": 360010000101, "value": []}],
            }
        },
        {"ticket": {"comment": {"body": "x"}, "tags": "not a list"}},
        {"ticket": {"comment": {"body": "x"}, "description": {}}},
        {"ticket": {"comment": {"body": "x", "public": "yes"}}},
        {"ticket": {"comment": {"body": "x"}, "assignee_id": 2**70}},
        {"ticket": "a string"},
    ],
)
def test_odd_ticket_bodies_are_refused_in_zendesks_shape(acct: Live, body: Any) -> None:
    """Found by fuzzing the documented schema: each was a 500 or went through unchecked."""
    r = acct.call("POST", "/api/v2/tickets.json", body)
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "RecordInvalid" and r.json()["details"]


@pytest.mark.parametrize(
    "policy",
    [
        {"title": "x", "policy_metrics": [{"priority": "low", "metric": {}, "target": 1}]},
        {"title": "x", "filter": {"all": [{"field": "type", "operator": {}, "value": 1}]}},
        {"title": "x", "policy_metrics": None},
        {"title": "x", "position": None},
    ],
)
def test_odd_policy_bodies_are_refused_in_zendesks_shape(acct: Live, policy: Any) -> None:
    r = acct.call("POST", "/api/v2/slas/policies.json", {"sla_policy": policy})
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "RecordInvalid"


def test_nul_characters_are_dropped_and_json_integers_taken(acct: Live) -> None:
    agent = acct.ids["agent@example.com"]
    body = {
        "ticket": {
            "subject": "Pri\u0000nter",
            "comment": {"body": "x\u0000y"},
            "assignee_id": float(agent),
        }
    }
    r = acct.call("POST", "/api/v2/tickets.json", body)
    assert r.status_code == 201, r.text
    ticket = r.json()["ticket"]
    assert ticket["subject"] == "Printer" and ticket["description"] == "xy"
    assert ticket["assignee_id"] == agent
    policy = {
        "sla_policy": {
            "title": "x",
            "position": 2.0,
            "policy_metrics": [{"priority": "low", "metric": "first_reply_time", "target": 5.0}],
        }
    }
    r = acct.call("POST", "/api/v2/slas/policies.json", policy)
    assert r.status_code == 201 and r.json()["sla_policy"]["position"] == 2


def test_a_405_names_every_method_of_the_path(acct: Live) -> None:
    r = acct.client.request("PATCH", acct.url + "/api/v2/tickets.json", headers=acct.admin)
    assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD, POST"
    r = acct.client.request("PATCH", acct.url + "/api/v2/tickets/1.json", headers=acct.admin)
    assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD, PUT, DELETE"
