"""Where the memory and pids controllers live here: a cgroup v2 subtree Airlock may manage,
or a cgroup v1 hierarchy, decided per controller (hybrid machines split them).

A controller the unified (v2) hierarchy offers is used there, under the nearest cgroup at or
above the caller's own that the caller may manage: one whose ``cgroup.procs`` and
``cgroup.subtree_control`` it can write, that holds no processes of its own (the root
excepted), offers the controller and has it enabled for its children or can enable it. As
root on a cgroup v2 machine that is the top of the tree or the nearest systemd slice; as
an ordinary user it is the subtree systemd delegates to the user's manager
(``user@UID.service``, ``Delegate=yes``) or one an administrator delegated by ``chown``.
Airlock makes ``airlock/`` there with the controllers enabled, and one ``slot-N`` below it
per slot. A controller only cgroup v1 offers uses ``<root>/<controller>/airlock/slot-N``.
"""

from __future__ import annotations

import contextlib
import functools
import os
from dataclasses import dataclass

from airlock.executor import settings

CONTROLLERS = ("memory", "pids")
GROUP = "airlock"


@dataclass(frozen=True)
class Place:
    """Where one controller's slot cgroups go: ``base/slot-N`` (v2) or v1's equivalent."""

    version: int
    base: str

    def slot(self, number: int) -> str:
        return os.path.join(self.base, f"slot-{number}")

    def __str__(self) -> str:
        return f"cgroup v{self.version} at {self.base}"


@dataclass(frozen=True)
class Layout:
    """Each controller's place, or why it has none."""

    places: dict[str, Place]
    missing: dict[str, str]


def _read(path: str) -> str:
    with open(path) as f:
        return f.read()


def _writable(path: str) -> bool:
    return os.access(path, os.W_OK)


def unified_mount(root: str) -> str | None:
    """The cgroup v2 hierarchy: ``root`` itself on a v2 machine, ``root/unified`` on a hybrid."""
    for path in (root, os.path.join(root, "unified")):
        if os.path.isfile(os.path.join(path, "cgroup.controllers")):
            return path
    return None


def own_cgroup(mount: str) -> str | None:
    """The caller's own v2 cgroup directory under ``mount``."""
    try:
        lines = _read("/proc/self/cgroup").splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith("0::"):
            path = os.path.normpath(os.path.join(mount, line[3:].strip().lstrip("/")))
            return path if os.path.isdir(path) else None
    return None


def _enable(directory: str, controllers: tuple[str, ...]) -> bool:
    """Have ``directory``'s children get these controllers; False if it cannot."""
    enabled = _read(os.path.join(directory, "cgroup.subtree_control")).split()
    wanted = [c for c in controllers if c not in enabled]
    if not wanted:
        return True
    try:
        fd = os.open(os.path.join(directory, "cgroup.subtree_control"), os.O_WRONLY)
        try:
            os.write(fd, " ".join(f"+{c}" for c in wanted).encode())
        finally:
            os.close(fd)
    except OSError:  # EBUSY: it holds processes of its own; EACCES, ENOENT
        return False
    return True


def delegated(mount: str, start: str, controllers: tuple[str, ...]) -> str | None:
    """The nearest cgroup from ``start`` up to ``mount`` this process may manage for these
    controllers (see the module's docstring), or None."""
    mount = os.path.normpath(mount)
    here = os.path.normpath(start)
    while here.startswith(mount):
        procs = os.path.join(here, "cgroup.procs")
        control = os.path.join(here, "cgroup.subtree_control")
        with contextlib.suppress(OSError):
            offered = _read(os.path.join(here, "cgroup.controllers")).split()
            # processes of its own: children get no domain controller (EBUSY) and, for a
            # threaded one like pids, become invalid domains; only the root is exempt
            occupied = here != mount and bool(_read(procs).split())
            if (
                not occupied
                and _writable(procs)
                and _writable(control)
                and all(c in offered for c in controllers)
                and _enable(here, controllers)
            ):
                return here
        if here == mount:
            break
        here = os.path.dirname(here)
    return None


def _v2_base(root: str, controllers: tuple[str, ...]) -> tuple[str | None, str]:
    """Airlock's v2 directory (created, controllers enabled), or None and why not."""
    mount = unified_mount(root)
    if mount is None:
        return None, "no cgroup v2 hierarchy"
    own = own_cgroup(mount) or mount
    parent = delegated(mount, own, controllers)
    names = "+".join(controllers)
    if parent is None:
        return None, (
            f"cgroup v2 offers {names} but no cgroup from {own} up is delegated to uid "
            f"{os.geteuid()} (a systemd user scope with Delegate=yes, or a subtree chown-ed "
            "to this user)"
        )
    base = os.path.join(parent, GROUP)
    try:
        os.makedirs(base, exist_ok=True)
    except OSError as exc:
        return None, f"cannot create a cgroup under {parent}: {exc.strerror}"
    if not _enable(base, controllers):
        return None, f"cannot enable {names} for the children of {base}"
    return base, ""


def _v1_place(root: str, controller: str) -> tuple[Place | None, str]:
    base = os.path.join(root, controller)
    if not os.path.exists(os.path.join(base, "cgroup.procs")) or unified_mount(base) == base:
        return None, f"no cgroup v1 {controller} hierarchy at {base}"
    group = os.path.join(base, GROUP)
    try:
        os.makedirs(group, exist_ok=True)
    except OSError as exc:
        return None, f"cannot create a cgroup under {base}: {exc.strerror}"
    if not _writable(os.path.join(group, "cgroup.procs")):
        return None, f"cgroup {group} is not writable"
    return Place(1, group), ""


@functools.cache
def _layout(root: str, uid: int) -> Layout:
    mount = unified_mount(root)
    offered: list[str] = []
    if mount is not None:
        with contextlib.suppress(OSError):
            offered = _read(os.path.join(mount, "cgroup.controllers")).split()
    places: dict[str, Place] = {}
    missing: dict[str, str] = {}
    on_v2 = tuple(c for c in CONTROLLERS if c in offered)
    if on_v2:
        base, why = _v2_base(root, on_v2)
        for c in on_v2:
            if base is not None:
                places[c] = Place(2, base)
            else:
                missing[c] = why
    for c in CONTROLLERS:
        if c not in on_v2:
            place, why = _v1_place(root, c)
            if place is not None:
                places[c] = place
            else:
                missing[c] = why
    return Layout(places, missing)


def layout() -> Layout:
    """This process's layout (found once per cgroup root and user, then cached)."""
    return _layout(settings.current().cgroup_root, os.geteuid())
