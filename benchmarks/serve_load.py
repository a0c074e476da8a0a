"""Scale-out on one PostgreSQL store: several `airlock serve` processes under concurrent load.

Starts `--servers` real `airlock serve` processes on loopback ports over one PostgreSQL
store, creates one execute key, and sends `--requests` executes from `--clients`
concurrent clients, spread round-robin over the servers (the clients are the load
balancer). Then it checks what the store says against what the clients saw: every
request answered 200 has its record with the key's name as agent id and exactly one run;
no record exists that no client was told about beyond the in-flight ones of a killed
server; `airlock audit verify` holds. Prints p50/p99 latency and throughput, and as the
same-run baseline the median cost of one bare `python3 -c pass` start.

    AIRLOCK_TEST_PG_URL=postgresql+psycopg://… python benchmarks/serve_load.py \\
        [--servers 3] [--clients 16] [--requests 2000] [--sessions 4] [--kill-one]

`--sessions N` makes N of the clients work in sessions instead (each with its own session
key): a client opens a session on one server (sticky, as a load balancer must route it),
runs `--session-calls` calls there that carry a counter from call to call (`n = 0`, then
`n += 1; n`, each reply's value checked), closes it and opens the next. Every answered
session call must have its record, with that session's id; latencies are printed for
plain executes and session calls apart.

`--kill-one` SIGKILLs one server when a third of the requests are done: its clients may
see errors only for the requests that server held in flight, and the store must hold
every request any server accepted (a record is written before its code runs).

Each server runs `--slots` plain executes at once (its default: one per CPU); beyond
them an execute waits in the PostgreSQL task queue and runs on whichever server's worker
has a slot (`airlock.service.queue`). The run prints how many went through the queue and
the hand-off's final states. A queued execute that was running on the killed server is
answered 502 by the live server that accepted it: that error is counted against the
killed server (its in-flight work), by the reply's `ran_on`.
Loopback only; bounded by `--requests`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

CODE = "import json\nprint(json.dumps({'n': sum(range(100))}))\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pg_store(base: str) -> tuple[str, str]:
    """A fresh schema on the server: (its URL, its name)."""
    from airlock.audit.db import make_engine, resolve_url

    schema = "bench_" + uuid.uuid4().hex[:10]
    admin = make_engine(resolve_url(base))
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    admin.dispose()
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}", schema


def drop_schema(base: str, schema: str) -> None:
    from airlock.audit.db import make_engine, resolve_url

    admin = make_engine(resolve_url(base))
    with admin.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    admin.dispose()


def airlock_cmd(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("airlock")), *args]


def wait_healthy(port: int, proc: subprocess.Popen[bytes], deadline_s: float = 60) -> None:
    import httpx

    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if proc.poll() is not None:
            sys.exit(
                f"server on port {port} exited: {proc.stderr.read().decode()[-400:] if proc.stderr else ''}"
            )
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    sys.exit(f"server on port {port} did not come up")


def bare_start(runs: int = 10) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=3)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--kill-one", action="store_true")
    parser.add_argument("--sessions", type=int, default=0, help="clients that use sessions")
    parser.add_argument("--session-calls", type=int, default=4, help="calls per session")
    parser.add_argument("--slots", type=int, default=None, help="each server's --slots")
    args = parser.parse_args()
    if not 0 <= args.sessions <= args.clients or args.session_calls < 1:
        sys.exit("--sessions must be between 0 and --clients, --session-calls at least 1")
    base = os.environ.get("AIRLOCK_TEST_PG_URL")
    if not base:
        sys.exit("set AIRLOCK_TEST_PG_URL to a PostgreSQL server (loopback)")
    import httpx
    from sqlalchemy import text

    from airlock.audit.store import Store

    url, schema = pg_store(base)
    env = dict(os.environ, AIRLOCK_DB=url)
    servers: list[tuple[int, subprocess.Popen[bytes]]] = []
    try:
        out = subprocess.run(
            airlock_cmd("keys", "create", "load", "--scope", "execute", "--rate", "1000000", "--concurrency", "1000"),
            env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        key = out.stdout.splitlines()[-1]
        session_keys = []
        for n in range(args.sessions):
            made = subprocess.run(
                airlock_cmd("keys", "create", f"load-s{n}", "--scope", "session", "--rate", "1000000", "--concurrency", "1000"),
                env=env, capture_output=True, text=True, check=True,
            )  # fmt: skip
            session_keys.append(made.stdout.splitlines()[-1])
        for _ in range(args.servers):
            port = free_port()
            slots = [] if args.slots is None else ["--slots", str(args.slots)]
            proc = subprocess.Popen(
                airlock_cmd("serve", "--port", str(port), *slots), env=env,
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            )  # fmt: skip
            servers.append((port, proc))
        for port, proc in servers:
            wait_healthy(port, proc)

        lock = threading.Lock()
        next_index = 0
        done = 0
        latencies: list[float] = []
        session_latencies: list[float] = []
        opens: list[float] = []
        accepted: dict[int, int] = {}  # record id -> server port
        session_of: dict[int, str] = {}  # record id -> the session it was told it ran in
        sessions_lost = 0  # sessions whose server was gone before their next call
        errors: list[tuple[int, str]] = []
        queued = 0  # executes answered after running through the queue
        killed: list[int] = []
        dead: set[int] = set()

        def ran_on(body: dict, port: int) -> int:
            """The port of the server that ran a queued execute (else the one asked)."""
            where = str(body.get("ran_on") or "")
            for p, _ in servers:
                if f":{p}/" in where:
                    return p
            return port

        def worker(n: int) -> None:
            nonlocal next_index, done, queued
            with httpx.Client(headers={"X-API-Key": key}, timeout=120, trust_env=False) as http:
                while True:
                    with lock:
                        if next_index >= args.requests:
                            return
                        i = next_index
                        next_index += 1
                    start = time.perf_counter()
                    while True:  # the load balancer: a server that refuses connections is out
                        live = [p for p, _ in servers if p not in dead]
                        if not live:
                            ok, error, body = False, "no server left", {}
                            break
                        port = live[i % len(live)]
                        try:
                            reply = http.post(
                                f"http://127.0.0.1:{port}/execute",
                                json={"code": CODE, "language": "python", "timeout": 10},
                            )
                            body = reply.json()
                            if not isinstance(body, dict):
                                raise ValueError("reply is not a JSON object")
                            ok = reply.status_code == 200 and body.get("success") is True
                            error = None if ok else f"HTTP {reply.status_code}: {body.get('error')}"
                        except httpx.ConnectError:  # never reached a server: safe to send elsewhere
                            dead.add(port)
                            continue
                        except (httpx.HTTPError, ValueError) as exc:  # in flight when it died
                            ok, error, body = False, f"{type(exc).__name__}: {exc}", {}
                        break
                    elapsed = time.perf_counter() - start
                    with lock:
                        done += 1
                        queued += 1 if ok and body.get("queued") is True else 0
                        if ok:
                            latencies.append(elapsed)
                            accepted[int(body["record_id"])] = port
                        else:
                            errors.append((ran_on(body, port), str(error)[:200]))
                        if args.kill_one and not killed and done >= args.requests // 3:
                            victim_port, victim = servers[-1]
                            victim.send_signal(signal.SIGKILL)
                            killed.append(victim_port)

        def take() -> int | None:
            nonlocal next_index
            with lock:
                if next_index >= args.requests:
                    return None
                next_index += 1
                return next_index - 1

        def finish(ok: bool, port: int, error: str | None) -> None:
            nonlocal done
            with lock:
                done += 1
                if not ok:
                    errors.append((port, str(error)[:200]))
                if args.kill_one and not killed and done >= args.requests // 3:
                    victim_port, victim = servers[-1]
                    victim.send_signal(signal.SIGKILL)
                    killed.append(victim_port)

        def session_worker(n: int) -> None:
            """Calls in sessions: each session on one server, its counter checked per call."""
            nonlocal sessions_lost
            sid: str | None = None
            port, calls, opened = 0, 0, 0
            headers = {"X-API-Key": session_keys[n]}
            with httpx.Client(headers=headers, timeout=120, trust_env=False) as http:
                while (i := take()) is not None:
                    ok, error = False, None
                    while True:
                        if sid is None:
                            live = [p for p, _ in servers if p not in dead]
                            if not live:
                                error = "no server left"
                                break
                            port = live[(n + opened + i) % len(live)]
                            opened += 1
                            began = time.perf_counter()
                            try:
                                reply = http.post(f"http://127.0.0.1:{port}/sessions", json={})
                            except httpx.ConnectError:
                                dead.add(port)
                                continue
                            except httpx.HTTPError as exc:
                                error = f"open: {type(exc).__name__}: {exc}"
                                break
                            if reply.status_code != 201:
                                error = f"open: HTTP {reply.status_code}: {reply.text[:100]}"
                                break
                            with lock:
                                opens.append(time.perf_counter() - began)
                            sid, calls = str(reply.json()["session_id"]), 0
                        code = "n = 0\nn" if calls == 0 else "n += 1\nn"
                        start = time.perf_counter()
                        try:
                            reply = http.post(
                                f"http://127.0.0.1:{port}/sessions/{sid}/execute",
                                json={"code": code, "language": "python", "timeout": 10},
                            )
                            body = reply.json()
                        except httpx.ConnectError:  # its server is gone: a new session elsewhere
                            dead.add(port)
                            sid = None
                            with lock:
                                sessions_lost += 1
                            continue
                        except (httpx.HTTPError, ValueError) as exc:  # in flight: lost
                            error, sid = f"{type(exc).__name__}: {exc}", None
                            with lock:
                                sessions_lost += 1
                            break
                        elapsed = time.perf_counter() - start
                        ok = reply.status_code == 200 and body.get("success") is True
                        if ok and body.get("value") != str(calls):
                            ok, error = (
                                False,
                                f"state lost: call {calls} gave {body.get('value')!r}",
                            )
                        elif not ok:
                            error = f"HTTP {reply.status_code}: {body.get('error')}"
                        if ok:
                            with lock:
                                session_latencies.append(elapsed)
                                accepted[int(body["record_id"])] = port
                                session_of[int(body["record_id"])] = sid
                        calls += 1
                        if calls >= args.session_calls or not ok:
                            with contextlib.suppress(httpx.HTTPError):
                                http.delete(f"http://127.0.0.1:{port}/sessions/{sid}")
                            sid = None
                        break
                    finish(ok, port, error)

        baseline = bare_start()
        start = time.perf_counter()
        threads = [
            threading.Thread(target=session_worker if n < args.sessions else worker, args=(n,))
            for n in range(args.clients)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - start

        with Store(url) as store:
            verdict = store.verify()
            rows = store.list_screenings(limit=args.requests * 2)
            with store.reading() as session:
                runs_per_record = dict(
                    session.execute(
                        text("SELECT screening_id, count(*) FROM executions GROUP BY screening_id")
                    ).all()
                )
                handoffs = dict(
                    session.execute(
                        text("SELECT state, count(*) FROM airlock_handoffs GROUP BY state")
                    ).all()
                )
        twice = [rid for rid, n in runs_per_record.items() if n != 1]
        answered = len(latencies) + len(session_latencies) + len(errors)
        records = {s.id: s for s in rows}
        lost = [rid for rid in accepted if rid not in records]
        agents = {"key:load", *(f"key:load-s{n}" for n in range(args.sessions))}
        foreign = [s.id for s in rows if s.agent_id not in agents]
        misfiled = [
            rid
            for rid, sid in session_of.items()
            if rid in records and records[rid].session_id != sid
        ]
        unanswered = [rid for rid in records if rid not in accepted]
        bad_errors = [e for e in errors if e[0] not in killed]

        print(
            f"serve load: {args.servers} servers, {args.clients} clients ({args.sessions} in sessions of {args.session_calls} calls), {args.requests} executes, one PostgreSQL store"
        )
        print(f"  baseline: bare python3 start      {baseline * 1000:8.1f} ms")
        if latencies:
            lat = sorted(latencies)
            p50, p99 = statistics.median(lat), lat[min(len(lat) - 1, int(len(lat) * 0.99))]
            print(
                f"  execute latency p50               {p50 * 1000:8.1f} ms  ({p50 / baseline:.1f}x a bare start)"
            )
            print(
                f"  execute latency p99               {p99 * 1000:8.1f} ms  ({p99 / baseline:.1f}x a bare start)"
            )
        if session_latencies:
            lat = sorted(session_latencies)
            p50, p99 = statistics.median(lat), lat[min(len(lat) - 1, int(len(lat) * 0.99))]
            print(
                f"  session call latency p50          {p50 * 1000:8.1f} ms  ({p50 / baseline:.1f}x a bare start)"
            )
            print(
                f"  session call latency p99          {p99 * 1000:8.1f} ms  ({p99 / baseline:.1f}x a bare start)"
            )
            print(
                f"  session open p50                  {statistics.median(opens) * 1000:8.1f} ms  ({statistics.median(opens) / baseline:.1f}x a bare start; {len(opens)} opened, {sessions_lost} lost with their server)"
            )
        succeeded = len(latencies) + len(session_latencies)
        print(
            f"  throughput                        {succeeded / wall:8.1f} executes/s over {wall:.1f} s"
        )
        print(
            f"  succeeded {succeeded} ({len(session_latencies)} in sessions), errors {len(errors)} ({len(bad_errors)} from servers not killed)"
        )
        print(
            f"  through the queue: {queued} of {len(latencies)} plain executes answered 200; hand-off states {dict(sorted(handoffs.items()))}"
        )
        print(f"  session calls recorded under another session id: {len(misfiled)}")
        print(
            f"  records {len(records)}; lost (answered 200, no record) {len(lost)}; other agent ids {len(foreign)}"
        )
        if killed:
            print(
                f"  killed the server on port {killed[0]}; records no client heard about (its in-flight ones): {len(unanswered)}"
            )
        print(f"  audit verify: {verdict.line()}")
        in_flight = len(errors) - len(bad_errors)
        if killed:
            print(f"  errors at the killed server: {in_flight} (in flight; at most {args.clients})")
        print(f"  answered {answered} of {args.requests}; records run more than once: {len(twice)}")
        ok = not lost and not foreign and not bad_errors and in_flight <= args.clients
        ok = ok and verdict.ok and not twice and answered == args.requests and not misfiled
        ok = ok and len(unanswered) <= (in_flight if killed else 0)
        print("all checks hold" if ok else "CHECKS FAILED")
        if not ok:
            for port, error in bad_errors[:5]:
                print(f"    error from {port}: {error}")
            sys.exit(1)
    finally:
        for _port, proc in servers:
            if proc.poll() is None:
                proc.terminate()
        for _port, proc in servers:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        drop_schema(base, schema)


if __name__ == "__main__":
    main()
