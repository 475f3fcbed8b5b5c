"""Where a pass reads (``plan_pass``) and which cursor a re-read page commits (``ahead``)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zendesk_events.checkpoint import Checkpoint
from zendesk_events.errors import ConfigError
from zendesk_events.sync import DEFAULT_LOOKBACK, Lookback
from zendesk_events.sync.lookback import ahead, plan_pass

C = Checkpoint(10_000, frozenset({5, 6}))


def test_defaults_look_back_on_metric_events_only() -> None:
    assert DEFAULT_LOOKBACK == {"ticket_events": 0, "ticket_metric_events": 1800}
    assert Lookback().of("ticket_metric_events") == 1800
    assert Lookback({"ticket_events": 60}).per_stream() == {
        "ticket_events": 60,
        "ticket_metric_events": 1800,
    }
    with pytest.raises(ConfigError):
        Lookback({"tickets": 60})
    with pytest.raises(ConfigError):
        Lookback({"ticket_events": -1})


def test_a_look_back_starts_behind_the_cursor_but_not_before_the_floor() -> None:
    plan = plan_pass(C, lookback=1800, trail=False, floor=0, until=None, now=20_000)
    assert (plan.start, plan.frontier, plan.until) == (Checkpoint(8_200), C, None)
    floored = plan_pass(C, lookback=1800, trail=False, floor=9_000, until=None, now=20_000)
    assert floored.start == Checkpoint(9_000)
    # nothing to compare with (a sink that remembers nothing yet): a plain pass
    for floor in (None, 10_000, 12_000):
        plain = plan_pass(C, lookback=1800, trail=False, floor=floor, until=5, now=20_000)
        assert (plain.start, plain.frontier, plain.until) == (C, None, 5)
    off = plan_pass(C, lookback=0, trail=False, floor=0, until=None, now=20_000)
    assert (off.start, off.frontier) == (C, None)


def test_trailing_stops_the_pass_lookback_behind_now() -> None:
    plan = plan_pass(C, lookback=1800, trail=True, floor=0, until=None, now=20_000.7)
    assert (plan.start, plan.frontier, plan.until, plan.edge) == (C, None, 18_200, 18_200)
    earlier = plan_pass(C, lookback=1800, trail=True, floor=0, until=15_000, now=20_000)
    assert (earlier.until, earlier.edge) == (15_000, 18_200)


def test_ahead_never_commits_a_cursor_behind_the_frontier() -> None:
    assert ahead(C, Checkpoint(8_500, frozenset({1}))) == C
    assert ahead(C, Checkpoint(10_000, frozenset({7}))) == Checkpoint(10_000, frozenset({5, 6, 7}))
    assert ahead(C, Checkpoint(10_001)) == Checkpoint(10_001)


@given(
    frontier=st.integers(0, 100),
    steps=st.lists(st.integers(0, 30), min_size=1, max_size=20),
    ids=st.frozensets(st.integers(1, 9)),
)
def test_ahead_is_monotone_along_a_pass(
    frontier: int, steps: list[int], ids: frozenset[int]
) -> None:
    """A pass's own cursor only grows; the committed one then never shrinks, never drops a
    boundary id of the frontier's second, and is the pass's own once past the frontier."""
    start = Checkpoint(frontier, ids)
    position = max(0, frontier - 50)
    committed = [start]
    for step in steps:
        position += step
        reached = Checkpoint(position, frozenset({position % 7}))
        committed.append(ahead(start, reached))
        if position > frontier:
            assert committed[-1] == reached
    times = [c.start_time for c in committed]
    assert times == sorted(times) and times[0] == frontier
    for c in committed:
        if c.start_time == frontier:
            assert ids <= c.boundary_ids
