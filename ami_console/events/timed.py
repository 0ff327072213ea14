"""Events with their arrival time, however the caller holds them.

The console keeps :class:`LoggedEvent` objects, a replayed file
gives ``(time, Message)`` pairs (time ``None`` when the file did not record it), and
tests often have bare messages. The export and the call trace take any of these.
"""

from __future__ import annotations

from dataclasses import dataclass

from ami_console.protocol import Message

__all__ = ["EventLike", "LoggedEvent", "TimedEvent", "as_timed"]


@dataclass(slots=True)
class LoggedEvent:
    """An event as the console's log keeps it."""

    seq: int  # 1 for the first event since the last clear
    at: float | None  # wall-clock time of arrival (unknown for events replayed from raw text)
    message: Message
    size: int = 0  # what it counts against the store's byte bound


#: An event and when it arrived (wall-clock seconds), ``None`` when unknown.
TimedEvent = tuple[float | None, Message]
EventLike = LoggedEvent | TimedEvent | Message


def as_timed(item: EventLike) -> TimedEvent:
    """``(arrival time or None, message)`` for a LoggedEvent, a pair or a bare Message."""
    if isinstance(item, LoggedEvent):
        return item.at, item.message
    if isinstance(item, Message):
        return None, item
    at, message = item
    return at, message
