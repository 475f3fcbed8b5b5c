"""Breach events written in advance (spec §5), as the export serves them on a FakeClock: met
before its target, a breach is served ``deleted: true``; not met, it is served
``deleted: false`` once its time has passed, and not before."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from emukit import END, LAG, Export, exported

from zendesk_events.store import Store
from zendesk_events.timeutil import iso_to_epoch

START = END - 31 * 86_400  # before the seeded month


@pytest.fixture(scope="module")
def everything(store200: Store, run_server: Callable[[Any], Any]) -> dict[int, dict[str, Any]]:
    """The whole metric event export, a week after the history ended (every breach due)."""
    with exported(store200, run_server, now=END + 7 * 86_400) as export:
        return export.walk(START)[0]


@pytest.fixture
def export(store200: Store, run_server: Callable[[Any], Any]) -> Iterator[Export]:
    with exported(store200, run_server, now=END) as e:
        yield e


def _stops(events: dict[int, dict[str, Any]], kind: str) -> dict[tuple[Any, ...], int]:
    out: dict[tuple[Any, ...], int] = {}
    for e in events.values():
        if e["type"] == kind:
            out[(e["ticket_id"], e["metric"], e["instance_id"])] = iso_to_epoch(e["time"])
    return out


def test_a_target_met_first_leaves_its_breach_deleted(
    everything: dict[int, dict[str, Any]],
) -> None:
    fulfilled = _stops(everything, "fulfill")
    checked = 0
    for e in everything.values():
        key = (e["ticket_id"], e["metric"], e["instance_id"])
        if e["type"] == "breach" and key in fulfilled and iso_to_epoch(e["time"]) > fulfilled[key]:
            assert e["deleted"] is True, e
            checked += 1
    assert checked > 100


def test_an_unmet_target_breaches_once_its_time_has_come(
    everything: dict[int, dict[str, Any]], export: Export
) -> None:
    fulfilled = _stops(everything, "fulfill")
    per_instance: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for e in everything.values():
        if e["type"] == "breach" and not e["deleted"]:
            per_instance[(e["ticket_id"], e["metric"], e["instance_id"])].append(e)
    assert per_instance
    for key, live in per_instance.items():
        assert len(live) == 1, live  # one breach per instance
        if key in fulfilled:  # met late: after the breach time
            assert fulfilled[key] > iso_to_epoch(live[0]["time"])
    # breaches written before the history ended, due after it: the export holds them back
    # until their time, then serves them as they are
    ahead = sorted(
        (e for e in everything.values() if e["type"] == "breach" and iso_to_epoch(e["time"]) > END),
        key=lambda e: e["time"],
    )
    assert any(not e["deleted"] for e in ahead) and any(e["deleted"] for e in ahead)
    for breach in (
        next(e for e in ahead if not e["deleted"]),
        next(e for e in ahead if e["deleted"]),
    ):
        due = iso_to_epoch(breach["time"])
        export.clock.set(due + LAG)  # its second is not a whole lag old yet
        assert breach["id"] not in export.walk(due - 3600)[0]
        export.clock.set(due + LAG + 1)
        served = export.walk(due - 3600)[0]
        assert served[breach["id"]] == breach
