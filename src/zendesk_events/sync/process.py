"""The opt-in fetcher for backfills: pages fetched, parsed and prepared in a child process.

Why a process: a sync into SQL is two CPU-bound halves, "get, parse and build rows" (~18 µs per
ticket event) and "insert rows" (~13 µs). In two threads they share the GIL, and the writer
gives it up inside the database for every row and must win it back each time: measured on 1 M
ticket events into SQLite, two threads reached 24-30 k events/s where either half alone runs at
50-75 k. In a child process the halves overlap for real; what crosses the pipe is the prepared
rows and the cursor, pickled (~2 µs per event each way).

The child is a fresh ``python`` that imports this package and nothing of the caller's: a script
without an ``if __name__ == "__main__"`` guard works (``multiprocessing``'s spawn would import
that script again in the child). It runs in its own session, so Ctrl-C at the terminal reaches
only the writer, which decides when to stop (after the page in hand). It is a pure producer:
it holds no cursor and writes nothing, so killing either process at any moment loses nothing.
Two leashes end it with its parent: its stdin (the parent holds the other end; EOF means the
parent is gone) and its page pipe (a send fails once nobody reads).

Credentials cross only the stdin pipe, pickled inside the :class:`ClientRecipe`: never the
command line, the environment or a file.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from zendesk_events.client import Pacer, Wait, ZendeskClient
from zendesk_events.client.body import DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_RESPONSE_TIMEOUT
from zendesk_events.client.ratelimit import MAX_RATE_LIMIT_RETRIES
from zendesk_events.errors import ConfigError, ZendeskEventsError
from zendesk_events.sync.fetching import FetchedPage, Fetcher, FetchJob, PageSource, prepared_pages
from zendesk_events.sync.prefetch import Prefetch
from zendesk_events.timeutil import SystemClock

__all__ = ["ClientRecipe", "ProcessFetcher"]

_PIPE_DEPTH = 2
"""Pages received and waiting for the writer, at most."""

_BOOT = (
    "import os, pickle, sys\n"
    "sys.path[:] = pickle.load(sys.stdin.buffer)\n"
    "from zendesk_events.sync.process import _child_main\n"
    "_child_main(int(sys.argv[1]))\n"
    "sys.stdout.flush(); sys.stderr.flush(); os._exit(0)\n"
)
"""The child's command: take the parent's import path, then run :func:`_child_main`.

It ends with ``os._exit``: the leash thread is blocked reading stdin, which the parent keeps
open, and an interpreter shutting down around it aborts with "Fatal Python error:
_enter_buffered_busy" on the user's terminal. Nothing is left to flush but stdio: the page
pipe and the client are closed by :func:`_child_main` itself.
"""

_GC_THRESHOLD = 200_000
"""The child's first-generation collector threshold (Python's default: 700 allocations)."""

Budget = tuple[int | None, float | None, str]


@dataclass(frozen=True)
class ClientRecipe:
    """The arguments of a :class:`~zendesk_events.client.ZendeskClient`, to build it again in
    the fetcher process (a live client, with its connections, cannot be sent there).

    Holds the credentials: the ``repr`` leaves them out, and the recipe only ever crosses the
    pipe to the child. Build the parent's client from the same recipe (:meth:`build`) so both
    talk to the same account as the same user.
    """

    subdomain: str | None = None
    base_url: str | None = None
    email: str | None = None
    token: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    oauth_token: str | None = field(default=None, repr=False)
    max_retries: int = 6
    timeout: float = 60.0
    max_rate_limited: int = MAX_RATE_LIMIT_RETRIES
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    response_timeout: float = DEFAULT_RESPONSE_TIMEOUT

    def build(
        self, *, on_wait: Callable[[Wait], None] | None = None, pacer: Pacer | None = None
    ) -> ZendeskClient:
        """The client (on the wall clock and the real network).

        Raises:
            ConfigError: as :class:`~zendesk_events.client.ZendeskClient` does.
        """
        return ZendeskClient(
            subdomain=self.subdomain,
            base_url=self.base_url,
            email=self.email,
            token=self.token,
            password=self.password,
            oauth_token=self.oauth_token,
            max_retries=self.max_retries,
            timeout=self.timeout,
            max_rate_limited=self.max_rate_limited,
            max_response_bytes=self.max_response_bytes,
            response_timeout=self.response_timeout,
            on_wait=on_wait,
            pacer=pacer,
        )


class ProcessFetcher(Fetcher):
    """Fetches and prepares each pass in a child process (opt-in: for long backfills).

    Each pass starts one child (~0.3 s of Python start-up), which pays off over a backlog of
    many pages, not for the page or two of an incremental run. The export budget the parent's
    client knows (:attr:`~zendesk_events.client.ZendeskClient.pacer`) goes to the child with
    the job and comes back when the pass ends, so pacing continues across passes.

    Args:
        recipe: how the child builds its client (the same account and user as the parent's).
        on_wait: told about every wait the child's client takes (pacing, 429, retry).
    """

    def __init__(
        self, recipe: ClientRecipe, *, on_wait: Callable[[Wait], None] | None = None
    ) -> None:
        with recipe.build() as client:  # a bad recipe fails here, at once (ConfigError)
            self._base_url = client.base_url
        self.recipe = recipe
        self.on_wait = on_wait

    def __repr__(self) -> str:
        return f"ProcessFetcher({self.recipe!r})"

    @contextlib.contextmanager
    def fetch(
        self, client: PageSource, job: FetchJob, stop: threading.Event
    ) -> Iterator[Iterator[FetchedPage]]:
        pacer = None
        if isinstance(client, ZendeskClient):
            if client.base_url != self._base_url:
                # The cursor records the client's source: the pages must come from there too.
                raise ConfigError(
                    f"the fetcher's recipe reads {self._base_url}, the client {client.base_url}"
                )
            pacer = client.pacer
        child = _Child(self.recipe, job, None if pacer is None else pacer.state())
        # A reader thread drains the pipe while the caller writes, so the child never waits
        # for the writer to finish a page before it can hand over the next one.
        reader = Prefetch(child.messages(), _PIPE_DEPTH, stop)
        try:
            yield self._pages(reader.__enter__(), child, pacer, stop)
        finally:
            child.stop()  # first: the reader's receive then sees the end of the pipe
            reader.__exit__()
            child.close()

    def _pages(
        self,
        messages: Iterator[tuple[str, Any]],
        child: _Child,
        pacer: Pacer | None,
        stop: threading.Event,
    ) -> Iterator[FetchedPage]:
        for kind, value in messages:
            if kind == "page":
                yield value
            elif kind == "wait":
                if self.on_wait is not None:
                    self.on_wait(value)
            elif kind == "end":
                if pacer is not None and value is not None:
                    pacer.restore(value)
                return
            else:
                raise value
        if stop.is_set():
            return
        raise ZendeskEventsError(
            f"the fetcher process ended unexpectedly (exit code {child.exit_code()}); "
            "rerun to continue from the last committed page"
        )


class _Child:
    """One child process running one :class:`FetchJob`."""

    def __init__(self, recipe: ClientRecipe, job: FetchJob, budget: Budget | None) -> None:
        read, write = os.pipe()
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-c", _BOOT, str(write)],
                stdin=subprocess.PIPE,
                pass_fds=(write,),
                start_new_session=True,  # Ctrl-C at the terminal is the writer's alone
                close_fds=True,
            )
        except BaseException:
            os.close(read)
            raise
        finally:
            os.close(write)  # the child's copy is the only one: EOF once it exits
        self._conn = Connection(read, writable=False)
        stdin = self._process.stdin
        assert stdin is not None
        try:
            pickle.dump(sys.path, stdin)
            pickle.dump((recipe, job, budget), stdin, protocol=pickle.HIGHEST_PROTOCOL)
            stdin.flush()  # kept open: it is the child's leash
        except OSError as exc:
            self.stop()
            self.close()
            raise ZendeskEventsError(f"the fetcher process did not start: {exc}") from exc

    def messages(self) -> Iterator[tuple[str, Any]]:
        while True:
            try:
                blob = self._conn.recv_bytes()
            except (EOFError, OSError):
                return
            yield pickle.loads(blob)

    def exit_code(self) -> int | None:
        try:
            return self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return None

    def stop(self) -> None:
        """Stop the child at once: one in a rate-limit wait would otherwise wake and spend a
        request of the next window on a page nobody reads."""
        if self._process.poll() is None:
            self._process.terminate()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - ignores SIGTERM
            self._process.kill()
            self._process.wait()
        if self._process.stdin is not None:
            with contextlib.suppress(OSError):
                self._process.stdin.close()

    def close(self) -> None:
        """Release the page pipe (once nothing reads it any more)."""
        self._conn.close()


def _child_main(fd: int) -> None:  # pragma: no cover - runs in the child
    """The child's whole life: pages until the end of the stream, an error, or a lost parent."""
    conn = Connection(fd, readable=False)
    lock = threading.Lock()  # waits are announced from the prefetch thread

    def send(kind: str, value: Any) -> None:
        blob = pickle.dumps((kind, value), protocol=pickle.HIGHEST_PROTOCOL)
        with lock:
            conn.send_bytes(blob)

    def leash() -> None:
        # The parent holds our stdin open; EOF means it is gone (even killed with -9).
        sys.stdin.buffer.read()
        os._exit(0)

    # Every page makes ~4 tuples per event, each counted towards the collector's first
    # generation: at the default threshold it ran ~30 times a page, ~18 % of this process's
    # CPU for cycles it never finds (rows hold only strings and numbers; a page dies whole).
    # This process is ours alone, so its collector setting touches nobody's code.
    gc.freeze()
    gc.set_threshold(_GC_THRESHOLD)
    client: ZendeskClient | None = None
    try:
        recipe, job, budget = pickle.load(sys.stdin.buffer)
        threading.Thread(target=leash, daemon=True).start()
        pacer = Pacer(SystemClock())
        if budget is not None:
            pacer.restore(budget)
        client = recipe.build(on_wait=lambda wait: send("wait", wait), pacer=pacer)
        pages = client.pages(
            job.stream, job.start, include_comments=job.include_comments, until=job.until
        )
        # The next page's request (mostly a wait on the network) runs in a thread while this
        # one is turned into rows and sent.
        with Prefetch(pages, 1, threading.Event()) as fetched:
            for page in prepared_pages(fetched, job):
                send("page", page)
        send("end", pacer.state())
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
