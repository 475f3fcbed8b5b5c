"""Zendesk-like ids for emulated events, the same for the seed and the live server.

Zendesk's ids grow with the second they were handed out (about 2500 a second across the
platform) and in steps of 20 within one write: the audit, then each child event (recorded ids of
one audit: 926256957613, ...633, ...634: ours in the spacing). A :class:`Numberer` keeps the
last id handed out so ids never repeat even when a second's writes run ahead of the clock; the
live server keeps those two numbers in the store and numbers each write inside its
transaction, so concurrent writers never share an id.
"""

from __future__ import annotations

from typing import Any

__all__ = ["AUDIT_ID_BASE", "ID_EPOCH", "ID_PER_SECOND", "ID_STEP", "METRIC_ID_BASE", "Numberer"]

ID_EPOCH = 1_230_000_000
ID_PER_SECOND = 2500  # Zendesk-wide ids grow by about this much per second
AUDIT_ID_BASE = 10_000_000_013  # ≡ 13 (mod 20), like the ids in Zendesk's examples
METRIC_ID_BASE = 10_000_000_001
ID_STEP = 20  # Zendesk hands out ids in steps of 20 (audit, then each child event)


class Numberer:
    """Hands out audit/child and metric event ids: a function of the second, bumped in steps
    of 20 when it runs ahead.

    Args:
        last_audit: the last audit or child event id handed out (0: none yet).
        last_metric: the last metric event id handed out.
    """

    __slots__ = ("last_audit", "last_metric")

    def __init__(self, last_audit: int = 0, last_metric: int = 0) -> None:
        self.last_audit = last_audit
        self.last_metric = last_metric

    def audits(self, t: int, events: list[dict[str, Any]]) -> None:
        """Number one write's audits (and their child events) written at second ``t``."""
        base = AUDIT_ID_BASE + max(t - ID_EPOCH, 0) * ID_PER_SECOND
        for event in events:
            nid = base if base > self.last_audit else self.last_audit + ID_STEP
            event["id"] = audit_id = nid
            for child in event["child_events"]:
                nid += ID_STEP
                child["id"] = nid
                if "audit_id" in child:
                    child["audit_id"] = audit_id
            self.last_audit = nid

    def metrics(self, t: int, events: list[dict[str, Any]]) -> None:
        """Number one write's metric events written at second ``t``.

        A breach written again as deleted already has its id (the same row) and keeps it.
        """
        nid = METRIC_ID_BASE + max(t - ID_EPOCH, 0) * ID_PER_SECOND
        last = self.last_metric
        for event in events:
            if event["id"]:
                continue
            nid = nid if nid > last else last + ID_STEP
            event["id"] = last = nid
        self.last_metric = last
