"""The transcript: the last messages both ways, as the client's debug transcript shows them
(``>> `` before each line sent, ``<< `` before each line received, secrets masked).

Received messages are kept as they are and turned into lines only when shown, so keeping
a transcript costs a busy reader almost nothing. Thread-safe: the reader and senders
append, the UI reads.

The console's own queries (``manager show command X`` for parameter help) are not the
user's: :meth:`Transcript.sent` with ``own=True`` marks them, and their answers, with
:data:`OWN_MARK` before each line. ``actions_only`` leaves events out (the items of an
event list, which carry their action's ActionID, stay).
"""

from __future__ import annotations

import re
import threading
from collections import deque
from dataclasses import dataclass

from ami_console.printable import clean
from ami_console.protocol import Message

__all__ = ["OWN_MARK", "Transcript"]

DEFAULT_LIMIT = 2000  # messages kept
OWN_MARK = "(console) "  # before each line of the console's own queries and their answers
OWN_IDS_KEPT = 500  # ActionIDs of the console's own queries remembered, to mark the answers
_ACTION_ID = re.compile(r"^ActionID: ?(.*)$", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True, slots=True)
class _Sent:
    lines: list[str]  # as sent, masked
    own: bool  # the console's own query, not the user's


class Transcript:
    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self._entries: deque[Message | _Sent | str] = deque(maxlen=limit)
        self._lock = threading.Lock()
        self._own_ids: deque[str] = deque(maxlen=OWN_IDS_KEPT)
        self.count = 0  # entries ever added; a reader remembers where it stopped

    def sent(self, wire_text: str, own: bool = False) -> None:
        """An action as it went out (already masked). ``own``: the console sent it for
        itself (an Exchange with a purpose), not the user."""
        if own and (found := _ACTION_ID.search(wire_text)):
            with self._lock:
                self._own_ids.append(found.group(1).rstrip("\r"))
        self._add(_Sent(wire_text.split("\r\n")[:-1], own))

    def received(self, message: Message) -> None:
        self._add(message)

    def write(self, text: str) -> int:
        """File-like, so that the client's own debug transcript (during login) lands here."""
        if text:
            self._add(text)
        return len(text)

    def flush(self) -> None:
        pass

    def _add(self, entry: Message | _Sent | str) -> None:
        with self._lock:
            self._entries.append(entry)
            self.count += 1

    def since(self, count: int, most: int | None = None, actions_only: bool = False) -> tuple[int, list[str]]:
        """Lines of the entries added after ``count`` (as many as are still kept). With
        ``most``, only the newest ``most`` entries are turned into lines, and a line says
        how many were passed over: a screen keeping up with a storm shows the latest.
        With ``actions_only``, events are left out (an event list's items stay)."""
        with self._lock:
            total = self.count
            new = list(self._entries)[-(total - count) :] if total > count else []
            own_ids = set(self._own_ids)
        if actions_only:
            new = [e for e in new if not (isinstance(e, Message) and e.is_event and e.action_id is None)]
        lines = []
        if most is not None and len(new) > most:
            lines.append(f"--- {len(new) - most:,} messages passed over to keep up")
            new = new[-most:]
        return total, lines + [line for entry in new for line in _lines(entry, own_ids)]

    def lines(self) -> list[str]:
        return self.since(0)[1]


def _lines(entry: Message | _Sent | str, own_ids: set[str]) -> list[str]:
    if isinstance(entry, str):
        return [clean(line) for line in entry.rstrip("\n").split("\n")]
    if isinstance(entry, _Sent):
        mark = OWN_MARK if entry.own else ""
        return [f"{mark}>> {clean(line)}" for line in entry.lines]
    mark = OWN_MARK if own_ids and not entry.is_event and entry.action_id in own_ids else ""
    return [f"{mark}<< {clean(line)}" for line in entry.lines] + [f"{mark}<< "]
