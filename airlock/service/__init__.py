"""Airlock as a service: the HTTP API (`airlock serve`) over one store.

`create_app(store)` builds the FastAPI application; `serve(...)` runs it under uvicorn
(over a PostgreSQL store with the queue for work beyond its slots: `service.queue`).
Install with `pip install 'airlock[service]'`.
"""

from __future__ import annotations

import ipaddress
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airlock.audit.store import Store

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8700


def is_loopback(host: str) -> bool:
    """Whether `host` names only this machine (an address or `localhost`)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def default_slots() -> int:
    """Runs at once per server before work goes to the queue: one per CPU."""
    return max(1, os.cpu_count() or 1)


def serve(
    store: Store,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    network: str = "none",
    *,
    slots: int | None = None,
    queue_wait: float = 30.0,
) -> None:
    """Run the API until interrupted; `network` bounds what a request may be granted.
    Over a PostgreSQL store, plain executes beyond `slots` (one per CPU by default) wait
    in the queue up to `queue_wait` seconds for a slot on any server (`service.queue`)."""
    import uvicorn

    from airlock.service.app import create_app
    from airlock.service.network import parse

    bound = parse(network)
    queue = None
    if store.url.get_backend_name() == "postgresql":
        from airlock.service.queue import Queue, worker_name
        from airlock.service.slots import Slots

        count = default_slots() if slots is None else slots
        queue = Queue(store, Slots(count), wait_s=queue_wait, network=bound, name=worker_name(port))
    uvicorn.run(
        create_app(store, network=bound, queue=queue),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,  # request lines are the client's text; the store keeps what matters
        server_header=False,
        proxy_headers=False,  # a client cannot claim another address through X-Forwarded-For
        # longer than clients and load balancers keep idle connections, so the server is
        # never the side that closes one while a request is on its way
        timeout_keep_alive=75,
    )
