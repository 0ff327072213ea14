"""Suite-wide guards: no test may leave a thread behind."""

from __future__ import annotations

import threading
import time

import pytest


@pytest.fixture(autouse=True)
def no_thread_left_behind():
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 5
    while extra := [t for t in threading.enumerate() if t not in before and t.is_alive()]:
        if time.monotonic() > deadline:
            pytest.fail(f"threads left behind: {extra}")
        time.sleep(0.01)
