"""Scan many files: expand directories, then screen in parallel on every core.

Files are read as bytes and screened by `analyzer.scan` in a process pool whose
workers load the rule set once (forked from a parent that already loaded it and
bandit's plugins, where the platform allows). Files go to workers in chunks of
about equal bytes, largest files first, so that no core idles at the end; results
come back in a stable order: the order of the expanded path list.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from airlock.analyzer.models import Report, Verdict

STDIN = "-"
SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", ".venv", "__pycache__", "node_modules", ".tox", ".nox",
     ".mypy_cache", ".pytest_cache", ".ruff_cache", ".eggs"}
)  # fmt: skip
_SEQUENTIAL_BELOW = 8  # fewer files than this are not worth starting a pool
_CHUNKS_PER_WORKER = 32  # a chunk is about 1/32 of one worker's share of the bytes
_MAX_CHUNK = 64  # files


class BatchError(RuntimeError):
    """A path to scan does not exist, or the worker pool broke down."""


def expand_paths(paths: Iterable[str | Path]) -> list[str]:
    """Files named directly, plus every *.py below named directories (sorted, deduplicated).

    Directories named .git, .venv, __pycache__, node_modules (and other tool caches)
    are skipped. A path that does not exist raises BatchError: never a silent pass.
    """
    found: list[str] = []
    for raw in paths:
        path = str(raw)
        if path == STDIN:
            found.append(STDIN)
        elif os.path.isdir(path):
            found.extend(_walk(path))
        elif os.path.exists(path):
            found.append(path)
        else:
            raise BatchError(f"path not found: {path}")
    return list(dict.fromkeys(found))


def scan_paths(
    paths: Iterable[str | Path],
    *,
    ruleset: Any = "default",
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    trusted: bool | None = None,
) -> Iterator[tuple[str, Report]]:
    """Screen every file under `paths` ('-' is stdin); yields (path, Report) in order.

    Paths are expanded (and missing ones reported) before this returns; `progress`
    is called with the number of files finished since its last call.
    """
    files = expand_paths(paths)
    return scan_files(files, ruleset=ruleset, workers=workers, progress=progress, trusted=trusted)


def scan_files(
    files: Sequence[str],
    *,
    ruleset: Any = "default",
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    trusted: bool | None = None,
) -> Iterator[tuple[str, Report]]:
    """Screen already-expanded `files` in parallel; yields (path, Report) in order."""
    from airlock.analyzer.ruleset import load_ruleset

    loaded = load_ruleset(ruleset)  # also fails fast on an unknown rule set
    _warm(loaded)
    workers = max(1, workers or os.cpu_count() or 1)
    if workers == 1 or len(files) < _SEQUENTIAL_BELOW:
        for path in files:
            yield path, _scan_one(path, loaded, trusted)
            if progress:
                progress(1)
        return
    if STDIN in files:  # workers must not read the parent's stdin: screen it here, first
        yield STDIN, _scan_one(STDIN, loaded, trusted)
        if progress:
            progress(1)
        files = [path for path in files if path != STDIN]
    yield from _parallel(files, loaded, workers, progress, trusted)


def _parallel(
    files: Sequence[str],
    ruleset: Any,
    workers: int,
    progress: Callable[[int], None] | None,
    trusted: bool | None,
) -> Iterator[tuple[str, Report]]:
    chunks = plan_chunks(files, _sizes(files), workers)
    done: dict[int, Report] = {}
    next_index = 0
    context = _fork_context()
    try:
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_init_worker,
            initargs=(ruleset, trusted),
        ) as pool:  # fmt: skip
            futures = {pool.submit(_scan_chunk, [files[i] for i in c]): c for c in chunks}
            try:
                for future in as_completed(futures):
                    reports = future.result()
                    done.update(zip(futures[future], reports, strict=True))
                    if progress:
                        progress(len(reports))
                    while next_index in done:
                        yield files[next_index], done.pop(next_index)
                        next_index += 1
            finally:  # the caller stopped early, or a worker died: drop the queued work
                for future in futures:
                    future.cancel()
    except BrokenProcessPool as exc:
        raise BatchError(
            f"a scan worker died ({exc}); rerun with --jobs 1 to find the file"
        ) from exc


def plan_chunks(files: Sequence[str], sizes: Sequence[int], workers: int) -> list[list[int]]:
    """Indices of `files` in chunks, largest files first, each chunk about the same bytes.

    Biggest first (longest-processing-time order) keeps one large file from starting
    last and leaving the other cores idle; small files travel together so that
    inter-process traffic stays small, and the smallest come last, so the final
    chunks are short.
    """
    order = sorted(range(len(files)), key=lambda i: -sizes[i])
    target = max(1, sum(sizes) // (workers * _CHUNKS_PER_WORKER))
    chunks: list[list[int]] = []
    current: list[int] = []
    weight = 0
    for i in order:
        current.append(i)
        weight += sizes[i]
        if weight >= target or len(current) >= _MAX_CHUNK:
            chunks.append(current)
            current, weight = [], 0
    if current:
        chunks.append(current)
    return chunks


def _sizes(files: Sequence[str]) -> list[int]:
    sizes = []
    for path in files:
        try:
            sizes.append(os.stat(path).st_size)
        except OSError:
            sizes.append(0)  # the worker reports why it cannot be read
    return sizes


_worker_state: dict[str, Any] = {}


def _init_worker(ruleset: Any, trusted: bool | None) -> None:
    _worker_state["ruleset"] = ruleset
    _worker_state["trusted"] = trusted
    _tune_worker()
    _warm(ruleset)


def _tune_worker() -> None:
    """Batch tuning, in a worker process only (never in the host): no cyclic GC, deep stacks.

    A libcst tree is hundreds of thousands of acyclic objects that reference counting
    frees; letting the cyclic collector traverse them mid-scan costs ~40% of the scan
    (measured on a 1,100-line file). A worker lives for one batch, so its garbage dies
    with it; the higher recursion limit spares each scan raising and restoring it.
    """
    import gc

    from airlock.analyzer.recursion import RECURSION_LIMIT

    gc.disable()
    sys.setrecursionlimit(max(sys.getrecursionlimit(), RECURSION_LIMIT))


def _scan_chunk(paths: list[str]) -> list[Report]:
    ruleset, trusted = _worker_state["ruleset"], _worker_state["trusted"]
    return [_scan_one(path, ruleset, trusted) for path in paths]


def _scan_one(path: str, ruleset: Any, trusted: bool | None) -> Report:
    from airlock.analyzer.scan import scan

    limit = int(getattr(getattr(ruleset, "policy", None), "max_source_bytes", 500_000))
    try:
        data = read_source(path, limit)
    except OSError as exc:
        return unreadable_report(path, ruleset, exc.strerror or str(exc))
    except NotASourceFile as exc:
        return unreadable_report(path, ruleset, str(exc))
    options: dict[str, Any] = {} if trusted is None else {"trusted": trusted}
    name = "<stdin>" if path == STDIN else path
    try:
        return scan(data, ruleset=ruleset, filename=name, **options)
    except Exception as exc:  # scan fails closed itself; this guards the batch
        return unreadable_report(path, ruleset, f"analyzer error: {type(exc).__name__}: {exc}")


class NotASourceFile(Exception):
    """A path that names a FIFO, a device or a socket: never opened for reading as code."""


def read_source(path: str, limit: int) -> bytes:
    """At most `limit` + 1 bytes of a code file (enough for the size rule to fire), never
    blocking: FIFOs, devices and sockets are refused, found by the open descriptor itself."""
    if path == STDIN:
        return sys.stdin.buffer.read(limit + 1)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | getattr(os, "O_NOCTTY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = (
                "a FIFO" if stat.S_ISFIFO(mode) else "a device"
                if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket"
                if stat.S_ISSOCK(mode) else "not a regular file"
            )  # fmt: skip
            raise NotASourceFile(f"{kind}, not a code file: refused unread")
        chunks, left = [], limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def unreadable_report(path: str, ruleset: Any, why: str) -> Report:
    """A fail-closed report for a file that could not be screened at all."""
    return Report(
        verdict=Verdict.block,
        score=0,
        ruleset=getattr(ruleset, "name", str(ruleset)),
        ruleset_version=getattr(ruleset, "version", ""),
        error=f"cannot scan {path}: {why}",
    )


def _warm(ruleset: Any) -> None:
    """Compile the rule set and load bandit's plugins before forking workers."""
    from airlock.analyzer.bandit_bridge import warm_up

    compiled = getattr(ruleset, "compiled", None)
    if callable(compiled):
        compiled()
    warm_up()


def _fork_context() -> Any:
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else methods[0])


def _walk(root: str) -> Iterator[str]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(
            d for d in dirnames if d not in SKIP_DIRS and not d.endswith(".egg-info")
        )
        for name in sorted(filenames):
            if name.endswith(".py"):
                yield os.path.join(dirpath, name)
