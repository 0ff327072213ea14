"""Reading files we did not write (a trainer's lessons, a replayed log, damaged progress).

Such a path may name anything: a named pipe (reading it waits for a writer, forever), a
link to ``/dev/zero`` (its size says 0, and reading it never ends), a folder, a socket.
So it is opened without blocking, refused unless the opened file is a regular one (asked
of the descriptor, so a file swapped after a check is caught too), and read within a
bound whatever its size claims.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

__all__ = ["FileTooLarge", "NotRegularFile", "open_regular", "read_regular", "size_text"]

# O_NONBLOCK: opening a named pipe waits for a writer without it. O_NOCTTY: a terminal
# device must never become our controlling terminal on the way to being refused.
_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class NotRegularFile(OSError):
    """The path names a folder, a pipe, a device or a socket: no file to read."""


class FileTooLarge(OSError):
    """The file holds more than the bound it was read with."""


def _refuse_unless_regular(mode: int, path: Path) -> None:
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _KINDS if test(mode)), "something else")
        raise NotRegularFile(errno.EINVAL, f"not a regular file ({kind})", str(path))


def open_regular(path: Path) -> BinaryIO:
    """``path`` opened for reading, if it is a regular file (links followed).

    Raises :class:`NotRegularFile`, or OSError as ``open`` does. Never blocks.
    """
    # Asked first so that a device is not even opened (opening some has effects), and
    # asked again of what was opened, which is what counts.
    _refuse_unless_regular(os.stat(path).st_mode, path)
    descriptor = os.open(path, _FLAGS)
    try:
        _refuse_unless_regular(os.fstat(descriptor).st_mode, path)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def read_regular(path: Path, limit: int) -> bytes:
    """The whole of regular file ``path``, which must hold at most ``limit`` bytes.

    Reads at most ``limit + 1`` bytes, whatever the file's size says. Raises
    :class:`FileTooLarge`, :class:`NotRegularFile`, or OSError as ``open`` does.
    """
    with open_regular(path) as file:
        data = file.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge(errno.EFBIG, f"larger than {size_text(limit)}", str(path))
    return data


def size_text(count: int) -> str:
    """A bound in words: "64 KiB", "16 MiB", "300 bytes"."""
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= scale and count % scale == 0:
            return f"{count // scale:,} {unit}"
    return f"{count:,} bytes"
