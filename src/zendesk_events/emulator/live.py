"""The live emulated account: API requests, the clock and traffic, applied to the store.

The live driver of the ticket model (the seed is the other): each write, whatever asked for it,
is one transaction that takes the live lock (:meth:`~zendesk_events.store.LiveStore.lock`),
reads the ticket's stored state and the account as they are now, applies the write through
the model (``ticket.py``), numbers the audit and its metric events with the stored counters
(``ids.py``), and writes the audit, the metric events (late for a share of writes, as the seed
makes them: ``lateness.py``), the ticket's new state and the counters. An audit and its metric
events appear together or not at all, and every id is handed out once, however many server
workers write at the same time.

Time moves by the clock the server runs on: :meth:`LiveDesk.advance` runs every automation due
by now and every traffic action due by now, each at its own second, in time order; a background
thread calls it a few times a second (:meth:`LiveDesk.start`), and ``POST /_emulator/clock``
calls it right after moving a fake clock, so what the move made due is written when it answers.
Pre-written breaches need nothing: the export serves each once its time has come.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from random import Random
from typing import Any

import orjson

from zendesk_events.emulator import objects
from zendesk_events.emulator.account import Cast, make_cast
from zendesk_events.emulator.audit import Actor, Update
from zendesk_events.emulator.automations import BY_KIND
from zendesk_events.emulator.generate import DEFAULT_ADMIN_EMAIL
from zendesk_events.emulator.ids import Numberer
from zendesk_events.emulator.lateness import DEFAULT_LATE_ARRIVAL, LateArrival
from zendesk_events.emulator.policies import validate_policy
from zendesk_events.emulator.requests import Directory, parse_ticket
from zendesk_events.emulator.rules import AccountRules
from zendesk_events.emulator.ticket import Ticket
from zendesk_events.emulator.traffic import Traffic
from zendesk_events.errors import RecordError, RecordNotFoundError
from zendesk_events.store import EventStore, Store, Transaction, User
from zendesk_events.timeutil import Clock, epoch_to_iso

__all__ = ["TRAFFIC_CATCH_UP", "LiveDesk"]

log = logging.getLogger("zendesk_events.emulator")

TRAFFIC_CATCH_UP = 3600
"""Seconds of traffic a clock move replays at most: a fake clock moved a week ahead at three
actions a second would otherwise owe 1.8 M writes before it answers. Older actions are
skipped (the schedule resumes this long before the new time); automations all run."""


def _system(client: str | None) -> dict[str, Any]:
    """An API write's audit ``system``: the caller's User-Agent as ``client`` (recorded:
    "Zenpy/2.0.38"); no location for a local caller (ours: nothing to geolocate)."""
    return {"client": client, "location": None, "latitude": None, "longitude": None}


class _Write:
    """One live write in progress: its transaction, its second, the counters and the account."""

    def __init__(self, desk: LiveDesk, tx: Transaction, t: int) -> None:
        self.desk = desk
        self.store = desk.store
        self.tx = tx
        self.t = t
        self.counters = self.store.live.counters(tx)
        if "audit" not in self.counters:
            self.counters.update(_initial_counters(self.store.live.highest_ids(tx)))
        self._account: AccountRules | None = None

    @property
    def account(self) -> AccountRules:
        if self._account is None:
            acc = self.store.account
            self._account = AccountRules.from_objects(
                agent_ids=self.store.users.agent_ids(self.tx),
                groups=acc.all("groups"),
                ticket_fields=acc.all("ticket_fields"),
                policies=acc.all("sla_policies"),
            )
        return self._account

    def next_id(self, name: str) -> int:
        self.counters[name] = value = self.counters.get(name, 0) + 1
        return value

    def ticket(self, ticket_id: int) -> Ticket:
        row = self.store.live.state(self.tx, ticket_id)
        if row is None or row[1]:
            raise RecordNotFoundError(f"no ticket {ticket_id}")
        return Ticket.from_state(ticket_id, orjson.loads(row[0]))

    def directory(self) -> Directory:
        users = self.store.users

        def roles(ids: Iterable[int]) -> Mapping[int, str]:
            return users.roles(self.tx, ids)

        def by_email(email: str, name: str | None) -> tuple[int, str]:
            if name is None:
                row = self.tx.execute("SELECT 1 FROM users WHERE email = ?", (email,)).fetchone()
                if row is None:
                    raise KeyError(email)
            uid, role = users.end_user_by_email(
                self.tx,
                email,
                name or email,
                new_id=self.counters.get("user", 0) + 1,
                created_at=epoch_to_iso(self.t),
            )
            self.counters["user"] = max(self.counters.get("user", 0), uid)
            return uid, role

        return Directory(self.account, roles, by_email)

    def save(self, ticket: Ticket, audits: list[dict[str, Any]], t: int) -> None:
        """Number and write one write's audits and metric events, and the ticket's state."""
        ids = Numberer(self.counters["audit"], self.counters["metric"])
        ids.audits(t, audits)
        metrics = ticket.sla.drain()
        ids.metrics(t, metrics)
        self.counters["audit"], self.counters["metric"] = ids.last_audit, ids.last_metric
        late = self.desk.late.delay(Random(f"late:{self.desk.seed}:{audits[0]['id']}"))
        events = self.store.events
        events.write(self.tx, EventStore.prepare("ticket_events", audits))
        if metrics:
            prepared = EventStore.prepare("ticket_metric_events", metrics, visible_at=t + late)
            events.write(self.tx, prepared)
        self.store.live.put(self.tx, [ticket.row(self.account.custom_field_ids)])

    def finish(self) -> None:
        self.store.live.set_counters(self.tx, self.counters)


def _initial_counters(highest: Mapping[str, Any]) -> dict[str, int]:
    """Counters for a store no live write has numbered: above every id it holds."""
    audit = int(highest["audit"])
    if highest.get("audit_json"):
        item = orjson.loads(highest["audit_json"])
        children = [c.get("id") for c in item.get("child_events") or () if isinstance(c, dict)]
        audit = max([audit, *(int(c) for c in children if isinstance(c, int))])
    return {
        "audit": audit,
        "metric": int(highest["metric"]),
        "ticket": int(highest["ticket"]),
        "user": int(highest["user"]),
    }


class _TrafficWrites:
    """What a traffic action may do, bound to its write."""

    def __init__(self, write: _Write) -> None:
        self.write = write

    def active(self) -> list[int]:
        return self.write.store.live.active_ids(self.write.tx)

    def ticket(self, ticket_id: int) -> Ticket:
        return self.write.ticket(ticket_id)

    def create(self, actor: Actor, via: str, update: Update) -> None:
        w = self.write
        ticket, audit = Ticket.create(w.next_id("ticket"), w.t, actor, via, update, w.account)
        w.save(ticket, [audit], w.t)

    def update(self, ticket: Ticket, actor: Actor, via: str, update: Update) -> None:
        w = self.write
        w.save(ticket, [ticket.update(w.t, actor, via, update, w.account)], w.t)


class LiveDesk:
    """The live account behind the server's write endpoints and its clock.

    Args:
        store: where the account lives (shared by every server worker).
        clock: the server's clock (a FakeClock moves only when told).
        late: which writes' metric events arrive late, and how late (the seed's option).
        seed: the random seed of the late draws and of the traffic.
        traffic: traffic actions a second (0: none).
        poll: seconds between the background thread's checks.

    Raises:
        ConfigError: an invalid traffic rate.
    """

    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        late: LateArrival = DEFAULT_LATE_ARRIVAL,
        seed: int = 1,
        traffic: float = 0.0,
        poll: float = 0.2,
    ) -> None:
        self.store = store
        self.clock = clock
        self.late = late
        self.seed = seed
        self.poll = poll
        self._horizon = int(clock.now())
        self._horizon_lock = threading.Lock()
        self._process_lock = threading.Lock()
        self.traffic = Traffic(seed, traffic, self._cast()) if traffic else None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _cast(self) -> Cast:
        """The seeded account's people (from the seed's parameters), else a cast of our own."""
        text = self.store.state.setting("seed")
        if text:
            params = orjson.loads(text)
            return make_cast(int(params["seed"]), int(params["tickets"]), DEFAULT_ADMIN_EMAIL)
        return make_cast(self.seed, 200, DEFAULT_ADMIN_EMAIL)

    @contextmanager
    def _write(self, t: int | None = None) -> Iterator[_Write]:
        # Writers of this process queue on a lock of their own first: the database's lock
        # serialises them anyway, and SQLite's busy handler would make each waiting writer
        # sleep and poll instead of taking its turn (measured: 4 clients got half the writes
        # a second of one). The database lock still serialises the other processes.
        with self._process_lock, self.store.db.transaction() as tx:
            self.store.live.lock(tx)
            write = _Write(self, tx, int(self.clock.now()) if t is None else t)
            yield write
            write.finish()

    # ---- the Tickets API --------------------------------------------------------------------

    def create_ticket(
        self, user: User, body: Any, *, client: str | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """``POST /api/v2/tickets``: the new ticket (Tickets API shape, no url) and its audit
        (export item, with the full comment).

        Raises:
            RecordInvalidError: a body Zendesk would refuse.
        """
        with self._write() as w:
            update, via = parse_ticket(
                body,
                creating=True,
                actor_id=user.id,
                actor_role=user.role,
                ticket=None,
                directory=w.directory(),
            )
            actor = Actor(user.id, user.role, _system(client))
            ticket, audit = Ticket.create(w.next_id("ticket"), w.t, actor, via, update, w.account)
            w.save(ticket, [audit], w.t)
            return ticket.api(w.account.custom_field_ids), audit

    def update_ticket(
        self, user: User, ticket_id: int, body: Any, *, client: str | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """``PUT /api/v2/tickets/{id}``: the ticket after the update and the update's audit.

        Raises:
            RecordNotFoundError: no such ticket (or a deleted one).
            RecordInvalidError: a closed ticket, or a body Zendesk would refuse.
        """
        with self._write() as w:
            ticket = w.ticket(ticket_id)
            ticket.check_writable()
            update, _ = parse_ticket(
                body,
                creating=False,
                actor_id=user.id,
                actor_role=user.role,
                ticket=ticket,
                directory=w.directory(),
            )
            actor = Actor(user.id, user.role, _system(client))
            audit = ticket.update(w.t, actor, "API", update, w.account)
            w.save(ticket, [audit], w.t)
            return ticket.api(w.account.custom_field_ids), audit

    def delete_ticket(self, user: User, ticket_id: int, *, client: str | None = None) -> None:
        """``DELETE /api/v2/tickets/{id}`` (a soft delete: see ``Ticket.delete``).

        Raises:
            RecordNotFoundError: no such ticket (or one deleted already).
        """
        with self._write() as w:
            ticket = w.ticket(ticket_id)
            audit = ticket.delete(w.t, Actor(user.id, user.role, _system(client)), "API")
            w.save(ticket, [audit], w.t)

    # ---- SLA policies -----------------------------------------------------------------------

    def create_policy(self, body: Any) -> dict[str, Any]:
        """``POST /api/v2/slas/policies``: the new policy as the API shows it.

        Raises:
            RecordInvalidError: a body Zendesk would refuse.
        """
        fields = validate_policy(body, creating=True)
        with self._write() as w:
            existing = self.store.account.all("sla_policies")
            pid = max([int(p["id"]) for p in existing] + [360_000_120_000]) + 1
            position = fields.get("position") or 1 + max(
                [int(p.get("position") or 0) for p in existing] + [0]
            )
            at = epoch_to_iso(w.t)
            policy = {
                "url": f"{objects.ACCOUNT_URL}/api/v2/slas/policies/{pid}.json",
                "id": pid,
                "title": fields["title"],
                "description": fields.get("description"),
                "position": position,
                "filter": fields["filter"],
                "policy_metrics": fields["policy_metrics"],
                "created_at": at,
                "updated_at": at,
            }
            self.store.account.put(w.tx, "sla_policies", [policy])
            return policy

    def update_policy(self, policy_id: int, body: Any) -> dict[str, Any]:
        """``PUT /api/v2/slas/policies/{id}``: the policy after the update. Tickets it applies
        to get the new targets on their next update (inferred).

        Raises:
            RecordNotFoundError: no such policy.
            RecordInvalidError: a body Zendesk would refuse.
        """
        fields = validate_policy(body, creating=False)
        with self._write() as w:
            policy = self.store.account.get("sla_policies", policy_id)
            if policy is None:
                raise RecordNotFoundError(f"no SLA policy {policy_id}")
            policy.update(fields)
            policy["updated_at"] = epoch_to_iso(w.t)
            self.store.account.put(w.tx, "sla_policies", [policy])
            return policy

    def delete_policy(self, policy_id: int) -> None:
        """``DELETE /api/v2/slas/policies/{id}``.

        Raises:
            RecordNotFoundError: no such policy.
        """
        with self._write() as w:
            if not self.store.account.delete(w.tx, "sla_policies", policy_id):
                raise RecordNotFoundError(f"no SLA policy {policy_id}")

    # ---- time: automations and traffic ------------------------------------------------------

    def prepare(self) -> None:
        """Once, before serving (the serving process calls it before its workers start).

        A store that holds nothing yet becomes the emulated account: its groups and ticket
        fields, as the seed writes them (every Zendesk account has a group: inferred from
        recorded ticket 49, whose group metric ran from its creation; no SLA policy, as a new
        account has none). With traffic, the schedule starts now (the first action a gap after
        now) and the cast exists as users, with the ids the events name.
        """
        with self._write() as w:
            empty = (
                not self.store.account.all("groups")
                and self.store.events.time_span("ticket_events") is None
                and not self.store.state.all()
            )
            if empty:
                self.store.account.put(w.tx, "ticket_fields", objects.ticket_fields(w.t))
                self.store.account.put(w.tx, "groups", objects.groups(w.t))
            if self.traffic is None:
                return
            cast = self.traffic.cast
            people = (cast.admin, *cast.agents, *cast.requesters)
            self.store.users.add_known(
                w.tx,
                [User(p.id, p.email, p.name, p.role) for p in people],
                epoch_to_iso(w.t),
            )
            w.counters["traffic_index"] = 0
            w.counters["traffic_next_ms"] = int(self.clock.now() * 1000) + self.traffic.gap_ms(0)

    def _due_soon(self, now: int) -> bool:
        """A cheap check (no transaction) whether anything is due by ``now``."""
        due = self.store.live.next_due()
        if due is not None and due <= now:
            return True
        if self.traffic is not None:
            nxt = self.store.live.counter("traffic_next_ms")
            return nxt is not None and nxt // 1000 <= now
        return False

    def advance(self, now: float | None = None) -> int:
        """Run everything due by ``now`` (default: the clock's), each write at its own second
        and in time order; returns how many writes that took.

        An automation due before the server started runs when it started (its events cannot
        be written into a past the exports may have read already).
        """
        until = int(self.clock.now() if now is None else now)
        if not self._due_soon(until):
            with self._horizon_lock:
                self._horizon = max(self._horizon, until)
            return 0
        done = 0
        while self._step(until):
            done += 1
        with self._horizon_lock:
            self._horizon = max(self._horizon, until)
        return done

    def _step(self, until: int) -> bool:
        """One due write (an automation run or a traffic action), if any is due by ``until``."""
        with self._horizon_lock:
            floor = self._horizon
        with self._write(t=0) as w:
            due = self.store.live.due(w.tx, until + 1, limit=1)
            auto_at = due[0][0] if due else None
            traffic_ms = w.counters.get("traffic_next_ms") if self.traffic is not None else None
            traffic_at = None if traffic_ms is None else traffic_ms // 1000
            if traffic_at is not None and traffic_at > until:
                traffic_at = None
            if auto_at is None and traffic_at is None:
                return False
            if traffic_ms is not None and traffic_at is not None:
                resume = until - TRAFFIC_CATCH_UP
                if traffic_at < resume:
                    assert self.traffic is not None
                    index = w.counters.get("traffic_index", 0)
                    w.counters["traffic_next_ms"] = resume * 1000 + self.traffic.gap_ms(index)
                    return True
            if auto_at is not None and (traffic_at is None or auto_at <= traffic_at):
                ticket = w.ticket(due[0][1])
                w.t = max(auto_at, floor, ticket.updated)
                nxt = ticket.next_due()
                if nxt is None or nxt[0] != auto_at:  # stale: the ticket moved on meanwhile
                    self.store.live.put(w.tx, [ticket.row(w.account.custom_field_ids)])
                    return True
                audit = ticket.automate(w.t, BY_KIND[nxt[1].kind], w.account)
                w.save(ticket, [audit], w.t)
                return True
            assert self.traffic is not None and traffic_ms is not None
            index = w.counters.get("traffic_index", 0)
            w.t = max(int(traffic_ms // 1000), floor)
            try:
                self.traffic.act(index, _TrafficWrites(w))
            except RecordError as exc:  # the model refused it: skip the action, keep going
                log.warning("traffic action %d skipped: %s", index, exc)
            w.counters["traffic_index"] = index + 1
            w.counters["traffic_next_ms"] = traffic_ms + self.traffic.gap_ms(index + 1)
            return True

    def start(self) -> None:
        """Advance in a background thread until :meth:`stop` (the export endpoints never wait
        on it: they run on the server's event loop, this in its own thread)."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="zendesk-events-live", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the background thread (waits for the write in progress)."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.wait(self.poll):
            try:
                self.advance()
            except Exception:  # never let the thread die: log and try again at the next poll
                log.exception("the live emulator failed to advance")
