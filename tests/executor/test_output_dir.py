"""Output files written to a host directory: hostile names and planted links are refused
with a reason, nothing is followed or overwritten; `airlock run --output-dir` uses it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from airlock.executor import OutputFile, output_dir

pytestmark = pytest.mark.timeout(120)


def _f(name: str, data: bytes | None = b"x", reason: str | None = None) -> OutputFile:
    return OutputFile(name=name, size=len(data or b""), content=data, reason=reason)


def test_plain_files_and_subfolders_are_written(tmp_path: Path) -> None:
    done = output_dir.write([_f("summary.txt", b"ok"), _f("out/report.csv", b"a,b")], str(tmp_path))
    assert done.written == ["summary.txt", "out/report.csv"] and done.refused == []
    assert (tmp_path / "out" / "report.csv").read_bytes() == b"a,b"
    assert (tmp_path / "summary.txt").stat().st_mode & 0o777 == 0o644 & ~_umask()


@pytest.mark.parametrize(
    "name", ["../escape.txt", "/etc/evil", "a/../../b", "", "x/./y", "bad\nname", "nul\0"]
)
def test_names_that_are_not_plain_are_refused(tmp_path: Path, name: str) -> None:
    target = tmp_path / "out"
    done = output_dir.write([_f(name)], str(target))
    assert done.written == [] and done.refused == [(name, "not a plain relative name")]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"] and list(target.iterdir()) == []


def test_a_planted_symlink_is_not_followed_and_nothing_is_overwritten(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("host data")
    target = tmp_path / "out"
    target.mkdir()
    (target / "link.txt").symlink_to(victim)
    (target / "sub").symlink_to(tmp_path)
    (target / "existing.txt").write_text("mine")
    files = [_f("link.txt", b"pwned"), _f("sub/victim.txt", b"pwned"), _f("existing.txt", b"new")]
    done = output_dir.write(files, str(target))
    assert done.written == [] and len(done.refused) == 3, done.refused
    assert victim.read_text() == "host data" and (target / "existing.txt").read_text() == "mine"
    # control: a name that is free is written
    assert output_dir.write([_f("fresh.txt")], str(target)).written == ["fresh.txt"]


def test_files_without_content_are_listed_with_their_reason(tmp_path: Path) -> None:
    done = output_dir.write([_f("big.bin", None, "5000 bytes, over the cap")], str(tmp_path))
    assert done.refused == [("big.bin", "5000 bytes, over the cap")]


def test_airlock_run_writes_files_to_the_output_dir(tmp_path: Path) -> None:
    code = tmp_path / "process.py"
    code.write_text(
        "import os\nopen('summary.txt', 'w').write('done')\n"
        "os.makedirs('out'); open('out/report.csv', 'w').write('a,b\\n')\n"
        "os.symlink('summary.txt', 'link')\n"
    )
    out = tmp_path / "results"
    env = {**os.environ, "AIRLOCK_DB": str(tmp_path / "store.db")}
    cmd = [sys.executable, "-c", "from airlock.cli import main; main()", "run", str(code)]
    r = subprocess.run(
        [*cmd, "--output-dir", str(out)], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert r.returncode == 0, r.stderr
    assert (out / "summary.txt").read_text() == "done"
    assert (out / "out" / "report.csv").read_text() == "a,b\n"
    assert not (out / "link").exists()
    line = next(x for x in r.stderr.splitlines() if x.startswith("airlock: files:"))
    assert "2 written" in line and "link (a symbolic link (not followed))" in line
    assert r.stderr.splitlines()[-1].startswith("airlock: verdict=")  # the summary stays last
    # without --output-dir the files go to a folder named after the record
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    folders = [p.name for p in tmp_path.iterdir() if p.name.startswith("airlock-run-")]
    assert len(folders) == 1 and (tmp_path / folders[0] / "summary.txt").read_text() == "done"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
