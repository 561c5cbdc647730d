"""Reading a file someone else made: regular files only, with a size limit, never hanging.

``Path.read_text`` on a FIFO waits forever, on ``/dev/zero`` grows until the kernel kills the
process, and on a folder raises an error that names nothing a user can act on. Here the file
is opened without blocking, checked with ``fstat`` on the open descriptor (so a link swapped
in between cannot fool the check) and read up to its limit.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from studio.common.oserrors import describe_os_error


class UnreadableFile(ValueError):
    """The file is not a regular file, is too big, or cannot be opened; one sentence."""


def _what(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_limited(path: Path | str, limit: int, what: str = "file") -> bytes:
    """The bytes of ``path``, which must be a regular file of at most ``limit`` bytes."""
    path = Path(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise UnreadableFile(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UnreadableFile(f"{path}: is a folder, not a {what}") from None
    except OSError as exc:
        raise UnreadableFile(describe_os_error(exc, "read", path)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableFile(f"{path}: is {_what(info.st_mode)}, not a {what}")
        if info.st_size > limit:
            raise UnreadableFile(
                f"{path}: is {info.st_size / 2**20:,.1f} MiB; a {what} may be at most "
                f"{limit / 2**20:,.0f} MiB"
            )
        chunks = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
    except OSError as exc:
        raise UnreadableFile(describe_os_error(exc, "read", path)) from None
    finally:
        os.close(fd)
    if len(data) > limit:  # it grew while we read it
        raise UnreadableFile(f"{path}: is larger than the {limit / 2**20:,.0f} MiB limit")
    return data


def check_regular(path: Path | str, limit: int, what: str = "file") -> int:
    """The size of ``path`` if it is a regular file (not a link) within ``limit``."""
    path = Path(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise UnreadableFile(f"{path}: no such file") from None
    except OSError as exc:
        raise UnreadableFile(describe_os_error(exc, "read", path)) from None
    if stat.S_ISLNK(info.st_mode):
        raise UnreadableFile(f"{path}: is a symbolic link; a {what} must be a plain file")
    if not stat.S_ISREG(info.st_mode):
        raise UnreadableFile(f"{path}: is {_what(info.st_mode)}, not a {what}")
    if info.st_size > limit:
        raise UnreadableFile(
            f"{path}: is {info.st_size / 2**30:,.1f} GiB; a {what} may be at most "
            f"{limit / 2**30:,.0f} GiB"
        )
    return info.st_size
