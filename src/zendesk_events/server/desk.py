"""What the write endpoints and the clock ask of the emulated account.

The server reads the store itself but never changes an emulated ticket: it hands each write to
an object with these methods (the emulator's ``LiveDesk``, built by the CLI and passed to
``create_app``), as moto's ``responses.py`` hands requests to its ``models.py``. The server
layer may not import the emulator, hence a protocol here. Without one (a plain mirror) the
app has no write routes (they answer 405) and the clock only moves.

The desk raises :class:`~zendesk_events.errors.RecordInvalidError` and
:class:`~zendesk_events.errors.RecordNotFoundError` for what Zendesk refuses; the routes turn
them into Zendesk's 422 and 404 bodies.
"""

from __future__ import annotations

from typing import Any, Protocol

from zendesk_events.store import User

__all__ = ["Desk"]


class Desk(Protocol):
    """The emulated account's writes (all run in a worker thread, never on the event loop)."""

    def create_ticket(
        self, user: User, body: Any, *, client: str | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Create a ticket from a request's ``ticket`` object: (ticket without url, its audit
        as an export item with full comments)."""
        ...

    def update_ticket(
        self, user: User, ticket_id: int, body: Any, *, client: str | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Update a ticket: (ticket without url, the update's audit)."""
        ...

    def delete_ticket(self, user: User, ticket_id: int, *, client: str | None = None) -> None:
        """Delete a ticket."""
        ...

    def create_policy(self, body: Any) -> dict[str, Any]:
        """Create an SLA policy from a request's ``sla_policy`` object."""
        ...

    def update_policy(self, policy_id: int, body: Any) -> dict[str, Any]:
        """Update an SLA policy."""
        ...

    def delete_policy(self, policy_id: int) -> None:
        """Delete an SLA policy."""
        ...

    def advance(self, now: float | None = None) -> int:
        """Run what the clock made due (automations, traffic); returns how many writes."""
        ...

    def start(self) -> None:
        """Advance in the background while the server runs."""
        ...

    def stop(self) -> None:
        """Stop advancing."""
        ...
