"""Escape cases: output floods that would fill the host's memory or block the run.

Host-side evidence: this process's own resident memory while ``run`` drains the flood
(an RssWatch sampling /proc/self/status) and the wall time measured around ``run``.
"""

from __future__ import annotations

import pytest
from escape_proc import RssWatch, marked_pids
from escape_support import confined, new_marker, small_limits, started, unconfined

pytestmark = [pytest.mark.timeout(60)]

KEEP = 64_000
MAX_GROWTH_MB = 64.0
FLOOD_TIMEOUT_S = 20.0

FLOODS = {
    "stdout_2gb": "import sys\nb = b'x' * (1 << 20)\nfor _ in range(2048):\n    sys.stdout.buffer.write(b)\n",
    "stderr_2gb": "import sys\nb = b'x' * (1 << 20)\nfor _ in range(2048):\n    sys.stderr.buffer.write(b)\n",
    "line_200mb_no_newline": "import sys\nb = b'A' * (1 << 20)\nfor _ in range(200):\n    sys.stdout.buffer.write(b)\nsys.stdout.flush()\n",
    "interleaved_both_pipes": (
        "import sys\nb = b'y' * 65536\n"
        "for _ in range(1024):\n    sys.stdout.buffer.write(b); sys.stdout.flush()\n"
        "    sys.stderr.buffer.write(b); sys.stderr.flush()\n"
    ),
}


@pytest.fixture(scope="module")
def rss_detector_works() -> None:
    """Control: capturing a 100 MB flood naively does grow this process by ~100 MB."""
    code = (
        "import sys\nb = b'x' * (1 << 20)\nfor _ in range(100):\n    sys.stdout.buffer.write(b)\n"
    )
    with RssWatch() as watch:
        proc = unconfined(code)
    assert len(proc.stdout) == 100 << 20
    del proc
    assert watch.growth_mb >= 90, f"the detector saw only {watch.growth_mb:.0f} MB"


@pytest.mark.layer("rlimits")
@pytest.mark.parametrize("case", sorted(FLOODS))
def test_output_flood_is_capped_without_memory_growth_or_blocking(
    case: str, rss_detector_works: None
) -> None:
    marker = new_marker()
    limits = small_limits(
        timeout_s=FLOOD_TIMEOUT_S, cpu_s=20, max_stdout_bytes=KEEP, max_stderr_bytes=KEEP
    )
    with RssWatch() as watch:
        result, wall = confined(marker, FLOODS[case], limits=limits)
    started(result, marker)
    assert watch.growth_mb <= MAX_GROWTH_MB, f"the host grew by {watch.growth_mb:.0f} MB"
    assert wall < FLOOD_TIMEOUT_S + 3, f"the flood blocked the run for {wall:.1f}s"
    assert not result.timed_out, "draining the flood should not take the whole timeout"
    assert len(result.stdout.encode()) <= KEEP + 1024
    assert len(result.stderr.encode()) <= KEEP + 1024
    flooded_stdout = case != "stderr_2gb"
    flooded_stderr = case in ("stderr_2gb", "interleaved_both_pipes")
    assert result.stdout_truncated is flooded_stdout
    assert result.stderr_truncated is flooded_stderr
    assert marked_pids(marker) == []
