"""`sync` reads the account's ticket fields, so custom field changes can be named; a server
that refuses or lacks the endpoint gets a note and the sync goes on.

A small fake in front of our server answers with the recorded list
(``tests/fixtures/recorded/ticket_fields.json``) or a recorded refusal; our own server serves the
store's ticket fields, so a mirror synced from it holds them too.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner
from fakezendesk import with_ticket_fields
from synckit import jsonl_items, put

from recorded import FIXTURES, load
from zendesk_events.cli import cli
from zendesk_events.store import Store, open_store

FIELDS = (FIXTURES / "ticket_fields.json").read_bytes()
FORBIDDEN = orjson.dumps(
    {
        "error": {
            "title": "Forbidden",
            "message": "Access to this resource is restricted. Please contact the account "
            "administrator for assistance.",
        }
    }
)
"""Zendesk's 403 body since 2026 (spec §6)."""


@pytest.fixture
def source(tmp_path: Path) -> Any:
    with open_store(str(tmp_path / "source.db")) as store:
        put(store, "ticket_events", [load("ticket_event_custom_fields")])
        yield store


def _sync(src: Any, target: str, *extra: str) -> Any:
    args = [*src.cli_args(target, "--stream", "ticket_events"), *extra]
    result = CliRunner().invoke(cli, args, env={"ZENDESK_API_TOKEN": src.token})
    assert result.exit_code == 0, result.output
    return result


def test_ticket_fields_are_stored_and_name_custom_field_changes(
    source: Store, serve_source: Any, store_url: str
) -> None:
    calls: list[str] = []
    with serve_source(
        source, wrap=partial(with_ticket_fields, status=200, body=FIELDS, calls=calls)
    ) as src:
        result = _sync(src, store_url)
        status = CliRunner().invoke(cli, ["status", "--to", store_url])
    assert calls == ["/api/v2/ticket_fields.json"]
    assert "note:" not in result.stderr
    fields = len(load("ticket_fields")["ticket_fields"])
    assert f"ticket fields: {fields} fields stored" in result.stderr
    assert f"ticket_fields {fields}" in status.stdout
    with open_store(store_url) as store:
        assert store.account.all("ticket_fields") == sorted(
            load("ticket_fields")["ticket_fields"], key=lambda f: f["position"]
        )
        named = store.db.query(
            "SELECT f.title, c.previous_value, c.value FROM ticket_field_changes c "
            "JOIN ticket_fields f ON f.id = c.field_id WHERE c.field = 'custom_ticket_fields'"
        )
    assert named == [("Product area", None, "set_up_app")]


@pytest.mark.parametrize(
    ("status", "body", "says"),
    [
        (403, FORBIDDEN, "these credentials may not list them (403)"),
        (404, orjson.dumps({"error": "InvalidEndpoint", "description": "Not found"}), "404"),
        (503, b"", "not read this time"),
    ],
)
def test_a_refusal_is_a_note_and_the_events_are_synced(
    source: Store, serve_source: Any, tmp_path: Path, status: int, body: bytes, says: str
) -> None:
    calls: list[str] = []
    target = str(tmp_path / "t.db")
    wrap = partial(with_ticket_fields, status=status, body=body, calls=calls)
    with serve_source(source, wrap=wrap) as src:
        result = _sync(src, target, "--max-retries", "0")
    notes = [line for line in result.stderr.splitlines() if line.startswith("note: ticket fields")]
    assert len(notes) == 1 and says in notes[0], result.stderr
    assert "the sync goes on" in notes[0] and "--no-ticket-fields" in notes[0]
    assert src.token not in result.output
    with open_store(target) as store:
        assert store.events.counts()["ticket_events"] == 1
        assert store.account.all("ticket_fields") == []


def test_a_mirror_synced_from_our_server_holds_its_ticket_fields(
    source: Store, serve_source: Any, tmp_path: Path
) -> None:
    fields = load("ticket_fields")["ticket_fields"]
    with source.db.transaction() as tx:
        source.account.put(tx, "ticket_fields", fields)
    target = str(tmp_path / "t.db")
    with serve_source(source) as src:
        result = _sync(src, target)
    assert "note:" not in result.stderr
    with open_store(target) as store:
        assert store.account.all("ticket_fields") == source.account.all("ticket_fields")


@pytest.mark.parametrize("target", ["t.db --no-ticket-fields", "t.jsonl --no-ticket-fields", "-"])
def test_no_request_without_the_flag_or_to_stdout(
    source: Store, serve_source: Any, tmp_path: Path, target: str
) -> None:
    calls: list[str] = []
    path, *extra = target.split()
    wrap = partial(with_ticket_fields, status=200, body=FIELDS, calls=calls)
    with serve_source(source, wrap=wrap) as src:
        result = _sync(src, path if path == "-" else str(tmp_path / path), *extra)
    assert calls == []
    if path == "-":
        assert '"ticket_fields"' not in result.stdout


def _field_lines(path: Path) -> list[dict[str, Any]]:
    return jsonl_items(path).get("ticket_fields", [])


def test_a_json_lines_target_gets_each_field_when_new_or_changed(
    source: Store, serve_source: Any, tmp_path: Path
) -> None:
    """The fields as lines of their own (a reader keeps the last line per stream and id):
    all of them on the first run, none again while unchanged, the changed one after."""
    fields = load("ticket_fields")["ticket_fields"]
    with source.db.transaction() as tx:
        source.account.put(tx, "ticket_fields", fields)
    target = tmp_path / "t.jsonl"
    with serve_source(source) as src:
        _sync(src, str(target))
        first = _field_lines(target)
        assert first == source.account.all("ticket_fields")
        status = CliRunner().invoke(cli, ["status", "--to", str(target)])
        assert f"ticket_fields {len(fields)}" in status.stdout, status.stdout
        _sync(src, str(target))
        assert _field_lines(target) == first  # nothing written again
        renamed = {**fields[0], "title": fields[0]["title"] + " (renamed)"}
        with source.db.transaction() as tx:
            source.account.put(tx, "ticket_fields", [renamed])
        _sync(src, str(target))
    lines = _field_lines(target)
    assert lines[: len(first)] == first
    assert lines[len(first) :] == [renamed]
    last = {f["id"]: f for f in lines}  # as a reader keeps them
    assert sorted(last.values(), key=lambda f: f["id"]) == sorted(
        source.account.all("ticket_fields"), key=lambda f: f["id"]
    )
    events = jsonl_items(target)["ticket_events"]
    assert [e["id"] for e in events] == [load("ticket_event_custom_fields")["id"]]
