"""Streamlit's OIDC sign-in in a real browser: `airlock dashboard --oidc-config` against a real
OpenID provider on loopback (oidc-provider-mock, whose authorize form takes the subject).

A sign-in decides only as the live reviewer account bound to the ID token's issuer and
subject: the bound one approves and the review names its account; an unbound subject, a
revoked account (before signing in, and while signed in) and a subject bound under another
issuer decide nothing. The token sign-in works beside it, signing out works, and no page
requests anything but the two loopback servers."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from dashboard_seed import Seeded
from test_dashboard_browser import (
    CHROME_ARGS,
    CHROMIUM,
    SHOTS,
    _airlock,
    _free_port,
    stop,
    wait_healthy,
)

from airlock.audit.accounts import OidcIdentity
from airlock.audit.store import Store

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

OTHER_ISSUER = "https://other-idp.example.com"  # never contacted: only its name is bound
# The provider's pages, but with no stylesheet from a CDN: every request stays on loopback.
LOCAL_BASE = '<!doctype html><html lang="en"><main>{% block content %}{% endblock %}</main></html>'


@dataclass
class Served:
    dashboard: str
    issuer: str
    db: str
    secrets_dir: Path
    seeded: Seeded


def _skip_without(why: str) -> None:
    print(f"SKIP: {why}")
    pytest.skip(why)


@pytest.fixture
def provider() -> Iterator[str]:
    """A real OpenID provider (authorization code flow, signed ID tokens) on 127.0.0.1."""
    try:
        import jinja2
        import oidc_provider_mock
        import werkzeug.serving
    except ImportError:
        _skip_without("oidc-provider-mock is not installed (pip install '.[dev]')")
    app = oidc_provider_mock.app(require_nonce=True)
    app.jinja_loader = jinja2.ChoiceLoader(  # its own base page first
        [jinja2.DictLoader({"_base.html": LOCAL_BASE}), app.jinja_loader]
    )
    server = werkzeug.serving.make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()


@contextmanager
def _serve(seeded: Seeded, tmp_path: Path, env: dict[str, str], *args: str) -> Iterator[str]:
    """`airlock dashboard … ARGS` on a free port (cwd: tmp_path/work), stopped afterwards."""
    port = _free_port()
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    env = dict(env, AIRLOCK_RULES_DIR=str(tmp_path / "rules"), HOME=str(tmp_path))
    log_path = tmp_path / "server.log"
    log = log_path.open("w")
    argv = [*_airlock(), "dashboard", "--db", str(seeded.path), "--port", str(port), *args]
    proc = subprocess.Popen(
        argv, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=work, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(proc, url, log_path)
        yield url
    finally:
        stop(proc)
        log.close()


@pytest.fixture
def served(seeded: Seeded, provider: str, tmp_path: Path) -> Iterator[Served]:
    """`airlock dashboard --oidc-config` over the seeded store, signing in at `provider`."""
    db = str(seeded.path)
    with Store(db) as store:
        store.add_reviewer("alice", OidcIdentity(provider, "alice-sub"))
        store.add_reviewer("bob", OidcIdentity(provider, "bob-sub"))
        store.revoke_reviewer("bob")
        store.add_reviewer("erin", OidcIdentity(OTHER_ISSUER, "erin-sub"))
        store.add_reviewer("dave", OidcIdentity(provider, "dave-sub"))
    config = tmp_path / "oidc.toml"
    config.write_text(
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n'
        'client_id = "airlock-dashboard"\nclient_secret = "not-a-real-secret"\n'
    )
    config.chmod(0o600)
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    # TMPDIR holds only the secrets; a run's slot locks (the executor's state directory,
    # under TMPDIR for an ordinary user) go elsewhere
    env = dict(os.environ, TMPDIR=str(private), AIRLOCK_STATE_DIR=str(tmp_path / "state"))
    with _serve(seeded, tmp_path, env, "--oidc-config", str(config)) as url:
        yield Served(url, provider, db, private, seeded)
    assert list(private.iterdir()) == [], "the secrets were left behind"


def test_the_secrets_file_is_private_while_serving(served: Served) -> None:
    (directory,) = served.secrets_dir.iterdir()
    assert directory.name.startswith("airlock-dashboard-")
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    (secrets,) = directory.iterdir()
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    text = secrets.read_text()
    assert "not-a-real-secret" in text and "cookie_secret" in text  # generated, not given
    # (the fixture checks that stopping the server removes both)


def _reviews(served: Served) -> list[tuple[int, str, str]]:
    with Store(served.db, upgrade=False) as store:
        return [
            (sid, r.state, r.by) for sid in served.seeded.held_ids for r in store.get(sid).reviews
        ]


def test_oidc_sign_in_decides_only_as_a_bound_live_reviewer(served: Served) -> None:
    if not CHROMIUM.exists():
        _skip_without(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    dash, idp = served.dashboard, served.issuer
    requests: list[str] = []

    def sign_in(page: Page, subject: str) -> None:
        """Through the provider's authorize form, as `subject`; back on the review queue."""
        page.goto(f"{dash}/review", wait_until="domcontentloaded")
        button = page.get_by_role("button", name="Sign in with OpenID Connect")
        expect(button).to_be_visible(timeout=60_000)
        button.click()
        page.wait_for_url(f"{idp}/oauth2/authorize*", timeout=30_000)
        page.fill("input[name=sub]", subject)
        page.get_by_role("button", name="Authorize").click()
        page.wait_for_url(f"{dash}/**", timeout=30_000)
        page.goto(f"{dash}/review", wait_until="domcontentloaded")
        expect(page.get_by_role("button", name="Record decision")).to_be_visible(timeout=60_000)

    def approve(page: Page) -> None:
        page.get_by_role("button", name="Record decision").click()
        expect(page.locator("[data-testid='stStatusWidget']")).to_have_count(0, timeout=60_000)
        page.wait_for_timeout(500)

    sidebar = "[data-testid='stSidebar']"
    before = _reviews(served)  # the seed's
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROME_ARGS)
        try:

            def fresh() -> Page:
                context = browser.new_context(viewport={"width": 1400, "height": 1600})
                # nothing may leave the machine: record every request, refuse those that would
                context.route(
                    "**/*",
                    lambda route: (
                        route.continue_()
                        if route.request.url.startswith((f"{dash}/", f"{idp}/"))
                        else route.abort()
                    ),
                )
                page = context.new_page()
                page.on("request", lambda r: requests.append(r.url))
                return page

            # An unbound subject: told it is not a reviewer; its click decides nothing.
            page = fresh()
            sign_in(page, "mallory-sub")
            expect(page.locator(sidebar)).to_contain_text("not a reviewer", timeout=30_000)
            _settled(page)
            page.screenshot(path=str(_shot("oidc_not_a_reviewer.png")))
            approve(page)
            expect(page.get_by_text("sign in as a reviewer")).to_be_visible(timeout=30_000)
            assert _reviews(served) == before
            # The token sign-in works beside it.
            page.locator(sidebar).get_by_label("Reviewer token", exact=True).fill(
                served.seeded.token
            )
            page.locator(sidebar).get_by_role("button", name="Sign in", exact=True).click()
            expect(page.locator(sidebar)).to_contain_text("Signed in as tester", timeout=30_000)
            page.context.close()

            # A revoked account, and a subject bound under another issuer: not reviewers.
            for subject, why in [("bob-sub", "has been revoked"), ("erin-sub", "not a reviewer")]:
                page = fresh()
                sign_in(page, subject)
                expect(page.locator(sidebar)).to_contain_text(why, timeout=30_000)
                approve(page)
                expect(page.get_by_text("sign in as a reviewer")).to_be_visible(timeout=30_000)
                page.context.close()
            assert _reviews(served) == before

            # Revoked while signed in: the live session decides nothing either.
            page = fresh()
            sign_in(page, "dave-sub")
            expect(page.locator(sidebar)).to_contain_text("Signed in as dave", timeout=30_000)
            with Store(served.db, upgrade=False) as store:
                store.revoke_reviewer("dave")
            approve(page)
            expect(page.locator(sidebar)).to_contain_text("has been revoked", timeout=30_000)
            assert _reviews(served) == before
            page.context.close()

            # Negative control: the bound subject approves, and the review names its account.
            page = fresh()
            sign_in(page, "alice-sub")
            expect(page.locator(sidebar)).to_contain_text(
                "Signed in as alice (OpenID Connect)", timeout=30_000
            )
            _settled(page)
            page.screenshot(path=str(_shot("oidc_signed_in.png")))
            approve(page)
            done = page.get_by_text(re.compile(r"^Approve: recorded for .* as alice"))
            expect(done).to_be_visible(timeout=60_000)  # the decision, not the sidebar's line
            new = [(state, by) for r in _reviews(served) if r not in before for _, state, by in [r]]
            assert new == [("approved", "alice")]

            # Signing out ends it (through the provider's end-session page).
            page.locator(sidebar).get_by_role("button", name="Sign out of OpenID Connect").click()
            page.wait_for_url(f"{idp}/oauth2/end_session*", timeout=30_000)
            page.get_by_role("button", name="End session").click()
            page.wait_for_url(f"{dash}/**", timeout=30_000)
            expect(page.get_by_role("button", name="Sign in with OpenID Connect")).to_be_visible(
                timeout=60_000
            )
            expect(page.locator(sidebar)).not_to_contain_text("Signed in as alice")
        finally:
            browser.close()
    outside = [
        r for r in requests if not r.startswith((f"{dash}/", f"{idp}/", "data:", "blob:", "about:"))
    ]
    assert requests and outside == [], outside
    assert any(r.startswith(f"{idp}/oauth2/authorize") for r in requests)  # it went there


def _settled(page: Page) -> None:
    """Wait until the page shows its data (no skeleton, no running script)."""
    from playwright.sync_api import expect

    expect(page.locator("[data-testid='stSkeleton']")).to_have_count(0, timeout=30_000)
    expect(page.locator("[data-testid='stStatusWidget']")).to_have_count(0, timeout=30_000)


def _shot(name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS / name


def test_secrets_left_in_the_working_directory_configure_nothing(
    seeded: Seeded, provider: str, tmp_path: Path
) -> None:
    """Without --oidc-config there is no OIDC sign-in, whatever `.streamlit/secrets.toml`
    lies in the working directory (an agent could have written one naming its own provider);
    the configured dashboard above offers it (the negative control)."""
    if not CHROMIUM.exists():
        _skip_without(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    planted = tmp_path / "work" / ".streamlit" / "secrets.toml"
    planted.parent.mkdir(parents=True)
    planted.write_text(
        f'[auth]\nredirect_uri = "http://127.0.0.1:1/oauth2callback"\ncookie_secret = "{"x" * 40}"\n'
        f'client_id = "a"\nclient_secret = "b"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n'
    )
    with _serve(seeded, tmp_path, dict(os.environ)) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROME_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{url}/review", wait_until="domcontentloaded")
            sidebar = page.locator("[data-testid='stSidebar']")
            expect(sidebar.get_by_label("Reviewer token", exact=True)).to_be_visible(timeout=60_000)
            expect(page.get_by_role("button", name="Record decision")).to_be_visible(timeout=60_000)
            assert page.get_by_role("button", name="Sign in with OpenID Connect").count() == 0
        finally:
            browser.close()
