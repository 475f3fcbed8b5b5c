"""SLA policies and the metric events (spec §5) that a ticket's life produces.

Zendesk measures seven metrics on every ticket and, when an SLA policy applies, sets a target on
some of them. :class:`SlaTracker` follows one ticket: the lifecycle in ``tickets.py`` tells it
what happened (created, agent replied, status or group changed, ...) and it answers with metric
events, as plain dicts with ``id`` 0 (``generate.py`` numbers them). What follows is recorded
(EST bruno, tickets 49/52/53, 2026), documented (Zendesk's "Ticket metric event types reference"
and group SLA article) or, where marked, our reading of them:

* at creation every metric gets a ``measure`` (instance 0); ``reply_time``,
  ``requester_wait_time``, ``agent_work_time``, ``resolution_time`` activate, and
  ``group_ownership_time`` activates when the ticket gets its group (recorded);
* ``periodic_update_time`` and ``pausable_update_time`` activate after a public agent comment,
  whether a policy targets them or not (recorded ticket 53; the docs: "an activate event for all
  metrics, regardless of whether the ticket is being measured by an SLA policy"); each public
  agent comment fulfils the running instance and opens the next; the pausable one waits while
  the ticket is pending/on-hold (ours: it opens when the ticket is next open);
* ``reply_time`` fulfils on the next public agent comment and a requester's reply opens the next
  instance; ``requester_wait_time`` pauses on pending; ``agent_work_time`` pauses on
  pending/on-hold; everything running fulfils when the ticket is solved (docs);
* ``group_ownership_time`` runs while the ticket stays with one group: reassigning or solving
  fulfils it, a new group or a reopen starts a new instance (Zendesk's group SLA article; never
  paused); a group SLA policy targets it while the ticket is with Tier 2 (``apply_group_sla``);
* **breach events are written in advance** (recorded): when a targeted metric starts running,
  its ``breach`` is written at once with the future breach time (the time already passed when
  the target was exceeded before it was applied: recorded ticket 1). If the metric is fulfilled
  or paused before that time, or its target changes, that breach turns ``deleted: true``
  (recorded: "you can ignore any breach event when deleted is true"); a resumed or re-targeted
  metric gets a new breach with its new time (ours: Zendesk documents no breach *update*, and an
  item whose ``time`` moved would break every time-ordered export);
* every fulfil of a targeted metric is followed by ``update_status`` with the measured calendar
  and business minutes; business hours are Monday-Friday 09:00-17:00 UTC (ours).

An event's place in the history is the second Zendesk writes it (``tickets.py`` drains the
tracker after each step); its ``time`` is that second too, except a pre-written breach's.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from zendesk_events.timeutil import epoch_to_iso

# Many events share a second (a step's metric events, bursts): format each second once.
iso = lru_cache(maxsize=8192)(epoch_to_iso)

__all__ = [
    "GROUP_METRIC",
    "GROUP_POLICY",
    "METRICS",
    "POLICIES",
    "SlaPolicy",
    "SlaTracker",
    "add_business_seconds",
    "business_seconds",
    "policy_for",
]

GROUP_METRIC = "group_ownership_time"
METRICS = (
    "reply_time",
    "requester_wait_time",
    "agent_work_time",
    "resolution_time",
    "periodic_update_time",
    "pausable_update_time",
    GROUP_METRIC,
)
"""The seven per-ticket metrics (spec §5), in the order their ``measure`` events are written."""

_UPDATE_METRICS = ("periodic_update_time", "pausable_update_time")

_DAY = 86_400
_OPEN_AT = 9 * 3600
_CLOSE_AT = 17 * 3600
# 1970-01-01 was a Thursday: weekday = (days + 3) % 7 with Monday = 0.
_EPOCH_WEEKDAY = 3


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """An SLA policy: targets in minutes per metric, calendar or business hours.

    Attributes:
        id: the policy id (an integer for SLA policies, a string for group SLA policies: the
            OpenAPI types ``GroupSLAPolicyObject.id`` as a string).
        title: shown in ``apply_sla``/``apply_group_sla`` and the policy list.
        description: likewise (Zendesk allows null).
        business_hours: targets count business hours only.
        targets: metric event name -> target in minutes.
        priorities: the ticket priorities the policy's filter matches.
        position: its place in the account's policy order (1 first).
    """

    id: int | str
    title: str
    description: str | None
    business_hours: bool
    targets: dict[str, int]
    priorities: tuple[str, ...] = ()
    position: int = 1

    def wire(self) -> dict[str, Any]:
        """The ``policy`` object of an ``apply_sla``/``apply_group_sla`` event."""
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
        ("urgent",),
        1,
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
        ("high",),
        2,
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
        ("low", "normal"),
        3,
    ),
}
POLICIES["low"] = POLICIES["normal"]

GROUP_POLICY = SlaPolicy(
    "01JB7Q0C4ZK9M3T2V8X6W5R1N0",
    "Tier 2 ownership",
    "Escalated tickets stay with Tier 2 at most two days.",
    False,
    {GROUP_METRIC: 2880},
)
"""The group SLA policy of the Tier 2 group (its id a ULID-like string, as the OpenAPI's)."""


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


# A metric instance is idle (none open), armed (the next one opens when the status allows),
# running, or paused.
_IDLE, _ARMED, _RUNNING, _PAUSED = range(4)


class _Metric:
    """One metric of one ticket: its open instance, the time measured, its pending breach."""

    __slots__ = (
        "breach",
        "breach_at",
        "breached",
        "business",
        "elapsed",
        "instance",
        "since",
        "state",
    )

    def __init__(self) -> None:
        self.state = _IDLE
        self.instance = 0
        self.since = 0
        self.elapsed = 0
        self.business = 0
        self.breach: dict[str, Any] | None = None
        self.breach_at = 0
        self.breached = False


class SlaTracker:
    """Metric events of one ticket, driven by its lifecycle.

    Every method takes the second the change happened; the events pile up in :attr:`pending`
    and :meth:`drain` hands them over. A breach turned ``deleted`` after it was handed over
    comes again as a copy with the same id and ``deleted: true`` (the store keeps the last
    version of a row, so the history's rows end in Zendesk's final state).

    Args:
        ticket_id: the ticket measured.
    """

    def __init__(self, ticket_id: int) -> None:
        self.ticket_id = ticket_id
        self.policy: SlaPolicy | None = None
        self.group_policy: SlaPolicy | None = None
        self.metrics = {name: _Metric() for name in METRICS}
        self.pending: list[dict[str, Any]] = []

    def drain(self) -> list[dict[str, Any]]:
        """Take the events recorded so far, in the order Zendesk wrote them."""
        out, self.pending = self.pending, []
        return out

    # ---- plumbing ---------------------------------------------------------------------------

    def _event(self, t: int, metric: str, instance: int, kind: str) -> dict[str, Any]:
        event: dict[str, Any] = {
            "id": 0,
            "ticket_id": self.ticket_id,
            "metric": metric,
            "instance_id": instance,
            "type": kind,
            "time": iso(t),
            "deleted": False,
        }
        self.pending.append(event)
        return event

    def _policy_of(self, name: str) -> SlaPolicy | None:
        return self.group_policy if name == GROUP_METRIC else self.policy

    def _target(self, name: str) -> int | None:
        policy = self._policy_of(name)
        return policy.targets.get(name) if policy else None

    def _breach_time(self, t: int, name: str, m: _Metric, target: int) -> int:
        """When the running metric ``name`` passes ``target`` minutes (``t`` if it already has)."""
        policy = self._policy_of(name)
        assert policy is not None
        if policy.business_hours:
            left = target * 60 - m.business - business_seconds(m.since, t)
            return add_business_seconds(t, left) if left > 0 else t
        left = target * 60 - m.elapsed - (t - m.since)
        return t + left if left > 0 else t

    def _schedule(self, t: int, name: str, m: _Metric) -> None:
        """Write the running metric's breach in advance, if it has a target and none yet."""
        target = self._target(name)
        if target is None or m.breached or m.breach is not None or m.state != _RUNNING:
            return
        at = self._breach_time(t, name, m, target)
        m.breach = self._event(at, name, m.instance, "breach")
        m.breach_at = at

    def _unschedule(self, t: int, m: _Metric) -> None:
        """The metric stops or is re-targeted at ``t``: its breach happened or is deleted."""
        breach = m.breach
        if breach is None:
            return
        m.breach = None
        if m.breach_at < t:
            m.breached = True  # its time passed while the metric ran: a real breach
        elif any(e is breach for e in self.pending):
            breach["deleted"] = True  # not handed over yet: written once, already deleted
        else:
            self.pending.append({**breach, "deleted": True})

    def _stop(self, t: int, m: _Metric) -> None:
        m.elapsed += t - m.since
        m.business += business_seconds(m.since, t)

    # ---- instance states --------------------------------------------------------------------

    def _start(self, t: int, name: str) -> None:
        """Open the next instance of ``name`` and run it (from idle or armed)."""
        m = self.metrics[name]
        if m.state in (_RUNNING, _PAUSED):
            return
        m.instance += 1
        m.elapsed = m.business = 0
        m.breached = False
        m.state = _RUNNING
        m.since = t
        self._event(t, name, m.instance, "activate")
        self._schedule(t, name, m)

    def _run(self, t: int, name: str) -> None:
        """Make ``name`` run: resume its paused instance, or open the next one."""
        m = self.metrics[name]
        if m.state == _PAUSED:
            m.state = _RUNNING
            m.since = t
            self._event(t, name, m.instance, "activate")
            self._schedule(t, name, m)
        elif m.state in (_IDLE, _ARMED):
            self._start(t, name)

    def _pause(self, t: int, name: str) -> None:
        m = self.metrics[name]
        if m.state != _RUNNING:
            return
        self._stop(t, m)
        m.state = _PAUSED
        self._event(t, name, m.instance, "pause")
        self._unschedule(t, m)

    def _fulfill(self, t: int, name: str) -> None:
        m = self.metrics[name]
        if m.state == _ARMED:
            m.state = _IDLE  # never ran: nothing to fulfil
            return
        if m.state == _IDLE:
            return
        if m.state == _RUNNING:
            self._stop(t, m)
        m.state = _IDLE
        self._unschedule(t, m)
        self._event(t, name, m.instance, "fulfill")
        if self._target(name) is not None:
            status = {"calendar": m.elapsed // 60, "business": m.business // 60}
            self._event(t, name, m.instance, "update_status")["status"] = status

    def _apply(self, t: int, policy: SlaPolicy) -> None:
        """``apply_sla``/``apply_group_sla`` for each target; running metrics get new breaches.

        A breach already written for the same time stays as it is.
        """
        group = policy is self.group_policy
        kind, key = ("apply_group_sla", "group_sla") if group else ("apply_sla", "sla")
        for name, target in policy.targets.items():
            m = self.metrics[name]
            sla: dict[str, Any] = {
                "target": target,
                "business_hours": policy.business_hours,
                "policy": policy.wire(),
            }
            if not group:  # recorded on apply_sla only
                sla["target_in_seconds"] = target * 60
            # the instance the target holds for: the open one, else the next (ours)
            instance = m.instance if m.state in (_RUNNING, _PAUSED) else m.instance + 1
            self._event(t, name, instance, kind)[key] = sla
            if m.state != _RUNNING or m.breached:
                continue
            if m.breach is None or m.breach_at != self._breach_time(t, name, m, target):
                self._unschedule(t, m)
                self._schedule(t, name, m)

    # ---- what the lifecycle tells us --------------------------------------------------------

    def created(self, t: int, priority: str | None) -> None:
        """The ticket was created (status new) with a public requester comment."""
        for name in METRICS:
            self._event(t, name, 0, "measure")
        for name in ("reply_time", "resolution_time", "requester_wait_time", "agent_work_time"):
            self._start(t, name)
        self.policy = policy_for(priority)
        if self.policy is not None:
            self._apply(t, self.policy)

    def priority_changed(self, t: int, priority: str | None) -> None:
        """A new priority may bring another policy: new targets, new breaches."""
        policy = policy_for(priority)
        if policy is self.policy:
            return
        self.policy = policy
        for name in METRICS[:-1]:
            m = self.metrics[name]
            if m.state == _RUNNING:
                self._unschedule(t, m)
        if policy is not None:
            self._apply(t, policy)

    def group_changed(self, t: int, escalated: bool) -> None:
        """The ticket moved to another group (``escalated``: to Tier 2, under a group SLA)."""
        self._fulfill(t, GROUP_METRIC)
        self.group_policy = None
        self._start(t, GROUP_METRIC)
        if escalated:
            self.group_policy = GROUP_POLICY
            self._apply(t, GROUP_POLICY)

    def agent_replied(self, t: int, status: str) -> None:
        """A public agent comment (``status``: the ticket's status after the update)."""
        self._fulfill(t, "reply_time")
        for name in _UPDATE_METRICS:
            self._fulfill(t, name)
        self._start(t, "periodic_update_time")
        if status in ("new", "open"):
            self._start(t, "pausable_update_time")
        else:
            self.metrics["pausable_update_time"].state = _ARMED

    def requester_replied(self, t: int) -> None:
        """A public requester comment after an agent's reply opens a new reply round."""
        self._start(t, "reply_time")

    def status_changed(self, t: int, old: str, new: str) -> None:
        """Pause, resume or fulfil the metrics that depend on the ticket's status."""
        if new in ("solved", "closed"):
            if old not in ("solved", "closed"):
                for name in METRICS:
                    self._fulfill(t, name)
            return
        if old in ("solved", "closed"):  # reopened
            self._start(t, "resolution_time")
            self._start(t, GROUP_METRIC)
            if self.group_policy is not None:
                self._apply(t, self.group_policy)
        if new == "pending":
            for name in ("requester_wait_time", "agent_work_time", "pausable_update_time"):
                self._pause(t, name)
        elif new == "hold":
            self._run(t, "requester_wait_time")
            for name in ("agent_work_time", "pausable_update_time"):
                self._pause(t, name)
        else:  # new / open
            self._run(t, "requester_wait_time")
            self._run(t, "agent_work_time")
            if self.metrics["pausable_update_time"].state in (_PAUSED, _ARMED):
                self._run(t, "pausable_update_time")
