"""Airlock as a service: the HTTP API (`airlock serve`) over one store.

`create_app(store)` builds the FastAPI application; `serve(...)` runs it under uvicorn.
Install with `pip install 'airlock[service]'`.
"""

from __future__ import annotations

import ipaddress
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


def serve(
    store: Store, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, network: str = "none"
) -> None:
    """Run the API until interrupted; `network` bounds what a request may be granted."""
    import uvicorn

    from airlock.service.app import create_app
    from airlock.service.network import parse

    uvicorn.run(
        create_app(store, network=parse(network)),
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
