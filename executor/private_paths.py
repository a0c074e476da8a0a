"""Host paths no run may see, wherever they lie: registered by whoever owns them.

The audit store registers its SQLite file when it opens one (`hide`), so a store kept
under a path the sandbox otherwise reads (the interpreter prefix, site-packages, /usr)
is neither readable nor lockable from inside. The mount view (mounts.plan) covers each
registered file's directory with an empty read-only tmpfs, or, when that directory holds
something the run needs (the interpreter, site-packages, a shipped library), binds
/dev/null over the file and its siblings that share its name (``store.db-wal``,
``store.db-shm``, ``store.db.lock``). The registry is per process and only grows.
"""

from __future__ import annotations

import os

_files: set[str] = set()


def hide(path: str | os.PathLike[str]) -> None:
    """Keep this file (and its name-sharing siblings) out of every later run's view."""
    _files.add(os.path.realpath(os.fspath(path)))


def registered() -> tuple[str, ...]:
    """The registered files, in order."""
    return tuple(sorted(_files))


def _under(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")


def cover(needed: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(directories to cover with an empty tmpfs, files to cover with /dev/null).

    `needed` are the real paths the run must keep seeing; a registered file's directory is
    covered whole unless it is, or lies above, one of them (or is a top-level directory).
    """
    import glob  # only when a plan is made: the spawner never needs it

    dirs: set[str] = set()
    files: set[str] = set()
    for path in _files:
        parent = os.path.dirname(path)
        if parent.count("/") >= 2 and not any(_under(n, parent) for n in needed):
            dirs.add(parent)
            continue
        for sibling in glob.glob(glob.escape(path) + "*"):
            if os.path.isfile(sibling) and not os.path.islink(sibling):
                files.add(sibling)
    return tuple(sorted(dirs)), tuple(sorted(files))
