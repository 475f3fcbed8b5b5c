"""The page body is built with one join; it must equal the naive concatenation."""

from __future__ import annotations

import pytest

from zendesk_events.server.incremental import _join_page


@pytest.mark.parametrize("n", [0, 1, 2, 3, 1000])
def test_join_page_equals_plain_concatenation(n: int) -> None:
    items = [b'{"id":%d}' % i for i in range(n)]
    assert _join_page(b"<", items, b">") == b"<" + b",".join(items) + b">"
