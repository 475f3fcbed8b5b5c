"""A deterministic synthetic history from a seed, written into a store in batches.

The history is produced lazily: tickets are created in time order (a backlog import, then a
weekday/office-hours weighted arrival process) and each one runs its lifecycle
(``tickets.py``) as a generator. A heap merges all running tickets by (second, ticket, step),
so events leave in global time order and get ids that grow with time, as Zendesk's do; memory
holds the plan (a few numbers per ticket) and the tickets in progress, never the history.

Metric events are written as Zendesk writes them: a breach in advance, with its future time, and
again (same id, ``deleted: true``) when its target is met first; each row's ``visible_at`` is the
second Zendesk would have written it, later by the :class:`LateArrival` delay for a share of ticket
updates (spec §5). The store keeps each row's last version, so it holds the final state.

Bursts are built in, because clients and servers must survive them: the backlog import creates
at least 1001 tickets in one second when there are >= 1100 tickets, and bulk-tags them in one
second an hour later (with their metric events: well over 1000 in one second too); the hourly
"close solved tickets" automation closes every due ticket in one second; weekday-morning bulk
triage assigns many tickets in one second.
"""

from __future__ import annotations

import heapq
import multiprocessing
import queue as _queue
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from random import Random
from typing import Any

import orjson

from zendesk_events.emulator import objects
from zendesk_events.emulator.account import Cast, make_cast
from zendesk_events.emulator.ids import Numberer
from zendesk_events.emulator.lateness import DEFAULT_LATE_ARRIVAL, LateArrival
from zendesk_events.emulator.rules import AccountRules
from zendesk_events.emulator.tickets import Step, TicketPlan, ticket_history
from zendesk_events.errors import ConfigError, ZendeskEventsError
from zendesk_events.store import EventStore, LiveRow, PreparedRows, Store, Transaction, User
from zendesk_events.store.normalize import metric_event_row
from zendesk_events.timeutil import epoch_to_iso

__all__ = [
    "BATCH_SIZE",
    "BULK_MIN_TICKETS",
    "DEFAULT_ADMIN_EMAIL",
    "DEFAULT_ADMIN_PASSWORD",
    "PARALLEL_MIN_TICKETS",
    "Batch",
    "SeedReport",
    "batches",
    "history",
    "plan_tickets",
    "seed_store",
    "validate_arguments",
]

DEFAULT_ADMIN_EMAIL = "admin@example.com"
DEFAULT_ADMIN_PASSWORD = "zendesk-events-demo"  # a documented demo password, not a secret
BATCH_SIZE = 5000
"""Events written per transaction."""
PARALLEL_MIN_TICKETS = 2000
"""From this many tickets on, the CLI generates in a worker process while it writes."""
MAX_TICKETS = 10_000_000
"""The largest seed (~600 M events, days of writing): a bigger number is a typo."""
MAX_DAYS = 36_500
"""The longest emulated period, days (100 years)."""
BULK_MIN_TICKETS = 1100
"""From this many tickets on, the backlog import puts more than 1000 audits in one second."""


@dataclass(frozen=True, slots=True)
class SeedReport:
    """What a seed run wrote.

    Attributes:
        tickets: tickets created.
        start: first second of the emulated period.
        end: the history ends before this second.
        counts: rows per event table (``ticket_events``, ``ticket_metric_events``, ...).
        spans: oldest and newest second per stream (``None`` when the stream is empty).
        admin_email: the admin who may call the server (``None`` when none was created).
    """

    tickets: int
    start: int
    end: int
    counts: dict[str, int]
    spans: dict[str, tuple[int, int] | None]
    admin_email: str | None


def validate_arguments(tickets: int, days: float, now: int | None = None) -> None:
    """Check a seed's size before anything is opened or written.

    Args:
        now: the end of the period (None: now).

    Raises:
        ConfigError: tickets < 1 or over :data:`MAX_TICKETS`; days too small, over
            :data:`MAX_DAYS` or not a number; a period that would begin before 1970.
    """
    if isinstance(tickets, bool) or not isinstance(tickets, int) or not tickets >= 1:
        raise ConfigError(f"--tickets must be a whole number >= 1, not {tickets!r}")
    if tickets > MAX_TICKETS:
        raise ConfigError(f"--tickets must be at most {MAX_TICKETS:,}, not {tickets:,}")
    if not days > 0 or days * 86_400 < 60:
        raise ConfigError(f"--days must be > 0 (at least a minute: 0.0007), not {days!r}")
    if not days <= MAX_DAYS:
        raise ConfigError(f"--days must be at most {MAX_DAYS:,} (100 years), not {days!r}")
    end = time.time() if now is None else now
    if end - days * 86_400 < 0:
        raise ConfigError(f"--days {days:g} before the period's end reaches back before 1970")


def _refuse_history(store: Store) -> None:
    """Refuse a store that holds events already (before anything is written to it).

    Raises:
        ConfigError: it does.
    """
    counts = store.events.counts()
    held = counts.get("ticket_events", 0), counts.get("ticket_metric_events", 0)
    if any(held):
        raise ConfigError(
            f"{store.url} already holds a history ({held[0]} ticket events, {held[1]} metric "
            "events): seed into a new --db, or pass --append to add another history to it"
        )


def _weight(t: int) -> float:
    """Arrival rate relative to a weekday office hour (UTC 08-18)."""
    day = t // 86_400
    hour = (t % 86_400) // 3600
    weekday = (day + 3) % 7 < 5
    return (1.0 if weekday else 0.35) * (1.0 if 8 <= hour < 18 else 0.3)


def plan_tickets(tickets: int, start: int, end: int, seed: int) -> list[TicketPlan]:
    """When each ticket is created and what is special about it, numbered in creation order."""
    rng = Random(f"schedule:{seed}")
    imported = max(1001, tickets // 50) if tickets >= BULK_MIN_TICKETS else tickets // 10
    imported = min(imported, tickets)
    span = end - start
    bulk_tag_at = start + 3600 if imported and span > 7200 else None
    first = start + 2 * 3600 if bulk_tag_at is not None else start
    if first >= end - 60:
        first = start
    times: list[int] = []
    while len(times) < tickets - imported:
        t = rng.randrange(first, max(first + 1, end - 60))
        if rng.random() < _weight(t):
            times.append(t)
    times.sort()
    plans = [
        TicketPlan(i + 1, start, end, seed, imported=True, bulk_tag_at=bulk_tag_at)
        for i in range(imported)
    ]
    for i, t in enumerate(times, start=imported + 1):
        roll = rng.random()
        if roll < 0.02 and i > 1:
            plans.append(TicketPlan(i, t, end, seed, merge_into=i - 1))
        elif roll < 0.05 and i > 10:
            follow = rng.randrange(1, i - 5)
            plans.append(TicketPlan(i, t, end, seed, follow_up_of=follow))
        else:
            plans.append(TicketPlan(i, t, end, seed))
    return plans


def history(
    plans: list[TicketPlan],
    cast: Cast,
    account: AccountRules,
    *,
    started: Callable[[int], None] | None = None,
) -> Iterator[Step]:
    """All tickets' updates merged in (second, ticket, update) order, ids still 0.

    A ticket joins the merge when the clock reaches its creation second, so the heap holds
    only tickets in progress. ``started`` is told how many tickets have begun, as they begin.
    """
    heap: list[tuple[int, int, int, Step, Iterator[Step]]] = []
    nxt = 0
    seqs = [0] * (len(plans) + 1)

    def admit(plan: TicketPlan) -> None:
        gen = ticket_history(plan, cast, account)
        step = next(gen, None)
        if step is not None:
            heapq.heappush(heap, (step[0], plan.ticket_id, 0, step, gen))

    while nxt < len(plans) or heap:
        while nxt < len(plans) and (not heap or plans[nxt].created <= heap[0][0]):
            admit(plans[nxt])
            nxt += 1
            if started is not None:
                started(nxt)
        if not heap:
            continue
        _t, tid, _seq, step, gen = heap[0]
        yield step
        following = next(gen, None)
        if following is None:
            heapq.heappop(heap)
        else:
            seqs[tid] += 1
            heapq.heapreplace(heap, (following[0], tid, seqs[tid], following, gen))


Batch = tuple[list[dict[str, Any]], list[tuple[int, dict[str, Any]]], list[LiveRow], int]
"""Ticket events, metric events with the second each becomes visible, tickets as they stand
when their history ends, tickets begun so far."""


def batches(
    plans: list[TicketPlan],
    cast: Cast,
    size: int = BATCH_SIZE,
    late: LateArrival = DEFAULT_LATE_ARRIVAL,
    seed: int = 0,
) -> Iterator[Batch]:
    """The numbered history in batches of about ``size`` events (the last may be empty).

    A ticket update's metric events are written at its second, or all of them ``late`` (drawn
    per update from a stream of their own, so lateness never changes the history itself).
    """
    begun = 0

    def started(n: int) -> None:
        nonlocal begun
        begun = n

    ids = Numberer()
    account = AccountRules.seeded(cast)
    rng = Random(f"late:{seed}")
    audits: list[dict[str, Any]] = []
    metrics: list[tuple[int, dict[str, Any]]] = []
    tickets: list[LiveRow] = []
    where: dict[int, int] = {}  # metric event id -> its place in this batch
    for t, step_audits, step_metrics, ticket in history(plans, cast, account, started=started):
        if ticket is not None:  # its history ended: the ticket as it stands, for `serve`
            tickets.append(ticket.row(account.custom_field_ids))
            continue
        ids.audits(t, step_audits)
        audits += step_audits
        if step_metrics:
            ids.metrics(t, step_metrics)
            visible = t + late.delay(rng)  # an update's metric events arrive together
            for event in step_metrics:
                place = where.get(event["id"])
                if place is None:
                    where[event["id"]] = len(metrics)
                    metrics.append((visible, event))
                else:  # a breach turned deleted before its batch left: one row, final state
                    metrics[place] = (visible, event)
        if len(audits) + len(metrics) >= size:
            yield audits, metrics, tickets, begun
            audits, metrics, tickets, where = [], [], [], {}
    yield audits, metrics, tickets, begun


_Args = tuple[int, int, int, int, str, LateArrival]
"""tickets, start, end, seed, admin email, lateness: all a worker needs to make the history."""


Rows = tuple[PreparedRows, PreparedRows, list[LiveRow], int]
"""A batch as table rows: ticket events (with field changes, comments), metric events, live
tickets, and tickets begun so far."""


def _rows(batch: Batch) -> Rows:
    audits, metrics, live, begun = batch
    tickets = EventStore.prepare("ticket_events", audits)
    metric_rows = [metric_event_row(event, visible_at) for visible_at, event in metrics]
    return tickets, PreparedRows("ticket_metric_events", metric_rows, [], []), live, begun


def _local_rows(args: _Args) -> Iterator[Rows]:
    tickets, start, end, seed, email, late = args
    plans = plan_tickets(tickets, start, end, seed)
    for batch in batches(plans, make_cast(seed, tickets, email), late=late, seed=seed):
        yield _rows(batch)


def _produce(queue: Any, args: _Args) -> None:
    """Worker process: make the rows and pass them on as JSON (cheaper than pickle)."""
    try:
        for tickets, metrics, live, begun in _local_rows(args):
            rows = (
                tickets.events,
                tickets.changes,
                tickets.comments,
                metrics.events,
                [r.values() for r in live],
                begun,
            )
            queue.put(orjson.dumps(rows))
        queue.put(None)
    except BaseException as exc:  # reported to the parent, which raises it there
        queue.put(f"{type(exc).__name__}: {exc}")


def _worker_rows(args: _Args) -> Iterator[Rows]:
    # Making the rows and writing them each take about half the time; in two processes they
    # overlap. The worker derives the same history from the same arguments, so nothing else
    # is sent.
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue(maxsize=8)
    worker = ctx.Process(target=_produce, args=(queue, args), daemon=True)
    worker.start()
    try:
        while True:
            try:
                message = queue.get(timeout=1.0)
            except _queue.Empty:
                if not worker.is_alive():
                    raise ZendeskEventsError("the seed worker process died unexpectedly") from None
                continue
            if message is None:
                break
            if isinstance(message, str):
                raise ZendeskEventsError(f"the seed worker failed: {message}")
            events, changes, comments, metrics, live, begun = orjson.loads(message)
            yield (
                PreparedRows("ticket_events", _tuples(events), _tuples(changes), _tuples(comments)),
                PreparedRows("ticket_metric_events", _tuples(metrics), [], []),
                [LiveRow(*r) for r in live],
                begun,
            )
    finally:
        if worker.is_alive():
            worker.terminate()
        worker.join()


def _tuples(rows: list[list[Any]]) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in rows]


def _write_account(store: Store, tx: Transaction, cast: Cast, start: int) -> None:
    """The people the events name (with those ids) and the account's API objects."""
    people = (cast.admin, *cast.agents, *cast.requesters)
    users = [User(p.id, p.email, p.name, p.role) for p in people]
    store.users.add_known(tx, users, epoch_to_iso(start))
    store.account.put(tx, "ticket_fields", objects.ticket_fields(start))
    store.account.put(tx, "groups", objects.groups(start))
    store.account.put(tx, "sla_policies", objects.sla_policies(start))


def seed_store(
    store: Store,
    *,
    tickets: int,
    days: float,
    seed: int,
    now: int | None = None,
    progress: Callable[[int], None] | None = None,
    admin_email: str | None = None,
    admin_password: str | None = None,
    parallel: bool = False,
    late: LateArrival = DEFAULT_LATE_ARRIVAL,
    append: bool = False,
) -> SeedReport:
    """Fill ``store`` with ``days`` of history of ``tickets`` tickets, ending before ``now``.

    The same (tickets, days, seed, now, late) always writes the same rows with the same ids. A
    ticket makes about 8 audits (``ticket_events``) and about 50 metric events; for a given
    number of ticket events pick ``tickets`` = events / 8. Each transaction writes
    :data:`BATCH_SIZE` events. The account's ticket fields, groups and SLA policies are written
    too (``store.account``).

    Every event is written before ``now``; a breach written in advance may carry a later
    ``time`` (Zendesk serves it once that time has come), and late metric events become
    visible up to ``late.max_minutes`` after ``now``.

    A store that already holds events is refused unless ``append``: a second history merged
    into the first gives tickets two creations (or mixes made-up events into a mirror).

    Args:
        store: where to write; it must hold no events yet, unless ``append``.
        tickets: how many tickets to create (>= 1).
        days: length of the emulated period (> 0).
        seed: the random seed.
        now: end of the period in epoch seconds (default: the current time, floored to the
            minute).
        progress: called with the number of tickets begun so far, after each batch.
        admin_email: the admin user to create, who may call the server (None: none; add one
            with ``zendesk-events users add``). The default is none because a seeded store is
            often served where others can reach it.
        admin_password: the admin's password (None: no password; add a token separately).
        parallel: generate in a worker process while this one writes (about 1.5x faster on
            two cores; the history is the same). The worker is *spawned*, so the caller's
            ``__main__`` must be import-safe (``if __name__ == "__main__":``); the CLI turns it
            on from :data:`PARALLEL_MIN_TICKETS` tickets.
        late: which ticket updates' metric events arrive late, and how late
            (``LateArrival(share=0)``: none).
        append: write even if the store holds events already (the same arguments again
            rewrite the same rows; others merge two histories).

    Returns:
        What was written.

    Raises:
        ConfigError: tickets < 1 or days <= 0; the store holds events and not ``append``.
        StoreError: the database failed.
    """
    validate_arguments(tickets, days, now)
    if not append:
        _refuse_history(store)
    if now is None:
        now = int(time.time()) // 60 * 60
    end = int(now)
    start = end - int(days * 86_400)
    email = admin_email or DEFAULT_ADMIN_EMAIL
    cast = make_cast(seed, tickets, email)

    with store.db.transaction() as tx:
        _write_account(store, tx, cast, start)
    if admin_email:
        store.users.add(admin_email, "admin", name=cast.admin.name, password=admin_password)

    source = _worker_rows if parallel else _local_rows
    for ticket_rows, metric_rows, live, begun in source((tickets, start, end, seed, email, late)):
        with store.db.transaction() as tx:
            store.events.write(tx, ticket_rows)
            store.events.write(tx, metric_rows)
            store.live.put(tx, live)
        if progress is not None:
            progress(begun)
    params = {
        "tickets": tickets,
        "days": days,
        "seed": seed,
        "end": end,
        "late_share": late.share,
        "late_minutes": [late.min_minutes, late.max_minutes],
    }
    store.state.set_setting("seed", orjson.dumps(params).decode())
    return SeedReport(
        tickets=tickets,
        start=start,
        end=end,
        counts=store.events.counts(),
        spans={
            "ticket_events": store.events.time_span("ticket_events"),
            "ticket_metric_events": store.events.time_span("ticket_metric_events"),
        },
        admin_email=admin_email,
    )
