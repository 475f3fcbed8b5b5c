"""Paging as Zendesk speaks it: opaque cursors, ``page[...]`` and ``per_page``, absolute links.

Two families share this module because they share the cursor text:

* ``page[size]`` / ``page[after]`` / ``page[before]`` with ``meta`` and ``links`` (spec §2b:
  ticket_metric_events, and Zendesk's list endpoints such as ticket audits);
* the cursor-based incremental exports (``incremental/tickets/cursor``), whose ``cursor``
  parameter and ``after_url`` carry the same kind of cursor.

A cursor is a keyset position, (timestamp, id). Its text follows the look of the cursors
recorded from Zendesk's cursor exports: base64 of ``"<timestamp>.0||<id>|"``
(``MTU3NjYxMzUzOS4wfHw0Njd8`` is ``1576613539.0||467|``). Clients must treat it as opaque;
the look is ours. Anything we did not issue is a 400 ``InvalidPaginationParameter``, never a 500.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus, urlencode

from starlette.datastructures import QueryParams
from starlette.requests import Request

from zendesk_events.server.errors import InvalidPaginationParameter

__all__ = [
    "CursorParams",
    "cursor_meta_links",
    "cursor_slice",
    "decode_cursor",
    "encode_cursor",
    "link",
    "list_page",
    "offset_slice",
    "origin",
    "page_size",
    "parse_cursor_params",
    "wants_cursor",
]

_CURSOR_TEXT = re.compile(r"([0-9]{1,15})\.0\|\|([0-9]{1,19})\|")
_MAX_ID = 2**63 - 1  # a BIGINT: what both databases can bind
_MAX_CURSOR_CHARS = 200


def encode_cursor(position: tuple[int, int]) -> str:
    """The opaque cursor of a (timestamp, id) position."""
    return base64.b64encode(f"{position[0]}.0||{position[1]}|".encode()).decode()


def decode_cursor(text: str, param: str) -> tuple[int, int]:
    """The (timestamp, id) a cursor of ours stands for.

    Raises:
        InvalidPaginationParameter: anything else, worded as Zendesk words it
            (``page[after] is not valid``, recorded on ``/tickets``).
    """
    text = text.strip()
    if not text or len(text) > _MAX_CURSOR_CHARS or not text.isascii():
        raise InvalidPaginationParameter(f"{param} is not valid")
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True).decode("ascii")
    except (binascii.Error, ValueError):
        raise InvalidPaginationParameter(f"{param} is not valid") from None
    match = _CURSOR_TEXT.fullmatch(raw)
    if match is None or int(match.group(2)) > _MAX_ID:
        raise InvalidPaginationParameter(f"{param} is not valid")
    return int(match.group(1)), int(match.group(2))


def page_size(raw: str | None, *, name: str, default: int, maximum: int) -> int:
    """A page size parameter (``page[size]``, ``per_page``) as an integer 1..``maximum``.

    Raises:
        InvalidPaginationParameter: not a whole number from 1, or above ``maximum``
            (``page[size] cannot be greater than 100`` is Zendesk's recorded wording for
            the latter; the wording for the former is ours).
    """
    if raw is None:
        return default
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or not text.strip("0"):
        raise InvalidPaginationParameter(f"{name} is not valid")
    if len(text.lstrip("0")) > 9 or int(text) > maximum:
        raise InvalidPaginationParameter(f"{name} cannot be greater than {maximum}")
    return int(text)


def wants_cursor(params: QueryParams) -> bool:
    """Whether a request asks for cursor pages (any ``page[...]`` parameter does)."""
    return any(key.startswith("page[") for key in params)


@dataclass(frozen=True, slots=True)
class CursorParams:
    """The ``page[...]`` parameters of one request, checked.

    Attributes:
        size: items per page.
        after: ``page[after]``'s position, or None.
        before: ``page[before]``'s position, or None.
    """

    size: int
    after: tuple[int, int] | None
    before: tuple[int, int] | None

    @property
    def continues(self) -> bool:
        """The request continues from a cursor (then ``start_time`` is optional)."""
        return self.after is not None or self.before is not None


def parse_cursor_params(params: QueryParams, *, default: int, maximum: int) -> CursorParams:
    """Read and check ``page[size]``, ``page[after]`` and ``page[before]``.

    Raises:
        InvalidPaginationParameter: a malformed size or cursor, or both cursors at once.
    """
    size = page_size(params.get("page[size]"), name="page[size]", default=default, maximum=maximum)
    after_text, before_text = params.get("page[after]"), params.get("page[before]")
    if after_text is not None and before_text is not None:
        raise InvalidPaginationParameter("page[after] and page[before] cannot be used together")
    after = None if after_text is None else decode_cursor(after_text, "page[after]")
    before = None if before_text is None else decode_cursor(before_text, "page[before]")
    return CursorParams(size, after, before)


def origin(request: Request, configured: str | None) -> str:
    """Scheme and host that links start with: ``--base-url``, else the request's own."""
    if configured:
        return configured.rstrip("/")
    host = request.headers.get("host") or "localhost"
    return f"{request.scope.get('scheme', 'http')}://{host}"


def link(base: str, path: str, params: Iterable[tuple[str, str]]) -> str:
    """An absolute ``.json`` link with ``params`` sorted by name, as Zendesk's links are."""
    if not path.endswith(".json"):
        path += ".json"
    return f"{base}{path}?{urlencode(sorted(params, key=lambda kv: kv[0]))}"


def cursor_meta_links(
    request: Request,
    base: str,
    size: int,
    first: tuple[int, int] | None,
    last: tuple[int, int] | None,
    has_more: bool,
) -> tuple[dict[str, object], dict[str, str | None]]:
    """``meta`` and ``links`` of a cursor page (spec §2b).

    ``links`` keep every other parameter of the request (``start_time`` included) and always
    carry ``page[size]``, sorted by name as Zendesk's are. An empty page has null cursors and
    links, as recorded.
    """
    after = None if last is None else encode_cursor(last)
    before = None if first is None else encode_cursor(first)
    meta: dict[str, object] = {
        "has_more": has_more,
        "after_cursor": after,
        "before_cursor": before,
    }
    links: dict[str, str | None] = {"next": None, "prev": None}
    if after is not None and before is not None:
        # Built by hand rather than with urlencode: this runs on every cursor page, and the
        # cursors (base64) and our own keys need no general quoting.
        path: str = request.scope["path"]
        if not path.endswith(".json"):
            path += ".json"
        kept = [
            (k, f"{_quote(k)}={_quote(v)}")
            for k, v in request.query_params.multi_items()
            if k not in _CURSOR_KEYS
        ]
        kept.append(("page[size]", f"page%5Bsize%5D={size}"))
        prefix = f"{base}{path}?"
        for name, key, cursor in (("next", "page[after]", after), ("prev", "page[before]", before)):
            value = cursor.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
            pairs = sorted([*kept, (key, f"{_CURSOR_KEYS[key]}={value}")], key=lambda kv: kv[0])
            links[name] = prefix + "&".join(pair for _, pair in pairs)
    return meta, links


_CURSOR_KEYS = {
    "page[after]": "page%5Bafter%5D",
    "page[before]": "page%5Bbefore%5D",
    "page[size]": "page%5Bsize%5D",
}
_PLAIN = re.compile(r"[A-Za-z0-9_.\-]*")


def _quote(text: str) -> str:
    """``text`` as ``urlencode`` writes it (quoting only when it has to)."""
    return text if _PLAIN.fullmatch(text) else quote_plus(text)


def cursor_slice(positions: list[tuple[int, int]], params: CursorParams) -> tuple[list[int], bool]:
    """Indexes into ``positions`` (ascending) that a cursor page over a small, in-memory list
    holds, and whether more lie beyond it in the direction read."""
    chosen = list(range(len(positions)))
    if params.after is not None:
        chosen = [i for i in chosen if positions[i] > params.after]
        return chosen[: params.size], len(chosen) > params.size
    if params.before is not None:
        chosen = [i for i in chosen if positions[i] < params.before]
        return chosen[-params.size :] if chosen else [], len(chosen) > params.size
    return chosen[: params.size], len(chosen) > params.size


def offset_slice(
    count: int, params: QueryParams, *, default: int, maximum: int
) -> tuple[range, int, int]:
    """Zendesk's offset pagination (``page``, ``per_page``): the indexes of the page asked
    for, the page number and the page size.

    Raises:
        InvalidPaginationParameter: a page or page size that is no whole number from 1, or a
            page size above ``maximum``.
    """
    per_page = page_size(params.get("per_page"), name="per_page", default=default, maximum=maximum)
    number = page_size(params.get("page"), name="page", default=1, maximum=10**9)
    start = (number - 1) * per_page
    return range(min(start, count), min(start + per_page, count)), number, per_page


def list_page(
    request: Request,
    base: str,
    key: str,
    records: Sequence[Any],
    positions: Sequence[tuple[int, int]],
    limit: int,
) -> dict[str, Any]:
    """The body of one page of a small list endpoint (a ticket's audits or comments), as
    Zendesk pages it: cursor pages (``meta``, ``links``) when any ``page[...]`` parameter is
    given, else offset pages (``next_page``, ``previous_page``, ``count``).

    Args:
        key: the list's key in the body (``audits``, ``comments``).
        records: the whole list, oldest first.
        positions: each record's (seconds, id), ascending, for the cursors.
        limit: default and largest page size.

    Raises:
        InvalidPaginationParameter: a malformed cursor, page or page size.
    """
    params = request.query_params
    if wants_cursor(params):
        cursor = parse_cursor_params(params, default=limit, maximum=limit)
        chosen, has_more = cursor_slice(list(positions), cursor)
        meta, links = cursor_meta_links(
            request,
            base,
            cursor.size,
            positions[chosen[0]] if chosen else None,
            positions[chosen[-1]] if chosen else None,
            has_more,
        )
        return {key: [records[i] for i in chosen], "meta": meta, "links": links}
    window, number, per_page = offset_slice(len(records), params, default=limit, maximum=limit)
    path = request.scope["path"]
    kept = [(k, v) for k, v in params.multi_items() if k not in ("page", "per_page")]
    next_page = previous_page = None
    if number * per_page < len(records):
        next_page = link(
            base, path, [*kept, ("page", str(number + 1)), ("per_page", str(per_page))]
        )
    if number > 1:
        previous_page = link(
            base, path, [*kept, ("page", str(number - 1)), ("per_page", str(per_page))]
        )
    return {
        key: [records[i] for i in window],
        "next_page": next_page,
        "previous_page": previous_page,
        "count": len(records),
    }
