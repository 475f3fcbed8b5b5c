"""The account as the ticket model sees it: agents, groups, custom fields, SLA policies.

One class for both drivers: the seed builds it from the emulated account's data (the same
objects it writes into ``store.account``), the live server from what the store holds at the
moment of a write (an admin may have created or changed a policy a second ago).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from zendesk_events.emulator import objects
from zendesk_events.emulator.account import CUSTOM_FIELDS, GROUPS, TIER2, Cast
from zendesk_events.emulator.policies import PolicyRule, resolve
from zendesk_events.emulator.sla import GROUP_POLICY, SlaPolicy

__all__ = ["AccountRules"]

_SYSTEM_TYPES = frozenset(
    {"subject", "description", "status", "tickettype", "priority", "group", "assignee"}
)
"""``type`` of the system ticket fields (EMB's recorded ``ticket_fields``): not custom."""


@dataclass(frozen=True, slots=True)
class AccountRules:
    """An :class:`~zendesk_events.emulator.ticket.Account` with fixed contents.

    Attributes:
        agent_ids: every agent and admin.
        group_ids: the groups.
        custom_field_ids: the custom ticket fields, in order.
        options: drop-down field id -> the option values (each is also a tag).
        policies: the SLA policies.
        group_policies: group id -> its group SLA policy.
        field_types: custom field id -> its type (``tagger``, ``text``, ...).
    """

    agent_ids: Sequence[int]
    group_ids: Sequence[int]
    custom_field_ids: Sequence[int]
    options: Mapping[int, frozenset[str]]
    policies: Sequence[PolicyRule]
    group_policies: Mapping[int, SlaPolicy] = field(default_factory=dict)
    field_types: Mapping[int, str] = field(default_factory=dict)

    def option_tags(self, field_id: int) -> frozenset[str]:
        return self.options.get(field_id, frozenset())

    def policy(self, view: Mapping[str, Any]) -> SlaPolicy | None:
        return resolve(self.policies, view)

    def group_policy(self, group_id: int | None) -> SlaPolicy | None:
        return None if group_id is None else self.group_policies.get(group_id)

    @classmethod
    def seeded(cls, cast: Cast) -> AccountRules:
        """The emulated account of ``seed``: its cast, groups, fields and policies."""
        return cls(
            agent_ids=sorted({cast.admin.id, *(a.id for a in cast.agents)}),
            group_ids=GROUPS,
            custom_field_ids=[f.id for f in CUSTOM_FIELDS],
            options={f.id: frozenset(v for _, _, v in f.options) for f in CUSTOM_FIELDS},
            policies=[PolicyRule.from_object(p) for p in objects.sla_policies(0)],
            group_policies={TIER2: GROUP_POLICY},
            field_types={f.id: "tagger" for f in CUSTOM_FIELDS},
        )

    @classmethod
    def from_objects(
        cls,
        *,
        agent_ids: Iterable[int],
        groups: Iterable[Mapping[str, Any]],
        ticket_fields: Iterable[Mapping[str, Any]],
        policies: Iterable[Mapping[str, Any]],
    ) -> AccountRules:
        """From the account's objects as the API serves them (``store.account``).

        The Tier 2 group keeps its group SLA policy (ours: group SLA policies are not objects
        of the store).
        """
        group_ids = [int(g["id"]) for g in groups]
        custom = [f for f in ticket_fields if f.get("type") not in _SYSTEM_TYPES]
        return cls(
            agent_ids=sorted(set(agent_ids)),
            group_ids=group_ids,
            custom_field_ids=[int(f["id"]) for f in custom],
            options={
                int(f["id"]): frozenset(
                    str(o.get("value")) for o in f.get("custom_field_options") or ()
                )
                for f in custom
            },
            policies=[PolicyRule.from_object(p) for p in policies],
            group_policies={TIER2: GROUP_POLICY} if TIER2 in group_ids else {},
            field_types={int(f["id"]): str(f.get("type")) for f in custom},
        )
