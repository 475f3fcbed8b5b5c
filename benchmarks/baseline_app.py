"""The bare baseline for bench_server: the same query and bytes, no auth, limits or headers.

A raw ASGI callable (no framework) so that ours/baseline measures exactly what our server adds
on top of "run the page query and send the page".
"""

from __future__ import annotations

import os
import time
from typing import Any
from urllib.parse import parse_qs

from zendesk_events.store import open_store

_store = open_store(os.environ["BASELINE_DB"])


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    qs = parse_qs(scope["query_string"].decode())
    start = int(qs.get("start_time", ["0"])[0])
    page = _store.events.export_page(
        "ticket_events", start, before=int(time.time()) - 60, limit=1000
    )
    body = (
        '{"ticket_events":' + page.items_json() + ',"next_page":"http://x/?start_time='
        f'{page.end_time}","count":{page.count},"end_of_stream":'
        f'{"true" if page.end_of_stream else "false"},"end_time":{page.end_time}}}'
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})
