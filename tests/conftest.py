"""Shared pytest configuration.

Hypothesis explores new random examples on every local run; CI (`HYPOTHESIS_PROFILE=ci`,
set by `.ci/run`) runs a fixed, derandomised set so that a landing is reproducible.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
