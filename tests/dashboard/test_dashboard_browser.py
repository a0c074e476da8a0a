"""The real dashboard in a real browser: `airlock dashboard` serving a seeded store, driven by
Playwright over Debian's chromium. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dashboard_seed import Seeded

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
CHROME_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# (url path, text that only shows once the page's data has rendered, the page's last section)
PAGES = [
    ("", "Screenings over time, by verdict", "Agents by risk"),
    ("executions", "screenings match", "Open screening"),
    ("executions?verdicts=block", "6 screenings match", "Open screening"),
    ("review", "waiting for a decision", "Every item this filter selects"),
    ("alerts", "Events behind this alert", "History of this alert"),
    ("patterns", "Rules trending up", "Code seen again and again"),
    ("rules", "How each rule fares", "Saved user rule sets"),
    ("executions?id=23", "Code, with findings on their lines", "Review history"),
]


def wait_healthy(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    """Until the dashboard at `url` answers its health check (60 s at most)."""
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            pytest.fail(f"dashboard exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail("dashboard did not answer on /_stcore/health within 60 s")
        time.sleep(0.3)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """End a server started in its own session, and everything it started."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _airlock() -> list[str]:
    exe = Path(sys.executable).with_name("airlock")
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-c", "from airlock.cli import main; main()"]


@pytest.fixture
def server(seeded: Seeded, tmp_path: Path) -> Iterator[str]:
    """`airlock dashboard` on a free port against the seeded store; stopped afterwards."""
    port = _free_port()
    env = dict(os.environ, AIRLOCK_RULES_DIR=str(tmp_path / "rules"), HOME=str(tmp_path))
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(
        [*_airlock(), "dashboard", "--db", str(seeded.path), "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(proc, url, tmp_path / "server.log")
        yield url
    finally:
        stop(proc)
        log.close()


def _choose(page: Any, box: Any, option: str) -> None:
    """Open a multiselect and pick an option; a rerun still drawing the page can close the
    list before the option is clicked, so settle first and reopen it if it closed."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    for attempt in range(3):
        expect(page.locator("[data-testid='stStatusWidget']")).to_have_count(0, timeout=30_000)
        box.click()
        try:
            page.get_by_role("option", name=option).click(timeout=15_000)
            return
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")


def test_every_page_renders_its_content_in_chromium(server: str) -> None:
    if not CHROMIUM.exists():
        print(f"SKIP: {CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROME_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 2200})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            for path, text, last in PAGES:
                page.goto(f"{server}/{path}", wait_until="domcontentloaded")
                main = page.locator("[data-testid='stMain']")
                # The first load shows a skeleton; wait for the page's own content.
                expect(main.get_by_text(text, exact=False).first).to_be_visible(timeout=60_000)
                expect(main.get_by_text(last, exact=False).first).to_be_visible(timeout=30_000)
                expect(page.locator("[data-testid='stSkeleton']")).to_have_count(0, timeout=30_000)
                expect(page.locator("[data-testid='stStatusWidget']")).to_have_count(
                    0, timeout=30_000
                )
                page.wait_for_timeout(800)  # let charts finish drawing
                assert main.locator("[data-testid='stException']").count() == 0, path
                assert main.get_by_text("Page not found").count() == 0, path
                name = path.replace("?", "_").replace("=", "-").replace("&", "_") or "overview"
                page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
            detail = page.locator("[data-testid='stMain']")
            expect(detail.get_by_text("AIR-PROC-001").first).to_be_visible()
            # A filter chosen in the page lands in the URL, so the view can be shared.
            page.goto(f"{server}/executions", wait_until="domcontentloaded")
            main = page.locator("[data-testid='stMain']")
            expect(main.get_by_text("screenings match").first).to_be_visible(timeout=60_000)
            verdict = main.locator("[data-testid='stMultiSelect']").first
            _choose(page, verdict, "block")
            expect(main.get_by_text("6 screenings match this filter")).to_be_visible(timeout=30_000)
            expect(page).to_have_url(re.compile(r"verdicts=block"))
            page.keyboard.press("Escape")
            page.wait_for_timeout(500)
            page.screenshot(path=str(SHOTS / "executions_filtered_in_browser.png"))
            # The what-if replay re-scores the stored history in the server and shows the result.
            page.goto(f"{server}/rules", wait_until="domcontentloaded")
            main = page.locator("[data-testid='stMain']")
            button = main.get_by_role("button", name="Run the what-if replay")
            expect(button).to_be_visible(timeout=60_000)
            # Raise AIR-PROC-002 to critical: the held shell commands would now be blocked.
            reweigh = main.locator("[data-testid='stMultiSelect']").nth(1)  # "Change severity of"
            reweigh.click()
            page.keyboard.type("AIR-PROC-002")
            page.keyboard.press("Enter")
            page.keyboard.press("Escape")
            severity = main.locator("[data-testid='stSelectbox']").filter(has_text="AIR-PROC-002")
            expect(severity).to_be_visible(timeout=30_000)
            severity.click()
            page.get_by_role("option", name="critical").click()
            page.wait_for_timeout(500)
            expect(page.locator("[data-testid='stStatusWidget']")).to_have_count(0, timeout=30_000)
            button.click()
            expect(main.get_by_text("Distinct codes")).to_be_visible(timeout=60_000)
            stricter = main.locator("[data-testid='stMetric']").filter(has_text="Stricter")
            expect(stricter).to_contain_text("8", timeout=30_000)  # the 8 held shell commands
            expect(page.locator("[data-testid='stStatusWidget']")).to_have_count(0, timeout=60_000)
            page.wait_for_timeout(800)
            page.screenshot(path=str(SHOTS / "rules_what_if.png"), full_page=True)
            assert not errors, errors
        finally:
            browser.close()
