"""How a stream's pages are fetched and prepared while the caller writes them: a strategy.

The sync engine writes; a :class:`Fetcher` gets the pages (HTTP, JSON decoding) and turns each
into the sink's rows or lines, a few pages ahead. The caller picks one, once, and passes it to
:func:`~zendesk_events.sync.run_sync` (httpx's transports are the model: swappable objects, the
simple one by default, the fast one opt-in and named):

* :class:`ThreadFetcher` (the default): a thread of this process. Fetching and writing share
  the interpreter's lock, which is fine for the few pages of an incremental run.
* :class:`~zendesk_events.sync.process.ProcessFetcher`: a child process, for long backfills,
  where both halves are CPU-bound and a thread would leave one core idle.
"""

from __future__ import annotations

import contextlib
import threading
from abc import ABC, abstractmethod
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from zendesk_events.checkpoint import Checkpoint
from zendesk_events.errors import PaginationError
from zendesk_events.events import StreamName
from zendesk_events.sync.prefetch import Prefetch
from zendesk_events.sync.sink import PreparedPage, PrepareFunction

if TYPE_CHECKING:
    from zendesk_events.client import PageResult

__all__ = [
    "PREFETCH_PAGES",
    "FetchJob",
    "FetchedPage",
    "Fetcher",
    "PageSource",
    "ThreadFetcher",
    "prepared_pages",
]

PREFETCH_PAGES = 2
"""Pages fetched ahead of the writer (memory bound: this many pages plus the one in hand)."""


class PageSource(Protocol):
    """What the engine needs of a client (:class:`zendesk_events.client.ZendeskClient`)."""

    def pages(
        self,
        stream: StreamName,
        start: int | Checkpoint,
        *,
        include_comments: bool = False,
        until: int | None = None,
    ) -> Iterator[PageResult]:
        """Pages from ``start`` to the end of the stream (boundary duplicates dropped)."""
        ...


@dataclass(frozen=True, slots=True)
class FetchJob:
    """One pass over one stream, as a fetcher runs it.

    Attributes:
        stream: the stream.
        start: where the pass starts (the committed cursor, or a look-back behind it).
        include_comments: ask for the comment sideload.
        until: stop before this second (None: to the end of the stream).
        prepare: turns a page's items into what the sink writes (a module-level function).
    """

    stream: StreamName
    start: Checkpoint
    include_comments: bool
    until: int | None
    prepare: PrepareFunction


@dataclass(frozen=True, slots=True)
class FetchedPage:
    """A page as the writer needs it.

    Attributes:
        prepared: the sink's form of the page's fresh items.
        start_time: the ``start_time`` the page was asked for.
        checkpoint: the pass's cursor after this page.
        end_of_stream: the stream has caught up.
    """

    prepared: PreparedPage
    start_time: int
    checkpoint: Checkpoint
    end_of_stream: bool

    @property
    def count(self) -> int:
        return self.prepared.count


def prepared_pages(pages: Iterator[PageResult], job: FetchJob) -> Iterator[FetchedPage]:
    """Each page of ``pages`` with its items prepared by ``job.prepare``; closes ``pages``.

    A page that cannot be prepared fails as a page that cannot be fetched: nothing of it is
    written. The client has checked every item already, so this is a last line of defence
    that names the page rather than a traceback.
    """
    try:
        for result in pages:
            page = result.page
            try:
                prepared = job.prepare(job.stream, result.items)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                where = f"the page from {page.url}" if page.url else f"a page of {job.stream}"
                raise PaginationError(f"cannot store {where}: {type(exc).__name__}: {exc}") from exc
            yield FetchedPage(prepared, page.start_time, result.checkpoint, page.end_of_stream)
    finally:
        if isinstance(pages, Generator):  # closed here, in the thread that ran it
            pages.close()


class Fetcher(ABC):
    """A strategy for fetching a pass's pages while the caller writes them."""

    @abstractmethod
    def fetch(
        self, client: PageSource, job: FetchJob, stop: threading.Event
    ) -> contextlib.AbstractContextManager[Iterator[FetchedPage]]:
        """A context in which to iterate over the pass's pages.

        Leaving it (at the end, on an error, or once ``stop`` is set) ends the fetching; no
        request is made for a page nobody will read.
        """


class ThreadFetcher(Fetcher):
    """Fetches and prepares in a thread of this process, ``depth`` pages ahead.

    The default: nothing to start, nothing to pickle, any :class:`PageSource` works.

    Args:
        depth: pages held ready for the writer.
    """

    def __init__(self, depth: int = PREFETCH_PAGES) -> None:
        self.depth = depth

    def __repr__(self) -> str:
        return f"ThreadFetcher(depth={self.depth})"

    @contextlib.contextmanager
    def fetch(
        self, client: PageSource, job: FetchJob, stop: threading.Event
    ) -> Iterator[Iterator[FetchedPage]]:
        pages = client.pages(
            job.stream, job.start, include_comments=job.include_comments, until=job.until
        )
        with Prefetch(prepared_pages(pages, job), self.depth, stop) as fetched:
            yield fetched
