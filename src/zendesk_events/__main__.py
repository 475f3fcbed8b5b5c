"""``python -m zendesk_events``."""

from zendesk_events.cli import main

main()
