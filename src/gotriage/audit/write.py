"""``--fix``'s write phase: put the rewritten files in place without ever damaging one.

Each file is replaced atomically: the new bytes go to a temporary file in the same directory,
which is flushed to disk (fsync), given the original's permission bits, and renamed over the
original; then the directory is fsynced so that the rename survives a crash. A reader, or a
``kill -9`` at any moment, sees the old file or the new one, never a mix; at worst a temporary
``.NAME.gotriage-XXXX`` file is left behind next to it.

A file is not written, and the reason is reported, when:

* it changed since the audit read it (its bytes, checked again just before the rename, and
  its inode, size and mtime, checked between that read and the rename): an edit made during
  the run is kept;
* it is a symbolic link, or reached through one, or lies outside the audited roots;
* it is read-only (no write permission bit, or not writable by this user), or cannot be read
  or written (a read-only file system, a full disk).

The other files are still written. This is the only module that writes a user's source file.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

TEMP_SUFFIX = ".gotriage-tmp"


@dataclass(frozen=True, slots=True)
class WriteOutcome:
    """What happened to one file --fix meant to rewrite."""

    path: str
    written: bool
    reason: str = ""  # why it was not written


def write_fixes(
    fixed: Mapping[str, tuple[bytes, bytes]],
    roots: Iterable[str],
    *,
    before_rename: Callable[[str], None] | None = None,
) -> list[WriteOutcome]:
    """Write each ``path -> (as read, rewritten)`` in place, in path order.

    ``roots`` are the audited paths (files or directories): nothing outside them is written.
    ``before_rename`` is called with the path once the temporary file is ready (tests use it to
    change the file at the worst moment)."""
    real_roots = [os.path.realpath(root) for root in roots]
    outcomes = []
    for path in sorted(fixed):
        old, new = fixed[path]
        reason = _refusal(path, real_roots)
        if not reason:
            try:
                reason = _replace(path, old, new, before_rename)
            except OSError as exc:
                reason = f"cannot write: {exc.strerror or exc}"
        outcomes.append(WriteOutcome(path, not reason, reason))
    return outcomes


def _refusal(path: str, real_roots: list[str]) -> str:
    """Why ``path`` must not be rewritten at all, or ""."""
    try:
        info = os.lstat(path)
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    if stat.S_ISLNK(info.st_mode):
        return "is a symbolic link: not rewritten"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file"
    real = os.path.realpath(path)
    given = Path(path).absolute()
    if real != str(given.parent.resolve() / given.name):
        return "reached through a symbolic link: not rewritten"
    if not info.st_mode & 0o222 or not os.access(path, os.W_OK):
        return "read-only: not rewritten"
    if not any(
        real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in real_roots
    ):
        return "outside the audited paths: not rewritten"
    return ""


def _replace(path: str, old: bytes, new: bytes, before_rename: Callable[[str], None] | None) -> str:
    """Replace ``path``'s content ``old`` with ``new`` atomically; "" when done, else why not."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(path, flags)
    with os.fdopen(descriptor, "rb") as handle:
        seen = os.fstat(handle.fileno())
        current = handle.read(len(old) + 1)
    if current != old:
        return "changed since it was read: not rewritten"
    given = Path(path).absolute()
    directory = given.parent
    fd, name = tempfile.mkstemp(dir=directory, prefix=f".{given.name}.", suffix=TEMP_SUFFIX)
    temporary = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(new)
            out.flush()
            os.fchmod(out.fileno(), stat.S_IMODE(seen.st_mode))
            with contextlib.suppress(OSError):  # keep the owner where allowed (root)
                os.fchown(out.fileno(), seen.st_uid, seen.st_gid)
            os.fsync(out.fileno())
        if before_rename is not None:
            before_rename(path)
        now = os.lstat(path)
        if (now.st_ino, now.st_dev, now.st_size, now.st_mtime_ns) != (
            seen.st_ino,
            seen.st_dev,
            seen.st_size,
            seen.st_mtime_ns,
        ) or stat.S_ISLNK(now.st_mode):
            temporary.unlink()
            return "changed since it was read: not rewritten"
        temporary.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    _sync_directory(directory)
    return ""


def _sync_directory(directory: Path) -> None:
    """Make the rename durable (best effort: not every file system allows it)."""
    with contextlib.suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
