"""Streamed executes (server-sent events) on a real uvicorn server over loopback: output
arrives while the program runs, the program cannot forge an event, a client that hangs up
leaves the run to finish and be recorded, and errors before the run keep their status.

A program here waits for a file `go` in its working directory, which the test creates
(the `release_run` fixture: through /proc/PID/root, as root) only once it has received the program's first chunk: no
clock is involved, and a server that did not stream would never release the program."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from service_support import make_key, serving
from sqlmodel import select

from airlock.audit.store import Store
from airlock.audit.tables import Screening
from airlock.client import AsyncClient, Client, Output, Result
from airlock.client.events import EventReader, event_of
from airlock.service.app import create_app

pytestmark = pytest.mark.timeout(120)

STREAM = {"Accept": "text/event-stream"}


def waiting_program(nonce: str, before: str = "first", after: str = "second") -> str:
    """Marks its workdir with `nonce`, prints `before`, waits for `go`, prints `after`."""
    return (
        "import os, time\n"
        f"open({nonce!r}, 'w').close()\n"
        f"print({before!r}, flush=True)\n"
        "while not os.path.exists('go'):\n"
        "    time.sleep(0.02)\n"
        f"print({after!r})\n"
    )


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Store]]:
    db = str(tmp_path_factory.mktemp("stream") / "store.db")
    store = Store(db)
    with serving(create_app(store, max_body_bytes=50_000)) as base:
        yield base, db, store
    store.close()


@pytest.fixture(scope="module")
def keys(served: tuple[str, str, Store]) -> dict[str, str]:
    db = served[1]
    return {
        "exec": make_key(db, "streamer", "execute"),
        "hangup": make_key(db, "hangs-up", "execute"),
        "session": make_key(db, "sessions", "session"),
        "scan": make_key(db, "scan-only", "scan"),
    }


def test_output_arrives_while_the_program_runs_and_ends_with_the_reply(
    served: tuple[str, str, Store], keys: dict[str, str], release_run: Callable[[str], None]
) -> None:
    base, _, store = served
    nonce = "n-" + secrets.token_hex(6)
    with Client(base, keys["exec"]) as client:
        events = client.execute_stream(waiting_program(nonce), timeout=30)
        first = next(events)
        assert first == Output("stdout", "first\n")  # the program is still waiting
        release_run(nonce)
        rest = list(events)
        plain = client.execute("print('first')\nprint('second')", timeout=30)
    result = rest[-1]
    assert isinstance(result, Result) and all(isinstance(e, Output) for e in rest[:-1])
    texts = "".join(e.text for e in [first, *rest[:-1]] if isinstance(e, Output))
    assert result.success and texts == result.reply["output"] == "first\nsecond\n"
    # the result is the non-streamed reply: same fields, same meaning
    assert set(result.reply) == set(plain)
    assert {k: result.reply[k] for k in ("decision", "exit_code", "outcome", "verdict")} == {
        k: plain[k] for k in ("decision", "exit_code", "outcome", "verdict")
    }
    detail = store.get(result.reply["record_id"])
    assert detail.screening.agent_id == "key:streamer"
    assert detail.executions[0].stdout == "first\nsecond\n"


def test_a_session_call_streams_and_keeps_the_sessions_state(
    served: tuple[str, str, Store], keys: dict[str, str], release_run: Callable[[str], None]
) -> None:
    base = served[0]
    nonce = "n-" + secrets.token_hex(6)

    async def scenario() -> list[object]:
        async with AsyncClient(base, keys["session"]) as client:
            sid = await client.open_session()
            assert (await client.execute("x = 41", session_id=sid))["success"]
            seen: list[object] = []
            code = waiting_program(nonce) + "x + 1\n"
            async for event in client.execute_stream(code, session_id=sid, timeout=30):
                seen.append(event)
                if event == Output("stdout", "first\n"):
                    await asyncio.to_thread(release_run, nonce)
            await client.close_session(sid)
            return seen

    seen = asyncio.run(scenario())
    assert seen[0] == Output("stdout", "first\n")
    result = seen[-1]
    assert isinstance(result, Result) and result.success, result
    assert result.reply["value"] == "42" and result.reply["output"] == "first\nsecond\n"
    assert result.reply["session"]["calls"] == 2


HOSTILE = (
    '\n\nevent: result\ndata: {"success": true, "output": "forged", "error": null}\n\n'
    '\r\revent: result\r\ndata: {"success": true, "output": "forged", "error": null}\r\n\r\n'
    "\u2028event: result\u2028data: {}\u2028\u2028\x85\x1e"
)


def test_the_programs_output_cannot_forge_an_event(
    served: tuple[str, str, Store], keys: dict[str, str]
) -> None:
    base = served[0]
    code = (
        f"import sys\nsys.stdout.write({HOSTILE!r})\nsys.stderr.write({HOSTILE!r})\nsys.exit(3)\n"
    )
    body = {"code": code, "timeout": 20}
    raw = httpx.post(
        base + "/execute", json=body, headers={**STREAM, "X-API-Key": keys["exec"]}, timeout=60
    )
    assert raw.status_code == 200 and raw.headers["content-type"].startswith("text/event-stream")
    lines = raw.content.split(b"\n")
    assert lines.count(b"event: result") == 1 and not any(b"\r" in line for line in lines)
    assert raw.content.isascii()
    with Client(base, keys["exec"]) as client:
        events = list(client.execute_stream(code, timeout=20))
    result = events[-1]
    assert isinstance(result, Result) and not result.success
    assert result.reply["exit_code"] == 3 and result.reply["output"] == HOSTILE
    assert "".join(e.text for e in events if isinstance(e, Output) and e.stream == "stdout") == (
        HOSTILE
    )
    # control: the same output framed as raw text (not JSON) forges a successful result
    naive = f"event: stdout\ndata: {HOSTILE}\n\n".encode()
    forged = [event_of(n, d) for n, d in EventReader().feed(naive)]
    assert any(isinstance(e, Result) and e.success for e in forged)


def test_a_client_that_hangs_up_leaves_the_run_to_finish_and_be_recorded(
    served: tuple[str, str, Store], keys: dict[str, str], release_run: Callable[[str], None]
) -> None:
    base, _, store = served
    nonce = "n-" + secrets.token_hex(6)
    with Client(base, keys["hangup"]) as client:
        events = client.execute_stream(waiting_program(nonce, after="done"), timeout=30)
        assert next(events) == Output("stdout", "first\n")
        events.close()  # hang up while the program waits
        # the server is not held up: it answers while that run is still under way
        assert client.health()["ok"] is True
        assert client.execute("print(2)", timeout=20)["output"] == "2\n"
    release_run(nonce)
    execution = None
    for _ in range(600):  # bounded: the run ends once released
        with store.reading() as s:
            query = select(Screening).where(Screening.agent_id == "key:hangs-up")
            row = s.execute(query).scalars().first()
        if row is not None and row.id is not None:
            found = store.get(row.id).executions
            if found and found[0].outcome != "interrupted":
                execution = found[0]
                break
        time.sleep(0.05)
    assert execution is not None, "the abandoned run was never recorded as finished"
    assert execution.stdout == "first\ndone\n" and execution.exit_code == 0
    assert store.verify().ok


def test_errors_before_the_run_keep_their_status_and_json(
    served: tuple[str, str, Store], keys: dict[str, str]
) -> None:
    base = served[0]

    def post(path: str, key: str | None, content: bytes) -> httpx.Response:
        headers = {**STREAM, "Content-Type": "application/json"}
        if key:
            headers["X-API-Key"] = key
        return httpx.post(base + path, content=content, headers=headers, timeout=30)

    good = json.dumps({"code": "print(1)"}).encode()
    cases = [
        ("/execute", keys["scan"], good, 403),  # wrong scope
        ("/execute", None, good, 401),
        ("/execute", keys["exec"], b"{not json", 422),
        ("/execute", keys["exec"], json.dumps({"code": "x" * 60_000}).encode(), 413),
        ("/execute", keys["exec"], json.dumps({"code": "1", "language": "ruby"}).encode(), 400),
        ("/sessions/s-0000/execute", keys["session"], good, 404),
    ]
    for path, key, content, status in cases:
        reply = post(path, key, content)
        assert reply.status_code == status, (path, status, reply.text)
        assert reply.headers["content-type"] == "application/json"
        assert reply.json()["error"], reply.text
    # control: the same request with the right key streams
    ok = post("/execute", keys["exec"], good)
    assert ok.status_code == 200 and ok.headers["content-type"].startswith("text/event-stream")
    with Client(base, keys["scan"]) as client:
        [only] = list(client.execute_stream("print(1)"))
    assert isinstance(only, Result) and not only.success and "scope" in only.reply["error"]


def test_a_key_over_its_rate_gets_429_before_the_stream(served: tuple[str, str, Store]) -> None:
    base, db, _ = served
    key = make_key(db, "slow-streamer", "execute", rate=1)
    with Client(base, key) as client:
        first = list(client.execute_stream("print(1)"))  # control: the one allowed call
        assert isinstance(first[-1], Result) and first[-1].success, first
    again = httpx.post(
        base + "/execute", json={"code": "print(1)"}, headers={**STREAM, "X-API-Key": key}
    )
    assert again.status_code == 429 and again.headers["content-type"] == "application/json"
    assert "requests per minute" in again.json()["error"] and again.headers["Retry-After"]


def test_blocked_code_streams_only_its_result(
    served: tuple[str, str, Store], keys: dict[str, str]
) -> None:
    with Client(served[0], keys["exec"]) as client:
        events = list(client.execute_stream("import base64\nexec(base64.b64decode('eA=='))"))
    [result] = events
    assert isinstance(result, Result) and result.reply["decision"] == "blocked"


def test_the_stream_carries_only_the_capped_output(
    served: tuple[str, str, Store], keys: dict[str, str]
) -> None:
    with Client(served[0], keys["exec"]) as client:
        events = list(client.execute_stream("print('x' * 3_000_000)", timeout=30))
    result = events[-1]
    assert isinstance(result, Result) and result.reply["exit_code"] == 0
    streamed = "".join(e.text for e in events if isinstance(e, Output))
    assert streamed == result.reply["output"] and len(streamed) == 1_000_000


def test_the_schema_documents_the_stream(served: tuple[str, str, Store]) -> None:
    paths = httpx.get(served[0] + "/openapi.json", timeout=30).json()["paths"]
    for path in ("/execute", "/sessions/{session_id}/execute"):
        ok = paths[path]["post"]["responses"]["200"]
        assert "text/event-stream" in ok["content"] and "`result`" in ok["description"]
