"""A backlog's pages fetched, parsed and turned into rows in a child process.

Why a process: a sync into SQL is two CPU-bound halves, "get, parse and build rows" (~18 µs per
ticket event) and "insert rows" (~13 µs). In two threads they share the GIL, and the writer
gives it up inside the database for every row and must win it back each time: measured on 1 M
ticket events into SQLite, the two threads reached 30 k events/s where either half alone runs
at 50-75 k. In a child process the halves overlap for real; what crosses the pipe is the
prepared rows and the cursor, pickled (~2 µs per event each way).

The child is a pure producer: it holds no cursor and writes nothing, so killing either process
at any moment loses nothing (the writer's committed cursor is where the next run starts). The
pipe is its back-pressure (the child blocks once a page is in flight) and its leash: when the
parent dies, the child's next send fails and it exits.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import pickle
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from zendesk_events.checkpoint import Checkpoint
from zendesk_events.client import ClientRecipe, ZendeskClient
from zendesk_events.errors import ZendeskEventsError
from zendesk_events.events import StreamName
from zendesk_events.sync.prefetch import Prefetch
from zendesk_events.sync.sinks import PreparedPage

__all__ = ["FetchJob", "FetchedPage", "ProcessFetcher", "fetch_in_process"]

_PIPE_DEPTH = 2
"""Pages received and waiting for the writer, at most."""


@dataclass(frozen=True, slots=True)
class FetchJob:
    """One stream's pass, as the child runs it.

    Attributes:
        recipe: the client to build (credentials inside: it only ever crosses the pipe).
        stream: the stream.
        start: the writer's committed cursor.
        include_comments: ask for the comment sideload.
        until: stop before this second (None: to the end of the stream).
        prepare: turns a page's items into what the sink writes (a module-level function).
    """

    recipe: ClientRecipe
    stream: StreamName
    start: Checkpoint
    include_comments: bool
    until: int | None
    prepare: Callable[[StreamName, list[dict[str, Any]]], PreparedPage]


@dataclass(frozen=True, slots=True)
class FetchedPage:
    """A page as the writer needs it: its rows, its cursor, whether the stream has caught up."""

    prepared: PreparedPage
    checkpoint: Checkpoint
    end_of_stream: bool

    @property
    def count(self) -> int:
        return self.prepared.count


def _child(job: FetchJob, conn: Connection) -> None:  # pragma: no cover - runs in the child
    """The child's whole life: pages until the end of the stream, an error, or a dead parent."""
    # Ctrl-C reaches the whole process group; the parent decides when to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    lock = threading.Lock()  # waits are announced from the prefetch thread

    def send(kind: str, value: Any) -> None:
        blob = pickle.dumps((kind, value), protocol=pickle.HIGHEST_PROTOCOL)
        with lock:
            conn.send_bytes(blob)

    client: ZendeskClient | None = None
    try:
        client = job.recipe.build(on_wait=lambda wait: send("wait", wait))
        pages = client.pages(
            job.stream, job.start, include_comments=job.include_comments, until=job.until
        )
        # The next page's request runs while this one is turned into rows and sent.
        with Prefetch(pages, 1, threading.Event()) as fetched:
            for result in fetched:
                prepared = job.prepare(job.stream, result.items)
                end = bool(result.page.end_of_stream)
                send("page", FetchedPage(prepared, result.checkpoint, end))
        send("end", client.budget())
    except (BrokenPipeError, ConnectionResetError, EOFError):
        return  # the parent is gone: nothing to report to
    except BaseException as exc:  # handed to the writer, which raises it
        with contextlib.suppress(OSError):
            try:
                send("error", exc)
            except (pickle.PicklingError, TypeError, AttributeError):
                send("error", ZendeskEventsError(f"{type(exc).__name__}: {exc}"))
    finally:
        if client is not None:
            client.close()
        conn.close()


class ProcessFetcher:
    """Runs a :class:`FetchJob` in a child process; iterate over the pages it sends.

    Use as a context manager: leaving it (normally, on an error, or on ``stop``) ends the child.

    Args:
        job: what to fetch.
        client: the parent's client: told about the child's waits (``on_wait``) and, at the
            end, about the rate-limit budget it left, so the next pass paces on.
        stop: when set, iteration ends after the page in hand.
    """

    def __init__(self, job: FetchJob, client: ZendeskClient, stop: threading.Event) -> None:
        self._client = client
        self._stop = stop
        ctx = multiprocessing.get_context("spawn")  # fork is unsafe with the parent's threads
        self._conn, child_conn = ctx.Pipe(duplex=False)
        self._process = ctx.Process(
            target=_child, args=(job, child_conn), name="zendesk-events-fetcher", daemon=True
        )
        with _sigint_ignored():
            self._process.start()
        child_conn.close()  # the child's copy is the only one: EOF once it exits

    def __enter__(self) -> Iterator[FetchedPage]:
        # A reader thread drains the pipe while this thread writes, so the child never
        # waits for the writer to finish a page before it can hand over the next one.
        self._reader = Prefetch(self._receive(), _PIPE_DEPTH, self._stop)
        return self._pages(self._reader.__enter__())

    def __exit__(self, *exc: object) -> None:
        # At once, without a grace period: a child in a rate-limit wait would otherwise wake
        # and spend a request of the next window on a page nobody reads (it holds nothing).
        if self._process.is_alive():
            self._process.terminate()
        self._process.join(timeout=5)
        if self._process.is_alive():  # pragma: no cover - ignores SIGTERM
            self._process.kill()
            self._process.join()
        self._reader.__exit__()  # its recv has seen EOF by now
        self._conn.close()

    def _receive(self) -> Iterator[bytes]:
        while True:
            try:
                yield self._conn.recv_bytes()
            except (EOFError, OSError):
                return

    def _pages(self, messages: Iterator[bytes]) -> Iterator[FetchedPage]:
        for blob in messages:
            kind, value = pickle.loads(blob)
            if kind == "page":
                yield value
            elif kind == "wait":
                self._client.announce_wait(value)
            elif kind == "end":
                self._client.restore_budget(value)
                return
            else:
                raise value
        if self._stop.is_set():
            return
        self._process.join(timeout=5)
        raise ZendeskEventsError(
            f"the fetcher process ended unexpectedly (exit code {self._process.exitcode}); "
            "rerun to continue from the last committed page"
        )


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore SIGINT while a child is spawned: it inherits that, and Python keeps it so.

    Ctrl-C goes to the whole process group; the parent decides when to stop (after the page
    in hand), so the child must never take it, not even during its ~0.3 s of start-up before
    its own code runs (a KeyboardInterrupt there would print a traceback). A blocked mask is
    not inherited (the spawn resets it), an ignored disposition is. Only the main thread may
    change it; elsewhere the child covers itself once it runs.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


def fetch_in_process(
    client: object, start: Checkpoint, until: int | None, min_backlog: int
) -> ClientRecipe | None:
    """The recipe to fetch in a child process, or None where a thread is the better choice.

    A child costs a Python start (~0.3 s) and can only rebuild a real client on the wall clock;
    it pays off over a backlog (the cursor at least ``min_backlog`` seconds behind ``until`` or
    now), not for the few pages of an incremental run.
    """
    recipe = client.recipe() if isinstance(client, ZendeskClient) else None
    if recipe is None:
        return None
    end = until if until is not None else time.time()
    return recipe if end - start.start_time >= min_backlog else None
