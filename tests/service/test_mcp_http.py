"""The MCP server over streamable HTTP (`airlock mcp --http`, a real server on loopback)
through the official SDK's own client: each request's bearer key decides who acts."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from service_support import make_key as _key
from typer.testing import CliRunner

from airlock.cli import app as cli


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(store path, MCP URL) of a running `airlock mcp --http`."""
    db, port = str(tmp_path / "store.db"), _free_port()
    _key(db, "warmup", "scan")  # the store exists before the server opens it
    airlock = str(Path(sys.executable).with_name("airlock"))
    proc = subprocess.Popen(
        [airlock, "mcp", "--http", "--port", str(port), "--db", db],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"server exited: {proc.stderr.read().decode()}")  # type: ignore[union-attr]
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield db, f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


async def _session(url: str, key: str | None, work: Any) -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=60) as http,
        streamable_http_client(url, http_client=http) as streams,
        ClientSession(*streams[:2]) as session,
    ):
        await session.initialize()
        return await work(session)


def _text(result: Any) -> dict[str, Any]:
    if getattr(result, "structured_content", None):
        return dict(result.structured_content)
    return json.loads(result.content[0].text)


def test_each_key_acts_as_itself_and_a_revoked_key_stops_at_once(
    server: tuple[str, str],
) -> None:
    db, url = server
    runner = _key(db, "http-runner", "execute", "scan")
    scanner = _key(db, "http-scanner", "scan")

    async def as_runner(session: ClientSession) -> tuple[dict[str, Any], Any]:
        ran = _text(await session.call_tool("run_python", {"code": "print(6 * 7)"}))
        res = await session.read_resource(f"airlock://records/{ran['record_id']}")
        return ran, res

    async def as_scanner(session: ClientSession) -> tuple[Any, Any, Any]:
        refused = await session.call_tool("run_python", {"code": "print(1)"})
        scanned = await session.call_tool("scan_python", {"code": "import os\nos.system('id')"})
        revoke = CliRunner().invoke(cli, ["keys", "revoke", "http-scanner", "--db", db])
        assert revoke.exit_code == 0, revoke.output
        try:  # the bearer check refuses the revoked key before any tool runs (HTTP 401)
            after: Any = await session.call_tool("scan_python", {"code": "x = 1"})
        except MCPError as exc:
            after = exc
        return refused, scanned, after

    ran, res = anyio.run(_session, url, runner, as_runner)
    assert ran["success"] is True and ran["output"] == "42\n", ran
    assert json.loads(res.contents[0].text)["agent_id"] == "key:http-runner"
    refused, scanned, after = anyio.run(_session, url, scanner, as_scanner)
    assert refused.is_error and "lacks the 'execute' scope" in refused.content[0].text
    assert not scanned.is_error and _text(scanned)["verdict"] in ("review", "block")  # control
    assert isinstance(after, MCPError), after


@pytest.mark.parametrize("key", [None, "alk_" + "x" * 43])
def test_a_request_without_a_valid_key_gets_no_session(
    server: tuple[str, str], key: str | None
) -> None:
    _, url = server
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "t", "version": "0"},
        },
    }
    reply = httpx2.post(
        url,
        json=body,
        headers={**headers, "Accept": "application/json, text/event-stream"},
        timeout=30,
    )
    assert reply.status_code == 401, (reply.status_code, reply.text[:200])
    assert "mcp-session-id" not in {k.lower() for k in reply.headers}
