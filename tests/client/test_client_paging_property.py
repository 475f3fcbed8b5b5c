"""For any timestamps and any page size: every item exactly once, in order; never a loop."""

from __future__ import annotations

from clientkit import FakeZendesk, make_client, ticket_event
from hypothesis import given, settings
from hypothesis import strategies as st

from zendesk_events.errors import PaginationError

T0 = 1_600_000_000

offsets = st.lists(st.integers(min_value=0, max_value=12), min_size=0, max_size=60)


def _zendesk(seconds: list[int], page_limit: int, extend: bool) -> tuple[FakeZendesk, list[int]]:
    zendesk = FakeZendesk(page_limit=page_limit, extend=extend)
    zendesk.add(ticket_event(n, T0 + s) for n, s in enumerate(seconds, start=1))
    return zendesk, [i["id"] for i in zendesk.items]


@settings(max_examples=150, deadline=None)
@given(seconds=offsets, page_limit=st.integers(min_value=1, max_value=8))
def test_extending_server_exactly_once(seconds: list[int], page_limit: int) -> None:
    zendesk, expected = _zendesk(seconds, page_limit, extend=True)
    with make_client(zendesk) as client:
        got = [i["id"] for r in client.pages("ticket_events", T0) for i in r.items]
    assert got == expected


@settings(max_examples=150, deadline=None)
@given(seconds=offsets, page_limit=st.integers(min_value=1, max_value=8))
def test_zendesk_paging_exact_or_loud(seconds: list[int], page_limit: int) -> None:
    """Real Zendesk's paging: complete, or a PaginationError exactly when a second overflows."""
    zendesk, expected = _zendesk(seconds, page_limit, extend=False)
    got: list[int] = []
    overflow = max((seconds.count(s) for s in set(seconds)), default=0) >= page_limit
    with make_client(zendesk) as client:
        try:
            for result in client.pages("ticket_events", T0):
                got.extend(i["id"] for i in result.items)
        except PaginationError:
            assert overflow
            assert got == expected[: len(got)]  # nothing skipped before the stop
        else:
            assert got == expected
    assert len(zendesk.requests) <= len(expected) + 2  # never spins
