"""Fixtures: a seeded store (copied fresh for tests that write) and AppTest on the real app."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

sys.path.insert(0, str(Path(__file__).parent))

from dashboard_seed import Seeded, seed

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    """The seeded store, written once per test session (never modified)."""
    return seed(tmp_path_factory.mktemp("seed") / "airlock.db")


@pytest.fixture
def seeded(seeded_template: Seeded, tmp_path: Path) -> Seeded:
    """A private copy of the seeded store (tests may write to it)."""
    path = tmp_path / "airlock.db"
    shutil.copyfile(seeded_template.path, path)
    copy = Seeded(**{**seeded_template.__dict__, "path": path})
    return copy


@pytest.fixture
def app(seeded: Seeded, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., AppTest]:
    """`app("views/x.py", **query)` runs the real app on that page against the seeded store."""
    monkeypatch.setenv("AIRLOCK_DB", str(seeded.path))
    monkeypatch.setenv("AIRLOCK_RULES_DIR", str(tmp_path / "rules"))

    def make(
        page: str | None = None, *, token: str | None = seeded.token, **query: str | list[str]
    ) -> AppTest:
        """The app on `page`, signed in with `token` (the seeded reviewer's; None: not)."""
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.run()
        if token is not None:
            at.text_input(key="login_token").set_value(token)
            at.button(key="login").click().run()
        if page:
            at.switch_page(page)
        at.query_params.update(query)
        return at.run()

    return make
