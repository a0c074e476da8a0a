"""`airlock mcp`: the MCP server over stdio, acting as the key in $AIRLOCK_API_KEY."""

from __future__ import annotations

import os

from airlock.cli.common import EXIT_USAGE, DbOpt, command_group, fail, handled, open_store

app = command_group()


@app.command("mcp")
def mcp(db: DbOpt = None) -> None:
    """Serve the MCP tools run_python and scan_python (and records as resources) on
    stdin/stdout, as the API key in $AIRLOCK_API_KEY (see `airlock keys create`)."""
    import importlib.util

    if importlib.util.find_spec("mcp") is None:
        fail("the MCP server needs its extra: pip install 'airlock[service]'", EXIT_USAGE)
    from airlock.audit.api_keys import AuthenticationError, authenticate
    from airlock.service.mcp_server import KEY_ENV, build

    token = os.environ.get(KEY_ENV, "")
    with handled(), open_store(db) as store:
        try:
            authenticate(store, token)
        except AuthenticationError as exc:
            fail(f"${KEY_ENV}: {exc}", EXIT_USAGE)
        build(store, token).run("stdio")
