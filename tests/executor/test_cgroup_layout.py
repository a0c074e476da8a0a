"""Finding a cgroup v2 subtree Airlock may manage, on the machine's real unified hierarchy.

The search is the same for every controller, so these cases use whichever controllers the
unified hierarchy offers here (on a hybrid machine that may be only hugetlb): a cgroup that
holds processes cannot give its children controllers, so the search climbs to one that can;
an ordinary user finds nothing until a subtree is delegated to it (the directory and its
cgroup.procs, cgroup.subtree_control and cgroup.threads chowned, as systemd's Delegate=yes
does), and then finds exactly that subtree.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import uuid
from collections.abc import Iterator

import pytest

from airlock.executor import cgroup_layout

NOBODY = 65534
DELEGATED_FILES = ("cgroup.procs", "cgroup.subtree_control", "cgroup.threads")


def _offered() -> tuple[str, tuple[str, ...]]:
    mount = cgroup_layout.unified_mount("/sys/fs/cgroup")
    if mount is None:
        pytest.skip("no cgroup v2 hierarchy on this machine")
    if os.geteuid() != 0:
        pytest.skip("building a test subtree in the unified hierarchy needs root")
    with open(os.path.join(mount, "cgroup.controllers")) as f:
        offered = tuple(f.read().split())
    if not offered:
        pytest.skip(f"the cgroup v2 hierarchy at {mount} offers no controller")
    return mount, offered[:1]


@pytest.fixture
def tree() -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """(mount, a fresh cgroup below the top with the controller offered, the controller)."""
    mount, controllers = _offered()
    if not cgroup_layout._enable(mount, controllers):
        pytest.skip(f"cannot enable {controllers} at the top of {mount}")
    top = os.path.join(mount, f"airlock-layout-test-{uuid.uuid4().hex[:8]}")
    os.mkdir(top)
    try:
        yield mount, top, controllers
    finally:
        for here, _dirs, _files in sorted(os.walk(top), key=lambda w: -len(w[0])):
            with contextlib.suppress(OSError), open(os.path.join(here, "cgroup.procs")) as f:
                for pid in f.read().split():
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(int(pid), 9)
            with contextlib.suppress(OSError):
                os.rmdir(here)


def _occupy(directory: str) -> subprocess.Popen[bytes]:
    """A sleeping process that lives in ``directory``."""
    p = subprocess.Popen(["sleep", "30"])
    with open(os.path.join(directory, "cgroup.procs"), "w") as f:
        f.write(str(p.pid))
    return p


def _as_nobody(mount: str, start: str, controllers: tuple[str, ...]) -> str | None:
    """What the search finds for an ordinary user (uid 65534), in a forked child."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            found = cgroup_layout.delegated(mount, start, controllers)
            os.write(w, (found or "").encode())
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r) as f:
        out = f.read()
    os.waitpid(pid, 0)
    return out or None


def test_a_cgroup_holding_processes_hands_the_search_to_its_parent(
    tree: tuple[str, str, tuple[str, ...]],
) -> None:
    mount, top, controllers = tree
    assert cgroup_layout._enable(top, controllers)
    busy = os.path.join(top, "busy")
    os.mkdir(busy)
    # negative control: an empty cgroup can give its children the controller itself
    assert cgroup_layout.delegated(mount, busy, controllers) == busy
    with open(os.path.join(busy, "cgroup.subtree_control"), "w") as f:
        f.write(" ".join(f"-{c}" for c in controllers))
    sleeper = _occupy(busy)
    try:
        assert cgroup_layout.delegated(mount, busy, controllers) == top
    finally:
        sleeper.kill()
        sleeper.wait()


def test_an_ordinary_user_finds_only_a_subtree_delegated_to_it(
    tree: tuple[str, str, tuple[str, ...]],
) -> None:
    mount, top, controllers = tree
    assert cgroup_layout._enable(top, controllers)
    user = os.path.join(top, "user")
    leaf = os.path.join(user, "session")
    os.makedirs(leaf)
    assert _as_nobody(mount, leaf, controllers) is None  # nothing delegated: nothing found
    for path in [user, *(os.path.join(user, name) for name in DELEGATED_FILES)]:
        os.chown(path, NOBODY, NOBODY)
    for here, _dirs, files in os.walk(leaf):
        for name in [here, *(os.path.join(here, f) for f in files)]:
            os.chown(name, NOBODY, NOBODY)
    sleeper = _occupy(leaf)  # the user's own processes sit in its leaf, as a session's do
    try:
        assert _as_nobody(mount, leaf, controllers) == user
    finally:
        sleeper.kill()
        sleeper.wait()
    # the delegation stops at the subtree: the user never climbs to a cgroup it does not own
    assert _as_nobody(mount, top, controllers) is None


def test_the_layout_says_why_each_controller_has_no_cgroup() -> None:
    layout = cgroup_layout.layout()
    for controller in cgroup_layout.CONTROLLERS:
        assert (controller in layout.places) != (controller in layout.missing)
        if controller in layout.missing:
            assert layout.missing[controller]
