"""Suite-wide guards: no test may leave a thread behind, or touch the user's own files."""

from __future__ import annotations

import gc
import os
import threading
import time

import pytest


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto``: one worker more than there are cores. A console test spends about a
    fifth of its time waiting (for the demo PBX, a timeout, the screen to settle), and the
    extra worker fills those gaps; more workers only fight over the cores.
    PYTEST_XDIST_AUTO_NUM_WORKERS still decides when it is set (xdist's own hook reads it)."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    return len(os.sched_getaffinity(0)) + 1


def pytest_collection_finish(session: pytest.Session) -> None:
    """Set the imported modules (Textual, Hypothesis, the tests) aside from the garbage
    collector, and let it run ten times less often: a console test makes a great many
    short-lived objects, and full collections walking every live object took a fifth of
    the suite's CPU. Cycles are still collected (tests that count sockets or threads wait
    for them), only in larger batches."""
    gc.collect()
    gc.freeze()
    young, middle, old = gc.get_threshold()
    gc.set_threshold(young * 10, middle, old)


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
