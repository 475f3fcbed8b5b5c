"""The emulator: a deterministic, realistic Zendesk ticket history written into a store.

A producer into the store, like sync, with no HTTP (moto's ``models.py`` role): ``tickets.py``
turns one ticket's lifecycle into audit events, ``sla.py`` its status changes into SLA metric
events, and ``generate.py`` merges all tickets in time order, numbers the events and writes them.
"""

from zendesk_events.emulator.generate import (
    DEFAULT_ADMIN_EMAIL,
    DEFAULT_ADMIN_PASSWORD,
    PARALLEL_MIN_TICKETS,
    SeedReport,
    seed_store,
    validate_arguments,
)

__all__ = [
    "DEFAULT_ADMIN_EMAIL",
    "DEFAULT_ADMIN_PASSWORD",
    "PARALLEL_MIN_TICKETS",
    "SeedReport",
    "seed_store",
    "validate_arguments",
]
