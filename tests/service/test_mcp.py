"""The MCP server through the official SDK's own stdio client: `airlock mcp` as a real
subprocess, tools listed and called, a record read back as a resource."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import anyio
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from service_support import make_key as _key
from typer.testing import CliRunner

from airlock.audit.store import Store
from airlock.cli import app as cli


def _airlock() -> str:
    return str(Path(sys.executable).with_name("airlock"))


async def _session(db: str, key: str, work: Any, *extra: str) -> Any:
    env = {k: v for k, v in os.environ.items() if k != "AIRLOCK_API_KEY"}
    params = StdioServerParameters(
        command=_airlock(),
        args=["mcp", "--db", db, *extra],
        env={**env, "AIRLOCK_API_KEY": key},
    )
    async with stdio_client(params) as streams, ClientSession(*streams[:2]) as session:
        await session.initialize()
        return await work(session)


def _text(result: Any) -> dict[str, Any]:
    if getattr(result, "structured_content", None):
        return dict(result.structured_content)
    return json.loads(result.content[0].text)


def test_run_python_runs_records_under_the_key_and_the_record_reads_back(tmp_path: Path) -> None:
    db = str(tmp_path / "store.db")
    key = _key(db, "mcp-agent", "execute", "scan")

    async def work(session: ClientSession) -> tuple[set[str], dict[str, Any], dict[str, Any], Any]:
        tools = {t.name for t in (await session.list_tools()).tools}
        ran = _text(await session.call_tool("run_python", {"code": "print(6 * 7)"}))
        blocked = _text(
            await session.call_tool(
                "run_python", {"code": "import base64\nexec(base64.b64decode('cHJpbnQoMSk='))\n"}
            )
        )
        res = await session.read_resource(f"airlock://records/{ran['record_id']}")
        big = await session.call_tool("run_python", {"code": "x" * 200_001})
        assert big.is_error and "at most 200000 characters" in big.content[0].text
        return tools, ran, blocked, res

    tools, ran, blocked, res = anyio.run(_session, db, key, work)
    assert {"run_python", "scan_python"} <= tools
    assert ran["success"] is True and ran["output"] == "42\n" and ran["decision"] == "ran"
    assert blocked["success"] is False and blocked["decision"] == "blocked"
    record = json.loads(res.contents[0].text)
    assert record["agent_id"] == "key:mcp-agent" and record["executions"][0]["stdout"] == "42\n"


def test_a_scan_only_key_cannot_run_code(tmp_path: Path) -> None:
    db = str(tmp_path / "store.db")
    key = _key(db, "mcp-scanner", "scan")

    async def work(session: ClientSession) -> tuple[Any, Any, Any]:
        refused = await session.call_tool("run_python", {"code": "print(1)"})
        scanned = await session.call_tool("scan_python", {"code": "import os\nos.system('id')\n"})
        revoke = CliRunner().invoke(cli, ["keys", "revoke", "mcp-scanner", "--db", db])
        assert revoke.exit_code == 0, revoke.output
        after = await session.call_tool("scan_python", {"code": "x = 1"})
        return refused, scanned, after

    refused, scanned, after = anyio.run(_session, db, key, work)
    assert refused.is_error and "lacks the 'execute' scope" in refused.content[0].text
    assert not scanned.is_error and _text(scanned)["verdict"] in ("review", "block")  # control
    assert after.is_error and "revoked API key" in after.content[0].text  # at once, mid-session


def test_without_a_valid_key_the_server_does_not_start(tmp_path: Path) -> None:
    import subprocess

    db = str(tmp_path / "store.db")
    for key in ("", "alk_" + "x" * 43):
        env = dict(os.environ, AIRLOCK_API_KEY=key)
        proc = subprocess.run(
            [_airlock(), "mcp", "--db", db],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        assert proc.returncode == 2 and proc.stdout == "", proc
        assert (
            proc.stderr.startswith("airlock: error: $AIRLOCK_API_KEY:")
            and proc.stderr.count("\n") == 1
        )


def test_run_python_with_a_session_id_keeps_state_per_key_and_name(tmp_path: Path) -> None:
    db = str(tmp_path / "store.db")
    key = _key(db, "mcp-sessions", "execute", "session")
    exec_only = _key(db, "mcp-exec-only", "execute")

    async def work(session: ClientSession) -> tuple[dict[str, Any], ...]:
        call = session.call_tool
        await call("run_python", {"code": "x = 40", "session_id": "nb-1"})
        same = _text(await call("run_python", {"code": "x + 2", "session_id": "nb-1"}))
        other = _text(await call("run_python", {"code": "'x' in dir()", "session_id": "nb-2"}))
        plain = _text(await call("run_python", {"code": "print('x' in dir())"}))
        bad = await call("run_python", {"code": "1", "session_id": "../../etc"})
        assert bad.is_error and "session_id" in bad.content[0].text
        return same, other, plain

    same, other, plain = anyio.run(_session, db, key, work)
    assert (same["value"], same["session_alive"]) == ("42", True)
    assert other["value"] == "False"  # another name, another interpreter
    assert plain["output"] == "False\n"  # no session id: a fresh run, as before

    async def refused(session: ClientSession) -> Any:
        return await session.call_tool("run_python", {"code": "1", "session_id": "nb-1"})

    denied = anyio.run(_session, db, exec_only, refused)
    assert denied.is_error and "lacks the 'session' scope" in denied.content[0].text


def test_run_python_gets_a_network_only_within_the_servers_bound(tmp_path: Path) -> None:
    db = str(tmp_path / "store.db")
    key = _key(db, "mcp-net", "execute", "session")
    bound = "allow:127.0.0.1:8080"

    async def work(session: ClientSession) -> tuple[Any, ...]:
        beyond = await session.call_tool(
            "run_python", {"code": "print(1)", "network": "allow:127.0.0.1:8081"}
        )
        loop = await session.call_tool("run_python", {"code": "print(1)", "network": "loopback"})
        within = await session.call_tool("run_python", {"code": "print(1)", "network": bound})
        in_session = await session.call_tool(
            "run_python", {"code": "x = 1", "session_id": "net", "network": bound}
        )
        changed = await session.call_tool(
            "run_python", {"code": "x", "session_id": "net", "network": "none"}
        )
        return beyond, loop, within, in_session, changed

    beyond, loop, within, in_session, changed = anyio.run(
        _session, db, key, work, "--network", bound
    )
    assert beyond.is_error and f"127.0.0.1:8081 not within {bound}" in beyond.content[0].text
    assert loop.is_error and f"this server allows {bound}" in loop.content[0].text
    ran = _text(within)  # control: within the bound, the call runs
    assert not within.is_error and ran["output"] == "1\n"
    with Store(db) as store:
        assert store.get(ran["record_id"]).screening.limits["network"] == bound
        session_call = _text(in_session)
        assert store.get(session_call["record_id"]).screening.limits["network"] == bound
    assert changed.is_error and "keeps the network it was started with" in changed.content[0].text
