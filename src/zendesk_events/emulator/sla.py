"""SLA policies and the metric events (spec §5) that a ticket's life produces.

Zendesk measures seven metrics on every ticket and, when an SLA policy applies, sets a target on
some of them. :class:`SlaTracker` follows one ticket: the ticket model (``ticket.py``, driven by
the seeded lifecycle and by the live API alike) tells it what happened (created, agent replied,
status or group changed, ...) and which policy applies (``policies.py``), and it answers with
metric events, as plain dicts with ``id`` 0 (numbered by ``ids.py``). What follows is recorded
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
  and business minutes; business hours are Monday-Friday 09:00-17:00 UTC (ours); a policy's
  targets may mix calendar and business hours, metric by metric (as ``policy_metrics`` do).

An event's place in the history is the second Zendesk writes it (the ticket model drains the
tracker after each update); its ``time`` is that second too, except a pre-written breach's.
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
    "SlaPolicy",
    "SlaTracker",
    "Target",
    "add_business_seconds",
    "business_seconds",
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
class Target:
    """One SLA target: minutes, counted in calendar or business hours."""

    minutes: int
    business_hours: bool


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """What one SLA policy asks of one ticket: the targets for the ticket's priority.

    Built from the account's policy objects by :mod:`~zendesk_events.emulator.policies` (the
    ``policy_metrics`` of the ticket's priority); two policies are the same when everything
    here is, so an edited policy re-targets the tickets it applies to.

    Attributes:
        id: the policy id (an integer for SLA policies, a string for group SLA policies: the
            OpenAPI types ``GroupSLAPolicyObject.id`` as a string).
        title: shown in ``apply_sla``/``apply_group_sla``.
        description: likewise (Zendesk allows null).
        targets: metric event name -> target; ``reply_time`` is the first reply's.
        next_reply: the target of every later reply round (``next_reply_time``), if any.
    """

    id: int | str
    title: str
    description: str | None
    targets: dict[str, Target]
    next_reply: Target | None = None

    def wire(self) -> dict[str, Any]:
        """The ``policy`` object of an ``apply_sla``/``apply_group_sla`` event."""
        return {"id": self.id, "title": self.title, "description": self.description}

    def target(self, metric: str, instance: int) -> Target | None:
        """The target of ``metric``'s instance ``instance`` (reply rounds after the first
        take ``next_reply``)."""
        if metric == "reply_time" and instance > 1:
            return self.next_reply
        return self.targets.get(metric)

    def to_state(self) -> dict[str, Any]:
        """JSON-ready form, for a live ticket's stored state."""
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "targets": {m: [t.minutes, t.business_hours] for m, t in self.targets.items()},
            "next_reply": None
            if self.next_reply is None
            else [self.next_reply.minutes, self.next_reply.business_hours],
        }

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> SlaPolicy:
        """The inverse of :meth:`to_state`."""
        nxt = data.get("next_reply")
        return cls(
            data["id"],
            data["title"],
            data["description"],
            {m: Target(int(v[0]), bool(v[1])) for m, v in data["targets"].items()},
            None if nxt is None else Target(int(nxt[0]), bool(nxt[1])),
        )


GROUP_POLICY = SlaPolicy(
    "01JB7Q0C4ZK9M3T2V8X6W5R1N0",
    "Tier 2 ownership",
    "Escalated tickets stay with Tier 2 at most two days.",
    {GROUP_METRIC: Target(2880, False)},
)
"""The group SLA policy of the Tier 2 group (its id a ULID-like string, as the OpenAPI's)."""


_HOURS = _CLOSE_AT - _OPEN_AT  # business seconds of a business day


def _business_before(t: int) -> int:
    """Business seconds from the Monday that starts the epoch's week up to ``t``: a count,
    so spans of any length cost the same (a clock moved centuries ahead included)."""
    day, second = divmod(t, _DAY)
    weeks, weekday = divmod(day + _EPOCH_WEEKDAY, 7)
    today = min(max(second - _OPEN_AT, 0), _HOURS) if weekday < 5 else 0
    return (weeks * 5 + min(weekday, 5)) * _HOURS + today


def business_seconds(start: int, end: int) -> int:
    """Seconds of business hours (Mon-Fri 09:00-17:00 UTC) in ``[start, end)``."""
    return max(_business_before(end) - _business_before(start), 0)


def add_business_seconds(start: int, seconds: int) -> int:
    """The moment ``seconds`` (> 0) of business hours have passed after ``start``."""
    if seconds <= 0:
        raise ValueError("seconds must be positive")
    goal = _business_before(start) + seconds
    # The business day holding the goal's last second, counted from that Monday, and how far
    # into it the goal lies (a goal at a day's end is that day's 17:00, not the next 09:00).
    days, into = divmod(goal - 1, _HOURS)
    weeks, weekday = divmod(days, 5)
    return (weeks * 7 + weekday - _EPOCH_WEEKDAY) * _DAY + _OPEN_AT + into + 1


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

    def to_state(self) -> list[Any]:
        return [
            self.state,
            self.instance,
            self.since,
            self.elapsed,
            self.business,
            self.breach,
            self.breach_at,
            self.breached,
        ]

    @classmethod
    def from_state(cls, data: list[Any]) -> _Metric:
        m = cls()
        (m.state, m.instance, m.since, m.elapsed, m.business, m.breach, m.breach_at) = data[:7]
        m.breached = bool(data[7])
        return m


class SlaTracker:
    """Metric events of one ticket, driven by what happens to it.

    Every method takes the second the change happened; the events pile up in :attr:`pending`
    and :meth:`drain` hands them over. A breach turned ``deleted`` after it was handed over
    comes again as a copy with the same id and ``deleted: true`` (the store keeps the last
    version of a row, so the rows end in Zendesk's final state). Which policy applies is the
    caller's to say (:mod:`~zendesk_events.emulator.policies` evaluates the account's
    filters); the tracker remembers the one applied, and :meth:`to_state` keeps all of it
    between the writes of a live ticket.

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

    # ---- persistence (a live ticket's tracker outlives the request that changed it) --------

    def to_state(self) -> dict[str, Any]:
        """Everything the tracker knows, JSON-ready (call after :meth:`drain`)."""
        return {
            "policy": None if self.policy is None else self.policy.to_state(),
            "group_policy": None if self.group_policy is None else self.group_policy.to_state(),
            "metrics": {name: m.to_state() for name, m in self.metrics.items()},
        }

    @classmethod
    def from_state(cls, ticket_id: int, data: dict[str, Any]) -> SlaTracker:
        """The tracker :meth:`to_state` described."""
        tracker = cls(ticket_id)
        if data.get("policy") is not None:
            tracker.policy = SlaPolicy.from_state(data["policy"])
        if data.get("group_policy") is not None:
            tracker.group_policy = SlaPolicy.from_state(data["group_policy"])
        for name, state in data.get("metrics", {}).items():
            if name in tracker.metrics:
                tracker.metrics[name] = _Metric.from_state(state)
        return tracker

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

    def _target(self, name: str, instance: int) -> Target | None:
        policy = self._policy_of(name)
        return policy.target(name, instance) if policy else None

    @staticmethod
    def _breach_time(t: int, m: _Metric, target: Target) -> int:
        """When the running metric passes ``target`` (``t`` if it already has)."""
        if target.business_hours:
            left = target.minutes * 60 - m.business - business_seconds(m.since, t)
            return add_business_seconds(t, left) if left > 0 else t
        left = target.minutes * 60 - m.elapsed - (t - m.since)
        return t + left if left > 0 else t

    def _schedule(self, t: int, name: str, m: _Metric) -> None:
        """Write the running metric's breach in advance, if it has a target and none yet."""
        if m.breached or m.breach is not None or m.state != _RUNNING:
            return
        target = self._target(name, m.instance)
        if target is None:
            return
        at = self._breach_time(t, m, target)
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
        if self._target(name, m.instance) is not None:
            status = {"calendar": m.elapsed // 60, "business": m.business // 60}
            self._event(t, name, m.instance, "update_status")["status"] = status

    def _apply(self, t: int, policy: SlaPolicy) -> None:
        """``apply_sla``/``apply_group_sla`` for each target; running metrics get new breaches.

        A breach already written for the same time stays as it is.
        """
        group = policy is self.group_policy
        kind, key = ("apply_group_sla", "group_sla") if group else ("apply_sla", "sla")
        for name in policy.targets:
            m = self.metrics[name]
            # the instance the target holds for: the open one, else the next (ours)
            instance = m.instance if m.state in (_RUNNING, _PAUSED) else m.instance + 1
            target = policy.target(name, instance)
            if target is None:
                continue
            sla: dict[str, Any] = {
                "target": target.minutes,
                "business_hours": target.business_hours,
                "policy": policy.wire(),
            }
            if not group:  # recorded on apply_sla only
                sla["target_in_seconds"] = target.minutes * 60
            self._event(t, name, instance, kind)[key] = sla
            if m.state != _RUNNING or m.breached:
                continue
            if m.breach is None or m.breach_at != self._breach_time(t, m, target):
                self._unschedule(t, m)
                self._schedule(t, name, m)

    # ---- what happened to the ticket --------------------------------------------------------

    def created(self, t: int, policy: SlaPolicy | None) -> None:
        """The ticket was created (status new) with a public requester comment, under
        ``policy`` (None: no SLA)."""
        for name in METRICS:
            self._event(t, name, 0, "measure")
        for name in ("reply_time", "resolution_time", "requester_wait_time", "agent_work_time"):
            self._start(t, name)
        self.policy = policy
        if policy is not None:
            self._apply(t, policy)

    def retarget(self, t: int, policy: SlaPolicy | None) -> None:
        """The ticket now falls under ``policy`` (a new priority, tags, an edited policy...):
        new targets, new breaches. Nothing happens when the policy is the same."""
        if policy == self.policy:
            return
        self.policy = policy
        for name in METRICS[:-1]:
            m = self.metrics[name]
            if m.state == _RUNNING:
                self._unschedule(t, m)
        if policy is not None:
            self._apply(t, policy)

    def group_changed(self, t: int, group_policy: SlaPolicy | None) -> None:
        """The ticket moved to another group (under ``group_policy``, if the group has one)."""
        self._fulfill(t, GROUP_METRIC)
        self.group_policy = None
        self._start(t, GROUP_METRIC)
        if group_policy is not None:
            self.group_policy = group_policy
            self._apply(t, group_policy)

    def agent_replied(self, t: int, status: str) -> None:
        """A public agent comment (``status``: the ticket's status after the update; a solving
        reply starts no new update interval: everything stops at the solve)."""
        self._fulfill(t, "reply_time")
        for name in _UPDATE_METRICS:
            self._fulfill(t, name)
        if status in ("solved", "closed"):
            return
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

    def discard(self, t: int) -> None:
        """The ticket was deleted: every breach still ahead is deleted (ours: Zendesk documents
        no metric events for a deleted ticket), nothing else is written."""
        for m in self.metrics.values():
            if m.state == _RUNNING:
                self._unschedule(t, m)
            m.state = _IDLE
