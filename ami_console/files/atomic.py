"""Small file helpers shared by history, saved actions and export.

A file the user keeps (a saved action, an export, the trimmed history) is written to a
temporary file beside it and moved into place, so a crash, a full disk or a failed
write never leaves half a file where a whole one was.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

__all__ = ["atomic_writer", "write_atomic"]


@contextmanager
def atomic_writer(path: Path) -> Iterator[BinaryIO]:
    """A binary file that replaces ``path`` when the block ends without an exception.

    Creates the parent folder. On an exception the temporary file is removed and
    ``path`` is left as it was. Raises ``OSError`` when the folder cannot be written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            yield file
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step (see :func:`atomic_writer`)."""
    with atomic_writer(path) as file:
        file.write(data)
