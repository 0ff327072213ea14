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

:mod:`.replay` reads either back (it tells them apart by the first character), in
bounded batches of ``(arrival time, Message)`` pairs: :func:`~.replay.stream_events`,
or :func:`read_events` for all at once. Raw AMI text records no arrival times, so there
they are ``None``: the file's modification time would claim every event arrived at once,
when the export was made. (A call trace still has times if the server stamped its
events: see :mod:`ami_console.calls.trace`.)

Events carry no secrets of ours, so they are written as they are. A transcript does
carry the actions sent, so :func:`save_transcript` masks the ``Secret`` (and a Login's
MD5 ``Key``) of every message in it, whatever its source did.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

# Reading back is :mod:`.replay`'s; named here too, where the console imports it from.
from ami_console.events.replay import DEFAULT_READ_LIMIT, ReadResult, read_events
from ami_console.events.timed import EventLike, as_timed
from ami_console.files.atomic import atomic_writer
from ami_console.protocol import MASK, mask_secrets

__all__ = [
    "DEFAULT_READ_LIMIT",
    "ReadResult",
    "mask_transcript",
    "read_events",
    "save_transcript",
    "write_jsonl",
    "write_raw",
]


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
