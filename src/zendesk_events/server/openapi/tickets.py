"""What ``/openapi.json`` says about the Tickets API and the SLA policy writes.

Declared here, next to nothing else, from the same error classes the routes raise, so the
document says exactly what ``ticket_api.py`` serves: each route's parameters, request body,
answer and every error it can give. The bodies follow Zendesk's OpenAPI
(``TicketCreateInput``, ``TicketUpdateInput``, ``SLAPolicyObject``) and the recorded answers.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from zendesk_events.server.errors import (
    Forbidden,
    InvalidBody,
    InvalidPaginationParameter,
    InvalidToken,
    RecordInvalid,
    RecordNotFound,
    SignInThrottled,
    Unauthorized,
    ZendeskHTTPError,
)
from zendesk_events.server.openapi.common import SECURITY, error_response, query_param
from zendesk_events.server.openapi.models import (
    Audit,
    CursorLinks,
    CursorMeta,
    OpenObject,
)

__all__ = ["write_docs"]


class TicketObject(OpenObject):
    """A ticket as the Tickets API shows it (the recorded keys; more may come)."""

    url: str
    id: int
    external_id: str | None
    via: dict[str, Any]
    created_at: str
    updated_at: str
    type: str | None
    subject: str | None
    description: str | None
    priority: str | None
    status: str
    requester_id: int
    submitter_id: int
    assignee_id: int | None
    organization_id: int | None
    group_id: int | None
    tags: list[str]
    custom_fields: list[dict[str, Any]]
    custom_status_id: int | None


class TicketAnswer(BaseModel):
    """``GET /api/v2/tickets/{id}``."""

    ticket: TicketObject


class TicketWriteAnswer(BaseModel):
    """A create or update: the ticket and the audit the write made (Ticket Audits shape)."""

    ticket: TicketObject
    audit: Audit


class TicketsPage(BaseModel):
    """Offset page of tickets (cursor pages with page[size] have meta/links instead)."""

    tickets: list[TicketObject]
    next_page: str | None = None
    previous_page: str | None = None
    count: int | None = None
    meta: CursorMeta | None = None
    links: CursorLinks | None = None


class CommentObject(OpenObject):
    """A comment as the Ticket Comments API shows it (``{id, type, public}`` only when the
    store holds no comment bodies)."""

    id: int
    type: str
    public: bool | None


class CommentsPage(BaseModel):
    """A page of a ticket's comments, oldest first."""

    comments: list[CommentObject]
    next_page: str | None = None
    previous_page: str | None = None
    count: int | None = None
    meta: CursorMeta | None = None
    links: CursorLinks | None = None


class SlaPolicyObject(OpenObject):
    """An SLA policy (Zendesk's ``SLAPolicyObject``)."""

    url: str
    id: int
    title: str
    description: str | None
    position: int
    filter: dict[str, list[dict[str, Any]]]
    policy_metrics: list[dict[str, Any]]
    created_at: str
    updated_at: str


class SlaPolicyAnswer(BaseModel):
    """One SLA policy."""

    sla_policy: SlaPolicyObject


class RecordInvalidBody(BaseModel):
    """A 422: what Zendesk refused, field by field."""

    error: str = Field(description="RecordInvalid")
    description: str
    details: dict[str, list[dict[str, Any]]]


_STRING_OR_NULL = {"type": "string", "nullable": True}
_ID = {"type": "integer", "minimum": 1}
_ID_OR_NULL = {"type": "integer", "minimum": 1, "nullable": True}
_TAGS = {"type": "array", "items": {"type": "string"}}

_TICKET_INPUT: dict[str, Any] = {
    "type": "object",
    "description": "Any of these; other keys are accepted and ignored.",
    "properties": {
        "subject": {"type": "string"},
        "comment": {
            "type": "object",
            "properties": {
                "body": {"type": "string"},
                "html_body": {"type": "string"},
                "public": {"type": "boolean"},
                "author_id": _ID,
            },
        },
        "requester_id": _ID,
        "requester": {
            "type": "object",
            "description": "A user by email; made an end user with this name when unknown.",
            "required": ["name", "email"],
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "email": {"type": "string", "format": "email"},
            },
        },
        "assignee_id": _ID_OR_NULL,
        "assignee_email": {"type": "string"},
        "group_id": _ID_OR_NULL,
        "organization_id": _ID_OR_NULL,
        "priority": {
            "type": "string",
            "enum": ["low", "normal", "high", "urgent"],
            "nullable": True,
        },
        "status": {
            "type": "string",
            "enum": ["new", "open", "pending", "hold", "solved", "closed"],
        },
        "type": {
            "type": "string",
            "enum": ["problem", "incident", "question", "task"],
            "nullable": True,
        },
        "tags": _TAGS,
        "custom_fields": {
            "type": "array",
            "items": {"type": "object", "properties": {"id": _ID, "value": {}}},
        },
        "external_id": _STRING_OR_NULL,
    },
}
_CREATE_INPUT = {
    **_TICKET_INPUT,
    "anyOf": [{"required": ["comment"]}, {"required": ["description"]}],
    "properties": {
        **_TICKET_INPUT["properties"],
        "description": {"type": "string", "description": "The first comment, without comment."},
        "via": {
            "type": "object",
            "nullable": True,
            "properties": {"channel": {"type": "string", "enum": ["api", "web", "email", "chat"]}},
        },
    },
}
_UPDATE_INPUT = {
    **_TICKET_INPUT,
    "properties": {
        **_TICKET_INPUT["properties"],
        "additional_tags": _TAGS,
        "remove_tags": _TAGS,
    },
}


def _condition(fields: dict[str, Any], operators: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["field", "operator"],
        "properties": {
            "field": {"type": "string", **fields},
            "operator": {"type": "string", "enum": operators},
            "value": {},
        },
    }


_CONDITION = {
    "oneOf": [
        _condition({"enum": ["current_tags"]}, ["includes", "not_includes"]),
        _condition({"enum": ["priority", "status"]}, ["is", "is_not", "less_than", "greater_than"]),
        _condition(
            {
                "pattern": "^(type|ticket_type_id|group_id|assignee_id|requester_id"
                "|organization_id|via_id|custom_fields_[0-9]+)$"
            },
            ["is", "is_not"],
        ),
    ]
}
"""A filter condition: the fields we evaluate, each with the operators it takes."""


_POLICY_INPUT: dict[str, Any] = {
    "type": "object",
    "description": "title is required to create one.",
    "properties": {
        "title": {"type": "string", "minLength": 1, "pattern": "\\S"},
        "description": _STRING_OR_NULL,
        "position": {"type": "integer", "minimum": 1},
        "filter": {
            "type": "object",
            "properties": {
                "all": {"type": "array", "items": _CONDITION},
                "any": {"type": "array", "items": _CONDITION},
            },
        },
        "policy_metrics": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["priority", "metric", "target"],
                "properties": {
                    "priority": {"type": "string", "enum": ["low", "normal", "high", "urgent"]},
                    "metric": {
                        "type": "string",
                        "enum": [
                            "first_reply_time",
                            "next_reply_time",
                            "requester_wait_time",
                            "agent_work_time",
                            "total_resolution_time",
                            "periodic_update_time",
                            "pausable_update_time",
                        ],
                    },
                    "target": {"type": "integer", "minimum": 1},
                    "business_hours": {"type": "boolean"},
                },
            },
        },
    },
}


def _body(
    key: str, schema: dict[str, Any], example: dict[str, Any], *, creating: bool = False
) -> dict[str, Any]:
    envelope: dict[str, Any] = {"type": "object", "properties": {key: schema}}
    if creating:
        envelope["required"] = [key]
    return {
        "required": creating,
        "content": {"application/json": {"schema": envelope, "example": {key: example}}},
    }


def _path(name: str, what: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": f"The {what}'s id (also with a .json suffix).",
        "schema": {"type": "integer"},
    }


_PAGES = [
    query_param("page", "Offset page number, from 1.", {"type": "integer", "minimum": 1}),
    query_param(
        "per_page",
        "Offset page size (at most 100).",
        {"type": "integer", "minimum": 1, "maximum": 100},
    ),
    query_param(
        "page[size]",
        "Cursor pages of this many (at most 100), by id.",
        {"type": "integer", "minimum": 1, "maximum": 100},
    ),
    query_param("page[after]", "after_cursor of the previous page.", {"type": "string"}),
    query_param("page[before]", "before_cursor of the next page.", {"type": "string"}),
]
_INVALID = RecordInvalid({"base": [{"description": "Description: cannot be blank"}]})
_CLOSED = RecordInvalid({"status": [{"description": "Status: closed prevents ticket update"}]})
_BAD_BODY = InvalidBody('the body must be JSON: {"ticket": {...}}')
_BAD_PAGE = InvalidPaginationParameter("page[size] cannot be greater than 100")

# name -> (answer status, model, description, parameters, request body, error statuses)
_DOCS: dict[str, tuple[int, Any, str, list[dict[str, Any]], dict[str, Any] | None, list[int]]] = {
    "create_ticket": (
        201,
        TicketWriteAnswer,
        "Creates a ticket (agents and admins). The audit is the write's, with the triggers' "
        "notifications; the ticket's SLA metric events are in the metric event export. "
        "Answers with Location: the ticket's URL.",
        [],
        _body(
            "ticket",
            _CREATE_INPUT,
            {"subject": "Printer on fire", "comment": {"body": "It smokes."}, "priority": "high"},
            creating=True,
        ),
        [400, 422],
    ),
    "list_tickets": (
        200,
        TicketsPage,
        "The account's tickets by id (deleted ones left out): offset pages of 100, or cursor "
        "pages with page[size].",
        _PAGES,
        None,
        [400],
    ),
    "show_ticket": (
        200,
        TicketAnswer,
        "One ticket as it stands.",
        [_path("ticket_id", "ticket")],
        None,
        [404],
    ),
    "update_ticket": (
        200,
        TicketWriteAnswer,
        "Updates a ticket (agents and admins); a comment adds one. A closed ticket refuses "
        "every update (422).",
        [_path("ticket_id", "ticket")],
        _body("ticket", _UPDATE_INPUT, {"status": "solved", "comment": {"body": "Fixed."}}),
        [400, 404, 422],
    ),
    "delete_ticket": (
        204,
        None,
        "Deletes a ticket (its last audit sets status deleted).",
        [_path("ticket_id", "ticket")],
        None,
        [404],
    ),
    "list_comments": (
        200,
        CommentsPage,
        "A ticket's comments, oldest first: offset pages of 100, or cursor pages.",
        [_path("ticket_id", "ticket"), *_PAGES],
        None,
        [400, 404],
    ),
    "show_policy": (
        200,
        SlaPolicyAnswer,
        "One SLA policy (admins).",
        [_path("sla_policy_id", "SLA policy")],
        None,
        [404],
    ),
    "create_policy": (
        201,
        SlaPolicyAnswer,
        "Creates an SLA policy (admins); tickets it matches get its targets on their next write.",
        [],
        _body(
            "sla_policy",
            {**_POLICY_INPUT, "required": ["title"]},
            {
                "title": "Incidents",
                "filter": {"all": [{"field": "type", "operator": "is", "value": "incident"}]},
                "policy_metrics": [
                    {"priority": "normal", "metric": "first_reply_time", "target": 30}
                ],
            },
            creating=True,
        ),
        [400, 422],
    ),
    "update_policy": (
        200,
        SlaPolicyAnswer,
        "Updates an SLA policy (admins).",
        [_path("sla_policy_id", "SLA policy")],
        _body("sla_policy", _POLICY_INPUT, {"title": "Incidents, faster"}),
        [400, 404, 422],
    ),
    "delete_policy": (
        204,
        None,
        "Deletes an SLA policy (admins).",
        [_path("sla_policy_id", "SLA policy")],
        None,
        [404],
    ),
}


def write_docs(name: str) -> dict[str, Any]:
    """``add_api_route`` keyword arguments documenting one route of ``ticket_api.py``."""
    status, model, description, params, body, statuses = _DOCS[name]
    admins = name.endswith("_policy")
    ok: dict[str, Any] = {"description": description}
    if model is not None:
        ok["model"] = model
    if name == "create_ticket":
        ok["headers"] = {
            "Location": {"description": "The ticket's URL.", "schema": {"type": "string"}}
        }
    responses: dict[int | str, dict[str, Any]] = {
        status: ok,
        401: error_response(401, "No or wrong credentials.", Unauthorized(), InvalidToken()),
        403: error_response(
            403, "Not an admin." if admins else "An end user (agents and admins only).", Forbidden()
        ),
        429: error_response(
            429,
            "Too many failed password checks for this user or from this address; wait "
            "Retry-After seconds. Tokens are never refused this way.",
            SignInThrottled(600),
        ),
    }
    examples: list[ZendeskHTTPError]
    if 400 in statuses:
        examples = [_BAD_BODY] if body is not None else []
        examples += [_BAD_PAGE] if any(p["in"] == "query" for p in params) else []
        responses[400] = error_response(
            400, "A body that is not a JSON object, or a bad page.", *examples
        )
    if 404 in statuses:
        responses[404] = error_response(404, "No such record.", RecordNotFound())
    if 422 in statuses:
        examples = [_INVALID, _CLOSED] if "ticket" in name else [_INVALID]
        responses[422] = error_response(
            422,
            "A body Zendesk would refuse, with details by field.",
            *examples,
            model=RecordInvalidBody,
        )
    extra: dict[str, Any] = {"parameters": params, "security": SECURITY}
    if body is not None:
        extra["requestBody"] = body
    return {
        "status_code": status,
        "description": description + " Also served with a .json suffix.",
        "operation_id": name,
        "responses": responses,
        "openapi_extra": extra,
    }
