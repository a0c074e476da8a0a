"""Scale-out through the queue: real `airlock serve` processes over one PostgreSQL store.

A server with no free slot queues a plain execute (procrastinate); another server's
worker runs it, once; the record is written before anything is queued. Programs that
must be running at a given moment wait for a file `go` in their workdir (the
`release_run` fixture), so nothing here depends on a clock. Skipped, with the reason,
without $AIRLOCK_TEST_PG_URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from service_support import make_key
from sqlalchemy import text

from airlock.service.queue import QUEUE, TASK, conninfo, job_record_id
from airlock.service.slots import Slots

AIRLOCK = str(Path(sys.executable).with_name("airlock"))
PG_ENV = "AIRLOCK_TEST_PG_URL"
RUN_WORKDIR = "/run/airlock-work"  # a run's working directory, inside its mount view (conftest)


def waiting_program(nonce: str, after: str = "released") -> str:
    """Marks its workdir with `nonce`, waits for `go`, prints `after`."""
    return (
        "import os, time\n"
        f"open({nonce!r}, 'w').close()\n"
        "while not os.path.exists('go'):\n"
        "    time.sleep(0.02)\n"
        f"print({after!r})\n"
    )


@pytest.fixture
def pg_db() -> Iterator[str]:
    base = os.environ.get(PG_ENV)
    if not base:
        print(f"SKIP: ${PG_ENV} is not set (no PostgreSQL server for the queue)")
        pytest.skip(f"${PG_ENV} is not set (no PostgreSQL server for the queue)")
    from airlock.audit.db import make_engine, resolve_url

    schema = "q_" + uuid.uuid4().hex[:12]
    admin = make_engine(resolve_url(base))
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@dataclass
class Server:
    port: int
    proc: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        """SIGKILL, as a crash (its runs' sandboxes are in sessions of their own)."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)


@contextlib.contextmanager
def serve(db: str, slots: int, wait: float = 60) -> Iterator[Server]:
    """A real `airlock serve` with `--slots`, healthy (its queue worker started)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    args = ["serve", "--port", str(port), "--slots", str(slots), "--queue-wait", str(wait)]
    proc = subprocess.Popen(
        [AIRLOCK, *args],
        env={**os.environ, "AIRLOCK_DB": db},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    server = Server(port, proc)
    try:
        for _ in range(1200):  # bounded: a start takes seconds, under load more
            assert proc.poll() is None, (proc.stderr.read() if proc.stderr else b"").decode()
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                    break
            time.sleep(0.1)
        else:
            raise AssertionError("airlock serve did not come up")
        yield server
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


def post(server: Server, key: str, code: str, timeout: float = 20) -> httpx.Response:
    return httpx.post(
        f"{server.url}/execute",
        json={"code": code, "timeout": timeout},
        headers={"X-API-Key": key},
        timeout=300,
    )


class Call:
    """A request in a thread of its own: `.reply` once it is answered."""

    def __init__(self, send: Callable[[], httpx.Response]) -> None:
        self.reply: httpx.Response | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(send,), daemon=True)
        self._thread.start()

    def _run(self, send: Callable[[], httpx.Response]) -> None:
        try:
            self.reply = send()
        except BaseException as exc:
            self.error = exc

    def result(self) -> httpx.Response | None:
        self._thread.join(300)
        return self.reply


def rows(db: str, sql: str, **params: Any) -> list[Any]:
    from airlock.audit.db import make_engine, resolve_url

    engine = make_engine(resolve_url(db))
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(sql), params).all())
    finally:
        engine.dispose()


def until(what: str, check: Callable[[], Any], tries: int = 1500) -> Any:
    """Poll `check` until it is truthy (bounded; no assertion on how long it took)."""
    for _ in range(tries):
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"never happened: {what}")


def handoff(db: str, record_id: int) -> Any:
    found = rows(db, "SELECT * FROM airlock_handoffs WHERE record_id = :r", r=record_id)
    return found[0] if found else None


def queued_record(db: str) -> int:
    """The id of the one record waiting in the queue."""
    found = until(
        "a record queued",
        lambda: rows(db, "SELECT record_id FROM airlock_handoffs WHERE state = 'queued'"),
    )
    return int(found[0][0])


def executions(db: str, record_id: int) -> list[Any]:
    return rows(
        db,
        "SELECT outcome, stdout, refused FROM executions WHERE screening_id = :r ORDER BY id",
        r=record_id,
    )


def marked(nonce: str) -> bool:
    """Whether a run has marked its workdir with `nonce` (it is running now)."""
    return bool(glob.glob(f"/proc/[0-9]*/root{RUN_WORKDIR}/{nonce}"))


def jobs_left(db: str) -> int:
    """procrastinate's jobs still to be fetched."""
    return int(rows(db, "SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo'")[0][0])


def defer(db: str, *payloads: dict[str, Any]) -> None:
    """Put jobs on the queue as anyone with the database could: procrastinate's own API."""
    from procrastinate import App, PsycopgConnector

    from airlock.audit.store import Store

    with Store(db) as store:
        url = conninfo(store)

    async def go() -> None:
        app = App(connector=PsycopgConnector(conninfo=url))
        async with app.open_async():
            for payload in payloads:
                await app.configure_task(name=TASK, queue=QUEUE).defer_async(**payload)

    asyncio.run(go())


def test_overflow_runs_on_a_server_with_a_free_slot_and_is_recorded_once(
    pg_db: str, release_run: Callable[[str], None]
) -> None:
    key = make_key(pg_db, "q", "execute")
    with serve(pg_db, slots=1) as front, serve(pg_db, slots=1) as back:
        nonce = "n-" + secrets.token_hex(6)
        busy = Call(lambda: post(front, key, waiting_program(nonce)))
        until("the front's one slot taken", lambda: marked(nonce))
        over = post(front, key, "print(6 * 7)")
        assert over.status_code == 200, over.text
        body = over.json()
        assert body["success"] is True and body["output"] == "42\n" and body["error"] is None
        assert body["queued"] is True and f":{back.port}/" in body["ran_on"]
        assert {"verdict", "record_id", "decision", "exit_code", "outcome"} <= set(body)
        release_run(nonce)
        held = busy.result()
        assert held is not None and held.json()["output"] == "released\n"
        assert "queued" not in held.json()  # it had the slot: it ran where it arrived
        # negative control: with its slot free again, the front runs its own request
        again = post(front, key, "print(1)")
        assert again.json()["success"] is True and "queued" not in again.json()
    rid = body["record_id"]
    assert executions(pg_db, rid) == [("ok", "42\n", None)]
    agent = rows(pg_db, "SELECT agent_id, gate_decision FROM screenings WHERE id = :r", r=rid)
    assert agent == [("key:q", "ran")]
    row = handoff(pg_db, rid)
    assert row.state == "answered" and row.reply is None
    assert len(rows(pg_db, "SELECT id FROM screenings")) == 3


def test_a_worker_killed_mid_run_leaves_an_interrupted_record_never_run_again(
    pg_db: str, release_run: Callable[[str], None]
) -> None:
    key = make_key(pg_db, "q", "execute")
    nonce = "n-" + secrets.token_hex(6)
    with serve(pg_db, slots=0) as front:
        with serve(pg_db, slots=1) as worker:
            call = Call(lambda: post(front, key, waiting_program(nonce)))
            rid = int(
                until(
                    "the run claimed",
                    lambda: rows(
                        pg_db, "SELECT record_id FROM airlock_handoffs WHERE state = 'running'"
                    ),
                )[0][0]
            )
            until("the run started", lambda: marked(nonce))
            worker.kill()
        reply = call.result()
        assert reply is not None and reply.status_code == 502, reply and reply.text
        assert "stays interrupted" in reply.json()["error"]
        with contextlib.suppress(AssertionError):
            release_run(nonce)  # the orphaned sandbox, if it outlived its server
        # a second delivery of the same record (a retry, a duplicate) to a live worker
        with serve(pg_db, slots=1):
            defer(pg_db, {"record_id": rid}, {"record_id": rid})
            until("the deliveries fetched", lambda: jobs_left(pg_db) == 0)
            # negative control: the same worker does run a record that is queued
            ok = post(front, key, "print('after')")
            assert ok.status_code == 200 and ok.json()["output"] == "after\n"
    assert executions(pg_db, rid) == []
    outcome = rows(pg_db, "SELECT outcome FROM screenings WHERE id = :r", r=rid)
    assert outcome == [("interrupted",)]
    assert handoff(pg_db, rid).state == "running"


def test_queued_work_past_its_deadline_is_recorded_as_not_started(pg_db: str) -> None:
    key = make_key(pg_db, "q", "execute")
    with serve(pg_db, slots=0, wait=1) as front:
        late = post(front, key, "print('late')")  # no worker anywhere
        assert late.status_code == 503 and late.headers["Retry-After"]
        body = late.json()
        assert body["success"] is False and "no server had a free slot" in body["error"]
        first = body["record_id"]
        # the accepting server dies with work queued; its deadline passes
        call = Call(lambda: post(front, key, "print('orphan')"))
        second = queued_record(pg_db)
        front.kill()
        call.result()
    until(
        "the deadline passed",
        lambda: rows(
            pg_db,
            "SELECT 1 FROM airlock_handoffs WHERE record_id = :r AND start_by < clock_timestamp()",
            r=second,
        ),
    )
    with serve(pg_db, slots=1) as worker:
        until("the jobs fetched", lambda: jobs_left(pg_db) == 0)
        until("the orphan recorded", lambda: executions(pg_db, second))
        ok = post(worker, key, "print('now')")  # negative control: it runs what it may
        assert ok.json()["success"] is True
    for rid in (first, second):
        (outcome, stdout, refused), *more = executions(pg_db, rid)
        assert not more and outcome == "refused" and stdout == ""
        assert "no server had a free slot" in refused
    assert handoff(pg_db, second).state == "expired"


def test_work_still_runs_when_its_accepting_server_dies(pg_db: str) -> None:
    key = make_key(pg_db, "q", "execute")
    with serve(pg_db, slots=0) as front:
        call = Call(lambda: post(front, key, "print('kept')"))
        rid = queued_record(pg_db)
        front.kill()
        call.result()
    with serve(pg_db, slots=1):
        until("the orphan run recorded", lambda: executions(pg_db, rid))
    assert executions(pg_db, rid) == [("ok", "kept\n", None)]
    assert handoff(pg_db, rid).state == "done"  # its reply waits for no one


def test_job_payloads_cannot_forge_a_record_or_run_one_twice(pg_db: str) -> None:
    from airlock.audit.pipeline import guard
    from airlock.audit.store import Store

    key = make_key(pg_db, "q", "execute")
    with Store(pg_db) as store:
        ran = guard("print('ran once')", agent_id="key:q", store=store).record_id
        blocked = guard("import os\nos.system('rm -rf /')\n", agent_id="key:q", store=store)
        assert blocked.decision == "blocked"
    with serve(pg_db, slots=0) as front:
        call = Call(lambda: post(front, key, "print('legit')"))
        rid = queued_record(pg_db)
        defer(
            pg_db,
            {"record_id": rid, "agent_id": "key:admin", "code": "print('forged')"},
            {"record_id": str(rid)},
            {"record_id": True},
            {"record_id": -1},
            {"record_id": 2**70},
            {"record_id": float(rid)},
            {},
            {"record_id": ran},
            {"record_id": blocked.record_id},
            {"record_id": rid + 1000},
            {"record_id": rid},  # a duplicate of the legit one
        )
        with serve(pg_db, slots=1):
            reply = call.result()
            until("every job fetched", lambda: jobs_left(pg_db) == 0)
    assert reply is not None and reply.status_code == 200
    assert reply.json()["output"] == "legit\n"
    assert executions(pg_db, rid) == [("ok", "legit\n", None)]
    assert executions(pg_db, ran) == [("ok", "ran once\n", None)]
    assert executions(pg_db, blocked.record_id) == []
    agents = rows(pg_db, "SELECT DISTINCT agent_id FROM screenings")
    assert agents == [("key:q",)]
    assert len(rows(pg_db, "SELECT id FROM screenings")) == 3
    outputs = rows(pg_db, "SELECT stdout FROM executions")
    assert ("forged\n",) not in outputs


@given(
    st.dictionaries(
        st.text(max_size=12),
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
        max_size=4,
    )
)
def test_a_job_names_a_record_only_through_exactly_one_integer_argument(
    args: dict[str, Any],
) -> None:
    found = job_record_id(args)
    exact = set(args) == {"record_id"} and type(args["record_id"]) is int
    if exact and 0 < args["record_id"] < 2**63:
        assert found == args["record_id"]
    else:
        assert found is None


def test_requests_queue_while_a_queued_job_waits_here_for_a_slot() -> None:
    slots = Slots(1)
    assert slots.take_for_request() and not slots.take_for_request()
    assert not slots.take_for_job()
    slots.give()
    with slots.parked():  # a queue job waits here: new requests go to the queue
        assert slots.free() and not slots.take_for_request()
        assert slots.take_for_job()
    slots.give()
    assert slots.take_for_request()  # negative control: nobody waiting, a free slot is taken
    assert not Slots(0).take_for_request() and not Slots(0).take_for_job()
    with pytest.raises(ValueError):
        Slots(-1)


@pytest.mark.parametrize(
    "args",
    [["--slots", "-1"], ["--slots", "many"], ["--queue-wait", "0"], ["--queue-wait", "nan"]],
)
def test_bad_queue_options_are_one_line_usage_errors(args: list[str]) -> None:
    from typer.testing import CliRunner

    from airlock.cli import app as cli

    out = CliRunner().invoke(cli, ["serve", *args])
    assert out.exit_code == 2 and "Traceback" not in out.output
    assert "--slots" in out.output or "--queue-wait" in out.output
