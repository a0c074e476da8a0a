"""Alerts are never lost and never in the way: a durable outbox, retried with backoff,
webhooks delivered off the caller's path."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select, update

from airlock.audit import Store, guard
from airlock.audit.alerts.outbox import backoff, flush
from airlock.audit.tables import AlertOutbox
from airlock.cli import app

EVIL = "import os\nos.system('rm -rf /')"  # blocked: opens a blocked-attempt alert


class Receiver:
    """A loopback webhook: answers `status`, or holds each request until `release`."""

    def __init__(self, status: int = 204) -> None:
        self.status, self.bodies, self.release = status, [], threading.Event()
        self.release.set()
        me = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                me.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                me.release.wait(30)
                self.send_response(me.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for var in ("AIRLOCK_ALERT_LOG", "AIRLOCK_ALERT_WEBHOOK", "http_proxy", "HTTP_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AIRLOCK_ALERT_ALLOW_HOSTS", "127.0.0.1")
    return monkeypatch


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.release.set()
    r.server.shutdown()
    r.server.server_close()


def _rows(store: Store) -> list[AlertOutbox]:
    with store.reading() as session:
        return list(session.scalars(select(AlertOutbox).order_by(AlertOutbox.id)))


def _make_due(store: Store) -> None:
    with store.writing() as (session, _):
        session.execute(update(AlertOutbox).values(next_at=AlertOutbox.created_at))


def _wait(store: Store, done, deadline_s: float = 20) -> list[AlertOutbox]:
    """The rows once `done(rows)` holds (the background delivery has its own thread)."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        rows = _rows(store)
        if rows and done(rows):
            return rows
        time.sleep(0.05)
    return _rows(store)


def _wait_delivered(store: Store) -> list[AlertOutbox]:
    return _wait(store, lambda rows: all(r.delivered_at is not None for r in rows))


def test_a_failed_webhook_is_kept_and_retried_after_a_restart(
    sqlite_url: str, env: pytest.MonkeyPatch, receiver: Receiver
) -> None:
    receiver.status = 500
    env.setenv("AIRLOCK_ALERT_WEBHOOK", receiver.url)
    with Store(sqlite_url) as store:
        res = guard(EVIL, store=store)
        assert res.decision == "blocked" and res.alert_error is None  # not the caller's wait
        _wait(store, lambda rows: rows[0].attempts >= 1)  # the background attempt failed
    with Store(sqlite_url) as store:  # a restart: a new process, the same outbox
        [row] = _rows(store)
        assert row.delivered_at is None and row.attempts == 1 and "HTTP 500" in row.last_error
        assert flush(store).failed == []  # not due yet: the backoff holds it back
        receiver.status = 204  # the endpoint recovers
        _make_due(store)
        out = flush(store)
        assert out.delivered == [row.alert_id] and out.pending == 0
        assert _rows(store)[0].delivered_at is not None
        assert receiver.bodies[-1]["alerts"][0]["rule_id"] == "blocked-attempt"


def test_guard_never_waits_on_a_hanging_webhook(
    sqlite_url: str, env: pytest.MonkeyPatch, receiver: Receiver
) -> None:
    receiver.release.clear()  # the endpoint hangs until we let it answer
    env.setenv("AIRLOCK_ALERT_WEBHOOK", receiver.url)
    env.setenv("AIRLOCK_ALERT_TIMEOUT", "20")
    with Store(sqlite_url) as store:
        res = guard(EVIL, store=store)
        # guard is back while the webhook still holds the request: nothing was attempted
        # and failed on the caller's path (a synchronous send would have waited 2 x 20 s)
        [row] = _rows(store)
        assert res.alert_error is None and row.delivered_at is None and row.attempts == 0
        receiver.release.set()
        [row] = _wait_delivered(store)
        assert row.delivered_at is not None and row.done == "webhook"


def test_the_local_log_is_written_at_once_and_each_target_only_once(
    sqlite_url: str, env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    log = tmp_path / "alerts.jsonl"
    env.setenv("AIRLOCK_ALERT_LOG", str(log))
    with Store(sqlite_url) as store:
        guard(EVIL, agent_id="a", store=store)
        assert len(log.read_text().splitlines()) == 1
        [row] = _rows(store)
        assert row.delivered_at is not None and row.done == "jsonl"
        _make_due(store)
        assert flush(store).delivered == []  # delivered rows are never sent again
    assert len(log.read_text().splitlines()) == 1


def test_alerts_deliver_command(
    sqlite_url: str, env: pytest.MonkeyPatch, receiver: Receiver
) -> None:
    from typer.testing import CliRunner

    with Store(sqlite_url) as store:  # the webhook is down when the alert is raised
        env.setenv("AIRLOCK_ALERT_WEBHOOK", "http://127.0.0.1:1/down")
        guard(EVIL, store=store)
        _wait(store, lambda rows: rows[0].attempts >= 1)
    held = CliRunner().invoke(app, ["alerts", "deliver", "--db", sqlite_url])
    assert held.exit_code == 0 and "failed 0 (will retry), 1 waiting" in held.output  # backoff
    with Store(sqlite_url) as store:
        _make_due(store)
    failed = CliRunner().invoke(app, ["alerts", "deliver", "--db", sqlite_url])
    assert failed.exit_code == 1 and "failed 1" in failed.output and "refused" in failed.output
    with Store(sqlite_url) as store:
        _make_due(store)
    env.setenv("AIRLOCK_ALERT_WEBHOOK", receiver.url)
    out = CliRunner().invoke(app, ["alerts", "deliver", "--db", sqlite_url])
    assert out.exit_code == 0 and out.output.startswith("delivered 1, failed 0"), out.output


def test_backoff_doubles_up_to_an_hour() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert backoff(30).total_seconds() == 3600
