"""An interpreter or virtualenv under /tmp (a CI checkout, say) still runs confined.

The child's /tmp is the run's private tmpfs; site-packages that live under the host's /tmp
must be bound back on top of it, read-only, without exposing the rest of the host's /tmp.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from executor_support import need

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import json, sys
sys.path.append({site!r})
from airlock.executor import run
r = run({code!r})
print(json.dumps({{"exit": r.exit_code, "out": r.stdout, "err": r.stderr[-500:],
                  "refused": r.refused}}))
"""

CODE = """
import os, airlock_tmp_probe
print(airlock_tmp_probe.VALUE)
print(os.path.exists({secret!r}))
try:
    open({planted!r}, "w").write("x")
    print("wrote")
except OSError:
    print("read-only")
"""


@need("filesystem", "landlock")
def test_site_packages_under_tmp_are_bound_back_read_only() -> None:
    base = Path(tempfile.mkdtemp(prefix="airlock-venv-", dir="/tmp"))
    try:
        site = base / "lib" / "site-packages"
        site.mkdir(parents=True)
        (site / "airlock_tmp_probe.py").write_text("VALUE = 'from /tmp'\n")
        secret = base / "secret.txt"  # beside site-packages, not under it: stays hidden
        secret.write_text("hunter2")
        for d in (base, base / "lib", site):
            d.chmod(0o755)
        code = CODE.format(secret=str(secret), planted=str(site / "planted.py"))
        proc = subprocess.run(
            [sys.executable, "-c", CHILD.format(site=str(site), code=code)],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            check=True,
        )
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        assert result["refused"] is None, result
        assert result["exit"] == 0, result
        assert result["out"].splitlines() == ["from /tmp", "False", "read-only"]
        assert not (site / "planted.py").exists()
    finally:
        shutil.rmtree(base, ignore_errors=True)
