"""The clocks the console reads for what it shows, in one place.

Whatever has a time on screen (an event's arrival, an answer's delay, how long a call or a
connection lasted, a file name's stamp) reads it here, so a test or a picture freezes
time by changing this module alone. Scheduling (deadlines, batching, timers) keeps using
``time.monotonic`` directly: freezing it would stop the program.
"""

from __future__ import annotations

import time

__all__ = ["counter", "local", "now", "stamp"]


def now() -> float:
    """The wall clock, in seconds since the epoch: when something happened."""
    return time.time()


def counter() -> float:
    """A clock for how long something took (``time.perf_counter``)."""
    return time.perf_counter()


def local(at: float) -> time.struct_time:
    """``at`` in the local time zone."""
    return time.localtime(at)


def stamp(form: str, at: float | None = None) -> str:
    """``at`` (default: now) written with ``time.strftime``'s ``form``, in local time."""
    return time.strftime(form, local(now() if at is None else at))
