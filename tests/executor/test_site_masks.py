"""Files of site-packages that name host paths (.pth, editable finders, direct_url.json) are
masked in every run's view, also when they appear between two runs of one process (the
list of masks is reused only while the directory is unchanged). Each case has a control."""

from __future__ import annotations

import os
import sysconfig
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from executor_support import need

from airlock.executor import mounts, run

SECRET = "host-path-" + uuid.uuid4().hex

PROBE = """
import os, sys
site = [p for p in sys.path if p.startswith('/run/airlock-site/') or p.endswith('site-packages')][0]
for name in {names!r}:
    with open(os.path.join(site, name), 'rb') as f:
        print(name, {secret!r}.encode() in f.read())
"""


@pytest.fixture
def planted() -> Iterator[tuple[Path, Path]]:
    """(a .pth, a plain file), both in the site-packages a run sees; removed afterwards."""
    site = Path(sysconfig.get_paths()["purelib"])
    if not (site.is_dir() and os.access(site, os.W_OK)):
        pytest.skip(f"cannot write into {site} to plant a file there")
    tag = uuid.uuid4().hex[:12]
    pth, plain = site / f"airlock_mask_{tag}.pth", site / f"airlock_mask_{tag}.txt"
    yield pth, plain
    for path in (pth, plain):
        path.unlink(missing_ok=True)


@need("filesystem")
@pytest.mark.timeout(90)
def test_a_pth_added_between_two_runs_is_masked(planted: tuple[Path, Path]) -> None:
    pth, plain = planted
    plain.write_text(f"# {SECRET}\n")
    plain.chmod(0o644)
    code = PROBE.format(names=[plain.name], secret=SECRET)
    first = run(code)  # lists (and may keep) the site directory's masks
    assert first.exit_code == 0, first.stderr
    # Control: a file no mask pattern matches is read as it is on the host.
    assert f"{plain.name} True" in first.stdout
    pth.write_text(f"# {SECRET}\n")
    pth.chmod(0o644)
    second = run(PROBE.format(names=[pth.name, plain.name], secret=SECRET))
    assert second.exit_code == 0, second.stderr
    assert f"{pth.name} False" in second.stdout, "a .pth planted after the first run was shown"
    assert f"{plain.name} True" in second.stdout


def _site(tmp_path: Path, age_s: float) -> Path:
    site = tmp_path / "site-packages"
    (site / "pkg-1.0.dist-info").mkdir(parents=True)
    (site / "pkg-1.0.dist-info" / "direct_url.json").write_text("{}")
    (site / "module.py").write_text("")
    past = time.time() - age_s
    os.utime(site, (past, past))
    return site


def test_listing_follows_every_change_of_the_directory(tmp_path: Path) -> None:
    site = _site(tmp_path, age_s=3600)  # settled: the listing is kept
    direct = str(site / "pkg-1.0.dist-info" / "direct_url.json")
    assert mounts.site_masks(str(site)) == (direct,)
    (site / "__editable___pkg_finder.py").write_text("")  # changes the directory
    assert mounts.site_masks(str(site)) == (str(site / "__editable___pkg_finder.py"), direct)


def test_a_directory_changed_just_now_is_listed_every_time(tmp_path: Path) -> None:
    site = _site(tmp_path, age_s=0)  # as an installer leaves it, mid-install
    (site / "new-2.0.dist-info").mkdir()
    first = mounts.site_masks(str(site))
    # The installer writes the new .dist-info's files after making it: the site directory
    # itself does not change again, so only listing it anew finds direct_url.json.
    (site / "new-2.0.dist-info" / "direct_url.json").write_text("{}")
    assert str(site / "new-2.0.dist-info" / "direct_url.json") not in first
    assert str(site / "new-2.0.dist-info" / "direct_url.json") in mounts.site_masks(str(site))
