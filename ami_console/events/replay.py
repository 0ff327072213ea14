"""Reading an exported log back, as the live console receives events: bounded, in batches.

:func:`stream_events` reads a JSON Lines export or raw AMI text (told apart by the first
character; see :mod:`.export` for both formats) in chunks of :data:`CHUNK` bytes, never
the whole file, and yields :class:`ReplayBatch` objects: at most ``batch_events`` events
or about ``batch_bytes`` of them, with how far the file has been read, so that the console
can show "reading 40%" and store each batch as it comes. The last batch carries a
:class:`ReplaySummary`: how many events, their first and last times, and what was skipped,
why and where.

A file is hostile like a server: only a regular file is read (a named pipe would block),
and each event is bounded in bytes (``max_event_bytes``) and in headers
(``max_event_fields``), checked on its bytes before it is decoded, so a line of 600,000
tiny headers costs its bytes, not 600,000 objects. Past a bound, the line or message is
skipped, counted and the reading goes on; at most one event's bound and a chunk are held.
``cancelled`` is asked after every chunk and before every event, so a stop is taken
within a chunk's reading even inside one huge line.

Raw AMI text records no arrival times, so there they are ``None``. Asterisk 13's
``Response: Follows`` (Command output holding blank lines) is read as the messages its
blank lines separate: exports hold events, and Asterisk 14 and later send no such thing.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from ami_console import clock
from ami_console.events.timed import TimedEvent
from ami_console.files.regular import open_regular, size_text
from ami_console.protocol import DEFAULT_MAX_MESSAGE_SIZE, Message, ProtocolError, parse_greeting

__all__ = [
    "CHUNK",
    "DEFAULT_READ_LIMIT",
    "MAX_EVENT_BYTES",
    "MAX_EVENT_FIELDS",
    "PROGRESS_BYTES",
    "ReadResult",
    "ReplayBatch",
    "ReplaySummary",
    "read_events",
    "stream_events",
]

CHUNK = 1 << 16
MAX_EVENT_BYTES = DEFAULT_MAX_MESSAGE_SIZE  # as the live parser's bound on one message
MAX_EVENT_FIELDS = 1000  # Asterisk's largest events have a few dozen headers
BATCH_EVENTS = 500
BATCH_BYTES = 1 << 20
PROGRESS_BYTES = 1 << 20  # a batch (maybe empty) at least this often, for the progress shown
MAX_PROBLEMS = 10  # skipped lines or messages named by line; the rest are counted
DEFAULT_READ_LIMIT = 100_000
_BOM = b"\xef\xbb\xbf"
_LINE_END = re.compile(rb"\n")
_MESSAGE_END = re.compile(rb"\n\r?\n")  # a blank line ends a message, as in the parser
_BLANKS = re.compile(rb"[\r\n]*")
# A JSON string: its commas separate no values.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
NOT_JSON = "not JSON"
NOT_AN_EVENT = "not an event"


@dataclass(frozen=True)
class ReplaySummary:
    """What a replayed file gave, and what it did not; ``str()`` says it in one line."""

    format: str  # "jsonl" or "raw"
    events: int
    greeting: str | None = None  # the raw file's first line, if it was a greeting
    skipped: int = 0  # lines (JSON Lines) or messages (raw text) that could not be read
    reasons: tuple[tuple[str, int], ...] = ()  # why they were skipped, and how many each: most first
    problems: tuple[tuple[int, str], ...] = ()  # the first MAX_PROBLEMS skipped: (line, why)
    first_at: float | None = None  # the first and last arrival times recorded
    last_at: float | None = None
    truncated: bool = False  # stopped at the limit: the file holds more
    cancelled: bool = False  # stopped when asked

    def __str__(self) -> str:
        kind = "a JSON Lines export" if self.format == "jsonl" else "raw AMI text"
        text = f"{self.events:,} events from {kind}"
        if self.first_at is not None and self.last_at is not None:
            text += f", {_when(self.first_at)} to {_when(self.last_at, self.first_at)}"
        if self.truncated:
            text += f"; stopped after the first {self.events:,}, the file holds more"
        if self.cancelled:
            text += "; reading was stopped"
        if self.skipped:
            unit = ("line" if self.format == "jsonl" else "message") + ("" if self.skipped == 1 else "s")
            why = ", ".join(f"{count:,} {reason}" for reason, count in self.reasons)
            text += f"; {self.skipped:,} unreadable {unit} skipped ({why})"
        return text


def _when(at: float, since: float | None = None) -> str:
    """Local time; the date too, unless it is ``since``'s."""
    if since is not None and clock.local(since)[:3] == clock.local(at)[:3]:
        return clock.stamp("%H:%M:%S", at)
    return clock.stamp("%Y-%m-%d %H:%M:%S", at)


@dataclass(frozen=True)
class ReplayBatch:
    events: list[TimedEvent]
    read: int  # bytes of the file read so far
    size: int  # the file's size when it was opened
    summary: ReplaySummary | None = None  # on the last batch only

    @property
    def fraction(self) -> float:
        """How much of the file has been read, 0 to 1."""
        return min(1.0, self.read / self.size) if self.size else 1.0


@dataclass
class _Tally:
    """A summary in the making."""

    format: str
    greeting: str | None = None
    events: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    problems: list[tuple[int, str]] = field(default_factory=list)
    first_at: float | None = None
    last_at: float | None = None
    truncated: bool = False
    cancelled: bool = False

    def add(self, at: float | None) -> None:
        self.events += 1
        if at is not None:
            self.first_at = at if self.first_at is None else self.first_at
            self.last_at = at

    def skip(self, line: int, reason: str) -> None:
        self.reasons[reason] += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append((line, reason))

    def summary(self) -> ReplaySummary:
        return ReplaySummary(
            self.format,
            self.events,
            self.greeting,
            sum(self.reasons.values()),
            tuple(self.reasons.most_common()),
            tuple(self.problems),
            self.first_at,
            self.last_at,
            self.truncated,
            self.cancelled,
        )


def stream_events(
    path: Path,
    *,
    batch_events: int = BATCH_EVENTS,
    batch_bytes: int = BATCH_BYTES,
    max_event_bytes: int = MAX_EVENT_BYTES,
    max_event_fields: int = MAX_EVENT_FIELDS,
    limit: int | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Iterator[ReplayBatch]:
    """The events of an export, in batches; the last batch carries the summary.

    Raises OSError (:class:`~ami_console.files.regular.NotRegularFile` for a pipe, a
    device or a folder) when the file cannot be read. Stops after ``limit`` events (the
    summary then says the file holds more) or when ``cancelled()`` is true.
    """
    stop = cancelled or _never
    with open_regular(path) as file:
        size = os.fstat(file.fileno()).st_size
        start = file.read(CHUNK)
        chunks = _Chunks(file, len(start))
        start = start.removeprefix(_BOM)
        jsonl = start.lstrip().startswith(b"{")
        tally = _Tally("jsonl" if jsonl else "raw")
        end = _LINE_END if jsonl else _MESSAGE_END
        decode: Callable[[bytes, int], TimedEvent | str | None] = _from_json_line if jsonl else _from_message
        line = 1
        if not jsonl:
            first, _, rest = start.partition(b"\n")
            try:
                tally.greeting = parse_greeting(first.decode("utf-8", "replace")).line
                start, line = rest, 2
            except ProtocolError:
                pass  # no greeting: a hand-made file, or one exported without it

        too_big = f"over {size_text(max_event_bytes)}"
        batch: list[TimedEvent] = []
        held = shown = 0  # bytes of the events in the batch; bytes read when a batch was last given
        for item in chunks.units(start, line, end, max_event_bytes):
            if stop():
                tally.cancelled = True
                break
            if item is None:  # a chunk was read
                if chunks.read - shown >= PROGRESS_BYTES:
                    yield ReplayBatch(batch, chunks.read, size)
                    batch, held, shown = [], 0, chunks.read
                continue
            at_line, unit = item
            event = decode(unit, max_event_fields) if unit is not None else too_big
            if event is None:  # blank
                continue
            if isinstance(event, str):  # why it was skipped
                tally.skip(at_line, event)
                continue
            if tally.events == limit:
                tally.truncated = True
                break
            tally.add(event[0])
            batch.append(event)
            held += len(unit or b"")  # (never None here: it was an event)
            if len(batch) >= batch_events or held >= batch_bytes:
                yield ReplayBatch(batch, chunks.read, size)
                batch, held, shown = [], 0, chunks.read
        yield ReplayBatch(batch, chunks.read, size, tally.summary())


def _never() -> bool:
    return False


class _Chunks:
    """A file read a chunk at a time, cut into units (lines, or messages) at ``end``."""

    def __init__(self, file: BinaryIO, read: int) -> None:
        self.file = file
        self.read = read  # bytes read so far

    def units(
        self, start: bytes, line: int, end: re.Pattern[bytes], bound: int
    ) -> Iterator[tuple[int, bytes | None] | None]:
        """Each unit as ``(its first line, its bytes)``, its bytes None when over ``bound``;
        and None after each chunk read. Holds at most ``bound`` and a chunk: a unit past
        the bound is let go as it comes, and its end looked for in what follows."""
        buffer = bytearray(start)
        at = scan = 0  # where the unit under way starts; where to look for its end
        skipping = False  # the unit under way is over the bound: its bytes are let go
        let_go_lines = 0  # the lines of it let go
        while True:
            if not skipping:  # blank lines before a unit belong to none (and are stepped over at once)
                blank = _BLANKS.match(buffer, at)
                if blank is not None:  # always: it matches the empty string
                    line += buffer.count(b"\n", at, blank.end())
                    at = blank.end()
                    scan = max(scan, at)
            found = end.search(buffer, scan)
            if found is not None:
                done = found.end()
                yield line, None if skipping or done - at > bound else bytes(buffer[at:done])
                line += let_go_lines + buffer.count(b"\n", at, done)
                at = scan = done
                skipping, let_go_lines = False, 0
                continue
            del buffer[:at]
            at, scan = 0, max(0, len(buffer) - 2)  # an end may begin in the last two bytes
            if len(buffer) > bound:
                let_go = len(buffer) - 2
                let_go_lines += buffer.count(b"\n", 0, let_go)
                del buffer[:let_go]
                skipping, scan = True, 0
            data = self.file.read(CHUNK)
            if not data:
                if skipping or buffer:
                    yield line, None if skipping else bytes(buffer)
                return
            self.read += len(data)
            buffer += data
            yield None


def _from_json_line(line: bytes, max_fields: int) -> TimedEvent | str | None:
    """The event on a JSON line; None for a blank line; else why it is skipped."""
    if not line.strip():
        return None
    if _values_over(line, 3 * max_fields + 8):  # a field is a list of two strings
        return f"over {max_fields:,} headers"
    try:
        data = json.loads(line)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than json reads
        return NOT_JSON
    try:
        at, message = _event_from_json(data)
    except (TypeError, KeyError, AttributeError, ValueError, OverflowError):
        return NOT_AN_EVENT  # a half-written or foreign line: the rest still counts
    if len(message.fields) > max_fields or len(message.lines) > max_fields + 1:
        return f"over {max_fields:,} headers"
    return at, message


def _values_over(line: bytes, bound: int) -> bool:
    """Whether ``line`` holds over ``bound`` JSON values, counted without decoding it.

    json.loads makes an object of every value: a line of 600,000 tiny headers would make
    a million. Each value after the first in a list or object follows a comma, so the
    commas outside strings, and the strings, bound them (nesting without commas is
    bounded by json's recursion limit). Work: a count of commas, and at most ``bound``
    strings looked at.
    """
    commas = line.count(b",")
    if commas <= bound:
        return False
    for seen, string in enumerate(_JSON_STRING.finditer(line), 1):
        if seen > bound:
            return True
        commas -= line.count(b",", string.start(), string.end())
    return commas > bound


def _event_from_json(data: dict[str, Any]) -> TimedEvent:
    at = data.get("at")
    pairs = data["fields"]
    if not isinstance(pairs, list) or not all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in pairs
    ):
        raise TypeError("fields must be [key, value] pairs of strings")
    lines = data.get("lines")
    if lines is not None and not (isinstance(lines, list) and all(isinstance(x, str) for x in lines)):
        raise TypeError("lines must be strings")
    if at is not None and (isinstance(at, bool) or not isinstance(at, (int, float)) or not math.isfinite(at)):
        raise TypeError("at must be a number")
    return (float(at) if at is not None else None), Message([(k, v) for k, v in pairs], lines)


def _from_message(unit: bytes, max_fields: int) -> TimedEvent | str | None:
    """The message of raw AMI text; None for stray blank lines; else why it is skipped."""
    text = unit
    if not text.strip(b"\r\n"):
        return None
    if text.count(b"\n") > max_fields + 1:  # its lines, and the blank line that ends it
        return f"over {max_fields:,} headers"
    if not (text.endswith(b"\n\n") or text.endswith(b"\n\r\n")):  # the last, without its blank line
        text += b"\r\n" if text.endswith(b"\n") else b"\r\n\r\n"
    return None, Message.from_raw(text)


@dataclass(frozen=True)
class ReadResult:
    events: list[TimedEvent]
    summary: ReplaySummary


def read_events(path: Path, limit: int = DEFAULT_READ_LIMIT) -> ReadResult:
    """Every event of an export (at most ``limit``) at once: :func:`stream_events`
    gathered, for a file known to be small. Raises OSError when it cannot be read."""
    events: list[TimedEvent] = []
    for batch in stream_events(path, limit=limit):
        events += batch.events
        if batch.summary is not None:
            return ReadResult(events, batch.summary)
    raise AssertionError("the last batch carries the summary")  # pragma: no cover
