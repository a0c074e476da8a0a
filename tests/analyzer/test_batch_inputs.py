"""What `airlock scan` reads: FIFOs, devices and sockets are refused unread (they used to
hang the scan and leave workers behind), and a file is read only up to the size limit."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from airlock.analyzer.batch import scan_paths
from airlock.analyzer.builtin_rules import SIZE_LIMIT

AIRLOCK = Path(sys.executable).with_name("airlock")


def _scan(*paths: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(AIRLOCK), "scan", "--format", "json", *paths],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def test_a_fifo_named_like_code_is_refused_and_its_folder_still_scans(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.py")
    (tmp_path / "real.py").write_text("print('hello')\n")
    results = dict(scan_paths([str(tmp_path)], workers=1))
    pipe = results[str(tmp_path / "pipe.py")]
    assert pipe.verdict == "block" and "a FIFO, not a code file" in (pipe.error or "")
    assert results[str(tmp_path / "real.py")].verdict == "allow"  # control
    out = _scan(str(tmp_path / "pipe.py"))
    assert out.returncode == 1 and "a FIFO" in out.stdout, out.stderr


def test_devices_and_sockets_are_refused(tmp_path: Path) -> None:
    sock_path = tmp_path / "s.py"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(sock_path))
    try:
        results = dict(scan_paths(["/dev/zero", str(sock_path)], workers=1))
    finally:
        server.close()
    assert "a device, not a code file" in (results["/dev/zero"].error or "")
    assert results[str(sock_path)].verdict == "block"


def test_a_huge_file_is_read_only_up_to_the_limit(tmp_path: Path) -> None:
    """A sparse 3 GB file: read whole, it would take gigabytes of memory."""
    big = tmp_path / "big.py"
    with open(big, "wb") as handle:
        handle.truncate(3 * 1024**3)
    (report,) = [r for _, r in scan_paths([str(big)], workers=1)]
    assert [f.rule_id for f in report.findings] == [SIZE_LIMIT] and report.verdict == "review"
