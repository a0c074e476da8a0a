"""Alert delivery against a real loopback HTTP server and a real file."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from airlock.audit.alerts import Delivery, DeliveryConfigError, alert_payload, deliver
from airlock.audit.events import AlertDraft


def draft(n: int = 1, detail: str = "agent 'a': code 0123456789ab blocked") -> AlertDraft:
    return AlertDraft(
        rule_id="blocked-attempt",
        severity="high",
        title="Blocked attempt",
        detail=detail,
        agent_id="a",
        event_ids=[n],
        dedup_key=f"blocked-attempt:{n}",
    )


class Hook:
    """A loopback webhook receiver whose behaviour depends on the request path."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.release = threading.Event()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                hook.requests.append((self.path, dict(self.headers), body))
                failures = sum(1 for p, _, _ in hook.requests if p == self.path)
                if self.path == "/slow":
                    hook.release.wait(5)
                    status = 200
                elif self.path == "/fail" or (self.path == "/flaky" and failures == 1):
                    status = 500
                elif self.path == "/bad":
                    status = 400
                elif self.path == "/moved":
                    status = 302
                else:
                    status = 204
                try:
                    self.send_response(status)
                    if status == 302:
                        self.send_header("Location", "/elsewhere")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the client gave up (the timeout test)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def paths(self) -> list[str]:
        return [p for p, _, _ in self.requests]


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> Iterator[Hook]:
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AIRLOCK_ALERT_ALLOW_HOSTS", "127.0.0.1")  # a loopback receiver
    server = Hook()
    server.thread.start()
    yield server
    server.release.set()
    server.server.shutdown()
    server.server.server_close()
    server.thread.join(5)


def test_webhook_posts_the_alerts_as_json(hook: Hook) -> None:
    statuses = deliver([draft(1), draft(2)], Delivery(webhook_url=hook.url("/hook?token=s3cret")))
    assert len(statuses) == 1
    status = statuses[0]
    assert (status.target, status.ok, status.delivered, status.attempts) == ("webhook", True, 2, 1)
    assert "s3cret" not in status.destination  # paths and queries of webhook URLs hold tokens
    assert status.destination == hook.url("/…")
    path, headers, body = hook.requests[0]
    assert path == "/hook?token=s3cret"
    assert headers["Content-Type"].startswith("application/json")
    sent = json.loads(body)
    assert sent["source"] == "airlock"
    assert [a["dedup_key"] for a in sent["alerts"]] == ["blocked-attempt:1", "blocked-attempt:2"]
    assert sent["alerts"][0]["event_ids"] == [1]


def test_webhook_500_is_retried_once_then_reported(hook: Hook) -> None:
    [status] = deliver([draft()], Delivery(webhook_url=hook.url("/fail")))
    assert not status.ok
    assert status.attempts == 2
    assert status.delivered == 0
    assert status.error == "HTTP 500 Internal Server Error"
    assert hook.paths() == ["/fail", "/fail"]


def test_webhook_retry_succeeds_after_one_500(hook: Hook) -> None:
    [status] = deliver([draft()], Delivery(webhook_url=hook.url("/flaky")))
    assert (status.ok, status.attempts, status.error) == (True, 2, None)


def test_webhook_client_errors_and_redirects_are_not_retried(hook: Hook) -> None:
    [bad] = deliver([draft()], Delivery(webhook_url=hook.url("/bad")))
    assert (bad.ok, bad.attempts, bad.error) == (False, 1, "HTTP 400 Bad Request")
    [moved] = deliver([draft()], Delivery(webhook_url=hook.url("/moved")))
    assert (moved.ok, moved.attempts) == (False, 1)
    assert "302" in (moved.error or "")
    assert "/elsewhere" not in hook.paths()  # the POST was not replayed elsewhere


def test_webhook_slow_server_times_out(hook: Hook) -> None:
    start = time.monotonic()
    [status] = deliver([draft()], Delivery(webhook_url=hook.url("/slow"), timeout_s=0.3))
    elapsed = time.monotonic() - start
    assert not status.ok
    assert status.attempts == 2
    assert status.error == "timed out"
    assert elapsed < 8.0  # without the timeout: two attempts of the server's 5 s each


def test_non_public_destinations_need_the_allow_list(
    hook: Hook, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AIRLOCK_ALERT_ALLOW_HOSTS")
    for url in ("http://169.254.169.254/latest", "http://10.0.0.1/x", hook.url("/ok")):
        [status] = deliver([draft()], Delivery(webhook_url=url))
        assert not status.ok and "non-public address" in status.error and status.attempts == 0
    assert hook.requests == []
    monkeypatch.setenv("AIRLOCK_ALERT_ALLOW_HOSTS", "127.0.0.1")  # negative control
    [status] = deliver([draft()], Delivery(webhook_url=hook.url("/ok")))
    assert status.ok and hook.paths() == ["/ok"]


def test_proxy_variables_are_ignored_unless_configured(
    hook: Hook, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = Hook()  # records what a proxy would see (absolute-form request lines)
    proxy.thread.start()
    try:
        monkeypatch.setenv("http_proxy", proxy.url(""))
        [status] = deliver([draft()], Delivery(webhook_url=hook.url("/ok")))
        assert status.ok and hook.paths() == ["/ok"] and proxy.requests == []
        monkeypatch.setenv("AIRLOCK_ALERT_PROXY", proxy.url(""))  # negative control
        deliver([draft()], Delivery(webhook_url=hook.url("/ok")))
        assert [p for p in proxy.paths() if p.endswith("/ok")], proxy.paths()
    finally:
        proxy.server.shutdown()
        proxy.server.server_close()


def test_a_trickling_server_is_cut_at_the_delivery_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One header line at a time keeps every socket read under the timeout."""
    import socket

    monkeypatch.setenv("AIRLOCK_ALERT_ALLOW_HOSTS", "127.0.0.1")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def trickle() -> None:
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        while not stop.wait(0.1):
            try:
                conn.sendall(b"X-Slow: 1\r\n")
            except OSError:
                break
        conn.close()

    threading.Thread(target=trickle, daemon=True).start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/hook"
    try:
        [status] = deliver([draft()], Delivery(webhook_url=url, timeout_s=0.3))
    finally:
        stop.set()
        listener.close()
    assert not status.ok and "deadline" in status.error


def test_webhook_connection_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRLOCK_ALERT_ALLOW_HOSTS", "127.0.0.1")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    [status] = deliver([draft()], Delivery(webhook_url=f"http://127.0.0.1:{port}/hook"))
    assert (status.ok, status.attempts, status.error) == (False, 2, "connection refused")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/hook", "scheme 'ftp' not supported"),
        ("file:///etc/passwd", "scheme 'file' not supported"),
        ("javascript:alert(1)", "scheme 'javascript' not supported"),
        ("example.com/hook", "scheme '(none)' not supported"),
        ("http://", "no host"),
        ("http:///hook", "no host"),
        ("http://example.com:99999/", "malformed webhook URL"),
        ("http://example.com:port/", "malformed webhook URL"),
        ("http://[::1/hook", "malformed webhook URL"),
        ("http://exa mple.com/", "whitespace"),
        ("http://example.com/\n", "whitespace"),
        ("", "empty"),
        ("https://user:pw@hooks.example.com/x", "credentials in the webhook URL"),
    ],
)
def test_bad_webhook_urls_are_rejected_at_config_time(url: str, message: str) -> None:
    with pytest.raises(DeliveryConfigError, match=re.escape(message)):
        Delivery(webhook_url=url)


def test_config_checks_and_environment(tmp_path: Path) -> None:
    assert Delivery(webhook_url="https://hooks.example.com/x").enabled
    assert not Delivery().enabled
    with pytest.raises(DeliveryConfigError, match="timeout"):
        Delivery(timeout_s=0)
    with pytest.raises(DeliveryConfigError, match="timeout"):
        Delivery(timeout_s=float("nan"))
    log = tmp_path / "alerts.jsonl"
    env = {"AIRLOCK_ALERT_WEBHOOK": "http://127.0.0.1:9/x", "AIRLOCK_ALERT_LOG": str(log)}
    config = Delivery.from_env(env)
    assert (config.webhook_url, config.jsonl_path, config.timeout_s) == (
        env["AIRLOCK_ALERT_WEBHOOK"],
        log,
        3.0,
    )
    assert Delivery.from_env({}) == Delivery()
    with pytest.raises(DeliveryConfigError, match=r"^AIRLOCK_ALERT_WEBHOOK: .*scheme 'gopher'"):
        Delivery.from_env({"AIRLOCK_ALERT_WEBHOOK": "gopher://x"})
    with pytest.raises(DeliveryConfigError, match=r"^AIRLOCK_ALERT_TIMEOUT: "):
        Delivery.from_env({"AIRLOCK_ALERT_TIMEOUT": "soon"})


def test_deliver_without_config_reads_the_environment(monkeypatch, tmp_path: Path) -> None:
    log = tmp_path / "env.jsonl"
    monkeypatch.setenv("AIRLOCK_ALERT_LOG", str(log))
    monkeypatch.delenv("AIRLOCK_ALERT_WEBHOOK", raising=False)
    [status] = deliver([draft()])
    assert status.ok and log.read_text().count("\n") == 1
    monkeypatch.setenv("AIRLOCK_ALERT_WEBHOOK", "ftp://x")
    [status] = deliver([draft()])  # a bad environment is a status, not an exception
    assert (status.target, status.ok) == ("config", False)
    assert "AIRLOCK_ALERT_WEBHOOK" in (status.error or "")


def test_jsonl_appends_one_object_per_line(tmp_path: Path) -> None:
    log = tmp_path / "nested" / "alerts.jsonl"
    stored = {
        **draft(7, detail="line one\nline two").model_dump(),
        "id": 12,
        "state": "open",
        "created_at": datetime(2026, 3, 2, 12, 0, tzinfo=UTC),
    }
    [status] = deliver([draft(1), stored], Delivery(jsonl_path=log))
    assert (status.target, status.ok, status.delivered) == ("jsonl", True, 2)
    deliver([draft(2)], Delivery(jsonl_path=log))
    lines = log.read_text().splitlines()
    assert len(lines) == 3
    second = json.loads(lines[1])
    assert (second["id"], second["state"], second["created_at"]) == (
        12,
        "open",
        "2026-03-02T12:00:00+00:00",
    )
    assert second["detail"] == "line one\nline two"
    assert log.stat().st_mode & 0o777 == 0o600


def test_both_targets_and_malformed_alerts(hook: Hook, tmp_path: Path) -> None:
    log = tmp_path / "alerts.jsonl"
    config = Delivery(webhook_url=hook.url("/hook"), jsonl_path=log)
    statuses = deliver([draft(1), {"rule_id": "x"}], config)
    assert [s.target for s in statuses] == ["jsonl", "webhook"]
    for status in statuses:
        assert not status.ok  # one alert was skipped: reported, never raised
        assert status.delivered == 1
        assert "alert 1 skipped" in (status.error or "")
    assert deliver([], config) == []


def test_jsonl_lines_are_ascii_even_for_odd_text(tmp_path: Path) -> None:
    log = tmp_path / "alerts.jsonl"
    odd = "agent \u2028 line-separator, lone surrogate \udcff, émigré"
    [status] = deliver([draft(detail=odd)], Delivery(jsonl_path=log))
    assert status.ok
    raw = log.read_bytes()
    assert raw.isascii() and raw.count(b"\n") == 1
    assert json.loads(raw)["detail"] == odd


def test_unwritable_log_is_a_status(tmp_path: Path) -> None:
    [status] = deliver([draft()], Delivery(jsonl_path=tmp_path))  # a directory
    assert (status.ok, status.delivered) == (False, 0)
    assert status.error


def test_payload_from_objects_and_json_event_ids() -> None:
    class Row:
        def __init__(self) -> None:
            for name, value in draft(3).model_dump().items():
                setattr(self, name, value)
            self.id, self.state = 5, "acknowledged"

    assert alert_payload(Row())["state"] == "acknowledged"
    as_text = {**draft(4).model_dump(), "event_ids": "[4, 9]"}
    assert alert_payload(as_text)["event_ids"] == [4, 9]


_WRITER = """
import sys
from pathlib import Path
from airlock.audit.alerts import Delivery, deliver
from airlock.audit.events import AlertDraft

path, tag, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
config = Delivery(jsonl_path=path)
for i in range(count):
    alert = AlertDraft(rule_id="r", severity="low", title="t", detail=tag * 20_000,
                       agent_id=tag, event_ids=[i], dedup_key=f"{tag}:{i}")
    [status] = deliver([alert], config)
    assert status.ok, status
"""


def test_concurrent_appends_from_processes_never_interleave(tmp_path: Path) -> None:
    log = tmp_path / "alerts.jsonl"
    writers, count = "ABCD", 100
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(log), tag, str(count)])
        for tag in writers
    ]
    for proc in procs:
        assert proc.wait(timeout=120) == 0
    lines = log.read_text().splitlines()
    assert len(lines) == len(writers) * count
    seen: dict[str, list[int]] = {tag: [] for tag in writers}
    for line in lines:
        alert = json.loads(line)  # an interleaved line would not parse
        assert alert["detail"] == alert["agent_id"] * 20_000
        seen[alert["agent_id"]].append(alert["event_ids"][0])
    assert all(ids == list(range(count)) for ids in seen.values())
