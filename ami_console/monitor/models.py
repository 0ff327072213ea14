"""The console's models, fed in order on a thread of their own.

Everything the console keeps about what the PBX does (the event log's store and its
counters, the calls, the dialplan listings, the lesson running, the server-side filters,
the history) changes here, on the model thread, from one ordered stream: the events as
the reader took them in, the answers to actions in turn with them, and the changes the
user asks for (a filter, a cleared log). The screen never does per-event work: it reads
the models under :attr:`Models.lock` when told they changed, at most once per frame, and
draws what it finds.

``on_changed`` is called (from the model thread) when changes wait and the screen has not
been told yet; the screen then calls :meth:`Models.take_changes`, and is told again only
after that. However fast the storm, the screen hears of it once per frame it draws.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ami_console import clock
from ami_console.events.store import EventStore
from ami_console.monitor.inbox import DEFAULT_INBOX_BYTES, EventBatch, Inbox
from ami_console.monitor.lock import ModelLock
from ami_console.protocol import Message

if TYPE_CHECKING:  # made on first use: the connection form needs none of them
    from ami_console.calls.dialplan import Dialplan
    from ami_console.calls.live import LiveCalls
    from ami_console.lessons.checks import Observation
    from ami_console.lessons.model import LessonRun, Progress

__all__ = ["Changes", "Models"]

CHUNK = 256  # events taken in under the lock at once: the screen waits at most for one chunk
POLL = 0.05  # seconds the thread waits for work before looking whether it should stop
# Seconds between two tellings at least, while changes keep coming (after a quiet spell
# the screen is told at once). Each telling costs the model thread a wake-up of the
# screen's loop (a write to a socket, and the interpreter handed over and waited for
# again: a fifth of its time in a storm, telling after every chunk), and the screen a
# look under the lock and a redraw. 20 a second is smooth enough to watch a storm by.
TELL_EVERY = 1 / 20
_monotonic = time.monotonic  # the clock of TELL_EVERY (a test stops it)
# The cyclic collector's thresholds while the models run. At the default (700 objects) a
# storm's events, which live a fraction of a second in the inbox, the log and the calls,
# outlive a few young collections and are walked again and again in the older ones: at
# 30,000 events a second the collector took a sixth of the interpreter's time, and the
# model thread fell behind. At 20,000 most events have gone before their first collection
# (in the storm test: collections 2 s in all instead of 8, half the events passed over).
GC_THRESHOLDS = (20_000, 20, 100)


@dataclass
class Changes:
    """What changed since the screen last looked."""

    added: int = 0  # rows the log's view gained
    dropped: int = 0  # rows that left the top of the log's view
    reloaded: bool = False  # the view was made again (filter, clear): redraw it whole
    events: bool = False  # events arrived (counters, rate)
    calls: bool = False
    calls_gap: bool = False  # events were passed over: the calls may have missed some
    dialplan: bool = False
    lesson_ticks: int = 0
    filters: bool = False  # the server-side filtering in force changed
    problems: list[str] = field(default_factory=list)  # to tell the user once each (bounded)

    def __bool__(self) -> bool:
        return bool(self.added or self.dropped or self.reloaded or self.events or self.calls or self.calls_gap) or bool(
            self.dialplan or self.lesson_ticks or self.filters or self.problems
        )

    def problem(self, text: str) -> None:
        if len(self.problems) < 10 and text not in self.problems:
            self.problems.append(text)


class Models:
    """The models and the thread that feeds them; see the module's documentation."""

    def __init__(
        self,
        store: EventStore | None = None,
        *,
        replay: bool = False,
        inbox_bytes: int = DEFAULT_INBOX_BYTES,
        on_changed: Callable[[], object] | None = None,
    ) -> None:
        self.lock = ModelLock()
        self.store = store if store is not None else EventStore()
        self.store.replay = replay
        self.replay = replay
        self.inbox = Inbox(inbox_bytes)
        self.on_changed = on_changed
        self.changes = Changes()
        self.lesson: LessonRun | None = None  # the lesson running, ticked from the stream
        self.progress: Progress | None = None  # where each lesson's progress is kept
        self.replay_clock: float | None = None  # a replay's "now": its newest event's time
        self._calls: LiveCalls | None = None
        self._dialplan: Dialplan | None = None
        self._told = False  # on_changed was called and the screen has not taken the changes
        self._told_at = float("-inf")  # when on_changed was last called (time.monotonic)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the models, made on first use ------------------------------------------------
    @property
    def calls(self) -> LiveCalls:
        if self._calls is None:
            from ami_console.calls.live import LiveCalls

            self._calls = LiveCalls()
        return self._calls

    @property
    def dialplan(self) -> Dialplan:
        if self._dialplan is None:
            from ami_console.calls.dialplan import Dialplan

            self._dialplan = Dialplan()
        return self._dialplan

    def now(self) -> float:
        """The calls' clock: the wall clock, or a replay's newest event time."""
        if self.replay:
            return self.replay_clock if self.replay_clock is not None else 0.0
        return clock.now()

    # -- feeding (any thread) -----------------------------------------------------------
    def events_arrived(self, events: list[Message]) -> None:
        """Events as the reader took them in (called on the reader thread)."""
        self.inbox.put_events(events)

    def events_read(self, events: list[Message], times: list[float | None]) -> None:
        """Events of a replayed file, each with its own time."""
        self.inbox.put_events(events, times)

    def run(self, work: Callable[[], object]) -> None:
        """Do ``work`` on the model thread, under the lock, in turn with the events."""
        self.inbox.put(work)

    def observe(self, observation: Observation) -> None:
        """Something the user did that a lesson may check (a view opened, a filter set)."""
        self.run(lambda: self._observe(observation))

    # -- the thread ------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            # For the whole process: the models' events are most of what it allocates.
            gc.set_threshold(*GC_THRESHOLDS)
            self._thread = threading.Thread(target=self._loop, name="ami-models", daemon=True)
            self._thread.start()

    def stop(self, wait: float = 2.0) -> None:
        self._stopping.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(wait)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            items, passed_over = self.inbox.take(self._wait())
            if passed_over:
                with self.lock.model_turn():
                    self.store.count_passed_over(passed_over)
                    self.changes.events = self.changes.calls_gap = True
            for item in items:
                if self._stopping.is_set():
                    return
                try:
                    if isinstance(item, EventBatch):
                        self._take(item)
                    else:
                        with self.lock.model_turn():
                            item()
                except Exception as error:  # a bug in one piece of work must not stop the models
                    with self.lock.model_turn():
                        self.changes.problem(
                            f"Internal error in the console's models ({type(error).__name__}: {error})"
                        )
            self._tell()

    def _take(self, batch: EventBatch) -> None:
        """Take in a batch of events, a chunk at a time (the screen may read between)."""
        events = batch.events
        times = batch.times if batch.times is not None else [batch.at] * len(events)
        for start in range(0, len(events), CHUNK):
            timed = list(zip(times[start : start + CHUNK], events[start : start + CHUNK]))
            with self.lock.model_turn():
                self._feed(timed)
            self._tell()

    def _feed(self, timed: list[tuple[float | None, Message]]) -> None:  # under the lock
        changes = self.changes
        added, dropped = self.store.add_timed(timed)
        changes.added += added
        changes.dropped += dropped
        changes.events = True
        calls = self.calls
        changed = False
        for at, message in timed:
            changed = calls.feed(message, at) is not None or changed
        if self.replay:
            times = [at for at, _ in timed if at is not None]
            if times:
                self.replay_clock = max(self.replay_clock or times[-1], max(times))
        changes.calls = changes.calls or changed
        lesson = self.lesson
        if lesson is not None and not lesson.finished:
            from ami_console.lessons.checks import Observation

            for _, message in timed:
                self._observe(Observation("event", message=message))

    def _observe(self, observation: Observation) -> None:  # under the lock
        lesson = self.lesson
        if lesson is None or lesson.finished or not lesson.observe(observation):
            return
        self.changes.lesson_ticks += 1
        if self.progress is not None:
            self.progress.set(lesson.lesson.id, lesson.index)

    def _wait(self) -> float:
        """How long to wait for work: POLL, or until a change held back may be told."""
        # Read without the lock: a stale answer makes one wait shorter or longer, no more.
        if self._told or not self.changes:
            return POLL
        return max(0.0, min(POLL, self._told_at + TELL_EVERY - _monotonic()))

    def _tell(self) -> None:
        now = _monotonic()
        with self.lock.model_turn():
            if self._told or not self.changes or now - self._told_at < TELL_EVERY:
                return
            self._told, self._told_at = True, now
        if self.on_changed is not None:
            self.on_changed()

    # -- the screen ------------------------------------------------------------------------
    def take_changes(self) -> Changes:
        """What changed since the last call (the screen calls it when told)."""
        with self.lock:
            changes, self.changes = self.changes, Changes()
            self._told = False
        return changes

    def mark(self, text: str) -> None:
        """A line in the log between the events it came between (connection lost...)."""

        def put() -> None:
            added, dropped = self.store.add_marker(text)
            self.changes.added += added
            self.changes.dropped += dropped

        self.run(put)
