"""What waits between the session's threads and the model thread, bounded in bytes.

Events come in batches as the reader takes them in. While the model thread keeps up, the
inbox holds a batch or two. When it cannot (a storm beyond what it follows), the inbox
would grow without end: past ``max_bytes`` the oldest waiting events are passed over,
and only their names are kept, counted, so that every event the server sent is still
counted ("N arrived faster than shown"). Work that must not be lost (an answer, a change
the user asked for) is never passed over; there is little of it.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass

from ami_console import clock
from ami_console.events.store import count_name
from ami_console.protocol import Message

__all__ = ["DEFAULT_INBOX_BYTES", "EventBatch", "Inbox", "inbox_cost"]

# About a quarter of a second of a 30,000-a-second storm (some 7,000 events of 400 bytes).
# Events waiting here are as late on screen as the wait: a deeper inbox (16 MiB held a
# second of it) only made every event later, and kept more in memory for the cyclic
# collector to walk, while the model thread was behind all the same.
DEFAULT_INBOX_BYTES = 4 * 1024 * 1024
MESSAGE_OVERHEAD = 200  # bytes an undecoded message costs beside its raw bytes
WORK_COST = 512  # what one piece of work counts for


def inbox_cost(message: Message) -> int:
    """What a received message waiting here costs: its bytes, undecoded."""
    return len(message.raw) + MESSAGE_OVERHEAD


@dataclass(slots=True)
class EventBatch:
    """Events that arrived together (``at``: when, by the wall clock; None for a replay
    whose events carry their own times in ``times``)."""

    at: float | None
    events: list[Message]
    times: list[float | None] | None = None
    cost: int = 0


Item = EventBatch | Callable[[], object]


class Inbox:
    def __init__(self, max_bytes: int = DEFAULT_INBOX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._items: deque[Item] = deque()
        self._bytes = 0
        self._passed_over: Counter[str] = Counter()
        self._cond = threading.Condition(threading.Lock())

    def put_events(self, events: list[Message], times: list[float | None] | None = None) -> None:
        """Events from the reader (``times``: their own times, for a replay)."""
        if not events:
            return
        cost = sum(map(inbox_cost, events))
        batch = EventBatch(None if times is not None else clock.now(), list(events), times, cost)
        with self._cond:
            self._items.append(batch)
            self._bytes += cost
            if self._bytes > self.max_bytes:
                self._pass_over()
            self._cond.notify()

    def put(self, work: Callable[[], object]) -> None:
        """Work for the model thread, done in turn with the events around it."""
        with self._cond:
            self._items.append(work)
            self._bytes += WORK_COST
            self._cond.notify()

    def _pass_over(self) -> None:  # with the lock held
        """Let the oldest waiting events go, counted by name, until the rest fit (the
        newest event always stays: one event over the bound is the store's to refuse)."""
        items = self._items
        newest = items[-1]
        for item in list(items):
            if self._bytes <= self.max_bytes:
                return
            if not isinstance(item, EventBatch):
                continue
            events = item.events
            keep_last = item is newest
            gone = 0
            while gone < len(events) - keep_last and self._bytes > self.max_bytes:
                message = events[gone]
                cost = inbox_cost(message)
                self._bytes -= cost
                item.cost -= cost
                count_name(self._passed_over, message.name)
                gone += 1
            del events[:gone]
            if item.times is not None:
                del item.times[:gone]
            if not events:
                items.remove(item)

    def take(self, timeout: float) -> tuple[list[Item], Counter[str]]:
        """Everything waiting, and the names of the events passed over since the last
        take; waits up to ``timeout`` seconds for something to come."""
        with self._cond:
            if not self._items and not self._passed_over:
                self._cond.wait(timeout)
            items, passed = list(self._items), self._passed_over
            self._items.clear()
            self._bytes = 0
            self._passed_over = Counter()
        return items, passed

    @property
    def waiting_bytes(self) -> int:
        return self._bytes
