"""The emulator: an emulated Zendesk account, seeded with a history and changed live.

A producer into the store, like sync, with no HTTP (moto's ``models.py`` role). One model, two
drivers: ``ticket.py`` is a ticket's state and what a write (``audit.py``: who makes it, what
it asks, the audit it makes) does to it: Zendesk's system rules, the triggers of
``triggers.py``, the SLA metric events of ``sla.py`` under the policies of ``policies.py``, the
automations of ``automations.py``. The seed replays a planned lifecycle through it
(``tickets.py``, merged and written by ``generate.py``); the live server applies API requests,
its clock and traffic through it (``live.py``, ``requests.py``, ``traffic.py``). ``account.py``
holds the account's data, ``objects.py`` renders it as API objects, ``rules.py`` as the model
sees it, ``ids.py`` numbers events, ``lateness.py`` decides when metric events become visible.
"""

from zendesk_events.emulator.generate import (
    DEFAULT_ADMIN_EMAIL,
    DEFAULT_ADMIN_PASSWORD,
    PARALLEL_MIN_TICKETS,
    SeedReport,
    seed_store,
    validate_arguments,
)
from zendesk_events.emulator.lateness import DEFAULT_LATE_ARRIVAL, LateArrival
from zendesk_events.emulator.live import LiveDesk
from zendesk_events.emulator.traffic import MAX_RATE

__all__ = [
    "DEFAULT_ADMIN_EMAIL",
    "DEFAULT_ADMIN_PASSWORD",
    "DEFAULT_LATE_ARRIVAL",
    "MAX_RATE",
    "PARALLEL_MIN_TICKETS",
    "LateArrival",
    "LiveDesk",
    "SeedReport",
    "seed_store",
    "validate_arguments",
]
