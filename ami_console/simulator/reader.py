"""How Asterisk reads requests: the server side of the framing, sans I/O.

The client-side :class:`ami_console.protocol.Parser` is lenient in the ways a client
should be; Asterisk the server is different, and clients depend on the differences:

* every blank line ends a request, so a bare blank line is an empty request (answered
  with ``Missing action in request``), and lines without a colon are kept as headers
  that simply never match a name;
* a header is found by a case-insensitive name followed at once by ``:``; the value
  loses its leading blanks (anything below ``!``) but keeps trailing ones;
* lines end with CRLF or a bare LF; a lone CR stays in the line;
* the line buffer holds 1024 bytes: a longer line is thrown away, and the request it
  belongs to is answered ``Failed to parse message: line too long``;
* a request may hold 128 lines; past that it is answered with an error too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..protocol import Message

LINE_BUFFER = 1024  # Asterisk's inbuf is 1025 bytes, one kept for the terminating NUL
MAX_HEADERS = 128

LINE_TOO_LONG = "Failed to parse message: line too long"
TOO_MANY_LINES = "Too many lines in message or allocation failure"


def decode(data: bytes) -> str:
    """Bytes to text that encodes back to the same bytes (see :func:`encode`)."""
    return data.decode("utf-8", "surrogateescape")


def encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def _skip_blanks(text: str) -> str:
    index = 0
    while index < len(text) and ord(text[index]) < 33:
        index += 1
    return text[index:]


@dataclass
class Request:
    """One request as Asterisk sees it: its header lines, and a parse error if any."""

    lines: list[str] = field(default_factory=list)
    raw: bytes = b""
    error: str | None = None  # set when Asterisk answers the request with this error

    def header(self, name: str, *, skip_empty: bool = False) -> str:
        """The first value of ``name`` (any case), or ``""``: Asterisk's astman_get_header."""
        size = len(name)
        lowered = name.lower()
        for line in self.lines:
            if line[:size].lower() == lowered and line[size : size + 1] == ":":
                value = _skip_blanks(line[size + 1 :])
                if skip_empty and not value:
                    continue
                return value
        return ""

    def headers(self, name: str) -> list[str]:
        """Every value of ``name``, in order (``Variable:`` may repeat)."""
        size = len(name)
        lowered = name.lower()
        return [
            _skip_blanks(line[size + 1 :])
            for line in self.lines
            if line[:size].lower() == lowered and line[size : size + 1] == ":"
        ]

    @property
    def action(self) -> str:
        return self.header("Action", skip_empty=True)

    @property
    def action_id(self) -> str:
        return self.header("ActionID")

    def to_message(self) -> Message:
        """The request as a :class:`~ami_console.protocol.Message` (for logs and tests)."""
        fields = []
        for line in self.lines:
            key, colon, value = line.partition(":")
            if colon and key:
                fields.append((key, _skip_blanks(value)))
        return Message(fields, list(self.lines), self.raw)


class RequestReader:
    """Feed bytes, take :class:`Request` objects, exactly as Asterisk's get_input/do_message.

    Bytes wait in ``pending`` and move into Asterisk's 1024-byte line buffer in pieces no
    larger than the room left in it, so where a long line gets cut does not depend on how
    TCP split it. Requests are parsed one at a time, when asked for: a flood of input
    costs nothing until it is read, and the caller bounds ``pending`` (as Asterisk lets
    the kernel hold what it has not read yet).
    """

    def __init__(self) -> None:
        self._pending = bytearray()
        self._buffer = bytearray()
        self._lines: list[str] = []
        self._raw = bytearray()
        self._too_long = False
        self._lost_lines = False

    @property
    def pending(self) -> int:
        """Bytes received and not yet taken into a request."""
        return len(self._pending)

    def receive(self, data: bytes) -> None:
        self._pending += data

    def next_request(self) -> Request | None:
        """The next complete request, or ``None`` until more bytes arrive."""
        while True:
            request = self._take_lines()
            if request is not None:
                return request
            if len(self._buffer) >= LINE_BUFFER:
                # No line end in a full buffer: Asterisk drops it all but the last byte
                # (it may be the CR of a CRLF) and remembers the request is spoilt.
                del self._buffer[:-1]
                self._too_long = True
            if not self._pending:
                return None
            room = LINE_BUFFER - len(self._buffer)
            piece = self._pending[:room]
            del self._pending[:room]
            self._buffer += piece
            self._raw += piece

    def feed(self, data: bytes) -> list[Request]:
        """Every request ``data`` completes (for tests and tools; sessions pull one at a time)."""
        self.receive(data)
        return list(iter(self.next_request, None))

    def _take_lines(self) -> Request | None:
        """Move whole lines from the buffer into the request until one ends."""
        buffer = self._buffer
        while True:
            end, size = _line_end(buffer)
            if end < 0:
                return None
            line = bytes(buffer[:end]).split(b"\0", 1)[0]  # C strings stop at NUL
            del buffer[: end + size]
            if line:
                if len(self._lines) < MAX_HEADERS:
                    self._lines.append(decode(line))
                else:
                    self._lost_lines = True
                continue
            raw_end = len(self._raw) - len(buffer)
            request = Request(self._lines, bytes(self._raw[:raw_end]))
            del self._raw[:raw_end]
            if self._lost_lines:
                request.error = TOO_MANY_LINES
            elif self._too_long:
                request.error = LINE_TOO_LONG
            self._lines = []
            self._too_long = self._lost_lines = False
            return request


def _line_end(buffer: bytearray) -> tuple[int, int]:
    """Where the first line ends and how long its terminator is (CRLF or LF)."""
    newline = buffer.find(b"\n")
    if newline < 0:
        return -1, 0
    if newline > 0 and buffer[newline - 1] == 13:
        return newline - 1, 2
    return newline, 1
