"""Shared pytest configuration.

Hypothesis explores new random examples on every local run; CI (`HYPOTHESIS_PROFILE=ci`,
set by `.ci/run`) runs a fixed, derandomised set so that a landing is reproducible.
Every test, and every `airlock` subprocess a test starts, keeps the on-disk rule-set
cache and the default store in a temporary directory, never the user's (tests that need
a store of their own set AIRLOCK_DB or pass one).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings

from airlock.analyzer.ruleset_cache import ENV

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(autouse=True, scope="session")
def _private_user_state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    private = {
        ENV: str(tmp_path_factory.mktemp("ruleset-cache")),
        "AIRLOCK_DB": str(tmp_path_factory.mktemp("default-store") / "airlock.db"),
    }
    before = {name: os.environ.get(name) for name in private}
    os.environ.update(private)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
