"""The export cursor: where the next request starts, and what at that second is already taken.

A time-based page's ``next_page`` starts *at* its ``end_time`` (inclusive), so items sharing the
last second come again. A cursor made of the start second alone would store them twice; one made
of ``start + 1`` would lose items of that second that arrive later. So the cursor is a closed
range start plus the ids already taken at exactly that second (dlt's ``Incremental`` does the
same). It is persisted in the same transaction as the rows it covers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from zendesk_events.events import item_timestamp

__all__ = ["Checkpoint"]


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """Resume point of one stream.

    Attributes:
        start_time: the ``start_time`` of the next request (epoch seconds, inclusive).
        boundary_ids: ids of items with ``timestamp == start_time`` already stored.
    """

    start_time: int
    boundary_ids: frozenset[int] = field(default_factory=frozenset)

    def fresh(self, items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """The items not already taken: drops the boundary duplicates of the previous page."""
        if not self.boundary_ids:
            return list(items)
        seen = self.boundary_ids
        return [i for i in items if i["id"] not in seen]

    def advance(self, items: list[dict[str, Any]], next_start_time: int) -> Checkpoint:
        """The cursor after storing ``items`` (the fresh items of a page) and moving on.

        Ids are remembered only for the second the next request starts at: those are the only
        ones the server can send again.
        """
        at_boundary = {i["id"] for i in items if item_timestamp(i) == next_start_time}
        if next_start_time == self.start_time:
            at_boundary |= self.boundary_ids
        return Checkpoint(next_start_time, frozenset(at_boundary))
