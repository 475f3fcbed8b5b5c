"""Time-based paging: reading a page, following the cursor, dropping boundary duplicates.

A page's ``next_page`` starts *at* its ``end_time``, so the items of the last second come
again; :class:`~zendesk_events.checkpoint.Checkpoint` remembers their ids and drops them. Two
things can go wrong that must never turn into a silent loop or silent loss (STYLE.md §8):

* the cursor goes backwards (``next_start_time < start_time``): a broken server;
* the cursor stands still with nothing new: more items share one second than fit in a page
  and the server does not extend pages (real Zendesk sets ``end_time`` to the last item's
  second, so a 1000-item page of one second comes back unchanged forever). Moving past that
  second would lose its remaining items, so we stop and say so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson

from zendesk_events.checkpoint import Checkpoint
from zendesk_events.errors import PaginationError
from zendesk_events.events import STREAMS, ExportPage, StreamName, item_timestamp
from zendesk_events.timeutil import iso_to_epoch

__all__ = ["PageResult", "caught_up_page", "follow_pages", "parse_page"]


@dataclass(frozen=True)
class PageResult:
    """One page as the sync engine stores it.

    Attributes:
        page: the page as served (every item, duplicates included).
        items: the fresh items only (boundary duplicates and, with ``until``, items at or
            after ``until`` dropped), as raw dicts with every field kept.
        checkpoint: the cursor after this page; store it in the same transaction as ``items``.
    """

    page: ExportPage
    items: list[dict[str, Any]]
    checkpoint: Checkpoint


def _next_start(next_page: str | None) -> int | None:
    """``start_time`` from a ``next_page`` URL (None when absent or unreadable)."""
    if not next_page:
        return None
    values = parse_qs(urlsplit(next_page).query).get("start_time")
    if not values:
        return None
    try:
        return int(values[0])
    except ValueError:
        return None


def parse_page(
    stream: StreamName, start_time: int, content: bytes | bytearray, where: str
) -> ExportPage:
    """Decode and check one export page body.

    Items stay raw dicts (no per-item validation: this is the hot path of a sync).

    Args:
        stream: which stream was asked for.
        start_time: the request's ``start_time``.
        content: the response body.
        where: the request URL, for messages.

    Raises:
        PaginationError: not JSON, or the page lacks its items, ``count`` or ``end_time``, or
            they contradict each other.
    """
    spec = STREAMS[stream]
    try:
        data = orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        raise PaginationError(f"the page from {where} is not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise PaginationError(f"the page from {where} is not a JSON object")
    items = data.get(spec.items_key)
    if not isinstance(items, list):
        what = "missing" if items is None else "not a list"
        keys = ", ".join(sorted(map(str, data))[:12]) or "none"
        raise PaginationError(
            f"the page from {where} has its {spec.items_key!r} list {what} (its keys: {keys})"
        )
    count = data.get("count")
    if not isinstance(count, int) or isinstance(count, bool):
        raise PaginationError(f"the page from {where} has no integer 'count'")
    if count != len(items):
        raise PaginationError(
            f"the page from {where} says count={count} but holds {len(items)} items "
            "(truncated response?)"
        )
    if "end_time" not in data:
        raise PaginationError(f"the page from {where} has no 'end_time'")
    end_time = data["end_time"]
    if end_time is None and not items:
        end_time = start_time  # an empty page may leave it null: nothing was passed
    if not isinstance(end_time, int) or isinstance(end_time, bool):
        raise PaginationError(f"the page from {where} has a non-integer 'end_time'")
    check = _check_ticket_event if stream == "ticket_events" else _check_metric_event
    for n, item in enumerate(items, 1):
        problem = check(item) if isinstance(item, dict) else "is not a JSON object"
        if problem is not None:
            raise PaginationError(_malformed(where, n, len(items), item, problem))
    next_page = data.get("next_page")
    if not isinstance(next_page, str):
        next_page = None
    end_of_stream = data.get("end_of_stream")
    if not isinstance(end_of_stream, bool):
        raise PaginationError(f"the page from {where} has no boolean 'end_of_stream'")
    next_start = _next_start(next_page)
    return ExportPage(
        stream=stream,
        start_time=start_time,
        items=items,
        count=count,
        end_time=end_time,
        end_of_stream=end_of_stream,
        next_page=next_page,
        next_start_time=end_time if next_start is None else next_start,
        url=where,
    )


_INT64 = 2**63


def _is_int64(value: Any) -> bool:
    return type(value) is int and -_INT64 <= value < _INT64


def _check_ticket_event(item: dict[str, Any]) -> str | None:
    """What is wrong with a ticket event (None: nothing): what the sync needs to key and
    order it, an ``id``, ``ticket_id`` and ``timestamp`` (spec §3). Child events are not
    checked here: the store keeps any shape of them in the served JSON (spec §9.5). On the
    hot path of a backfill: the good case first."""
    get = item.get
    event_id, ticket_id, ts = get("id"), get("ticket_id"), get("timestamp")
    if (
        type(event_id) is int
        and type(ticket_id) is int
        and type(ts) is int
        and -_INT64 <= event_id < _INT64
        and -_INT64 <= ticket_id < _INT64
        and -_INT64 <= ts < _INT64
    ):
        return None
    for key in ("id", "ticket_id", "timestamp"):
        if not _is_int64(get(key)):
            return f"has no integer {key!r}"
    return None  # pragma: no cover - one of the three failed above


def _check_metric_event(item: dict[str, Any]) -> str | None:
    """What is wrong with a ticket metric event (None: nothing): ``id``, ``ticket_id``,
    ``metric``, ``type`` and an ISO 8601 ``time`` (spec §5)."""
    for key in ("id", "ticket_id"):
        if not _is_int64(item.get(key)):
            return f"has no integer {key!r}"
    for key in ("metric", "type"):
        if not isinstance(item.get(key), str):
            return f"has no string {key!r}"
    time = item.get("time")
    if not isinstance(time, str):
        return "has no string 'time'"
    try:
        iso_to_epoch(time)
    except ValueError:
        return f"has a 'time' that is no ISO 8601 time ({time[:40]!r})"
    return None


def _malformed(where: str, n: int, count: int, item: Any, problem: str) -> str:
    """One line naming the page and the item (by position, id and keys: never its values,
    which are the account's data)."""
    name = f"item {n} of {count}"
    if isinstance(item, dict):
        if _is_int64(item.get("id")):
            name += f" (id {item['id']})"
        keys = ", ".join(sorted(map(str, item))[:12])
        problem += f"; its keys: {keys or 'none'}"
    return f"the page from {where} holds a malformed item: {name} {problem}"


def caught_up_page(stream: StreamName, start_time: int) -> ExportPage:
    """The empty, final page that stands for Zendesk's 422 "Too recent start_time"."""
    return ExportPage(
        stream=stream,
        start_time=start_time,
        items=[],
        count=0,
        end_time=start_time,
        end_of_stream=True,
        next_page=None,
        next_start_time=start_time,
    )


def _before(items: list[dict[str, Any]], until: int) -> list[dict[str, Any]]:
    """The leading items older than ``until`` (items come in time order)."""
    for n, item in enumerate(items):
        if item_timestamp(item) >= until:
            return items[:n]
    return items


def follow_pages(
    fetch: Callable[[int], ExportPage],
    start: int | Checkpoint,
    *,
    until: int | None = None,
) -> Iterator[PageResult]:
    """Pages from ``start`` until ``end_of_stream`` (or ``until``), duplicates dropped.

    The next request is built from ``next_start_time`` rather than by fetching ``next_page``
    verbatim: it is the same request, and the credentials never follow a URL the server chose.

    Args:
        fetch: gets the page at a ``start_time``.
        start: a first ``start_time``, or the stored cursor to resume from.
        until: if given, only items with a timestamp before it; stop once the cursor gets there.

    Raises:
        PaginationError: the cursor went backwards, or stalled on a second whose items don't
            fit in one page.
    """
    cursor = start if isinstance(start, Checkpoint) else Checkpoint(start)
    while until is None or cursor.start_time < until:
        page = fetch(cursor.start_time)
        if page.next_start_time < cursor.start_time:
            raise PaginationError(
                f"the {page.stream} cursor went backwards: asked for start_time="
                f"{cursor.start_time}, the server's next start_time is {page.next_start_time}"
            )
        fresh = cursor.fresh(page.items)
        if not page.end_of_stream and page.next_start_time == cursor.start_time and not fresh:
            raise PaginationError(
                f"{len(page.items)} or more {page.stream} share second {cursor.start_time} "
                "(a whole page) and the server does not extend pages; cannot make progress "
                "without losing events"
            )
        next_start = page.next_start_time
        kept = fresh
        if until is not None and next_start >= until:
            # The page reaches ``until``: keep what lies before it and stop the cursor there,
            # so a later run from this cursor starts exactly where this one stopped.
            kept = _before(fresh, until)
            next_start = until
        checkpoint = cursor.advance(kept, next_start)
        yield PageResult(page, kept, checkpoint)
        if page.end_of_stream:
            return
        cursor = checkpoint
