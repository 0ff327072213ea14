"""The transcript: the last messages both ways, as the client's debug transcript shows them
(``>> `` before each line sent, ``<< `` before each line received, secrets masked).

Received messages are kept as they are and turned into lines only when shown, so keeping
a transcript costs a busy reader almost nothing. Thread-safe: the reader and senders
append, the UI reads.
"""

from __future__ import annotations

import threading
from collections import deque

from ami_console.printable import clean
from ami_console.protocol import Message

__all__ = ["Transcript"]

DEFAULT_LIMIT = 2000  # messages kept


class Transcript:
    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self._entries: deque[Message | str] = deque(maxlen=limit)
        self._lock = threading.Lock()
        self.count = 0  # entries ever added; a reader remembers where it stopped

    def sent(self, wire_text: str) -> None:
        """An action as it went out (already masked)."""
        self._add("".join(f">> {line}\n" for line in wire_text.split("\r\n")[:-1]))

    def received(self, message: Message) -> None:
        self._add(message)

    def write(self, text: str) -> int:
        """File-like, so that the client's own debug transcript (during login) lands here."""
        if text:
            self._add(text)
        return len(text)

    def flush(self) -> None:
        pass

    def _add(self, entry: Message | str) -> None:
        with self._lock:
            self._entries.append(entry)
            self.count += 1

    def since(self, count: int, most: int | None = None) -> tuple[int, list[str]]:
        """Lines of the entries added after ``count`` (as many as are still kept). With
        ``most``, only the newest ``most`` entries are turned into lines, and a line says
        how many were passed over: a screen keeping up with a storm shows the latest."""
        with self._lock:
            total = self.count
            new = list(self._entries)[-(total - count) :] if total > count else []
        lines = []
        if most is not None and len(new) > most:
            lines.append(f"--- {len(new) - most:,} messages passed over to keep up")
            new = new[-most:]
        return total, lines + [line for entry in new for line in _lines(entry)]

    def lines(self) -> list[str]:
        return self.since(0)[1]


def _lines(entry: Message | str) -> list[str]:
    if isinstance(entry, str):
        return [clean(line) for line in entry.rstrip("\n").split("\n")]
    return [f"<< {clean(line)}" for line in entry.lines] + ["<< "]
