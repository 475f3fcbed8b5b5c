"""SLA policies and the metric events (spec §5) that a ticket's status changes produce.

Zendesk measures six metrics on every ticket and, when an SLA policy applies, sets a target on
each. :class:`SlaTracker` follows one ticket: the lifecycle in ``tickets.py`` tells it what
happened (created, agent replied, status changed, ...) and it answers with the metric events,
as plain dicts without ids (``generate.py`` numbers them in time order). Semantics, following
Zendesk's "Ticket metric events" guide:

* ``reply_time`` activates on a public requester comment and fulfils on the next public agent
  comment (each such round is a new ``instance_id``);
* ``requester_wait_time`` runs in new/open/hold and pauses on pending; ``agent_work_time`` runs
  in new/open and pauses on pending/hold; both fulfil on solved and start a new instance when a
  solved ticket reopens;
* ``periodic_update_time`` runs between public agent comments; ``pausable_update_time`` too, but
  pauses while pending/hold; ``resolution_time`` runs from creation to solved;
* a target that passes while its metric runs yields a ``breach`` at the exact second it passed
  (business-hour targets count Monday-Friday 09:00-17:00 UTC only);
* every fulfil of a targeted metric is followed by ``update_status`` carrying the measured
  calendar and business minutes; the four always-on metrics get one ``measure`` (instance 0)
  when the ticket is created; the update-time metrics run only under a policy targeting them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from zendesk_events.timeutil import epoch_to_iso

# Many events share a second (a step's metric events, bursts): format each second once.
iso = lru_cache(maxsize=8192)(epoch_to_iso)

__all__ = [
    "METRICS",
    "POLICIES",
    "SlaPolicy",
    "SlaTracker",
    "add_business_seconds",
    "business_seconds",
    "policy_for",
]

METRICS = (
    "reply_time",
    "requester_wait_time",
    "agent_work_time",
    "resolution_time",
    "periodic_update_time",
    "pausable_update_time",
)
"""The six per-ticket metrics (group SLAs add ``group_ownership_time``)."""

GROUP_METRIC = "group_ownership_time"
SLA_ONLY = frozenset({"periodic_update_time", "pausable_update_time", GROUP_METRIC})
"""Metrics Zendesk only measures while an SLA policy targets them."""

_DAY = 86_400
_OPEN_AT = 9 * 3600
_CLOSE_AT = 17 * 3600
# 1970-01-01 was a Thursday: weekday = (days + 3) % 7 with Monday = 0.
_EPOCH_WEEKDAY = 3


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """An SLA policy: targets in minutes per metric, calendar or business hours."""

    id: int
    title: str
    description: str
    business_hours: bool
    targets: dict[str, int]

    def wire(self) -> dict[str, Any]:
        """The ``policy`` object of an ``apply_sla`` event."""
        return {"id": self.id, "title": self.title, "description": self.description}


POLICIES: dict[str, SlaPolicy] = {
    "urgent": SlaPolicy(
        360_000_120_011,
        "Urgent incidents",
        "Urgent tickets: first reply within the hour, around the clock.",
        False,
        {
            "reply_time": 60,
            "requester_wait_time": 480,
            "agent_work_time": 240,
            "resolution_time": 1440,
            "periodic_update_time": 240,
            "pausable_update_time": 120,
        },
    ),
    "high": SlaPolicy(
        360_000_120_012,
        "High priority",
        "High priority tickets, calendar hours.",
        False,
        {
            "reply_time": 240,
            "requester_wait_time": 1440,
            "agent_work_time": 720,
            "resolution_time": 2880,
            "pausable_update_time": 480,
        },
    ),
    "normal": SlaPolicy(
        360_000_120_013,
        "Standard support",
        "Normal and low priority tickets, business hours (Mon-Fri 09-17 UTC).",
        True,
        {
            "reply_time": 480,
            "requester_wait_time": 1920,
            "agent_work_time": 960,
            "periodic_update_time": 1440,
        },
    ),
}
POLICIES["low"] = POLICIES["normal"]

GROUP_POLICY = SlaPolicy(
    360_000_130_021,
    "Tier 2 ownership",
    "Escalated tickets stay with Tier 2 at most two days.",
    False,
    {GROUP_METRIC: 2880},
)


def policy_for(priority: str | None) -> SlaPolicy | None:
    """The policy a ticket of ``priority`` falls under (none without a priority)."""
    return POLICIES.get(priority) if priority else None


def business_seconds(start: int, end: int) -> int:
    """Seconds of business hours (Mon-Fri 09:00-17:00 UTC) in ``[start, end)``."""
    total = 0
    day = start // _DAY
    while day * _DAY < end:
        if (day + _EPOCH_WEEKDAY) % 7 < 5:
            lo = max(start, day * _DAY + _OPEN_AT)
            hi = min(end, day * _DAY + _CLOSE_AT)
            if hi > lo:
                total += hi - lo
        day += 1
    return total


def add_business_seconds(start: int, seconds: int) -> int:
    """The moment ``seconds`` of business hours have passed after ``start``."""
    day = start // _DAY
    left = seconds
    while True:
        if (day + _EPOCH_WEEKDAY) % 7 < 5:
            lo = max(start, day * _DAY + _OPEN_AT)
            hi = day * _DAY + _CLOSE_AT
            if hi > lo:
                if hi - lo >= left:
                    return lo + left
                left -= hi - lo
        day += 1


class _Metric:
    """One metric of one ticket: which instance, running or not, time measured so far."""

    __slots__ = ("breached", "business", "deadline", "elapsed", "instance", "running", "since")

    def __init__(self) -> None:
        self.instance = 0
        self.running = False
        self.since = 0
        self.elapsed = 0
        self.business = 0
        self.deadline: int | None = None
        self.breached = False


class SlaTracker:
    """Metric events of one ticket, driven by its lifecycle.

    Every method takes the second the change happened and returns nothing; the events pile up
    in :attr:`pending` as ``(time, event)`` pairs, and :meth:`drain` hands them over (breaches
    due before a given second first, so the caller can emit them in time order).

    Args:
        ticket_id: the ticket measured.
    """

    def __init__(self, ticket_id: int) -> None:
        self.ticket_id = ticket_id
        self.policy: SlaPolicy | None = None
        self.group_policy: SlaPolicy | None = None
        self.metrics = {name: _Metric() for name in (*METRICS, GROUP_METRIC)}
        self.pending: list[tuple[int, dict[str, Any]]] = []

    # ---- plumbing ---------------------------------------------------------------------------

    def _event(self, t: int, metric: str, instance: int, kind: str, **extra: Any) -> None:
        event: dict[str, Any] = {
            "id": 0,
            "ticket_id": self.ticket_id,
            "metric": metric,
            "instance_id": instance,
            "type": kind,
            "time": iso(t),
        }
        if extra:
            event.update(extra)
        self.pending.append((t, event))

    def _policy_of(self, name: str) -> SlaPolicy | None:
        return self.group_policy if name == GROUP_METRIC else self.policy

    def _target(self, name: str) -> int | None:
        policy = self._policy_of(name)
        return policy.targets.get(name) if policy else None

    def _set_deadline(self, t: int, name: str, m: _Metric) -> None:
        policy = self._policy_of(name)
        target = policy.targets.get(name) if policy else None
        if policy is None or target is None or m.breached:
            m.deadline = None
            return
        if policy.business_hours:
            left = target * 60 - m.business
            m.deadline = add_business_seconds(t, max(left, 0))
        else:
            m.deadline = t + max(target * 60 - m.elapsed, 0)

    def due(self, t: int) -> None:
        """Record every breach whose target passed before second ``t``."""
        for name, m in self.metrics.items():
            if m.running and m.deadline is not None and not m.breached and m.deadline < t:
                m.breached = True
                self._event(m.deadline, name, m.instance, "breach")
                m.deadline = None

    def drain(self) -> list[tuple[int, dict[str, Any]]]:
        """Take the events recorded so far, in time order."""
        out = sorted(self.pending, key=lambda p: p[0]) if len(self.pending) > 1 else self.pending
        self.pending = []
        return out

    def _activate(self, t: int, name: str, *, new_instance: bool) -> None:
        m = self.metrics[name]
        if m.running or (name in SLA_ONLY and self._target(name) is None):
            return
        if new_instance or m.instance == 0 or m.since < 0:
            m.instance += 1
            m.elapsed = m.business = 0
            m.breached = False
        m.running = True
        m.since = t
        self._event(t, name, m.instance, "activate")
        self._set_deadline(t, name, m)

    def _stop(self, t: int, m: _Metric) -> None:
        m.elapsed += t - m.since
        m.business += business_seconds(m.since, t)
        m.running = False
        m.deadline = None

    def _pause(self, t: int, name: str) -> None:
        m = self.metrics[name]
        if m.running:
            self._stop(t, m)
            self._event(t, name, m.instance, "pause")

    def _fulfill(self, t: int, name: str) -> None:
        m = self.metrics[name]
        if m.instance == 0 or m.since < 0:
            return  # never started, or this instance is already fulfilled
        if m.running:
            self._stop(t, m)
        self._event(t, name, m.instance, "fulfill")
        if self._target(name) is None:
            m.since = -1
            m.elapsed = m.business = 0
            return
        status = {"calendar": m.elapsed // 60, "business": m.business // 60}
        self._event(t, name, m.instance, "update_status", status=status)
        # A fulfilled instance is done: a later activate opens the next one.
        m.since = -1
        m.elapsed = m.business = 0

    def _apply(self, t: int, policy: SlaPolicy, kind: str, key: str) -> None:
        for name, target in policy.targets.items():
            m = self.metrics[name]
            sla = {
                "target": target,
                "target_in_seconds": target * 60,
                "business_hours": policy.business_hours,
                "policy": policy.wire(),
            }
            self._event(t, name, m.instance, kind, **{key: sla})
            if m.running:
                self._set_deadline(t, name, m)

    # ---- what the lifecycle tells us --------------------------------------------------------

    def created(self, t: int, priority: str | None, status: str) -> None:
        """The ticket was created with a public requester comment."""
        for name in METRICS[:4]:
            self._event(t, name, 0, "measure")
        self.policy = policy_for(priority)
        self._activate(t, "reply_time", new_instance=True)
        self._activate(t, "resolution_time", new_instance=True)
        self._activate(t, "requester_wait_time", new_instance=True)
        if status in ("new", "open"):
            self._activate(t, "agent_work_time", new_instance=True)
        if self.policy is not None:
            self._apply(t, self.policy, "apply_sla", "sla")

    def priority_changed(self, t: int, priority: str | None) -> None:
        """A new priority may bring a new policy, re-targeting the running metrics."""
        policy = policy_for(priority)
        if policy is self.policy:
            return
        self.policy = policy
        if policy is not None:
            self._apply(t, policy, "apply_sla", "sla")
        else:
            for m in self.metrics.values():
                m.deadline = None

    def group_changed(self, t: int, escalated: bool) -> None:
        """Entering the escalation group starts its ownership SLA; leaving it fulfils it."""
        if escalated and self.group_policy is None:
            self.group_policy = GROUP_POLICY
            self._activate(t, GROUP_METRIC, new_instance=True)
            self._apply(t, GROUP_POLICY, "apply_group_sla", "group_sla")
        elif not escalated and self.group_policy is not None:
            self._fulfill(t, GROUP_METRIC)
            self.group_policy = None

    def agent_replied(self, t: int, status: str) -> None:
        """A public agent comment: fulfils the reply round and restarts the update timers."""
        self._fulfill(t, "reply_time")
        for name in ("periodic_update_time", "pausable_update_time"):
            if self.metrics[name].running:
                self._fulfill(t, name)
        self._activate(t, "periodic_update_time", new_instance=True)
        if status in ("new", "open"):
            self._activate(t, "pausable_update_time", new_instance=True)

    def requester_replied(self, t: int) -> None:
        """A public requester comment after an agent's reply opens a new reply round."""
        if not self.metrics["reply_time"].running:
            self._activate(t, "reply_time", new_instance=True)

    def status_changed(self, t: int, old: str, new: str) -> None:
        """Pause, resume or fulfil the metrics that depend on the ticket's status."""
        if new in ("solved", "closed"):
            if old in ("solved", "closed"):
                return
            for name in (*METRICS, GROUP_METRIC):
                if self.metrics[name].running:
                    self._fulfill(t, name)
            return
        reopened = old in ("solved", "closed")
        if reopened:
            self._activate(t, "resolution_time", new_instance=True)
        if new == "pending":
            for name in ("requester_wait_time", "agent_work_time", "pausable_update_time"):
                self._pause(t, name)
        elif new == "hold":
            self._activate(t, "requester_wait_time", new_instance=reopened)
            for name in ("agent_work_time", "pausable_update_time"):
                self._pause(t, name)
        else:  # new / open
            self._activate(t, "requester_wait_time", new_instance=reopened)
            self._activate(t, "agent_work_time", new_instance=reopened)
            m = self.metrics["pausable_update_time"]
            if m.instance and m.since >= 0:
                self._activate(t, "pausable_update_time", new_instance=False)
