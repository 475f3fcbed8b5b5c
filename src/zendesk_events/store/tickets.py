"""Tickets as they stand now, folded from their stored audits (the ticket events).

The export holds every change of every ticket; a ticket's current state is the last value each
field was set to. This module folds that from ``ticket_field_changes`` (one row per field a
Create or Change child set) and serves the pages of ``incremental/tickets/cursor``; it also
reads one ticket's audits for the Ticket Audits API. Written for any reader of ticket state (the
server today, a live ticket API later): it takes a hold-back bound (``before``) and returns plain
dicts in the Tickets API's shape, minus what only the caller knows (the ``url``).

What a folded ticket carries, and why (evidence in COVERAGE.md):

* ``id``, ``created_at`` (first audit), ``updated_at`` and ``generated_timestamp`` (last audit);
* the fields every recorded ticket has, ``null`` (``[]`` for tags) when no audit set them, as a
  recorded ticket whose audits never set ``assignee_id`` shows ``"assignee_id": null``;
* every other field some audit set (``custom_status_id``, ``brand_id``, ...), and custom fields
  as ``custom_fields``/``fields``: ``[{"id": ..., "value": ...}]``;
* ``description``: the first comment's body, when the store holds the comment sideload.

Keys the audits cannot tell (``via``, ``submitter_id``, ``raw_subject``, ``collaborator_ids``,
...) are left out rather than guessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from zendesk_events.store.database import Database
from zendesk_events.timeutil import epoch_to_iso

__all__ = ["TicketPage", "TicketStore"]

CORE_FIELDS: tuple[tuple[str, Any], ...] = (
    ("type", None),
    ("subject", None),
    ("priority", None),
    ("status", None),
    ("requester_id", None),
    ("assignee_id", None),
    ("organization_id", None),
    ("group_id", None),
    ("tags", ()),
)
"""Fields every recorded ticket has, with their value when no audit set them."""

_ORDER = [
    "url",
    "id",
    "external_id",
    "via",
    "created_at",
    "updated_at",
    "type",
    "subject",
    "raw_subject",
    "description",
    "priority",
    "status",
    "recipient",
    "requester_id",
    "submitter_id",
    "assignee_id",
    "organization_id",
    "group_id",
    "collaborator_ids",
    "follower_ids",
    "email_cc_ids",
    "forum_topic_id",
    "problem_id",
    "has_incidents",
    "is_public",
    "due_at",
    "tags",
    "custom_fields",
    "satisfaction_rating",
    "sharing_agreement_ids",
    "custom_status_id",
    "fields",
    "followup_ids",
    "ticket_form_id",
    "brand_id",
    "allow_channelback",
    "allow_attachments",
    "from_messaging_channel",
    "generated_timestamp",
]
"""Key order of a recorded ticket (zenpy cassette, 2024); unknown keys go before the last."""
_RANK = {key: i for i, key in enumerate(_ORDER)}

_BOOLEAN_FIELDS = frozenset({"is_public", "has_incidents", "allow_channelback"})
_CHUNK = 500
"""Ticket ids per ``IN (...)`` list (well inside every driver's parameter limit)."""


@dataclass(frozen=True, slots=True)
class TicketPage:
    """One page of tickets changed since a start time, in (generated_timestamp, id) order.

    Attributes:
        tickets: the folded tickets (no ``url``).
        last: (generated_timestamp, id) of the last ticket; None when empty.
        has_more: more tickets follow.
    """

    tickets: list[dict[str, Any]]
    last: tuple[int, int] | None
    has_more: bool


class TicketStore:
    """Ticket state and ticket audits, read from the event tables."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def changed_page(
        self,
        *,
        start_time: int | None,
        after: tuple[int, int] | None,
        before: int,
        limit: int,
    ) -> TicketPage:
        """Tickets whose last audit lies at or after ``start_time`` (and after ``after``).

        A ticket's ``generated_timestamp`` is its last audit older than ``before``: audits in
        the hold-back window are not seen yet, as for the export itself.

        Args:
            start_time: tickets last changed at or after this second (None: any).
            after: keyset position (generated_timestamp, id) to continue after.
            before: only audits older than this second count.
            limit: tickets per page.
        """
        # A ticket's last audit lies at or after a second exactly when it has an audit in
        # [that second, before): so only the audits from the cursor (or start_time) on are
        # read, through the (timestamp, id) index, and a walk costs less page by page.
        low = 0 if start_time is None else start_time
        having = ""
        params: tuple[int, ...] = ()
        if after is not None:
            low = max(low, after[0])
            having = " HAVING MAX(timestamp) > ? OR (MAX(timestamp) = ? AND ticket_id > ?)"
            params = (after[0], after[0], after[1])
        rows = self.db.query(
            "SELECT ticket_id, MAX(timestamp) AS updated FROM ticket_events "
            f"WHERE timestamp >= ? AND timestamp < ? GROUP BY ticket_id{having} "
            "ORDER BY updated, ticket_id LIMIT ?",
            (low, before, *params, limit + 1),
        )
        has_more = len(rows) > limit
        rows = rows[:limit]
        states = self.states([int(r[0]) for r in rows], before=before)
        tickets = [states[int(r[0])] for r in rows]
        last = (int(rows[-1][1]), int(rows[-1][0])) if rows else None
        return TicketPage(tickets, last, has_more)

    def states(
        self,
        ticket_ids: Sequence[int],
        *,
        before: int,
        spans: dict[int, tuple[int, int]] | None = None,
    ) -> dict[int, dict[str, Any]]:
        """The current state of each ticket that has an audit older than ``before``.

        Args:
            ticket_ids: which tickets.
            before: only audits older than this second count.
            spans: (first, last) audit second per ticket, when the caller has them.
        """
        if spans is None:
            spans = self._spans(ticket_ids, before)
        values: dict[int, dict[str, Any]] = {t: {} for t in spans}
        custom: dict[int, dict[int, Any]] = {t: {} for t in spans}
        kinds = self._custom_field_types()
        descriptions: dict[int, str] = {}
        for chunk in _chunks(list(spans)):
            marks = ", ".join("?" * len(chunk))
            for ticket_id, field, field_id, value in self.db.query(
                "SELECT ticket_id, field, field_id, value FROM ticket_field_changes "
                f"WHERE ticket_id IN ({marks}) AND timestamp < ? "
                "ORDER BY ticket_id, timestamp, audit_id, id",
                (*chunk, before),
            ):
                if field == "custom_ticket_fields" and field_id:
                    custom[int(ticket_id)][int(field_id)] = _custom_value(
                        value, kinds.get(int(field_id))
                    )
                elif not field.startswith("custom_ticket_fields"):
                    values[int(ticket_id)][field] = _typed(field, value)
            for ticket_id, body in self.db.query(
                "SELECT ticket_id, body FROM ticket_comments "
                f"WHERE ticket_id IN ({marks}) AND timestamp < ? ORDER BY ticket_id, timestamp, id",
                (*chunk, before),
            ):
                descriptions.setdefault(int(ticket_id), body)
        out: dict[int, dict[str, Any]] = {}
        for ticket_id, (first, last) in spans.items():
            state: dict[str, Any] = {
                "id": ticket_id,
                "created_at": epoch_to_iso(first),
                "updated_at": epoch_to_iso(last),
            }
            for field, default in CORE_FIELDS:
                state[field] = list(default) if isinstance(default, tuple) else default
            state.update(values[ticket_id])
            if ticket_id in descriptions:
                state["description"] = descriptions[ticket_id]
            fields = [{"id": i, "value": v} for i, v in sorted(custom[ticket_id].items())]
            state["custom_fields"] = fields
            state["fields"] = [dict(f) for f in fields]
            state["generated_timestamp"] = last
            out[ticket_id] = {
                k: state[k] for k in sorted(state, key=lambda k: _RANK.get(k, len(_ORDER) - 1.5))
            }
        return out

    def audit_items(self, ticket_id: int, *, before: int) -> list[dict[str, Any]]:
        """One ticket's stored audits (export items) older than ``before``, oldest first.

        Each comes with its full Comment children when the store holds the comment sideload
        (the Ticket Audits API always shows comment bodies).
        """
        rows = self.db.query(
            "SELECT COALESCE(raw_comments, raw) FROM ticket_events "
            "WHERE ticket_id = ? AND timestamp < ? ORDER BY timestamp, id",
            (ticket_id, before),
        )
        return [orjson.loads(r[0]) for r in rows]

    def _spans(self, ticket_ids: Sequence[int], before: int) -> dict[int, tuple[int, int]]:
        spans: dict[int, tuple[int, int]] = {}
        for chunk in _chunks(list(ticket_ids)):
            marks = ", ".join("?" * len(chunk))
            for ticket_id, first, last in self.db.query(
                "SELECT ticket_id, MIN(timestamp), MAX(timestamp) FROM ticket_events "
                f"WHERE ticket_id IN ({marks}) AND timestamp < ? GROUP BY ticket_id",
                (*chunk, before),
            ):
                spans[int(ticket_id)] = (int(first), int(last))
        return spans

    def _custom_field_types(self) -> dict[int, str]:
        return {
            int(r[0]): str(r[1])
            for r in self.db.query("SELECT id, type FROM ticket_fields WHERE type IS NOT NULL")
        }


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK)]


def _typed(field: str, value: str | None) -> Any:
    """A stored plain value (see ``normalize.plain``) back in the Tickets API's types.

    Ids are integers there (the export sometimes sends them as strings), tags and other lists
    are lists; everything else stays the text it was set to.
    """
    if value is None:
        return None
    if field.endswith("_id") and value.isascii() and value.isdigit():
        return int(value)
    if field in _BOOLEAN_FIELDS and value in ("true", "false"):
        return value == "true"
    if value.startswith("["):
        try:
            decoded = orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
        if isinstance(decoded, list):
            return decoded
    return value


def _custom_value(value: str | None, field_type: str | None) -> Any:
    """A custom field's value: booleans for checkboxes, lists for multi-selects, else text."""
    if value is None:
        return None
    if field_type == "checkbox" and value in ("true", "false"):
        return value == "true"
    if field_type == "multiselect" or value.startswith("["):
        return _typed("", value)
    return value
