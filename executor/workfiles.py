"""The working directory's contents: the caller's input files in, the code's outputs out.

Outputs are read through directory descriptors with O_NOFOLLOW, regular files only, bounded
in count, depth and size, so a symlink or FIFO the code left behind cannot make the
executor read a host file or block.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Mapping

from airlock.executor.models import OmittedFile, OutputFile

CODE_NAME = "main.py"
MAX_DEPTH = 16
MAX_INPUT_BYTES = 256 * 1024 * 1024
MAX_LISTED = 256  # omitted entries listed by name (all are counted)


def check_name(name: str) -> str:
    if not isinstance(name, str) or not name or "\0" in name or name.startswith("/"):
        raise ValueError(f"invalid input file name {name!r}: use a relative path")
    parts = name.split("/")
    if any(p in ("", ".", "..") for p in parts) or len(parts) > MAX_DEPTH:
        raise ValueError(f"invalid input file name {name!r}: no '.', '..' or empty parts")
    if name == CODE_NAME:
        raise ValueError(f"input file name {CODE_NAME!r} is reserved for the code")
    return name


def load_inputs(files: Mapping[str, bytes | str | os.PathLike[str]] | None) -> dict[str, bytes]:
    """Validate names and load contents: bytes as given, str as UTF-8 text, a path's bytes.

    A str that names an existing file (one line, no NUL) is refused: it is almost surely
    meant as a path (as `airlock run --file NAME=PATH` takes one), and sending the path's
    text instead of the file would go unnoticed. Pass a `pathlib.Path` to send the file,
    or bytes to send that text.
    """
    out: dict[str, bytes] = {}
    for name, value in (files or {}).items():
        check_name(name)
        if isinstance(value, bytes):
            data = value
        elif isinstance(value, str):
            if _names_a_file(value):
                raise ValueError(
                    f"input file {name!r}: {value[:200]!r} is the name of a file; pass "
                    f"pathlib.Path({value[:200]!r}) to send that file, or bytes to send the text"
                )
            data = value.encode("utf-8", "surrogateescape")
        elif isinstance(value, os.PathLike):
            with open(value, "rb") as f:
                data = f.read(MAX_INPUT_BYTES + 1)
            if len(data) > MAX_INPUT_BYTES:
                raise ValueError(f"input file {name!r} is larger than {MAX_INPUT_BYTES} bytes")
        else:
            raise ValueError(f"input file {name!r}: expected bytes, str or a path")
        out[name] = data
    return out


def _names_a_file(text: str) -> bool:
    if not text or len(text) > 4096 or "\n" in text or "\0" in text:
        return False
    try:
        return os.path.isfile(text)
    except (OSError, ValueError):
        return False


def write_inputs(
    work: str, code: bytes, inputs: dict[str, bytes], uid: int, gid: int, writable: bool
) -> None:
    """Place the code (read-only) and the inputs in the workdir."""
    _write(os.path.join(work, CODE_NAME), code, 0o444, None)
    for name, data in inputs.items():
        parent = work
        for part in name.split("/")[:-1]:
            parent = os.path.join(parent, part)
            if not os.path.isdir(parent):
                os.mkdir(parent, 0o755)
                os.chown(parent, uid, gid)
        _write(
            os.path.join(work, name),
            data,
            0o644 if writable else 0o444,
            (uid, gid) if writable else None,
        )


def write_private(path: str, data: bytes) -> None:
    """A file only the executor's own uid can read (0600), replacing what was there."""
    if os.path.lexists(path):
        os.unlink(path)
    _write(path, data, 0o600, None)


def _write(path: str, data: bytes, mode: int, owner: tuple[int, int] | None) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        if owner is not None:
            os.fchown(fd, *owner)
        os.fchmod(fd, mode)
    finally:
        os.close(fd)


class Collected:
    """What came back from the workdir: the files, and every entry left out with why."""

    def __init__(self, max_files: int, max_bytes: int) -> None:
        self.max_files, self.max_bytes = max_files, max_bytes
        self.files: list[OutputFile] = []
        self.omitted: list[OmittedFile] = []
        self.omitted_count = 0

    def omit(self, name: str, reason: str) -> None:
        self.omitted_count += 1
        if len(self.omitted) < MAX_LISTED:
            self.omitted.append(OmittedFile(name=_printable(name), reason=reason))


def collect(work: str | int, skip: dict[str, bytes], max_files: int, max_bytes: int) -> Collected:
    """Regular files under ``work`` (a path, or a directory descriptor that stays the
    caller's), sorted by name, except unchanged inputs and the code; the rest is listed in
    ``omitted`` with its reason."""
    out = Collected(max_files, max_bytes)
    try:
        flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
        top = os.dup(work) if isinstance(work, int) else os.open(work, flags)
    except OSError:
        return out
    _walk(top, "", 0, skip, out)
    out.files.sort(key=lambda f: f.name)
    return out


def _walk(dfd: int, prefix: str, depth: int, skip: dict[str, bytes], out: Collected) -> None:
    try:
        with os.scandir(dfd) as entries:
            names = sorted(e.name for e in entries)
        for name in names:
            rel = prefix + name
            try:
                fd = os.open(
                    name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dfd
                )
            except OSError as exc:
                link = exc.errno == errno.ELOOP
                out.omit(
                    rel, "a symbolic link (not followed)" if link else f"unreadable: {exc.strerror}"
                )
                continue
            try:
                st = os.fstat(fd)
                if stat.S_ISDIR(st.st_mode):
                    if depth < MAX_DEPTH:
                        _walk(os.dup(fd), rel + "/", depth + 1, skip, out)
                    else:
                        out.omit(rel + "/", f"deeper than {MAX_DEPTH} directories")
                    continue
                if not stat.S_ISREG(st.st_mode):
                    out.omit(rel, "not a regular file (a FIFO, socket or device)")
                    continue
                if rel != CODE_NAME and len(out.files) >= out.max_files:
                    out.omit(rel, f"over the cap of {out.max_files} files (max_output_files)")
                    continue
                data = _read(fd, out.max_bytes + 1)
            finally:
                os.close(fd)
            if rel == CODE_NAME or skip.get(rel) == data:
                continue
            big = st.st_size > out.max_bytes or len(data) > out.max_bytes
            size = max(st.st_size, len(data))
            out.files.append(
                OutputFile(  # names that are not UTF-8 come back backslash-escaped
                    name=_printable(rel),
                    size=size,
                    content=None if big else data,
                    truncated=big,
                    reason=f"{size} bytes, over max_output_file_bytes={out.max_bytes}"
                    if big
                    else None,
                )
            )
    finally:
        os.close(dfd)


def _printable(name: str) -> str:
    """A file name as valid UTF-8 text (undecodable bytes become ``\\xNN``)."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _read(fd: int, limit: int) -> bytes:
    chunks, total = [], 0
    while total < limit:
        chunk = os.read(fd, min(1 << 20, limit - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)
