"""Writing a run's output files to a directory on the host, safely.

Names come from the program, so each is treated as hostile: split on "/", every part
must be a plain name (not empty, ".", "..", no NUL or control character, at most 255
bytes), and every directory and file is created relative to an already opened directory
with O_NOFOLLOW and O_EXCL, so a symlink planted in the target, an existing file or a
name that climbs out are refused, never followed or overwritten. Files are written 0644
(no execute bit). Whatever is not written is returned with the reason.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field

from airlock.executor.models import OutputFile

_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


@dataclass
class Written:
    """Where the files went: names written, and (name, reason) for the rest."""

    directory: str
    written: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def _parts(name: str) -> list[str] | None:
    parts = name.split("/")
    for part in parts:
        if part in ("", ".", "..") or len(part.encode("utf-8", "surrogateescape")) > 255:
            return None
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in part):
            return None
    return parts


def write(files: list[OutputFile], directory: str) -> Written:
    """Write each file that came back with content under ``directory`` (created if
    missing; it must not be a symlink)."""
    out = Written(directory)
    os.makedirs(directory, exist_ok=True)
    top = os.open(directory, _DIR)
    try:
        for f in files:
            if f.content is None:
                out.refused.append((f.name, f.reason or "no content came back"))
                continue
            parts = _parts(f.name)
            if parts is None:
                out.refused.append((f.name, "not a plain relative name"))
                continue
            try:
                _write_one(top, parts, f.content)
                out.written.append(f.name)
            except OSError as exc:
                out.refused.append((f.name, exc.strerror or str(exc)))
    finally:
        os.close(top)
    return out


def _write_one(top: int, parts: list[str], data: bytes) -> None:
    fds = [os.dup(top)]
    try:
        for part in parts[:-1]:
            with contextlib.suppress(FileExistsError):
                os.mkdir(part, 0o755, dir_fd=fds[-1])
            fds.append(os.open(part, _DIR, dir_fd=fds[-1]))
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(parts[-1], flags, 0o644, dir_fd=fds[-1])
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
    finally:
        for d in fds:
            os.close(d)
