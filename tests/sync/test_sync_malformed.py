"""Malformed data from the server: one clear line naming the page and the item, exit 1, the
same in every sink, and nothing of that page committed (the pages before it stay)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner
from fakezendesk import export_pages
from synckit import jsonl_items

from recorded import load
from zendesk_events.cli import cli
from zendesk_events.store import open_store
from zendesk_events.sync import open_sink

RECORDED = load("ticket_events_sample_ticket")["ticket_events"]
FIRST = RECORDED[:2]  # one second: 1550645445
T1 = FIRST[-1]["timestamp"]
PATH = "/api/v2/incremental/ticket_events.json"


def _page(items: list[Any], end_time: int, *, end: bool) -> bytes:
    return orjson.dumps(
        {
            "ticket_events": items,
            "next_page": f"https://acme.zendesk.com{PATH}?start_time={end_time}",
            "count": len(items),
            "end_of_stream": end,
            "end_time": end_time,
        }
    )


def _without(key: str) -> dict[str, Any]:
    item = copy.deepcopy(RECORDED[2])
    del item[key]
    return item


SECOND = {
    "an item without an id": (
        _page([RECORDED[2], _without("id")], 1550645522, end=True),
        "item 2 of 2 has no integer 'id'",
    ),
    "an item without a ticket_id": (
        _page([RECORDED[2], _without("ticket_id")], 1550645522, end=True),
        f"item 2 of 2 (id {RECORDED[2]['id']}) has no integer 'ticket_id'",
    ),
    "an item without a timestamp": (
        _page([_without("timestamp"), RECORDED[3]], 1550645522, end=True),
        f"item 1 of 2 (id {RECORDED[2]['id']}) has no integer 'timestamp'",
    ),
    "a body that is not JSON": (b"<html>502 Bad Gateway</html>", "is not valid JSON"),
    "a page with the wrong keys": (
        orjson.dumps({"tickets": RECORDED[2:], "count": 2, "end_of_stream": True}),
        "has its 'ticket_events' list missing (its keys: count, end_of_stream, tickets)",
    ),
}


def _targets(tmp_path: Path, store_url: str) -> dict[str, str]:
    return {"sql": store_url, "jsonl": str(tmp_path / "out.jsonl"), "stdout": "-"}


@pytest.mark.parametrize("sink_kind", ["sql", "jsonl", "stdout"])
@pytest.mark.parametrize("case", list(SECOND))
def test_a_malformed_page_is_one_line_exit_1_and_nothing_of_it_is_stored(
    case: str, sink_kind: str, tmp_path: Path, store_url: str, run_server: Any
) -> None:
    body, message = SECOND[case]
    pages = {0: (200, _page(FIRST, T1, end=False)), T1: (200, body)}
    target = _targets(tmp_path, store_url)[sink_kind]
    with run_server(export_pages(pages)) as url:
        args = ["sync", "--url", url, "--email", "a@example.com", "--token", "t", "--to", target]
        options = [
            "--stream",
            "ticket_events",
            "--quiet",
            "--no-ticket-fields",
            "--fetcher",
            "thread",
        ]
        result = CliRunner().invoke(cli, [*args, *options])
    assert result.exit_code == 1, result.output
    assert result.stderr.count("\n") == 1, result.stderr
    where = f"the page from {url}{PATH}?start_time={T1}"
    assert result.stderr.startswith(f"error: {where}"), result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.output
    if sink_kind == "stdout":
        got = [orjson.loads(line)["item"] for line in result.stdout.splitlines()]
        assert got == FIRST
        return
    if sink_kind == "jsonl":
        assert jsonl_items(Path(target))["ticket_events"] == FIRST
    else:
        with open_store(target) as store:
            ids = [r[0] for r in store.db.query("SELECT id FROM ticket_events ORDER BY id")]
            assert ids == sorted(e["id"] for e in FIRST)
    with open_sink(target, create=False) as sink:
        state = sink.cursor("ticket_events")
    assert state is not None and state.checkpoint.start_time == T1  # the first page's cursor
    assert state.checkpoint.boundary_ids == {e["id"] for e in FIRST}


def test_the_process_fetcher_says_the_same(tmp_path: Path, run_server: Any) -> None:
    body, message = SECOND["an item without a ticket_id"]
    pages = {0: (200, _page(FIRST, T1, end=False)), T1: (200, body)}
    with run_server(export_pages(pages)) as url:
        args = ["sync", "--url", url, "--email", "a@example.com", "--token", "t", "--quiet"]
        result = CliRunner().invoke(
            cli,
            [*args, "--to", str(tmp_path / "t.db"), "--fetcher", "thread", "--no-ticket-fields"],
        )
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and message in result.stderr


@pytest.mark.parametrize("sink_kind", ["sql", "jsonl"])
def test_odd_child_events_are_kept_not_refused(
    sink_kind: str, tmp_path: Path, store_url: str, run_server: Any
) -> None:
    """Child events are Zendesk's to extend (spec §9.5): one without an id, or not even an
    object, is stored as served in every sink; only a field change row needs an id."""
    odd = {
        **RECORDED[2],
        "child_events": [
            {"event_type": "Change", "status": "open", "previous_value": "new"},
            "a string",
            *RECORDED[2]["child_events"][1:2],  # the subject's Create child
        ],
    }
    pages = {0: (200, _page([*FIRST, odd], odd["timestamp"], end=True))}
    target = _targets(tmp_path, store_url)[sink_kind]
    with run_server(export_pages(pages)) as url:
        args = ["sync", "--url", url, "--email", "a@example.com", "--token", "t", "--to", target]
        result = CliRunner().invoke(cli, [*args, "--stream", "ticket_events", "--no-ticket-fields"])
    assert result.exit_code == 0, result.output
    if sink_kind == "jsonl":
        assert jsonl_items(Path(target))["ticket_events"][-1] == odd
        return
    with open_store(target) as store:
        (raw,) = store.db.query("SELECT raw FROM ticket_events WHERE id = ?", (odd["id"],))[0]
        changes = store.db.query(
            "SELECT id, field FROM ticket_field_changes WHERE audit_id = ?", (odd["id"],)
        )
    assert orjson.loads(raw) == odd
    assert changes == [(RECORDED[2]["child_events"][1]["id"], "subject")]
