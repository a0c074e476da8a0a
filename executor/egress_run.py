"""One run's way out through an egress allow-list: the proxy, the program's proxy settings,
and the record of every attempt.

The run's helper binds a TCP listener on 127.0.0.1:``PORT`` inside the run's own network
namespace (loopback only, no route out) and hands the socket to the host on the report
channel (spawn.py, report.py); ``RunEgress.take`` serves the host-side proxy
(egress.py) on it. So the one thing the program can reach is a socket that only this
process accepts on: no process of the run's own relays anything, no path names a host
socket, and every attempt is recorded by the proxy, never by the program. The program is
pointed at it through ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY`` (and their lower-case
forms), which requests, httpx, urllib and pip honour; names are resolved by the proxy, on
the host (the run has no DNS: no server on its loopback, and seccomp refuses UDP).
"""

from __future__ import annotations

import dataclasses
import os
import socket

from airlock.executor.egress import EgressProxy
from airlock.executor.models import AllowList, EgressAttempt, ExecutionResult

PORT = 3128  # on the run's own loopback (a fresh network namespace: always free)
URL = f"http://127.0.0.1:{PORT}"


def proxy_env() -> dict[str, str]:
    """The program's proxy variables (they replace any the caller set)."""
    names = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
    env = {name: URL for name in names} | {name.lower(): URL for name in names}
    return env | {"NO_PROXY": "", "no_proxy": ""}


class RunEgress:
    """The host side of one run's allow-list."""

    def __init__(self, allow: AllowList) -> None:
        self.proxy = EgressProxy(allow.entries())
        self.serving = False

    def take(self, listener_fd: int) -> None:
        """Serve on the listener the run's helper sent (a copy: the caller closes its own)."""
        sock = socket.socket(fileno=os.dup(listener_fd))
        if sock.family != socket.AF_INET:
            sock.close()
            raise OSError("the egress listener is not an AF_INET socket")
        self.proxy.serve_socket(sock)
        self.serving = True

    def finish(self, result: ExecutionResult) -> None:
        """Close every tunnel and put the proxy's record of each attempt on ``result``."""
        self.proxy.close()
        attempts = sorted(self.proxy.attempts, key=lambda a: a.started)
        result.egress = [EgressAttempt(**dataclasses.asdict(a)) for a in attempts]
        result.egress_count = self.proxy.total

    def close(self) -> None:
        """Stop the proxy (idempotent; for a run that failed before ``finish``)."""
        self.proxy.close()
