"""Response bodies are read within a size limit: gzip bombs and endless bodies cost a bounded
amount of memory and end in one clear error, against a real hostile server on a socket."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from hostile import HostileServer, hostile_server
from zendesk_events.client import ZendeskClient
from zendesk_events.errors import ConfigError, ResponseTooLargeError, TransportError
from zendesk_events.timeutil import FakeClock

MIB = 1024 * 1024
LIMIT = 64 * MIB  # the default


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostileServer]:
    with hostile_server() as server:
        yield server


def client(base: str, **kwargs: Any) -> ZendeskClient:
    return ZendeskClient(base_url=base, email="a@example.com", token="t", max_retries=0, **kwargs)


def peak_while(call: Callable[[], Any]) -> tuple[BaseException | None, int, float]:
    """What ``call`` raised, the most memory Python held meanwhile, and its seconds."""
    tracemalloc.start()
    t0 = time.perf_counter()
    raised: BaseException | None = None
    try:
        call()
    except BaseException as exc:  # handed back to the test to look at
        raised = exc
    seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return raised, peak, seconds


def test_a_gzip_bomb_is_given_up_at_the_limit(hostile: HostileServer) -> None:
    hostile.bomb(256 * MIB)  # built before measuring: the server shares this process
    with client(f"{hostile.url}/bomb/{256 * MIB}") as zd:
        assert zd.max_response_bytes == LIMIT
        raised, peak, seconds = peak_while(lambda: zd.fetch_page("ticket_events", 0))
    assert isinstance(raised, ResponseTooLargeError), raised
    assert raised.what == "decoded" and raised.limit == LIMIT
    url = f"{hostile.url}/bomb/{256 * MIB}/api/v2/incremental/ticket_events.json?start_time=0"
    assert raised.url == url and url in str(raised)
    assert "64 MiB limit" in str(raised) and "inflates" in str(raised)
    assert peak < LIMIT + 8 * MIB, f"peak {peak / MIB:.0f} MiB"  # not the 256 MiB it inflates to
    assert seconds < 10


def test_an_endless_plain_body_stops_at_the_limit(hostile: HostileServer) -> None:
    with client(f"{hostile.url}/plain", max_response_bytes=8 * MIB) as zd:
        raised, peak, _ = peak_while(lambda: zd.fetch_page("ticket_events", 0))
    assert isinstance(raised, ResponseTooLargeError), raised
    assert raised.what == "received" and "8 MiB limit" in str(raised)
    assert peak < 12 * MIB, f"peak {peak / MIB:.0f} MiB"  # not the 300 MB sent


def test_a_content_length_over_the_limit_is_refused_before_reading(
    hostile: HostileServer,
) -> None:
    with client(f"{hostile.url}/declared") as zd:
        raised, peak, _ = peak_while(lambda: zd.fetch_page("ticket_events", 0))
    assert isinstance(raised, ResponseTooLargeError), raised
    assert raised.what == "declared" and "Content-Length" in str(raised)
    assert peak < 4 * MIB


@pytest.mark.parametrize("encoding", ["identity", "gzip", "deflate"])
def test_pages_within_the_limit_are_read_in_every_encoding_asked_for(
    hostile: HostileServer, encoding: str
) -> None:
    base = f"{hostile.url}/page/{encoding}"
    with client(base, max_response_bytes=400) as zd:
        page = zd.fetch_page("ticket_events", 0)
    assert [e["id"] for e in page.items] == [1, 2]
    # the page inflates to over 200 bytes: refused over a smaller limit, whatever the encoding
    with client(base, max_response_bytes=200) as zd, pytest.raises(ResponseTooLargeError):
        zd.fetch_page("ticket_events", 0)


def test_an_encoding_the_client_did_not_ask_for_is_refused(hostile: HostileServer) -> None:
    with client(f"{hostile.url}/page/br") as zd:
        assert zd._http.headers["accept-encoding"] == "gzip, deflate"
        with pytest.raises(TransportError, match="Content-Encoding 'br'"):
            zd.fetch_page("ticket_events", 0)


@pytest.mark.parametrize("limit", [0, -1])
def test_a_limit_below_one_byte_is_a_config_error(limit: int) -> None:
    with pytest.raises(ConfigError, match="max_response_bytes"):
        client("http://127.0.0.1:9", max_response_bytes=limit)


def test_a_dripping_body_is_given_up_at_the_response_timeout(hostile: HostileServer) -> None:
    """Each read comes within 0.1 s, so the 60 s read timeout never fires: only a deadline for
    the whole response ends a body that takes its time (2 s here; hours for a hostile one)."""
    with client(f"{hostile.url}/drip/20", response_timeout=0.5) as zd:
        t0 = time.perf_counter()
        with pytest.raises(TransportError, match="did not end in time") as caught:
            zd.fetch_page("ticket_events", 0)
        assert time.perf_counter() - t0 < 1.5
    assert "bytes received" in str(caught.value) and "t@" not in str(caught.value)
    with client(f"{hostile.url}/drip/5") as zd:  # the default leaves a slow page its time
        assert zd.response_timeout == 300
        assert [e["id"] for e in zd.fetch_page("ticket_events", 0).items] == [1, 2]


def test_a_dripping_body_is_retried_like_a_timeout(hostile: HostileServer) -> None:
    waits: list[str] = []
    zd = ZendeskClient(
        base_url=f"{hostile.url}/drip/20",
        email="a@example.com",
        token="t",
        max_retries=2,
        response_timeout=0.3,
        clock=FakeClock(),  # the backoff's sleeps; the deadline is the network's real time
        on_wait=lambda wait: waits.append(wait.reason),
    )
    with zd, pytest.raises(TransportError, match="after 3 attempts"):
        zd.fetch_page("ticket_events", 0)
    assert waits == ["retry", "retry"]


@pytest.mark.parametrize("seconds", [0, -1.0, float("nan")])
def test_a_response_timeout_not_above_zero_is_a_config_error(seconds: float) -> None:
    with pytest.raises(ConfigError, match="response_timeout"):
        client("http://127.0.0.1:9", response_timeout=seconds)
