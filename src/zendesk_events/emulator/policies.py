"""The account's SLA policies: which one applies to a ticket, and what a policy body may say.

An SLA policy object (``GET /api/v2/slas/policies``: ``{id, title, description, position,
filter: {all, any}, policy_metrics: [{priority, metric, target, business_hours}]}``, OAS and
ZSPEC) is parsed once into a :class:`PolicyRule`. Zendesk applies the first policy, by
position, whose filter the ticket matches (all of ``all``, and one of ``any`` when there is
one), with the targets its ``policy_metrics`` set for the ticket's priority; a ticket without a
priority gets none (inferred: every policy metric names a priority). The seeded account's
policies and those an admin creates through the API go through the same code.

The filter fields we evaluate are the ticket's own: ``priority``, ``type``,
``ticket_type_id``, ``status``, ``group_id``, ``assignee_id``, ``requester_id``,
``organization_id``, ``via_id``, ``current_tags`` and ``custom_fields_<id>``; a body naming
another field is refused (ours: we cannot say whether a ticket would match it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from zendesk_events.emulator.sla import SlaPolicy, Target
from zendesk_events.errors import RecordInvalidError

__all__ = [
    "PRIORITIES",
    "TARGET_METRICS",
    "TYPE_IDS",
    "VIA_IDS",
    "PolicyRule",
    "resolve",
    "validate_policy",
    "without_nul",
]

PRIORITIES = ("low", "normal", "high", "urgent")
"""Ticket priorities in Zendesk's order (the order ``less_than``/``greater_than`` compare)."""

TARGET_METRICS = {
    "first_reply_time": "reply_time",
    "next_reply_time": "reply_time",
    "requester_wait_time": "requester_wait_time",
    "agent_work_time": "agent_work_time",
    "total_resolution_time": "resolution_time",
    "periodic_update_time": "periodic_update_time",
    "pausable_update_time": "pausable_update_time",
}
"""A policy metric (Zendesk's SLA policy reference) -> the metric its events carry."""

TYPE_IDS = {"1": "question", "2": "incident", "3": "problem", "4": "task"}
"""``ticket_type_id`` values (ZSPEC's recorded policy filters on ``ticket_type_id`` "2" for
incidents; the numbering is inferred from the order Zendesk lists ticket types)."""

VIA_IDS = {"0": "Web form", "4": "Mail", "5": "API", "27": "Closed ticket", "29": "Chat"}
"""``via_id`` values of Zendesk's Via types reference, as the export names the channel."""

_STATUSES = ("new", "open", "pending", "hold", "solved", "closed")
_SCALAR_FIELDS = frozenset(
    {
        "priority",
        "type",
        "ticket_type_id",
        "status",
        "group_id",
        "assignee_id",
        "requester_id",
        "organization_id",
        "via_id",
    }
)
_OPERATORS = {
    "current_tags": frozenset({"includes", "not_includes"}),
    "priority": frozenset({"is", "is_not", "less_than", "greater_than"}),
    "status": frozenset({"is", "is_not", "less_than", "greater_than"}),
}
_DEFAULT_OPERATORS = frozenset({"is", "is_not"})

Condition = tuple[str, str, Any]
"""(field, operator, value) of a filter."""


def _field_of(name: str) -> bool:
    if name in _SCALAR_FIELDS or name == "current_tags":
        return True
    prefix = "custom_fields_"
    return name.startswith(prefix) and name[len(prefix) :].isdigit()


def _scalar(ticket: Mapping[str, Any], field: str) -> Any:
    if field == "ticket_type_id":
        return ticket.get("type")
    if field == "via_id":
        return ticket.get("via_name")
    if field.startswith("custom_fields_"):
        return ticket.get("custom_fields", {}).get(int(field[len("custom_fields_") :]))
    return ticket.get(field)


def _expected(field: str, value: Any) -> Any:
    """A condition's value as the ticket holds it (ids as ints, type and via by name)."""
    text = str(value) if value is not None else None
    if field == "ticket_type_id":
        return TYPE_IDS.get(text or "", text)
    if field == "via_id":
        return VIA_IDS.get(text or "", text)
    if field.endswith("_id") and text is not None and text.isdigit():
        return int(text)
    return value


def _ordered(field: str, value: Any) -> int:
    scale = PRIORITIES if field == "priority" else _STATUSES
    return scale.index(value) if value in scale else -1


def _holds(condition: Condition, ticket: Mapping[str, Any]) -> bool:
    field, operator, value = condition
    if field == "current_tags":
        wanted = value.split() if isinstance(value, str) else [str(v) for v in value or ()]
        tags = set(ticket.get("tags") or ())
        found = any(tag in tags for tag in wanted)
        return found if operator == "includes" else not found
    have = _scalar(ticket, field)
    want = _expected(field, value)
    if operator == "is":
        return bool(have == want)
    if operator == "is_not":
        return bool(have != want)
    have_rank, want_rank = _ordered(field, have), _ordered(field, want)
    if have_rank < 0 or want_rank < 0:
        return False
    return have_rank < want_rank if operator == "less_than" else have_rank > want_rank


@dataclass(frozen=True, slots=True)
class PolicyRule:
    """One SLA policy of the account, ready to match tickets.

    Attributes:
        id: the policy's id.
        title: its title.
        description: its description (may be None).
        position: where it stands in the account's order (1 first).
        all: conditions that must all hold.
        any: conditions of which one must hold (none: no such requirement).
        metrics: ``(priority, policy metric, target minutes, business hours)`` each.
    """

    id: int
    title: str
    description: str | None
    position: int
    all: tuple[Condition, ...]
    any: tuple[Condition, ...]
    metrics: tuple[tuple[str, str, int, bool], ...]

    @classmethod
    def from_object(cls, obj: Mapping[str, Any]) -> PolicyRule:
        """Parse a stored policy object (already valid: see :func:`validate_policy`)."""
        flt = obj.get("filter") or {}

        def conditions(items: Iterable[Any] | None) -> tuple[Condition, ...]:
            return tuple(
                (str(c["field"]), str(c["operator"]), c.get("value"))
                for c in items or ()
                if isinstance(c, Mapping)
            )

        return cls(
            int(obj["id"]),
            str(obj.get("title") or ""),
            obj.get("description"),
            int(obj.get("position") or 0),
            conditions(flt.get("all")),
            conditions(flt.get("any")),
            tuple(
                (
                    str(m["priority"]),
                    str(m["metric"]),
                    int(m["target"]),
                    bool(m.get("business_hours", False)),
                )
                for m in obj.get("policy_metrics") or ()
            ),
        )

    def matches(self, ticket: Mapping[str, Any]) -> bool:
        """Whether ``ticket`` (a :meth:`Ticket.view <zendesk_events.emulator.ticket.Ticket.view>`)
        passes the filter."""
        if not all(_holds(c, ticket) for c in self.all):
            return False
        return not self.any or any(_holds(c, ticket) for c in self.any)

    def for_priority(self, priority: str | None) -> SlaPolicy | None:
        """The targets for tickets of ``priority`` (None when it sets none)."""
        targets: dict[str, Target] = {}
        next_reply: Target | None = None
        for level, metric, minutes, business in self.metrics:
            if level != priority or metric not in TARGET_METRICS:
                continue
            target = Target(minutes, business)
            if metric == "next_reply_time":
                next_reply = target
            else:
                targets[TARGET_METRICS[metric]] = target
        if not targets and next_reply is None:
            return None
        return SlaPolicy(self.id, self.title, self.description, targets, next_reply)


def resolve(rules: Sequence[PolicyRule], ticket: Mapping[str, Any]) -> SlaPolicy | None:
    """The SLA targets ``ticket`` falls under: the first matching policy by position."""
    priority = ticket.get("priority")
    if priority is None:
        return None
    for rule in sorted(rules, key=lambda r: (r.position, r.id)):
        if rule.matches(ticket):
            return rule.for_priority(priority)
    return None


# ---- what a policy body may say (POST/PUT /api/v2/slas/policies) ------------------------------


def _invalid(key: str, text: str, error: str = "InvalidValue") -> RecordInvalidError:
    return RecordInvalidError({key: [{"description": text, "error": error}]})


def without_nul(value: Any) -> Any:
    """``value`` with every NUL character removed from its strings and keys (ours: no database
    keeps one in text; the rest of a body is kept as sent)."""
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_nul(v) for v in value]
    return value


def _whole(value: Any) -> int | None:
    """A JSON integer (``7`` or ``7.0``), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, int) else None


def _check_conditions(items: Any, key: str, given: bool) -> list[dict[str, Any]]:
    if items is None and not given:
        return []
    if not isinstance(items, list):
        raise _invalid("filter", f"Filter: {key} must be a list of conditions")
    out = []
    for c in items:
        if not isinstance(c, dict) or not isinstance(c.get("field"), str):
            raise _invalid("filter", "Filter: each condition needs field, operator and value")
        field, operator = c["field"], c.get("operator")
        if not _field_of(field):
            raise _invalid("filter", f"Filter: the field {field!r} is not supported here")
        allowed = _OPERATORS.get(field, _DEFAULT_OPERATORS)
        if not isinstance(operator, str) or operator not in allowed:
            raise _invalid(
                "filter",
                f"Filter: {field} takes the operators {', '.join(sorted(allowed))}",
            )
        out.append({"field": field, "operator": operator, "value": c.get("value")})
    return out


def _check_metrics(items: Any, given: bool) -> list[dict[str, Any]]:
    if items is None and not given:
        return []
    if not isinstance(items, list):
        raise _invalid("policy_metrics", "Policy metrics: must be a list")
    out = []
    for m in items:
        if not isinstance(m, dict):
            raise _invalid("policy_metrics", "Policy metrics: each must be an object")
        if m.get("priority") not in PRIORITIES:
            raise _invalid("policy_metrics", "Policy metrics: Priority: is invalid")
        if not isinstance(m.get("metric"), str) or m["metric"] not in TARGET_METRICS:
            raise _invalid("policy_metrics", "Policy metrics: Metric: is invalid")
        target = _whole(m.get("target"))
        if target is None or target < 1 or target >= 2**31:
            raise _invalid("policy_metrics", "Policy metrics: Target: must be a whole number >= 1")
        business = m.get("business_hours", False)
        if not isinstance(business, bool):
            raise _invalid(
                "policy_metrics", "Policy metrics: Business hours: must be true or false"
            )
        out.append(
            {
                "priority": m["priority"],
                "metric": m["metric"],
                "target": target,
                "business_hours": business,
            }
        )
    return out


def validate_policy(body: Any, *, creating: bool) -> dict[str, Any]:
    """The fields a policy body sets, checked (``title``, ``description``, ``position``,
    ``filter``, ``policy_metrics``); an update may leave any out.

    Raises:
        RecordInvalidError: in Zendesk's ``RecordInvalid`` shape (``details`` by field; the
            wordings follow the recorded ``"<Field>: cannot be blank"`` / ``"is invalid"``
            pattern, the rest ours).
    """
    if not isinstance(body, dict):
        raise _invalid("base", "sla_policy: must be an object")
    body = without_nul(body)
    out: dict[str, Any] = {}
    if "title" in body or creating:
        title = body.get("title")
        if not isinstance(title, str) or not title.strip():
            raise _invalid("title", "Title: cannot be blank", "BlankValue")
        out["title"] = title
    if "description" in body:
        if body["description"] is not None and not isinstance(body["description"], str):
            raise _invalid("description", "Description: is invalid")
        out["description"] = body["description"]
    if "position" in body:
        position = _whole(body["position"])
        if position is None or position < 1 or position >= 2**31:
            raise _invalid("position", "Position: must be a whole number >= 1")
        out["position"] = position
    if "filter" in body or creating:
        flt = body.get("filter", {})
        if not isinstance(flt, dict):
            raise _invalid("filter", "Filter: must be an object with all and any")
        out["filter"] = {
            "all": _check_conditions(flt.get("all"), "all", "all" in flt),
            "any": _check_conditions(flt.get("any"), "any", "any" in flt),
        }
    if "policy_metrics" in body or creating:
        out["policy_metrics"] = _check_metrics(body.get("policy_metrics"), "policy_metrics" in body)
    return out
