"""Own inodes: the host directories a run sees are read-only overlays of its own.

Locks (flock, POSIX and OFD record locks) and inotify watches attach to inodes. Through a
plain bind mount a run would share the host's inodes: it could lock ``/usr/bin/env`` and
block host processes, signal another run through such a lock, or watch which host files
are opened. Seen through an overlay mounted in the run's own mount namespace, every file
and directory is an inode of that overlay alone: the run's locks and watches meet only
its own, and the host's never meet it. The overlay is read-only (no upper layer; a second,
empty lower layer, since overlayfs wants two), costs a fraction of a millisecond, and
reads go straight to the host file.
"""

from __future__ import annotations

import codecs
import errno
import os

from airlock.executor import syscalls

_FLAGS = syscalls.MS_RDONLY | syscalls.MS_NOSUID
# Found once here, in the caller and the spawner: every helper, a fork of one, finds the
# codec cached instead of importing it again in the middle of each run (~0.5 ms).
codecs.lookup("unicode_escape")


def _escape(path: str) -> str:
    return path.replace("\\", "\\\\").replace(":", "\\:").replace(",", "\\,")


def _mount_points() -> list[str]:
    with open("/proc/self/mountinfo") as f:
        return [line.split()[4].encode().decode("unicode_escape") for line in f]


def _under(path: str, parent: str) -> bool:
    return path != parent and path.startswith(parent.rstrip("/") + "/")


def cover(dirs: list[str], empty: str, flat: tuple[str, ...] = ("/dev",)) -> None:
    """Replace each of ``dirs`` (and every mount beneath it but under ``flat`` ones, whose
    entries are picked one by one later) by a read-only overlay of what it shows now;
    ``empty`` is an empty directory the program never sees. The caller is in its own,
    private mount namespace."""
    os.makedirs(empty, 0o711, exist_ok=True)
    points = _mount_points()
    todo: list[str] = []
    for d in dirs:
        real = os.path.realpath(d)
        if os.path.isdir(real) and not any(_under(real, t) or real == t for t in todo):
            todo.append(real)
    todo += sorted(
        {
            p
            for p in points
            for t in list(todo)
            if t not in flat and _under(p, t) and os.path.isdir(p)
        },
        key=lambda p: p.count("/"),
    )
    # open every lower first: once a parent is overlaid, a path beneath it no longer
    # reaches the host mount that was there
    lowers = [(path, os.open(path, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)) for path in todo]
    try:
        for path, fd in lowers:
            opts = f"lowerdir=/proc/self/fd/{fd}:{_escape(empty)}"
            try:
                syscalls.mount("airlock-view", path, "overlay", _FLAGS, opts)
            except OSError as exc:
                # In a user namespace a directory whose submounts are locked to it (the
                # host's /dev with /dev/pts, /dev/shm) cannot be overlaid; a flat one is
                # covered later anyway, its few entries bound one by one, so it may stay.
                if exc.errno != errno.EINVAL or path not in flat:
                    raise
    finally:
        for _, fd in lowers:
            os.close(fd)
