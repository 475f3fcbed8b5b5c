"""The bare baseline for bench_server: the same query and bytes, no auth, limits or headers.

A raw ASGI callable (no framework) so that ours/baseline measures exactly what our server adds
on top of "run the page query and send the page": the same store calls (``export_page_bytes``
for time-based pages, ``metric_cursor_page`` for cursor pages), the same body built the same
cheapest way (one join), no ``Authorization`` check, no rate-limit counting or headers, no
routing beyond telling the two streams and the two page kinds apart, no parameter checks.
"""

from __future__ import annotations

import base64
import os
import time
from typing import Any
from urllib.parse import parse_qs, quote

from zendesk_events.store import open_store

_store = open_store(os.environ["BASELINE_DB"])


def _join(head: bytes, items: list[bytes], tail: bytes) -> bytes:
    if not items:  # one join for the whole body, as the server does
        return head + tail
    if len(items) == 1:
        return head + items[0] + tail
    return b",".join([head + items[0], *items[1:-1], items[-1] + tail])


def _cursor(position: tuple[int, int]) -> str:
    return base64.b64encode(f"{position[0]}.0||{position[1]}|".encode()).decode()


def _time_page(host: str, stream: str, qs: dict[str, list[str]]) -> bytes:
    start = int(qs.get("start_time", ["0"])[0])
    page = _store.events.export_page_bytes(
        stream,  # type: ignore[arg-type]
        start,
        before=int(time.time()) - 60,
        limit=1000,
    )
    head = b'{"' + stream.encode() + b'":['
    tail = (
        f'],"next_page":"http://{host}/api/v2/incremental/{stream}.json?'
        f'start_time={page.end_time}","count":{len(page.items)},"end_of_stream":'
        f'{"true" if page.end_of_stream else "false"},"end_time":{page.end_time}}}'
    ).encode()
    return _join(head, page.items, tail)


def _cursor_page(host: str, qs: dict[str, list[str]]) -> bytes:
    size = int(qs["page[size]"][0])
    ts, _, rest = base64.b64decode(qs["page[after]"][0]).decode().partition(".0||")
    page = _store.events.metric_cursor_page(
        start_time=None,
        after=(int(ts), int(rest.rstrip("|"))),
        before=int(time.time()) - 60,
        limit=size,
    )
    if page.first is None or page.last is None:
        tail = (
            b'],"meta":{"has_more":false,"after_cursor":null,"before_cursor":null},'
            b'"links":{"next":null,"prev":null}}'
        )
    else:
        after, before = _cursor(page.last), _cursor(page.first)
        url = f"http://{host}/api/v2/incremental/ticket_metric_events.json?"
        tail = (
            f'],"meta":{{"has_more":{"true" if page.has_more else "false"},'
            f'"after_cursor":"{after}","before_cursor":"{before}"}},'
            f'"links":{{"next":"{url}page%5Bafter%5D={quote(after)}&page%5Bsize%5D={size}",'
            f'"prev":"{url}page%5Bbefore%5D={quote(before)}&page%5Bsize%5D={size}"}}}}'
        ).encode()
    return _join(b'{"ticket_metric_events":[', page.items, tail)


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    qs = parse_qs(scope["query_string"].decode())
    host = dict(scope["headers"]).get(b"host", b"localhost").decode()
    if "ticket_metric_events" not in scope["path"]:
        body = _time_page(host, "ticket_events", qs)
    elif "page[size]" in qs:
        body = _cursor_page(host, qs)
    else:
        body = _time_page(host, "ticket_metric_events", qs)
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
