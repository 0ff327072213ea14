"""The event log's memory: a bounded store, the filtered view, counts and the rate.

Holds at most ``capacity`` events and ``max_bytes`` bytes of them (the oldest go first)
while counting every event ever received, so neither a storm of events nor a few huge
ones can grow memory. Counters are kept for a bounded number of event names. Textual-free,
so it is tested on its own.

Besides events, the log shows :class:`Marker` lines (where the connection was lost and
made again): they sit between the events they came between, whatever the filter, and
are no events: not counted, not matched, not exported, not traced. The log draws
:meth:`EventStore.row` ``0 .. row_count - 1``: the view's events with the markers among them.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, deque
from dataclasses import dataclass

from ami_console import clock
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
    "Marker",
    "count_name",
    "shorten",
    "size_of",
]

DEFAULT_CAPACITY = 10_000
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
RATE_WINDOW = 3.0  # seconds the events-per-second figure looks back
MAX_COUNTED_NAMES = 1000  # Asterisk has a few hundred event names; more are garbage
OTHER_NAMES = "(other names)"  # where events of names past that bound are counted
COUNTED_NAME_LENGTH = 64  # a counter's name is cut to this: the counts are shown, not searched
DISPLAY_LIMIT = 4096  # characters of one value shown on screen
MAX_MARKERS = 200  # a connection flapping all night must not grow memory either


@dataclass(frozen=True, slots=True)
class Marker:
    """A line of the log that is no event: "connection lost 12:00:01: reason"."""

    after: int  # the seq of the last event stored before it (0: before every event)
    text: str


def shorten(value: str, limit: int = DISPLAY_LIMIT) -> str:
    """``value`` for the screen: past ``limit`` characters, cut and followed by how many
    bytes were left out (the stored message keeps them, for copy and export)."""
    if len(value) <= limit:
        return value
    left = len(value[limit:].encode("utf-8", "surrogateescape"))
    return f"{value[:limit]}… ({left:,} more bytes)"


def size_of(message: Message) -> int:
    """The bytes an event counts against the bound: what it costs in memory decoded (the
    log decodes what it shows, filters and follows), not only its size on the wire."""
    return message.cost


def count_name(counts: Counter[str], name: str, times: int = 1) -> None:
    """Count ``times`` events named ``name`` in ``counts``, keeping at most
    :data:`MAX_COUNTED_NAMES` names (a hostile server may make up millions)."""
    name = name[:COUNTED_NAME_LENGTH]
    counts[name if name in counts or len(counts) < MAX_COUNTED_NAMES else OTHER_NAMES] += times


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
        self.passed_over = 0  # of the total: events let go before the store (see count_passed_over)
        self._arrivals: deque[tuple[float, int]] = deque()
        self.markers: deque[Marker] = deque()
        self._changes = 0  # counts changes to the rows, for the markers' rows cached below
        self._placed: tuple[int, list[int]] = (-1, [])
        # A replayed file: nothing arrives live, so the rate is the file's own (set by the app).
        self.replay = False

    def add(self, messages: list[Message]) -> tuple[int, int]:
        """Store a batch that just arrived. Returns (entries added to the view, entries
        dropped from its top)."""
        now = clock.now()
        return self.add_timed([(now, message) for message in messages])

    def add_timed(self, items: list[tuple[float | None, Message]]) -> tuple[int, int]:
        """Store events with their own arrival times (a replayed file)."""
        # Runs for every event of a storm: what it reads of self is read once a batch.
        matches = None if self.filter.empty else self.filter.matches
        entries, view, counts = self.entries, self.view, self.counts
        capacity, max_bytes = self.capacity, self.max_bytes
        added = 0
        try:
            for at, message in items:
                self.total = seq = self.total + 1
                name = message.name
                if name in counts:
                    counts[name] += 1
                else:
                    count_name(counts, name)
                # Asked of every event: a call filter learns from each.
                shown = matches is None or matches(message)
                size = message.cost  # size_of(), inline
                if size > max_bytes:
                    continue  # counted, but it would push out every other event and still not fit
                entry = LoggedEvent(seq, at, message, size)
                entries.append(entry)
                self.bytes += size
                while len(entries) > capacity or self.bytes > max_bytes:
                    self.bytes -= entries.popleft().size
                if shown:
                    view.append(entry)
                    added += 1
        finally:
            self._changes += 1
        dropped = 0
        # Entries that left the store leave the view too (the newest may never have joined it).
        oldest = entries[0].seq if entries else self.total + 1
        while self.view and self.view[0].seq < oldest:
            self.view.popleft()
            dropped += 1
        # A marker goes once the event after it went: it no longer says where the gap was.
        markers = self.markers
        while markers and markers[0].after + 1 < oldest:
            markers.popleft()
            dropped += 1  # markers before every event kept are at the view's top
        self._arrivals.append((clock.now(), len(items)))
        return added, dropped

    def count_passed_over(self, names: Counter[str]) -> None:
        """Count events that arrived faster than the console could take them, and were let
        go before reaching the store (which would have pushed them out at once)."""
        total = sum(names.values())
        self.total += total
        self.passed_over += total
        self._arrivals.append((clock.now(), total))
        for name, times in names.items():
            count_name(self.counts, name, times)

    def add_marker(self, text: str) -> tuple[int, int]:
        """Put a line that is no event after the events stored so far. Returns (rows added,
        rows dropped from the top), as :meth:`add` does: the log takes both the same way."""
        dropped = 0
        if len(self.markers) >= MAX_MARKERS:
            # Forgetting the oldest marker changes the top rows only if it was at the top.
            dropped = int(not self.view or self.markers[0].after < self.view[0].seq)
            self.markers.popleft()
        self.markers.append(Marker(self.total, text))
        self._changes += 1
        return 1, dropped

    # -- the rows the log draws: the view's events, markers among them ------------------------
    @property
    def row_count(self) -> int:
        return len(self.view) + len(self.markers)

    def row(self, index: int) -> LoggedEvent | Marker:
        """The ``index``-th row (0 is the oldest): an event of the view, or a marker."""
        before = 0  # markers above the row
        for marker, at in zip(self.markers, self._marker_rows(), strict=True):
            if at == index:
                return marker
            if at > index:
                break
            before += 1
        return self.view[index - before]

    def _marker_rows(self) -> list[int]:
        """Each marker's row: after the view's events that came before it. Markers are few
        and the view changes a batch at a time, so this is worked out once per change."""
        if self._placed[0] != self._changes:
            rows = [bisect_right(self.view, m.after, key=_seq) + i for i, m in enumerate(self.markers)]
            self._placed = (self._changes, rows)
        return self._placed[1]

    def set_filter(self, event_filter: EventFilter) -> None:
        self.filter = event_filter
        self.view = deque(e for e in self.entries if event_filter.matches(e.message))
        self._changes += 1

    def clear(self) -> None:
        self.entries.clear()
        self.view.clear()
        self.bytes = 0
        self.counts.clear()
        self.total = self.passed_over = 0
        self._arrivals.clear()
        self.markers.clear()
        self._changes += 1

    def rate(self, now: float | None = None) -> float:
        """Events per second over the last few seconds, or for a replay the file's own:
        the events kept over the time between the first and the last of them."""
        if self.replay:
            return self.file_rate() or 0.0
        now = clock.now() if now is None else now
        while self._arrivals and self._arrivals[0][0] < now - RATE_WINDOW:
            self._arrivals.popleft()
        return sum(n for _, n in self._arrivals) / RATE_WINDOW

    def file_rate(self) -> float | None:
        """Events per second by the events' own times (None when they have none): for a
        replay, how busy the PBX was, not how fast the file was read."""
        if len(self.entries) < 2:
            return None
        first, last = self.entries[0].at, self.entries[-1].at
        if first is None or last is None or last <= first:
            return None
        return (len(self.entries) - 1) / (last - first)


def _seq(entry: LoggedEvent) -> int:
    return entry.seq
