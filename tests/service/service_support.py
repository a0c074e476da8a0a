"""What the service tests share: keys made by the real `airlock keys create`, and a real
uvicorn server on a loopback port, in a thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from typer.testing import CliRunner

from airlock.cli import app as cli


def make_key(db: str, name: str, *scopes: str, rate: int | None = None) -> str:
    """A new API key (the last line of `airlock keys create`'s stdout)."""
    args = ["keys", "create", name, "--db", db]
    for scope in scopes:
        args += ["--scope", scope]
    if rate is not None:
        args += ["--rate", str(rate)]
    out = CliRunner().invoke(cli, args)
    assert out.exit_code == 0, out.output
    return out.output.splitlines()[-1]


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 (a free port) until the block ends; yields its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
