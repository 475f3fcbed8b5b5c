"""The client library: pages of Zendesk's incremental ticket event exports, paced and retried.

```python
from zendesk_events.client import ZendeskClient

with ZendeskClient(subdomain="acme", email="admin@acme.com", token="...") as client:
    for result in client.pages("ticket_events", start=1_600_000_000):
        store(result.items, result.checkpoint)  # atomically
```
"""

from __future__ import annotations

from zendesk_events.client.auth import APITokenAuth, OAuthTokenAuth, PasswordAuth, ZendeskAuth
from zendesk_events.client.client import ZendeskClient
from zendesk_events.client.pagination import PageResult
from zendesk_events.client.ratelimit import Pacer, Wait

__all__ = [
    "APITokenAuth",
    "OAuthTokenAuth",
    "Pacer",
    "PageResult",
    "PasswordAuth",
    "Wait",
    "ZendeskAuth",
    "ZendeskClient",
]
