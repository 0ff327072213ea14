"""Read the Asterisk 22 wire captures copied into tests/fixtures/asterisk/.

Each scenario NAME has NAME.txt (bytes received from Asterisk), NAME.sent.txt (bytes
the client sent) and NAME.transcript.txt (both, interleaved, with time stamps and
exact byte counts), see that folder's README.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ami_console.protocol import Message, Parser

FIXTURES = Path(__file__).parent / "fixtures" / "asterisk"
SCENARIOS = sorted(p.name[: -len(".transcript.txt")] for p in FIXTURES.glob("*.transcript.txt"))

_STEP = re.compile(
    rb"\[ *(?P<at>[\d.]+)\] (?:<<< RECV (?P<recv>\d+) bytes|>>> SENT (?P<sent>\d+) bytes"
    rb"|(?P<eof><<< EOF).*|--- (?P<note>.*))\n"
)


@dataclass
class Step:
    kind: str  # "recv", "sent", "eof" or "note"
    at: float
    data: bytes = b""


def received(name: str) -> bytes:
    return (FIXTURES / f"{name}.txt").read_bytes()


def sent(name: str) -> bytes:
    return (FIXTURES / f"{name}.sent.txt").read_bytes()


def transcript(name: str) -> list[Step]:
    data = (FIXTURES / f"{name}.transcript.txt").read_bytes()
    steps, pos = [], 0
    while pos < len(data):
        match = _STEP.match(data, pos)
        if match is None:
            raise ValueError(f"{name}: cannot read transcript at byte {pos}")
        pos = match.end()
        at = float(match["at"])
        for kind in ("recv", "sent"):
            if match[kind]:
                size = int(match[kind])
                steps.append(Step(kind, at, data[pos : pos + size]))
                pos += size
        if match["eof"]:
            steps.append(Step("eof", at))
        elif match["note"] is not None:
            steps.append(Step("note", at, match["note"]))
    return steps


def parse(chunks, **options) -> tuple[Parser, list[Message]]:
    """Feed ``chunks`` to a new parser; the parser and every message it gave."""
    parser = Parser(**options)
    messages = []
    for chunk in chunks:
        parser.receive_data(chunk)
        while (message := parser.next_message()) is not None:
            messages.append(message)
    return parser, messages


def capture_messages(name: str) -> list[Message]:
    """The messages Asterisk sent in capture ``name``, greeting aside."""
    return parse([received(name)], greeting=True)[1]
