"""The event log's memory: a bounded store, the filtered view, counts and the rate.

Holds at most ``capacity`` events (the oldest go first) while counting every event ever
received, so a storm cannot grow memory. Textual-free, so it is tested on its own.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from dataclasses import dataclass

from .eventfilter import EventFilter
from .protocol import Message

__all__ = ["DEFAULT_CAPACITY", "EventStore", "LoggedEvent"]

DEFAULT_CAPACITY = 10_000
RATE_WINDOW = 3.0  # seconds the events-per-second figure looks back


@dataclass(slots=True)
class LoggedEvent:
    seq: int  # 1 for the first event since the last clear
    at: float | None  # wall-clock time of arrival (unknown for events replayed from raw text)
    message: Message


class EventStore:
    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = capacity
        self.entries: deque[LoggedEvent] = deque(maxlen=capacity)
        self.view: deque[LoggedEvent] = deque()  # the entries the filter lets through
        self.filter = EventFilter()
        self.counts: Counter[str] = Counter()
        self.total = 0
        self._arrivals: deque[tuple[float, int]] = deque()

    def add(self, messages: list[Message]) -> tuple[int, int]:
        """Store a batch that just arrived. Returns (entries added to the view, entries
        dropped from its top)."""
        now = time.time()
        return self.add_timed([(now, message) for message in messages])

    def add_timed(self, items: list[tuple[float | None, Message]]) -> tuple[int, int]:
        """Store events with their own arrival times (a replayed file)."""
        matches = self.filter.matches
        added = 0
        for at, message in items:
            self.total += 1
            self.counts[message.name] += 1
            entry = LoggedEvent(self.total, at, message)
            self.entries.append(entry)
            if matches(message):
                self.view.append(entry)
                added += 1
        dropped = 0
        if self.entries:
            oldest = self.entries[0].seq
            while self.view and self.view[0].seq < oldest:
                self.view.popleft()
                dropped += 1
        self._arrivals.append((time.monotonic(), len(items)))
        return added, dropped

    def set_filter(self, event_filter: EventFilter) -> None:
        self.filter = event_filter
        self.view = deque(e for e in self.entries if event_filter.matches(e.message))

    def clear(self) -> None:
        self.entries.clear()
        self.view.clear()
        self.counts.clear()
        self.total = 0
        self._arrivals.clear()

    def rate(self, now: float | None = None) -> float:
        """Events per second over the last few seconds."""
        now = time.monotonic() if now is None else now
        while self._arrivals and self._arrivals[0][0] < now - RATE_WINDOW:
            self._arrivals.popleft()
        return sum(n for _, n in self._arrivals) / RATE_WINDOW
