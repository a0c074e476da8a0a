"""The dashboard against hostile agents: served only under its own names (no DNS rebinding,
no cross-site websocket), nothing of the agent's rendered as markup, no outside request."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_dashboard_browser import CHROME_ARGS, CHROMIUM, _airlock, _free_port, stop, wait_healthy

from airlock.audit.events import AlertDraft
from airlock.audit.store import Store
from airlock.executor.models import ExecutionResult, Limits

OUTSIDE = "198.51.100.7"  # TEST-NET-2: never a real host
IMG = f"![pixel](http://{OUTSIDE}/agent.png)"
LINK = f"[click me](http://{OUTSIDE}/phish)"
HOSTILE = [IMG, LINK, ":red[RED] :material/warning:", f"<img src=http://{OUTSIDE}/h.png>", "$x^2$"]


def _hostile_store(path: Path) -> int:
    from audit_factories import report  # tests/audit helpers

    with Store(str(path)) as store:
        last = 0
        for i, text in enumerate(HOSTILE):
            row = store.record(
                code=f"print({i})  # {text}\n",
                report=report("review", 40, ("R1",)),
                gate_decision="ran",
                result=ExecutionResult(exit_code=0, stdout=text, stderr=text),
                agent_id=text,
                user_id=text,
                session_id=text,
                limits=Limits(),
            )
            last = last or int(row.id or 0)  # the first: its agent id is the image
            store.record_alerts(
                [
                    AlertDraft(
                        rule_id="blocked-attempt",
                        severity="high",
                        title=f"{text} tried",
                        detail=f"{text} {IMG}",
                        agent_id=text,
                        event_ids=[last],
                        dedup_key=f"k{i}",
                    )
                ]
            )
    return last


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, int, int]]:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "audit"))
    db = tmp_path / "hostile.db"
    last = _hostile_store(db)
    port = _free_port()
    env = dict(os.environ, AIRLOCK_RULES_DIR=str(tmp_path / "rules"), HOME=str(tmp_path))
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(
        [*_airlock(), "dashboard", "--db", str(db), "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(proc, url, tmp_path / "server.log")
        yield url, port, last
    finally:
        stop(proc)
        log.close()


def _raw(port: int, request: str) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request.encode())
        return s.recv(4096).decode("latin-1").split("\r\n", 1)[0]


def _ws(port: int, host: str, origin: str | None) -> str:
    lines = [
        "GET /_stcore/stream HTTP/1.1",
        f"Host: {host}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
        "Sec-WebSocket-Protocol: streamlit",
    ]
    if origin is not None:
        lines.append(f"Origin: {origin}")
    return _raw(port, "\r\n".join(lines) + "\r\n\r\n")


def test_foreign_hosts_and_origins_are_refused(served: tuple[str, int, int]) -> None:
    _url, port, _ = served
    own = f"127.0.0.1:{port}"
    get = "GET /_stcore/health HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n"
    assert " 403 " in _raw(port, get.format(f"rebound.example:{port}"))  # DNS rebinding
    assert " 200 " in _raw(port, get.format(own))  # negative control
    assert " 200 " in _raw(port, get.format(f"localhost:{port}"))
    assert " 403 " in _ws(port, own, None)  # a websocket with no Origin
    assert " 403 " in _ws(port, own, "http://evil.example")
    assert " 403 " in _ws(port, f"evil.example:{port}", f"http://evil.example:{port}")
    assert " 101 " in _ws(port, own, f"http://{own}")  # negative control: the app's own page


def test_no_agent_markup_renders_and_no_outside_request(served: tuple[str, int, int]) -> None:
    if not CHROMIUM.exists():
        print(f"SKIP: {CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    url, port, last = served
    requests: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROME_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 2000})
            page.on("request", lambda r: requests.append(r.url))
            for path, ready in [
                (f"executions?id={last}", "Code, with findings on their lines"),
                ("alerts", "Events behind this alert"),
                ("", "Agents by risk"),
                ("patterns", "Code seen again and again"),
                ("review", "Decide"),
            ]:
                page.goto(f"{url}/{path}", wait_until="domcontentloaded")
                main = page.locator("[data-testid='stMain']")
                expect(main.get_by_text(ready, exact=False).first).to_be_visible(timeout=60_000)
                expect(page.locator("[data-testid='stSkeleton']")).to_have_count(0, timeout=30_000)
                page.wait_for_timeout(800)
                html = main.inner_html()
                at = html.find(f'src="http://{OUTSIDE}')
                assert at < 0, (path, html[max(0, at - 600) : at + 100])  # no image from the agent
                assert f'href="http://{OUTSIDE}' not in html, path  # no link from the agent
                assert "color: red" not in html.replace(" ", " "), path
                if path.startswith(("executions", "alerts")):
                    assert IMG in main.inner_text(), path  # shown as typed
        finally:
            browser.close()
    outside = [
        r
        for r in requests
        if not r.startswith((f"http://127.0.0.1:{port}/", "data:", "blob:", "about:"))
    ]
    assert requests and outside == [], outside
