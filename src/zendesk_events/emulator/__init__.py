"""The emulator: a deterministic, realistic Zendesk ticket history written into a store.

A producer into the store, like sync, with no HTTP (moto's ``models.py`` role): ``account.py``
holds the account's data, ``tickets.py`` turns one ticket's lifecycle into audit events,
``sla.py`` its changes into SLA metric events, ``lateness.py`` decides when metric events become
visible, ``objects.py`` renders the account as API objects, and ``generate.py`` merges all
tickets in time order, numbers the events and writes them.
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

__all__ = [
    "DEFAULT_ADMIN_EMAIL",
    "DEFAULT_ADMIN_PASSWORD",
    "DEFAULT_LATE_ARRIVAL",
    "PARALLEL_MIN_TICKETS",
    "LateArrival",
    "SeedReport",
    "seed_store",
    "validate_arguments",
]
