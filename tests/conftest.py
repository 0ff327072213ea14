"""Suite-wide guards: no test may leave a thread behind, or touch the user's own files."""

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


@pytest.fixture(autouse=True)
def private_folders(tmp_path, monkeypatch):
    """Profiles, history and saved actions go to the test's own folder."""
    for name in ("CONFIG", "DATA", "ACTIONS"):
        monkeypatch.setenv(f"AMI_CONSOLE_{name}_DIR", str(tmp_path / name.lower()))


@pytest.fixture(autouse=True)
def quicker_pilot(monkeypatch):
    """Pilot waits for the app to go idle after each key by sampling the process's CPU
    every 20 ms; a 5 ms sample is enough here and makes typing four times quicker."""
    import textual._wait as wait

    monkeypatch.setattr(wait, "SLEEP_GRANULARITY", 1 / 200)
    monkeypatch.setattr(wait, "SLEEP_IDLE", 1 / 200 / 20)
