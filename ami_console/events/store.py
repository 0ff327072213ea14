"""The event log's memory: a bounded store, the filtered view, counts and the rate.

Holds at most ``capacity`` events and ``max_bytes`` bytes of them (the oldest go first)
while counting every event ever received, so neither a storm of events nor a few huge
ones can grow memory. Counters are kept for a bounded number of event names. Textual-free,
so it is tested on its own.
"""

from __future__ import annotations

import time
from collections import Counter, deque

from ami_console.events.filter import EventFilter
from ami_console.events.timed import LoggedEvent
from ami_console.protocol import Message

__all__ = [
    "DEFAULT_CAPACITY",
    "DEFAULT_MAX_BYTES",
    "DISPLAY_LIMIT",
    "MAX_COUNTED_NAMES",
    "OTHER_NAMES",
    "EventStore",
    "LoggedEvent",
    "shorten",
]

DEFAULT_CAPACITY = 10_000
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
RATE_WINDOW = 3.0  # seconds the events-per-second figure looks back
MAX_COUNTED_NAMES = 1000  # Asterisk has a few hundred event names; more are garbage
OTHER_NAMES = "(other names)"  # where events of names past that bound are counted
COUNTED_NAME_LENGTH = 64  # a counter's name is cut to this: the counts are shown, not searched
DISPLAY_LIMIT = 4096  # characters of one value shown on screen


def shorten(value: str, limit: int = DISPLAY_LIMIT) -> str:
    """``value`` for the screen: past ``limit`` characters, cut and followed by how many
    bytes were left out (the stored message keeps them, for copy and export)."""
    if len(value) <= limit:
        return value
    left = len(value[limit:].encode("utf-8", "surrogateescape"))
    return f"{value[:limit]}… ({left:,} more bytes)"


def size_of(message: Message) -> int:
    """The bytes an event counts against the bound: as received, or as its text."""
    return len(message.raw) or sum(len(line) + 2 for line in message.lines) + 2


class EventStore:
    def __init__(self, capacity: int = DEFAULT_CAPACITY, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.capacity = capacity
        self.max_bytes = max_bytes
        self.entries: deque[LoggedEvent] = deque()
        self.bytes = 0  # the sizes of the entries held
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
        entries, counts = self.entries, self.counts
        added = 0
        for at, message in items:
            self.total += 1
            name = message.name[:COUNTED_NAME_LENGTH]
            counts[name if name in counts or len(counts) < MAX_COUNTED_NAMES else OTHER_NAMES] += 1
            shown = matches(message)  # asked of every event: a call filter learns from each
            entry = LoggedEvent(self.total, at, message, size_of(message))
            if entry.size > self.max_bytes:
                continue  # counted, but it would push out every other event and still not fit
            entries.append(entry)
            self.bytes += entry.size
            while len(entries) > self.capacity or self.bytes > self.max_bytes:
                self.bytes -= entries.popleft().size
            if shown:
                self.view.append(entry)
                added += 1
        dropped = 0
        # Entries that left the store leave the view too (the newest may never have joined it).
        oldest = entries[0].seq if entries else self.total + 1
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
        self.bytes = 0
        self.counts.clear()
        self.total = 0
        self._arrivals.clear()

    def rate(self, now: float | None = None) -> float:
        """Events per second over the last few seconds."""
        now = time.monotonic() if now is None else now
        while self._arrivals and self._arrivals[0][0] < now - RATE_WINDOW:
            self._arrivals.popleft()
        return sum(n for _, n in self._arrivals) / RATE_WINDOW
