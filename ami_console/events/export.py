"""The event log to files and back: JSON Lines, raw AMI text, and the wire transcript.

**JSON Lines** (``.jsonl``): one object per event, in order::

    {"seq": 12, "at": 1795660004.25, "fields": [["Event", "VarSet"], ["Channel", "..."],
     ["Variable", "FOO"], ["Value", "bar"]]}

``at`` is the arrival time (Unix seconds, ``null`` when unknown), ``fields`` the headers
in order with repeated keys kept; ``lines`` is added, holding every text line, only
when the message had lines that are not ``Key: Value`` fields (so they survive).

**Raw AMI text** (``.txt``): each message's bytes exactly as received, blank line
included (:attr:`Message.raw`; a message the client made up is written as its text),
optionally after the server's greeting line: what a capture of the wire looks like.

:func:`read_events` reads either back (it tells them apart by the first character) as
``(arrival time, Message)`` pairs. Raw AMI text records no arrival times, so there they
are ``None``: the file's modification time would claim every event arrived at once,
when the export was made. (A call trace still has times if the server stamped its
events: see :mod:`ami_console.calls.trace`.) Reading stops after ``limit`` events and
says so, so a huge file cannot exhaust memory; a greeting line, a missing final blank
line and unreadable lines are tolerated.

Events carry no secrets of ours, so they are written as they are. A transcript does
carry the actions sent, so :func:`save_transcript` masks the ``Secret`` (and a Login's
MD5 ``Key``) of every message in it, whatever its source did.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from ami_console.events.timed import EventLike, TimedEvent, as_timed
from ami_console.files.atomic import atomic_writer
from ami_console.protocol import MASK, Message, Parser, ProtocolError, mask_secrets, parse_greeting

__all__ = [
    "DEFAULT_READ_LIMIT",
    "ReadResult",
    "mask_transcript",
    "read_events",
    "save_transcript",
    "write_jsonl",
    "write_raw",
]

DEFAULT_READ_LIMIT = 100_000
CHUNK = 1 << 16
MAX_LINE = 16 << 20  # as the parser's bound on one message
_BOM = b"\xef\xbb\xbf"


def write_jsonl(path: Path, events: Iterable[EventLike]) -> int:
    """Write events as JSON Lines; returns how many. Raises OSError (the file is untouched)."""
    count = 0
    with atomic_writer(path) as file:
        for item in events:
            at, message = as_timed(item)
            data: dict[str, Any] = {
                "seq": getattr(item, "seq", count + 1),
                "at": at,
                "fields": [list(pair) for pair in message.fields],
            }
            if message.lines != [f"{k}: {v}" for k, v in message.fields]:
                data["lines"] = message.lines
            line = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
            file.write(line.encode("utf-8", "replace") + b"\n")
            count += 1
    return count


def write_raw(path: Path, events: Iterable[EventLike], greeting: str | None = None) -> int:
    """Write events as raw AMI text, after ``greeting`` if given; returns how many."""
    count = 0
    with atomic_writer(path) as file:
        if greeting:
            file.write(greeting.rstrip("\r\n").encode("utf-8", "replace") + b"\r\n")
        for item in events:
            message = as_timed(item)[1]
            file.write(message.raw or message.text().encode("utf-8", "replace"))
            count += 1
    return count


@dataclass
class ReadResult:
    events: list[TimedEvent] = field(default_factory=list)
    format: str = "raw"  # "jsonl" or "raw"
    greeting: str | None = None  # the raw file's first line, if it was a greeting
    truncated: bool = False  # stopped at the limit: the file holds more
    skipped: int = 0  # lines or messages that could not be read

    @property
    def summary(self) -> str:
        """One sentence for the status line: what was read and what was not."""
        kind = "a JSON Lines export" if self.format == "jsonl" else "raw AMI text"
        text = f"{len(self.events):,} events from {kind}"
        if self.truncated:
            text += f"; stopped after the first {len(self.events):,}, the file holds more"
        if self.skipped:
            text += f"; {self.skipped:,} unreadable {'lines' if self.format == 'jsonl' else 'messages'} skipped"
        return text


def read_events(path: Path, limit: int = DEFAULT_READ_LIMIT) -> ReadResult:
    """Read an export (JSON Lines or raw AMI text, told apart by its first character).

    Returns at most ``limit`` events. Raises OSError when the file cannot be read.
    """
    with open(path, "rb") as file:
        start = file.read(CHUNK)
        text = start[len(_BOM) :] if start.startswith(_BOM) else start
        if text.lstrip().startswith(b"{"):
            return _read_jsonl(file, text, limit)
        return _read_raw(file, text, limit)


def _read_jsonl(file: BinaryIO, start: bytes, limit: int) -> ReadResult:
    result = ReadResult(format="jsonl")
    for line in _lines(file, start):
        if line is None:
            result.skipped += 1
            continue
        if not line.strip():
            continue
        try:
            event = _event_from_json(json.loads(line))
        except (ValueError, TypeError, KeyError, AttributeError):
            result.skipped += 1  # a half-written or foreign line: the rest still counts
            continue
        if len(result.events) == limit:
            result.truncated = True
            break
        result.events.append(event)
    return result


def _lines(file: BinaryIO, start: bytes) -> Iterator[bytes | None]:
    """The file's lines, ``start`` being its first bytes; None for a line over MAX_LINE."""
    buffer = bytearray(start)
    skipping = False  # inside an overlong line, dropping it
    while True:
        newline = buffer.find(b"\n")
        if newline >= 0:
            line = bytes(buffer[: newline + 1])
            del buffer[: newline + 1]
            yield None if skipping or len(line) > MAX_LINE else line
            skipping = False
            continue
        if len(buffer) > MAX_LINE:
            buffer.clear()
            skipping = True
        chunk = file.read(CHUNK)
        if not chunk:
            if buffer or skipping:
                yield None if skipping else bytes(buffer)
            return
        buffer += chunk


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
    if at is not None and (isinstance(at, bool) or not isinstance(at, (int, float))):
        raise TypeError("at must be a number")
    return (float(at) if at is not None else None), Message([(k, v) for k, v in pairs], lines)


def _read_raw(file: BinaryIO, start: bytes, limit: int) -> ReadResult:
    result = ReadResult(format="raw")
    first_line = start.split(b"\n", 1)[0].decode("utf-8", "replace")
    try:
        result.greeting = parse_greeting(first_line).line
    except ProtocolError:
        pass
    parser = Parser(greeting=result.greeting is not None)
    chunk, ended = start, False
    while True:
        parser.receive_data(chunk)
        while True:
            try:
                message = parser.next_message()
            except ProtocolError:  # a message over the size bound: skipped
                result.skipped += 1
                continue
            if message is None:
                break
            if len(result.events) == limit:
                result.truncated = True
                return result
            result.events.append((None, message))
        if ended:
            return result
        chunk = file.read(CHUNK)
        if not chunk:
            # A last message may lack its blank line (a hand-made or cut file).
            chunk, ended = b"\r\n\r\n", True


# -- transcripts -------------------------------------------------------------------------
_DIRECTION = re.compile(r"^(>> ?|<< ?)(.*)$", re.DOTALL)
_LOOSE_SECRET = re.compile(r"(?i)(\bsecret\s*:\s*)\S.*")


def mask_transcript(lines: Iterable[str]) -> list[str]:
    """The lines with every secret value masked.

    ``>> `` and ``<< `` lines are grouped into messages (a blank line or a change of
    direction ends one), and each message is masked as
    :func:`~ami_console.protocol.mask_secrets` does: ``Secret`` always, ``Key`` when
    the message is a Login. Any other line has a ``secret: ...`` value masked.
    """
    out: list[str] = []
    message: list[tuple[str, str]] = []  # (prefix, body) of the message being read

    def flush() -> None:
        pairs = [(body.partition(":")[0].strip(), body.partition(":")[2].strip()) for _, body in message]
        masked = mask_secrets(pairs)
        for (prefix, body), (key, value), (_, shown) in zip(message, pairs, masked):
            secret = ":" in body and shown == MASK and value not in ("", MASK)
            out.append(f"{prefix}{key}: {MASK}" if secret else prefix + body)
        message.clear()

    for raw in lines:
        line = raw.rstrip("\r\n")
        match = _DIRECTION.match(line)
        if match is None:
            flush()
            out.append(_LOOSE_SECRET.sub(lambda m: m.group(1) + MASK, line))
            continue
        prefix, body = match.groups()
        if message and message[0][0].strip() != prefix.strip():
            flush()
        message.append((prefix, body))
        if not body.strip():
            flush()
    flush()
    return out


def save_transcript(path: Path, lines: Iterable[str]) -> int:
    """Write a transcript (``>> ``/``<< `` lines), secrets masked; returns the line count."""
    masked = mask_transcript(lines)
    with atomic_writer(path) as file:
        file.write("".join(line + "\n" for line in masked).encode("utf-8", "replace"))
    return len(masked)
