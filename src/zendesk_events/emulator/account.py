"""The emulated account: its groups, rules, custom fields, canned texts and people.

Kept apart from ``tickets.py`` so the lifecycle reads as a story; everything here is data (ids
and texts fixed, people drawn from the seed).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from random import Random
from typing import Any

from zendesk_events.store import Role

__all__ = [
    "AGENT_NOTE",
    "AGENT_REPLY",
    "AUTOMATION_CLOSE",
    "AUTOMATION_CSAT",
    "AUTOMATION_PENDING",
    "BILLING",
    "CHANNELS",
    "CHANNEL_NAMES",
    "CUSTOM_FIELDS",
    "CUSTOM_STATUSES",
    "FIELD_IMPACT",
    "FIELD_PRODUCT",
    "FIELD_REGION",
    "GROUPS",
    "GROUP_NAMES",
    "IMPACTS",
    "MACRO_ESCALATE",
    "ONBOARDING",
    "ORGANIZATIONS",
    "PRIORITIES",
    "PRODUCTS",
    "PRODUCT_NAMES",
    "RATINGS",
    "REGIONS",
    "REQUESTER_OPEN",
    "REQUESTER_REPLY",
    "RULE_SYSTEM",
    "SOLVE",
    "SUBJECTS",
    "SUPPORT",
    "TIER2",
    "TRIGGER_ASSIGNEE",
    "TRIGGER_COMMENT",
    "TRIGGER_RECEIVED",
    "TRIGGER_ROUTE",
    "TRIGGER_VIP",
    "TYPES",
    "VIA_CHANNEL",
    "Cast",
    "CustomField",
    "Person",
    "make_cast",
]

# ---- the account: groups, rules, fields -----------------------------------------------------

GROUPS = (360_000_210_001, 360_000_210_002, 360_000_210_003, 360_000_210_004)
SUPPORT, BILLING, TIER2, ONBOARDING = GROUPS
GROUP_NAMES = {SUPPORT: "Support", BILLING: "Billing", TIER2: "Tier 2", ONBOARDING: "Onboarding"}

ORGANIZATIONS = (360_000_310_001, 360_000_310_002, 360_000_310_003, 360_000_310_004)
"""Organizations some requesters belong to (their tickets get an ``organization_id``)."""

CUSTOM_STATUSES = {
    "new": 360_000_410_001,
    "open": 360_000_410_002,
    "pending": 360_000_410_003,
    "hold": 360_000_410_004,
    "solved": 360_000_410_005,
}
"""The default custom ticket status of each status category (closed has none of its own)."""

TRIGGER_RECEIVED = 360_000_001_101  # "Notify requester of received request"
TRIGGER_ROUTE = 360_000_001_102  # "Route by product to a group"
TRIGGER_COMMENT = 360_000_001_103  # "Notify requester of comment update"
TRIGGER_ASSIGNEE = 360_000_001_104  # "Notify assignee of comment update"
TRIGGER_VIP = 360_000_001_105  # "Tag VIP requesters"
AUTOMATION_CLOSE = 360_000_002_201  # "Close ticket 4 days after status is set to solved"
AUTOMATION_CSAT = 360_000_002_202  # "Request customer satisfaction rating"
AUTOMATION_PENDING = 360_000_002_203  # "Solve pending tickets after 5 days without reply"
MACRO_ESCALATE = 360_000_003_301

FIELD_PRODUCT = 360_010_000_101
FIELD_REGION = 360_010_000_102
FIELD_IMPACT = 360_010_000_103
PRODUCTS = ("mobile_app", "web_portal", "public_api", "billing_portal", "integrations")
PRODUCT_NAMES = {
    "mobile_app": "mobile app",
    "web_portal": "web portal",
    "public_api": "public API",
    "billing_portal": "billing portal",
    "integrations": "Slack integration",
}
REGIONS = ("emea", "amer", "apac")
IMPACTS = ("single_user", "team", "whole_company")


@dataclass(frozen=True, slots=True)
class CustomField:
    """A drop-down ("tagger") ticket field: its option values double as ticket tags."""

    id: int
    title: str
    description: str
    options: tuple[tuple[int, str, str], ...]
    """(option id, name, value) in the order agents see them."""


CUSTOM_FIELDS = (
    CustomField(
        FIELD_PRODUCT,
        "Product",
        "Which product the request is about",
        (
            (360_010_100_001, "Mobile app", "mobile_app"),
            (360_010_100_002, "Web portal", "web_portal"),
            (360_010_100_003, "Public API", "public_api"),
            (360_010_100_004, "Billing portal", "billing_portal"),
            (360_010_100_005, "Integrations", "integrations"),
        ),
    ),
    CustomField(
        FIELD_REGION,
        "Region",
        "Where the customer is served from",
        (
            (360_010_200_001, "EMEA", "emea"),
            (360_010_200_002, "AMER", "amer"),
            (360_010_200_003, "APAC", "apac"),
        ),
    ),
    CustomField(
        FIELD_IMPACT,
        "Impact",
        "How many people the problem affects",
        (
            (360_010_300_001, "Single user", "single_user"),
            (360_010_300_002, "Team", "team"),
            (360_010_300_003, "Whole company", "whole_company"),
        ),
    ),
)
"""The account's custom fields (the emulator sets all three; ``ticket_fields`` lists them)."""

PRIORITIES = ("low", "normal", "normal", "normal", "high", "high", "urgent", None)
TYPES = ("question", "question", "incident", "incident", "problem", "task")

CHANNELS = (("Mail", 46), ("Web form", 36), ("API", 10), ("Chat", 8))
"""Channels of new tickets and their weights ("Closed ticket" is for planned follow-ups)."""
CHANNEL_NAMES = [c for c, w in CHANNELS for _ in range(w)]
VIA_CHANNEL = {
    "Mail": "email",
    "Web form": "web",
    "API": "api",
    "Chat": "chat",
    "Closed ticket": "closed_ticket",
    "Rule": "rule",
}

SUBJECTS = (
    "Cannot log in to the {p}",
    "Error 500 when saving in the {p}",
    "Question about my invoice ({p})",
    "Feature request: dark mode for the {p}",
    "The {p} is very slow today",
    "How do I export my data from the {p}?",
    "Password reset email never arrives",
    "Charged twice this month",
    "Webhook deliveries failing ({p})",
    "Printer on fire",
    "Need to add five seats to our plan",
    "Sync stopped working overnight ({p})",
)
_REQUESTER_OPEN = (
    "Hi, since this morning I get an error whenever I try this. Can you help?",
    "Hello team, our whole department is blocked by this. Please advise asap.",
    "I followed the help article but it still does not work for me.",
    "Could you explain how this is supposed to work? The docs are unclear.",
    "We were billed for seats we do not use. Please check our account.",
)
_REQUESTER_REPLY = (
    "Thanks, I tried that but the problem is still there.",
    "Here is the screenshot you asked for.",
    "That worked, thank you! One more question though.",
    "Still broken on my side, see the error below.",
    "Any update on this? We are still waiting.",
)
_AGENT_REPLY = (
    "Thanks for reaching out! Could you send us a screenshot of the error?",
    "I have reproduced the issue and escalated it to our engineers.",
    "Please clear your browser cache and try again, then let me know.",
    "I have corrected the invoice; you will see the refund within 5 days.",
    "Our engineers deployed a fix. Can you confirm it works for you now?",
)
_AGENT_NOTE = (
    "Internal: looks like the known sync bug, linking to the problem ticket.",
    "Internal: customer is on the enterprise plan, handle with priority.",
    "Internal: checked the logs, the requests time out on our side.",
)
_SOLVE = (
    "Glad we could help! I am marking this as solved; just reply to reopen.",
    "The fix is live for everyone. Closing this out, thanks for your patience.",
)
RATINGS = ("Quick and friendly, thanks!", "Took too long to get an answer.", "Great help.")


def _texts(items: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Each body with its ``html_body``, rendered once rather than per comment."""
    return tuple(
        (t, f'<div class="zd-comment"><p dir="auto">{html.escape(t, quote=False)}</p></div>')
        for t in items
    )


REQUESTER_OPEN = _texts(_REQUESTER_OPEN)
REQUESTER_REPLY = _texts(_REQUESTER_REPLY)
AGENT_REPLY = _texts(_AGENT_REPLY)
AGENT_NOTE = _texts(_AGENT_NOTE)
SOLVE = _texts(_SOLVE)

# ---- people ---------------------------------------------------------------------------------

_FIRST = ("Ada", "Bo", "Chen", "Dana", "Emil", "Fatima", "Goran", "Hana", "Ivo", "Jun", "Kai")
_LAST = ("Berg", "Costa", "Dahl", "Eze", "Fischer", "Gupta", "Hansen", "Ito", "Jensen", "Khan")
_LOCATIONS = (
    ("Copenhagen, 84, Denmark", 55.68, 12.56),
    ("Berlin, 16, Germany", 52.52, 13.40),
    ("San Francisco, CA, United States", 37.77, -122.42),
    ("London, H9, United Kingdom", 51.51, -0.13),
    ("Sydney, 02, Australia", -33.87, 151.21),
    ("Sao Paulo, 27, Brazil", -23.55, -46.63),
    ("Toronto, ON, Canada", 43.65, -79.38),
)
_CLIENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Zendesk Support for iOS 5.3",
)
RULE_SYSTEM: dict[str, Any] = {
    "client": None,
    "location": None,
    "latitude": None,
    "longitude": None,
}
"""The ``system`` of an automation's update: the recorded keys, all null (no ``ip_address``)."""


@dataclass(frozen=True, slots=True)
class Person:
    """Someone who appears in the history as requester, updater or author."""

    id: int
    email: str
    name: str
    role: Role
    system: dict[str, Any]
    group: int | None = None
    organization: int | None = None


@dataclass(frozen=True, slots=True)
class Cast:
    """Everyone in the emulated account."""

    admin: Person
    agents: tuple[Person, ...]
    requesters: tuple[Person, ...]


def _person(rng: Random, pid: int, email: str, role: Role, group: int | None = None) -> Person:
    name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
    loc, lat, lon = rng.choice(_LOCATIONS)
    # the recorded ``system`` keys (EMB): no ``ip_address``, which only the audit API has
    system = {"client": rng.choice(_CLIENTS), "location": loc, "latitude": lat, "longitude": lon}
    organization = None
    if role == "end-user" and rng.random() < 0.6:
        organization = rng.choice(ORGANIZATIONS)
    return Person(pid, email, name, role, system, group, organization)


def make_cast(seed: int, tickets: int, admin_email: str) -> Cast:
    """The admin, a few agents (one group each) and a pool of requesters, from ``seed``."""
    rng = Random(f"cast:{seed}")
    admin = _person(rng, 360_100_000_001 + rng.randrange(10**6) * 10, admin_email, "admin")
    n_agents = max(4, min(60, tickets // 40))
    agents = tuple(
        _person(
            rng,
            360_200_000_000 + i * 1_000 + rng.randrange(1_000),
            f"agent{i + 1:02d}@example.com",
            "agent",
            GROUPS[i % len(GROUPS)],
        )
        for i in range(n_agents)
    )
    n_requesters = max(5, min(20_000, tickets // 3))
    requesters = tuple(
        _person(
            rng,
            1_500_000_000 + i * 1_000 + rng.randrange(1_000),
            f"customer{i + 1:05d}@example.org",
            "end-user",
        )
        for i in range(n_requesters)
    )
    return Cast(admin, agents, requesters)
