"""Scanning many files: directory expansion, parallel screening in a stable order, clear errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from airlock.analyzer import load_ruleset, scan
from airlock.analyzer.batch import BatchError, expand_paths, plan_chunks, scan_files, scan_paths
from airlock.analyzer.models import Verdict

BLOCK = 'import base64\nexec(base64.b64decode("cHJpbnQoMSk="))\n'
ALLOW = "def add(a, b):\n    return a + b\n"


def test_expand_walks_directories_sorted_and_skips_caches(tmp_path: Path) -> None:
    for rel in ["b/z.py", "b/a.py", "a.py", "b/.venv/x.py", "b/__pycache__/x.py",
                "node_modules/m.py", ".git/hooks/h.py", "pkg.egg-info/e.py", "b/readme.md"]:  # fmt: skip
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(ALLOW)
    found = [Path(p).relative_to(tmp_path).as_posix() for p in expand_paths([tmp_path])]
    assert found == ["a.py", "b/a.py", "b/z.py"]


def test_named_files_are_kept_whatever_their_suffix_and_deduplicated(tmp_path: Path) -> None:
    script = tmp_path / "tool"
    script.write_text(ALLOW)
    assert expand_paths([script, str(script), "-"]) == [str(script), "-"]


def test_a_missing_path_is_an_error_not_a_silent_pass(tmp_path: Path) -> None:
    with pytest.raises(BatchError, match=r"path not found: .*nope\.py"):
        scan_paths([tmp_path, tmp_path / "nope.py"])


def test_parallel_results_match_sequential_in_order(tmp_path: Path) -> None:
    for i in range(40):
        (tmp_path / f"m{i:02d}.py").write_text(BLOCK if i % 7 == 0 else ALLOW + f"X = {i}\n")
    files = expand_paths([tmp_path])
    parallel = list(scan_files(files, workers=2))
    sequential = list(scan_files(files, workers=1))
    assert [p for p, _ in parallel] == files
    assert [(p, r.verdict, r.score, r.findings) for p, r in parallel] == [
        (p, r.verdict, r.score, r.findings) for p, r in sequential
    ]
    assert [r.verdict for _, r in parallel].count(Verdict.block) == 6


def test_results_keep_path_order_when_big_files_are_screened_first(tmp_path: Path) -> None:
    big = "".join(f"def f{n}(a):\n    return a + {n}\n" for n in range(400))
    for i in range(30):
        (tmp_path / f"m{i:02d}.py").write_text((big if i in (3, 29) else "") + BLOCK * (i % 2))
    files = expand_paths([tmp_path])
    parallel = list(scan_files(files, workers=2))
    assert [p for p, _ in parallel] == files
    assert [r.verdict == Verdict.block for _, r in parallel] == [i % 2 == 1 for i in range(30)]


def test_chunks_cover_every_file_once_largest_first() -> None:
    sizes = [10, 5000, 1, 300, 5000, 7, 80_000, 0, 42] * 20
    files = [f"f{i}.py" for i in range(len(sizes))]
    chunks = plan_chunks(files, sizes, workers=2)
    flat = [i for chunk in chunks for i in chunk]
    assert sorted(flat) == list(range(len(files)))
    assert [sizes[i] for i in flat] == sorted(sizes, reverse=True)
    target = sum(sizes) // 64
    assert all(len(c) == 1 for c in chunks if sizes[c[0]] >= target)  # big files alone
    assert all(len(c) <= 64 for c in chunks) and len(chunks) > 2


def test_progress_counts_every_file(tmp_path: Path) -> None:
    for i in range(20):
        (tmp_path / f"m{i}.py").write_text(ALLOW)
    seen: list[int] = []
    list(scan_paths([tmp_path], workers=2, progress=seen.append))
    assert sum(seen) == 20


def test_same_report_as_scanning_one_source(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_text(BLOCK)
    ((name, report),) = list(scan_paths([path]))
    direct = scan(BLOCK.encode(), filename=str(path))
    assert name == str(path)
    assert (report.verdict, report.score, report.findings) == (
        direct.verdict, direct.score, direct.findings,
    )  # fmt: skip


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_an_unreadable_file_fails_closed(tmp_path: Path) -> None:
    path = tmp_path / "secret.py"
    path.write_text(ALLOW)
    path.chmod(0)
    ((_, report),) = list(scan_paths([path]))
    assert report.verdict is Verdict.block and "cannot scan" in (report.error or "")


def test_a_directory_passed_as_a_file_is_reported_not_crashing(tmp_path: Path) -> None:
    ((_, report),) = list(scan_files([str(tmp_path)]))
    assert report.verdict is Verdict.block and "cannot scan" in (report.error or "")


def test_a_user_rule_set_reaches_the_workers(tmp_path: Path) -> None:
    overlay = tmp_path / "team.yaml"
    rule_ids = {f.rule_id for f in scan(BLOCK).findings}
    overlay.write_text(yaml.safe_dump({"name": "team", "extends": "default",
                                       "disable": sorted(rule_ids)}))  # fmt: skip
    for i in range(10):
        (tmp_path / f"m{i}.py").write_text(BLOCK)
    reports = [r for _, r in scan_paths([tmp_path], ruleset=load_ruleset(overlay), workers=2)]
    assert {r.ruleset for r in reports} == {"team"}
    assert all(r.verdict is not Verdict.block for r in reports)
