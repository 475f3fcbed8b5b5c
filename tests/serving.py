"""A real uvicorn server in a thread on an ephemeral port (the ``run_server`` fixture's engine).

A module of its own (not conftest) so helpers in any test folder import it by this name.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def serve_in_thread(
    app: Any, *, config: Any = None, sock: socket.socket | None = None
) -> Iterator[str]:
    """Run ``app`` under a real uvicorn on an ephemeral port; yield its base URL.

    Args:
        app: the ASGI app.
        config: a ``uvicorn.Config`` for ``app`` (default: uvicorn's own, quiet).
        sock: a bound listening socket (default: a new one on 127.0.0.1, port 0).
    """
    import uvicorn

    if sock is None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    if config is None:
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
