"""Named pipes in tests: a read that blocks on one fails the test instead of hanging it."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

T = TypeVar("T")


def finishes(call: Callable[[], T], pipe: Path) -> T:
    """What ``call`` returns (or raises), run in a thread that must end within a deadline.

    If it does not (it blocked reading ``pipe``), a writer comes and goes on the pipe, so
    the reader sees an end and the thread ends, and the test fails.
    """
    outcome: list[tuple[T | None, BaseException | None]] = []

    def run() -> None:
        try:
            outcome.append((call(), None))
        except BaseException as exc:
            outcome.append((None, exc))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=10)
    if thread.is_alive():
        os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(timeout=10)
        pytest.fail(f"blocked reading the named pipe {pipe.name}")
    value, error = outcome[0]
    if error is not None:
        raise error
    return value  # type: ignore[return-value]
