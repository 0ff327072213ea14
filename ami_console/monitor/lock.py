"""The lock over the console's models, fair to the screen.

The model thread takes events in a chunk at a time and holds the lock for each chunk.
A plain lock would let it take the lock again the moment it let go (it still holds the
interpreter), and a screen waiting to draw could wait for the whole storm. Here, once
any other thread waits, the model thread lets it go first: the screen waits at most for
one chunk.
"""

from __future__ import annotations

import threading
from types import TracebackType

__all__ = ["ModelLock"]


class ModelLock:
    """``with lock:`` from any thread (re-entrant); the model thread uses :meth:`model_turn`."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._owner: int | None = None
        self._depth = 0
        self._waiting = 0  # threads other than the model thread waiting for the lock

    def __enter__(self) -> ModelLock:
        me = threading.get_ident()
        with self._cond:
            if self._owner == me:
                self._depth += 1
                return self
            self._waiting += 1
            while self._owner is not None:
                self._cond.wait()
            self._waiting -= 1
            self._owner, self._depth = me, 1
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.release()

    def release(self) -> None:
        with self._cond:
            if self._owner != threading.get_ident():
                raise RuntimeError("the model lock is released by a thread that does not hold it")
            self._depth -= 1
            if self._depth == 0:
                self._owner = None
                self._cond.notify_all()

    def model_turn(self) -> _Held:
        """``with lock.model_turn():`` for the model thread: it takes the lock after every
        other thread waiting for it."""
        me = threading.get_ident()
        with self._cond:
            if self._owner == me:
                self._depth += 1
                return _Held(self)
            while self._owner is not None or self._waiting:
                self._cond.wait()
            self._owner, self._depth = me, 1
        return _Held(self)

    @property
    def wanted(self) -> bool:
        """Another thread waits for the lock (the model thread should let go soon)."""
        return self._waiting > 0

    @property
    def held_here(self) -> bool:
        return self._owner == threading.get_ident()


class _Held:
    """The lock, taken already: leaving the ``with`` lets it go."""

    __slots__ = ("_lock",)

    def __init__(self, lock: ModelLock) -> None:
        self._lock = lock

    def __enter__(self) -> ModelLock:
        return self._lock

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._lock.release()
