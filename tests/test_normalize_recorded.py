"""The normaliser on the recorded shapes (spec §3): every field change named, nothing dropped."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from recorded import load, recorded_metric_events, recorded_ticket_events
from zendesk_events.store import Store, open_store
from zendesk_events.store.normalize import CHANGE_META_KEYS

COLUMNS = (
    "id, field, field_id, audit_id, ticket_id, timestamp, event_type, value, previous_value, "
    "added, removed, via, via_reference_id"
)


def _write(store: Store, stream: str, items: list[dict[str, Any]]) -> None:
    with store.db.transaction() as tx:
        store.events.upsert(tx, stream, items)  # type: ignore[arg-type]


def _changes(store: Store) -> dict[tuple[int, str, int], dict[str, Any]]:
    names = [c.strip() for c in COLUMNS.split(",")]
    rows = store.db.query(f"SELECT {COLUMNS} FROM ticket_field_changes")
    return {(r[0], r[1], r[2]): dict(zip(names, r, strict=True)) for r in rows}


@pytest.fixture
def store(store_url: str) -> Any:
    with open_store(store_url) as s:
        _write(s, "ticket_events", recorded_ticket_events())
        _write(s, "ticket_metric_events", recorded_metric_events())
        yield s


def test_create_children_are_one_row_per_field_without_previous_value(store: Store) -> None:
    changes = _changes(store)
    subject = changes[(613784741673, "subject", 0)]
    assert subject["value"] == "ticket1"
    assert subject["event_type"] == "Create"
    assert subject["previous_value"] is None
    assert subject["audit_id"] == 613784741453 and subject["ticket_id"] == 2
    assert subject["via"] == "Web form" and subject["via_reference_id"] is None
    # null values stay NULL; ids as plain decimal text (a string id stays as sent)
    assert changes[(613784741773, "priority", 0)]["value"] is None
    assert changes[(613784741813, "assignee_id", 0)]["value"] == "374673563333"
    assert changes[(613784741853, "organization_id", 0)]["value"] == "360857467053"
    audit_2 = [k for k, v in changes.items() if v["audit_id"] == 613784741453]
    assert len(audit_2) == 8  # nine children: eight Create fields and a comment


def test_tags_keep_their_added_and_removed_lists(store: Store) -> None:
    changes = _changes(store)
    created = changes[(614323587694, "tags", 0)]
    assert orjson.loads(created["value"]) == ["sample", "support", "zendesk"]
    assert orjson.loads(created["added"]) == ["sample", "support", "zendesk"]
    assert orjson.loads(created["removed"]) == []
    changed = changes[(926256999973, "tags", 0)]
    assert orjson.loads(changed["previous_value"]) == ["printer", "waiting"]
    assert orjson.loads(changed["added"]) == ["closed_by_automation"]
    assert orjson.loads(changed["removed"]) == ["waiting"]
    assert changes[(613784741673, "subject", 0)]["added"] is None


def test_change_children_carry_plain_previous_values(store: Store) -> None:
    changes = _changes(store)
    assert changes[(926256957673, "status", 0)]["previous_value"] == "new"
    assert changes[(926256957673, "status", 0)]["value"] == "open"
    assert changes[(926256957673, "status", 0)]["via_reference_id"] == 360000001
    assert changes[(614323589934, "type", 0)]["previous_value"] == "0"
    status_id = changes[(926256999953, "custom_status_id", 0)]
    assert (status_id["value"], status_id["previous_value"]) == ("360000000413", "360000000393")
    solved = store.db.query(
        "SELECT COUNT(*) FROM ticket_field_changes WHERE field = 'status' AND value = 'closed'"
    )
    assert solved[0][0] == 1  # plain values: comparable without JSON quotes


def test_custom_fields_are_one_row_per_field_id(store: Store) -> None:
    changes = _changes(store)
    row = changes[(926256957674, "custom_ticket_fields", 360041597112)]
    assert row["value"] == "set_up_app"
    assert row["previous_value"] is None
    assert not any(k[1] == "custom_ticket_fields" and k[2] == 0 for k in changes)


def test_two_custom_fields_in_one_child_are_two_rows(store_url: str) -> None:
    event = load("ticket_event_custom_fields")
    event["child_events"][-1] = {
        "id": 926256957674,
        "via": "Web form",
        "via_reference_id": None,
        "custom_ticket_fields": {"360041597112": "billing", "360041597113": ["a", "b"]},
        "event_type": "Change",
        "previous_value": {"360041597112": "set_up_app", "360041597113": None},
    }
    with open_store(store_url) as s:
        _write(s, "ticket_events", [event])
        changes = _changes(s)
    one = changes[(926256957674, "custom_ticket_fields", 360041597112)]
    two = changes[(926256957674, "custom_ticket_fields", 360041597113)]
    assert (one["value"], one["previous_value"]) == ("billing", "set_up_app")
    assert (two["value"], two["previous_value"]) == ('["a","b"]', None)


def test_no_key_of_a_recorded_child_is_dropped(store: Store) -> None:
    """Each Create/Change key becomes a row; every child, whatever its type, stays in raw."""
    changes = _changes(store)
    stored = {r[0]: orjson.loads(r[1]) for r in store.db.query("SELECT id, raw FROM ticket_events")}
    for event in recorded_ticket_events():
        assert stored[event["id"]] == event  # every key of every child, unknown types too
        for child in event["child_events"]:
            if child["event_type"] not in ("Create", "Change"):
                continue
            for key, value in child.items():
                if key in CHANGE_META_KEYS:
                    continue
                if key == "custom_ticket_fields":
                    for field_id in value:
                        assert (child["id"], key, int(field_id)) in changes
                else:
                    assert (child["id"], key, 0) in changes, (child["id"], key)
    kinds = {c["event_type"] for e in recorded_ticket_events() for c in e["child_events"]}
    assert {"Cc", "Notification", "SatisfactionRating", "VoiceComment"} <= kinds


def test_metric_events_keep_deleted_as_a_column(store: Store) -> None:
    rows = dict(store.db.query("SELECT id, deleted FROM ticket_metric_events"))
    assert bool(rows[29008499423508]) is True
    assert bool(rows[54337639376404]) is False
    assert len(rows) == len(recorded_metric_events())


def test_ticket_fields_round_trip_and_name_custom_fields(store: Store) -> None:
    fields = load("ticket_fields")["ticket_fields"]
    with store.db.transaction() as tx:
        assert store.account.put(tx, "ticket_fields", fields) == len(fields)
        store.account.put(tx, "ticket_fields", fields)  # again: replaced, not duplicated
    assert store.account.all("ticket_fields") == sorted(fields, key=lambda f: f["position"])
    assert store.account.field_titles()[360041597112] == "Product area"
    named = store.db.query(
        "SELECT f.title, c.value FROM ticket_field_changes c "
        "JOIN ticket_fields f ON f.id = c.field_id WHERE c.field = 'custom_ticket_fields'"
    )
    assert named == [("Product area", "set_up_app")]
