"""The store on SQLite and PostgreSQL: migrations, upserts, export-page rules."""

from __future__ import annotations

import pytest

from zendesk_events.errors import StoreError
from zendesk_events.store import open_store
from zendesk_events.store.schema import MIGRATIONS, schema_version


def _event(i: int, ts: int, *, full_comment: bool = False) -> dict:
    comment = (
        {
            "id": i * 10 + 1,
            "event_type": "Comment",
            "type": "Comment",
            "body": "hi",
            "html_body": "<p>hi</p>",
            "public": False,
            "author_id": 5,
            "attachments": [],
            "via": {"channel": "api", "source": {"from": {}, "to": {}, "rel": None}},
        }
        if full_comment
        else {
            "id": i * 10 + 1,
            "event_type": "Comment",
            "via": "API",
            "comment_present": True,
            "comment_public": True,
        }
    )
    return {
        "id": i,
        "ticket_id": 7,
        "timestamp": ts,
        "created_at": "x",
        "via": "API",
        "event_type": "Audit",
        "future_field": {"kept": True},
        "child_events": [
            {
                "id": i * 10,
                "event_type": "Change",
                "via": "API",
                "status": "open",
                "previous_value": "new",
            },
            comment,
        ],
    }


def test_migrate_is_idempotent(store_url: str) -> None:
    with open_store(store_url) as s:
        assert schema_version(s.db) == MIGRATIONS[-1][0]
    with open_store(store_url) as s:
        assert schema_version(s.db) == MIGRATIONS[-1][0]


def test_upsert_never_duplicates_and_keeps_unknown_fields(store_url: str) -> None:
    with open_store(store_url) as s:
        events = [_event(i, 100 + i) for i in range(1, 11)]
        for _ in range(2):
            with s.db.transaction() as tx:
                s.events.upsert(tx, "ticket_events", events)
        counts = s.events.counts()
        assert counts["ticket_events"] == 10
        assert counts["ticket_field_changes"] == 10
        page = s.events.export_page("ticket_events", 0, before=10**10, limit=1000)
        assert '"future_field":{"kept":true}' in page.items[0]


def test_comment_sideload_serves_both_shapes(store_url: str) -> None:
    with open_store(store_url) as s:
        with s.db.transaction() as tx:
            s.events.upsert(tx, "ticket_events", [_event(1, 100, full_comment=True)])
        plain = s.events.export_page("ticket_events", 0, before=10**10, limit=10)
        full = s.events.export_page(
            "ticket_events", 0, before=10**10, limit=10, include_comments=True
        )
        assert '"comment_present":true' in plain.items[0]
        assert '"comment_public":false' in plain.items[0]
        assert '"body":"hi"' in full.items[0]
        assert s.events.counts()["ticket_comments"] == 1


def test_page_extends_over_a_long_same_second_run(store_url: str) -> None:
    with open_store(store_url) as s:
        events = [_event(i, 100) for i in range(1, 1501)] + [_event(2000, 101)]
        with s.db.transaction() as tx:
            s.events.upsert(tx, "ticket_events", events)
        first = s.events.export_page("ticket_events", 0, before=10**10, limit=1000)
        assert first.count == 1500 and not first.end_of_stream
        assert first.end_time == 101  # the whole second was served: no repeat of 1500 items
        second = s.events.export_page("ticket_events", first.end_time, before=10**10, limit=1000)
        assert second.count == 1 and second.end_of_stream and second.end_time == 101


def test_bytes_page_is_the_text_page_encoded(store_url: str) -> None:
    with open_store(store_url) as s:
        events = [_event(i, 100) for i in range(1, 16)] + [_event(20, 101, full_comment=True)]
        events[3]["subject"] = "caf\u00e9 \u2603"  # non-ASCII survives as UTF-8
        with s.db.transaction() as tx:
            s.events.upsert(tx, "ticket_events", events)
        for start, comments in ((0, False), (0, True), (101, True)):
            text = s.events.export_page(
                "ticket_events", start, before=10**10, limit=10, include_comments=comments
            )
            raw = s.events.export_page_bytes(
                "ticket_events", start, before=10**10, limit=10, include_comments=comments
            )
            assert raw.items == [i.encode() for i in text.items]
            assert (raw.end_time, raw.end_of_stream) == (text.end_time, text.end_of_stream)
        assert s.events.export_page("ticket_events", 0, before=10**10, limit=10).count == 15
        assert isinstance(s.db.query("SELECT raw FROM ticket_events")[0][0], str)


def test_page_holds_back_items_newer_than_before(store_url: str) -> None:
    with open_store(store_url) as s:
        with s.db.transaction() as tx:
            s.events.upsert(tx, "ticket_events", [_event(1, 100), _event(2, 200)])
        page = s.events.export_page("ticket_events", 0, before=200, limit=1000)
        assert page.count == 1 and page.end_of_stream and page.end_time == 100
        empty = s.events.export_page("ticket_events", 150, before=200, limit=1000)
        assert empty.count == 0 and empty.end_time == 150 and empty.end_of_stream


def test_bad_url_is_a_store_error(tmp_path) -> None:
    with pytest.raises(StoreError, match="unsupported database URL"):
        open_store("mysql://root:hunter2@localhost/x")
    with pytest.raises(StoreError) as info:
        open_store("postgresql://bob:hunter2@127.0.0.1:1/nope")
    assert "hunter2" not in str(info.value)
