"""Running an iterator in a thread, a few items ahead of its consumer."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

__all__ = ["Prefetch"]

_T = TypeVar("_T")


class Prefetch(Generic[_T]):
    """Runs an iterator in a thread, ``depth`` items ahead of the consumer.

    The consumer stops waiting as soon as ``stop`` is set (even while the producer is blocked
    in a rate-limit wait); leaving the ``with`` block cancels the producer, which then closes
    the source iterator in its own thread (a generator must be closed where it runs).
    """

    _POLL = 0.1

    def __init__(self, source: Iterator[_T], depth: int, stop: threading.Event) -> None:
        self._source = source
        self._queue: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=max(1, depth))
        self._cancel = threading.Event()
        self._stop = stop
        self._thread = threading.Thread(
            target=self._produce, name="zendesk-events-prefetch", daemon=True
        )

    def __enter__(self) -> Iterator[_T]:
        self._thread.start()
        return self._consume()

    def __exit__(self, *exc: object) -> None:
        self._cancel.set()
        while True:  # unblock a producer waiting on a full queue
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        # A producer inside a long rate-limit wait is a daemon thread: don't hang the exit on it.
        self._thread.join(timeout=2.0)

    def _produce(self) -> None:
        try:
            # Checked before each fetch, so a cancelled run makes no further request.
            while not self._cancel.is_set():
                try:
                    item = next(self._source)
                except StopIteration:
                    self._put(("end", None))
                    return
                if not self._put(("item", item)):
                    return
        except BaseException as exc:  # handed to the consumer, re-raised there
            self._put(("error", exc))
        finally:
            close: Callable[[], None] | None = getattr(self._source, "close", None)
            if close is not None:
                with contextlib.suppress(Exception):  # best effort: the consumer is gone
                    close()

    def _put(self, message: tuple[str, Any]) -> bool:
        while not self._cancel.is_set():
            try:
                self._queue.put(message, timeout=self._POLL)
                return True
            except queue.Full:
                continue
        return False

    def _consume(self) -> Iterator[_T]:
        while True:
            try:
                kind, value = self._queue.get(timeout=self._POLL)
            except queue.Empty:
                if self._stop.is_set():
                    return
                if not self._thread.is_alive() and self._queue.empty():
                    return
                continue
            if kind == "item":
                yield value
            elif kind == "end":
                return
            else:
                raise value
