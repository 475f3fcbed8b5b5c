"""A Tickets API request body, checked and turned into the model's :class:`Update`.

What ``POST /api/v2/tickets`` and ``PUT /api/v2/tickets/{id}`` take (Zendesk's OpenAPI
``TicketCreateInput``/``TicketUpdateInput``): ``subject``, ``comment`` (``body`` or
``html_body``, ``public``, ``author_id``) or ``description`` on create, ``requester_id`` or
``requester: {name, email}``, ``assignee_id`` or ``assignee_email``, ``group_id``,
``organization_id``, ``priority``, ``status``, ``type``, ``tags`` (and ``additional_tags`` /
``remove_tags`` on update), ``custom_fields: [{id, value}]``, ``external_id``, and on create
``via: {channel}``. Other keys are accepted and ignored, as Zendesk drops what it does not take
(it answers ``X-Zendesk-API-Warn: Removed restricted keys``); ``description`` on an update is
ignored too (recorded: zenpy sends it, Zendesk keeps the first comment).

A refused body raises :class:`~zendesk_events.errors.RecordInvalidError` with Zendesk's
``details``. Recorded wordings: ``Description: cannot be blank`` (``BlankValue``, with the
description field's id and type, 2017), ``Assignee: is invalid`` (``InvalidValue``, 2024),
``Requester: Name:  is too short (minimum is 1 character)`` (2019), ``Priority: is invalid``
(under ``base``, 2020); the others follow the same pattern (inferred) or are ours.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from zendesk_events.emulator.account import VIA_CHANNEL
from zendesk_events.emulator.audit import Comment, Update
from zendesk_events.emulator.policies import PRIORITIES, without_nul
from zendesk_events.emulator.rules import AccountRules
from zendesk_events.emulator.ticket import Ticket
from zendesk_events.errors import RecordInvalidError

__all__ = ["DESCRIPTION_FIELD", "Directory", "comment_html", "parse_ticket"]

DESCRIPTION_FIELD = 360_010_000_002
"""The account's description ticket field (``ticket_fields``): the recorded "cannot be blank"
error names it."""

STATUSES = ("new", "open", "pending", "hold", "solved", "closed")
TYPES = ("problem", "incident", "question", "task")
_VIA_BY_CHANNEL = {
    channel: name
    for name, channel in VIA_CHANNEL.items()
    if channel in ("web", "email", "api", "chat")
}
"""``via.channel`` a create may name -> the export's channel name (others: API)."""
_TAG = re.compile(r"<[^>]+>")
_USED = frozenset(
    {
        "subject",
        "external_id",
        "priority",
        "status",
        "type",
        "requester_id",
        "requester",
        "assignee_id",
        "assignee_email",
        "group_id",
        "organization_id",
        "tags",
        "additional_tags",
        "remove_tags",
        "custom_fields",
        "comment",
        "description",
        "via",
    }
)
"""The keys of a ticket body we take; the others are ignored, whatever they hold."""


@dataclass(frozen=True, slots=True)
class Directory:
    """What checking a body looks up, read inside the write's transaction.

    Attributes:
        account: the account's groups, fields, policies and agents.
        roles: user id -> role, for the ids asked (unknown ids are left out).
        user_by_email: ``(email, name)`` -> ``(id, role)`` of that user, made an end user
            when unknown (``name`` None: only find; raises KeyError when unknown).
    """

    account: AccountRules
    roles: Callable[[Iterable[int]], Mapping[int, str]]
    user_by_email: Callable[[str, str | None], tuple[int, str]]


def _invalid(key: str, text: str, error: str | None = "InvalidValue") -> RecordInvalidError:
    entry: dict[str, Any] = {"description": text}
    if error is not None:
        entry["error"] = error
    return RecordInvalidError({key: [entry]})


def comment_html(body: str) -> str:
    """The ``html_body`` Zendesk renders for a plain comment (recorded: zenpy cassettes)."""
    text = html.escape(body, quote=False).replace("\n", "<br>")
    return f'<div class="zd-comment" dir="auto"><p dir="auto">{text}</p></div>'


def _int(value: Any) -> int | None:
    """An id: a whole number from 1 that a database can hold (as a number or its digits)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # JSON's 7.0 is the integer 7
    if isinstance(value, int) and 1 <= value < 2**63:
        return value
    return None


def _comment(
    raw: Any,
    *,
    actor_id: int,
    actor_role: str,
    default_public: bool,
    directory: Directory,
) -> Comment | None:
    """The request's comment (None: none asked, or an empty one on an update)."""
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = {"body": raw}
    if not isinstance(raw, dict):
        raise _invalid("base", "Comment: is invalid")
    body = raw.get("body")
    markup = raw.get("html_body")
    if body is not None and not isinstance(body, str):
        raise _invalid("base", "Comment: Body: is invalid")
    if markup is not None and not isinstance(markup, str):
        raise _invalid("base", "Comment: Html body: is invalid")
    if not (body or "").strip() and not (markup or "").strip():
        return None
    text = body if body and body.strip() else html.unescape(_TAG.sub(" ", markup or "")).strip()
    public = raw.get("public", default_public)
    if not isinstance(public, bool):
        raise _invalid("base", "Comment: Public: is invalid")
    author_id, author_role = actor_id, actor_role
    if raw.get("author_id") is not None:
        author = _int(raw["author_id"])
        role = None if author is None else directory.roles([author]).get(author)
        if author is None or role is None:
            raise _invalid("base", "Comment: Author: is invalid")
        author_id, author_role = author, role
    if author_role == "end-user":
        public = True  # an end user's comment is always public
    rendered = markup if markup and markup.strip() else comment_html(text)
    return Comment(text, rendered, public, author_id, author_role)


def _user_field(
    fields: dict[str, Any], body: dict[str, Any], key: str, directory: Directory
) -> None:
    """``requester_id``/``requester`` and ``assignee_id``/``assignee_email`` into ``fields``."""
    if key == "requester":
        if body.get("requester_id") is not None:
            rid = _int(body["requester_id"])
            if rid is None or rid not in directory.roles([rid]):
                raise _invalid("requester", "Requester: is invalid")
            fields["requester_id"] = rid
        elif isinstance(body.get("requester"), dict):
            req = body["requester"]
            email = req.get("email")
            name = req.get("name")
            if not isinstance(email, str) or "@" not in email:
                raise _invalid("requester", "Requester: Email: is invalid", None)
            try:
                rid, _ = directory.user_by_email(email.strip(), None)
            except KeyError:
                if not isinstance(name, str) or not name.strip():
                    raise _invalid(
                        "requester",
                        "Requester: Name:  is too short (minimum is 1 character)",
                        None,
                    ) from None
                rid, _ = directory.user_by_email(email.strip(), name.strip())
            fields["requester_id"] = rid
        return
    if "assignee_id" in body:
        raw = body["assignee_id"]
        if raw is None:
            fields["assignee_id"] = None
            return
        aid = _int(raw)
        if aid is None or directory.roles([aid]).get(aid) not in ("admin", "agent"):
            raise _invalid("assignee", "Assignee: is invalid")
        fields["assignee_id"] = aid
    elif isinstance(body.get("assignee_email"), str):
        try:
            aid, role = directory.user_by_email(body["assignee_email"].strip(), None)
        except KeyError:
            raise _invalid("assignee", "Assignee: is invalid") from None
        if role not in ("admin", "agent"):
            raise _invalid("assignee", "Assignee: is invalid")
        fields["assignee_id"] = aid


def _tags(value: Any, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _invalid("base", f"{key.replace('_', ' ').capitalize()}: is invalid")
    return list(dict.fromkeys(t for v in value for t in v.split()))


def _custom_fields(value: Any, account: AccountRules) -> dict[int, Any]:
    if not isinstance(value, list):
        raise _invalid("base", "Custom fields: is invalid")
    out: dict[int, Any] = {}
    for item in value:
        fid = _int(item.get("id")) if isinstance(item, dict) else None
        if fid is None or fid not in account.custom_field_ids:
            raise _invalid("base", f"Custom field {fid if fid is not None else item!r}: is invalid")
        field_value = item.get("value")
        options = account.option_tags(fid)
        if (
            options
            and field_value is not None
            and (not isinstance(field_value, str) or field_value not in options)
        ):
            raise _invalid("base", f"Custom field {fid}: {field_value!r} is not one of its options")
        out[fid] = field_value
    return out


def parse_ticket(
    body: Any,
    *,
    creating: bool,
    actor_id: int,
    actor_role: str,
    ticket: Ticket | None,
    directory: Directory,
) -> tuple[Update, str]:
    """The update a request body asks for, and the channel (``via``) of the write.

    Raises:
        RecordInvalidError: the body is not one Zendesk would take.
    """
    if not isinstance(body, dict):
        raise _invalid("base", "Ticket: must be an object")
    body = without_nul({k: v for k, v in body.items() if k in _USED})
    fields: dict[str, Any] = {}
    for key in ("subject", "external_id"):
        if key in body and (value := body[key]) is not None:
            if not isinstance(value, str):
                raise _invalid("base", f"{key.replace('_', ' ').capitalize()}: is invalid")
            fields[key] = value
    for key, allowed in (("priority", PRIORITIES), ("status", STATUSES), ("type", TYPES)):
        if key not in body:
            continue
        value = body[key]
        if value is None and key != "status":
            fields[key] = None
        elif value not in allowed:
            raise _invalid("base", f"{key.capitalize()}: is invalid")
        else:
            fields[key] = value
    _user_field(fields, body, "requester", directory)
    _user_field(fields, body, "assignee", directory)
    if "group_id" in body:
        gid = body["group_id"]
        if gid is not None and _int(gid) not in directory.account.group_ids:
            raise _invalid("group", "Group: is invalid")
        fields["group_id"] = None if gid is None else _int(gid)
    if "organization_id" in body:
        oid = body["organization_id"]
        if oid is not None and _int(oid) is None:
            raise _invalid("organization", "Organization: is invalid")
        fields["organization_id"] = None if oid is None else _int(oid)

    update = Update(fields=fields)
    if body.get("tags") is not None:
        update.tags = _tags(body["tags"], "tags")
    if not creating:
        if body.get("additional_tags") is not None:
            update.add_tags = _tags(body["additional_tags"], "additional_tags")
        if body.get("remove_tags") is not None:
            update.remove_tags = _tags(body["remove_tags"], "remove_tags")
    if body.get("custom_fields") is not None:
        update.custom_fields = _custom_fields(body["custom_fields"], directory.account)

    raw_comment = body.get("comment")
    if body.get("description") is not None and not isinstance(body["description"], str):
        raise _invalid("base", "Description: is invalid")
    if creating and raw_comment is None and body.get("description") is not None:
        raw_comment = {"body": body["description"]}  # zenpy creates with a description only
    default_public = True if ticket is None else ticket.public_default
    update.comment = _comment(
        raw_comment,
        actor_id=actor_id,
        actor_role=actor_role,
        default_public=default_public,
        directory=directory,
    )
    if creating and update.comment is None:
        raise RecordInvalidError(
            {
                "base": [
                    {
                        "description": "Description: cannot be blank",
                        "error": "BlankValue",
                        "ticket_field_id": DESCRIPTION_FIELD,
                        "ticket_field_type": "FieldDescription",
                    }
                ]
            }
        )
    if not creating and raw_comment is not None and update.comment is None:
        raise _invalid("base", "Comment: cannot be blank", "BlankValue")

    via = "API"
    if creating and body.get("via") is not None:
        channel = body["via"].get("channel") if isinstance(body["via"], dict) else None
        if not isinstance(channel, str) or channel not in _VIA_BY_CHANNEL:
            raise _invalid("base", f"Via: channel must be one of {', '.join(_VIA_BY_CHANNEL)}")
        via = _VIA_BY_CHANNEL[channel]
    return update, via
