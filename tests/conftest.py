"""Shared pytest configuration.

Hypothesis explores new random examples on every local run; CI (`HYPOTHESIS_PROFILE=ci`,
set by `.ci/run`) runs a fixed, derandomised set so that a landing is reproducible.
Every test, and every `airlock` subprocess a test starts, keeps the on-disk rule-set
cache in a temporary directory, never the user's.
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
def _private_ruleset_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    before = os.environ.get(ENV)
    os.environ[ENV] = str(tmp_path_factory.mktemp("ruleset-cache"))
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(ENV, None)
        else:
            os.environ[ENV] = before
