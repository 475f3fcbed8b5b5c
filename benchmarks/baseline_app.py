"""The bare baseline for bench_server: the same query and bytes, no auth, limits or headers.

A raw ASGI callable (no framework) so that ours/baseline measures exactly what our server adds
on top of "run the page query and send the page": the same store call
(``export_page_bytes``), the same body built the same cheapest way (one join), no
``Authorization`` check, no rate-limit counting or headers, no routing, no parameter checks.
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
    page = _store.events.export_page_bytes(
        "ticket_events", start, before=int(time.time()) - 60, limit=1000
    )
    items = page.items
    host = dict(scope["headers"]).get(b"host", b"localhost")
    head = b'{"ticket_events":['
    tail = (
        f'],"next_page":"http://{host.decode()}/api/v2/incremental/ticket_events.json?'
        f'start_time={page.end_time}","count":{len(items)},"end_of_stream":'
        f'{"true" if page.end_of_stream else "false"},"end_time":{page.end_time}}}'
    ).encode()
    if items:  # one join for the whole body, as the server does
        body = b",".join(
            [head + items[0], *items[1:-1], items[-1] + tail]
            if len(items) > 1
            else [head + items[0] + tail]
        )
    else:
        body = head + tail
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            # content-length as ours sends it: without it uvicorn would frame the body as a
            # chunk, copying the ~1 MB body once more and handicapping the baseline.
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
