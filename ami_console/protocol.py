"""The AMI wire format as pure code over bytes: no sockets, no threads, no screens.

AMI frames like HTTP headers: ``Key: Value`` lines, and a blank line ends a message.
Two oddities matter: the server's first line is a bare greeting
(``Asterisk Call Manager/11.0.0``) with no blank line after it, and Asterisk 13 and
older answer ``Command`` with ``Response: Follows`` followed by raw CLI text (which may
hold colons and blank lines) up to a ``--END COMMAND--`` marker.

Use it like h11: hand bytes to :meth:`Parser.receive_data` as they arrive, then call
:meth:`Parser.next_message` until it returns ``None`` (it needs more bytes).
"""

from __future__ import annotations

import functools
import re
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, overload

__all__ = [
    "DEFAULT_MAX_LIST_BYTES",
    "DEFAULT_MAX_LIST_ITEMS",
    "DEFAULT_MAX_MESSAGE_SIZE",
    "EventList",
    "Fields",
    "Greeting",
    "Message",
    "Parser",
    "ProtocolError",
    "action_fields",
    "mask_secrets",
    "parse_greeting",
    "serialize_action",
]

DEFAULT_MAX_MESSAGE_SIZE = 16 * 1024 * 1024
DEFAULT_MAX_LIST_ITEMS = 100_000
DEFAULT_MAX_LIST_BYTES = 64 * 1024 * 1024
MAX_GREETING_SIZE = 4096
MASK = "********"
END_COMMAND = b"--END COMMAND--"

# A blank line ends a message: "\n" followed by an optional "\r" and "\n".
_MESSAGE_END = re.compile(rb"\n\r?\n")
_BLANKS = re.compile(rb"[\r\n]*")  # a run of stray blank lines, stepped over in one go
_FOLLOWS = re.compile(rb"response:[ \t]*follows[ \t]*\r?$", re.IGNORECASE)
_LEGACY_HEADER = re.compile(r"(?:privilege|actionid):", re.IGNORECASE)
# One field per line: the key up to the first colon, then the value after one optional
# space (more spaces belong to the value: indented Command output keeps its indent).
_FIELD = re.compile(r"^([^:\n]++):[ ]?+([^\n]*+)", re.MULTILINE)
_BANNER = re.compile(r"^(?P<product>(?:\S.*? )?Call Manager(?: Proxy)?)/(?P<version>\S+)\s*$")

#: What callers may pass as an action: a mapping (a list value repeats the key) or
#: (key, value) pairs in the order they should go out.
Fields = Mapping[str, Any] | Iterable[tuple[str, Any]]


class ProtocolError(Exception):
    """Bytes that cannot be AMI: a bad greeting, or a message over the size bound."""


class Greeting:
    """The server's first line, e.g. ``Asterisk Call Manager/11.0.0``."""

    __slots__ = ("line", "product", "version")

    def __init__(self, line: str, product: str, version: str) -> None:
        self.line = line
        self.product = product
        self.version = version

    def __repr__(self) -> str:
        return f"Greeting({self.line!r})"


def parse_greeting(line: str) -> Greeting:
    """Check a banner line; anything that is not ``<Name> Call Manager/<version>`` is refused."""
    match = _BANNER.match(line.rstrip("\r\n"))
    if match is None:
        raise ProtocolError("Unknown Protocol")
    return Greeting(match.group(0).rstrip(), match.group("product"), match.group("version"))


class Message(Mapping[str, str | list[str]]):
    """One AMI message: its ordered ``(key, value)`` fields, its text lines and raw bytes.

    As a mapping it has the Perl module's shape: ``message["Key"]`` is a ``str`` for a key
    seen once and a ``list[str]`` in arrival order for a key seen more than once, so
    ``dict(message)`` is the hashref the manual describes. Keys are exact there;
    :meth:`header` and :meth:`headers` look names up case-insensitively, as Asterisk does.

    ``lines`` holds every text line, including lines without a colon, which are not
    fields. ``raw`` is the exact bytes received, empty for a message the client made up.

    A received message (:meth:`from_raw`) is decoded on first use, and :meth:`header`
    reads the first line alone when it answers (``Event: Newchannel`` for ``name``), so
    a client skipping most of a busy PBX's events pays little for them. The first few
    look-ups of other keys search the text for that key alone; only a consumer reading
    more than that pays for splitting the message into all its fields.
    """

    __slots__ = ("_fields", "_lines", "raw", "_dict", "_decoding", "_first", "_index", "_searches")

    def __init__(self, fields: list[tuple[str, str]], lines: list[str] | None = None, raw: bytes = b"") -> None:
        self._fields: list[tuple[str, str]] | None = fields
        self._lines = lines if lines is not None else [f"{k}: {v}" for k, v in fields]
        self.raw = raw
        self._dict: dict[str, str | list[str]] | None = None
        self._decoding = ("utf-8", "replace")  # for received messages, see from_raw
        self._first: tuple[str, str] | None | bool = False  # False: not looked at yet
        self._index: dict[str, str] | None = None
        self._searches = 0

    @classmethod
    def from_raw(cls, raw: bytes, encoding: str = "utf-8", errors: str = "replace") -> Message:
        """The message whose exact bytes, blank line included, are ``raw``."""
        message = cls.__new__(cls)
        message.raw = raw
        # Decoded on first use: until then these hold None (see _decode).
        message._fields = message._lines = message._dict = message._index = None  # type: ignore[assignment]
        message._decoding = (encoding, errors)
        message._first = False
        message._searches = 0
        return message

    @property
    def fields(self) -> list[tuple[str, str]]:
        """The ``(key, value)`` pairs in arrival order."""
        if self._fields is None:
            self._fields = _FIELD.findall(self._text())
        return self._fields

    @property
    def lines(self) -> list[str]:
        """Every text line, without line ends."""
        if self._lines is None:
            lines = self._text().split("\n")
            lines.pop()  # the empty piece after the last line end
            self._lines = lines
        return self._lines

    def _body(self) -> str:
        """The received lines as text, line ends as they came; the blank line left out."""
        raw = self.raw
        return (raw[:-2] if raw.endswith(b"\n\r\n") else raw[:-1]).decode(*self._decoding)

    def _text(self) -> str:
        """The received lines as text, each ending with LF; the blank line left out."""
        return self._body().replace("\r\n", "\n")

    def _search(self, key: str, ignore_case: bool) -> list[str] | None:
        """Every value of ``key``, found by searching the message's text for that key alone,
        or None once searching no longer pays (the caller then splits the whole message).

        The same rule as :attr:`fields`: a line whose text up to its first colon is the key.
        The text keeps its CRLFs, so a value loses the CR its line end leaves on it.
        """
        if self._fields is not None or self._searches >= SEARCHES_BEFORE_SPLITTING:
            return None
        self._searches += 1
        # With a "\n" before the first line, the pattern can start with one: re jumps from
        # one "\n" to the next far faster than it tries "^" at every position.
        text = "\n" + self._body()
        values = []
        for found_key, value in _field_pattern(key, ignore_case).findall(text):
            # re's case folding is wider than str.lower() (it takes "ſ" for "s"): recheck.
            if not ignore_case or found_key.lower() == key:
                values.append(value[:-1] if value.endswith("\r") else value)
        return values

    def _first_field(self) -> tuple[str, str] | None:
        """The field on the first line, decoded alone (None if that line has no colon)."""
        if self._first is False:
            raw = self.raw
            line = raw[: raw.find(b"\n")].decode(*self._decoding)
            match = _FIELD.match(line[:-1] if line.endswith("\r") else line)
            self._first = match.groups() if match else None  # type: ignore[assignment]
        return self._first  # type: ignore[return-value]

    # -- the Perl hashref view -------------------------------------------------------
    def _as_dict(self) -> dict[str, str | list[str]]:
        if self._dict is None:
            fields = self.fields
            result: dict[str, str | list[str]] = dict(fields)
            if len(result) < len(fields):  # a key came more than once: keep every value
                result = {}
                for key, value in fields:
                    seen = result.get(key)
                    if seen is None:
                        result[key] = value
                    elif isinstance(seen, list):
                        seen.append(value)
                    else:
                        result[key] = [seen, value]
            self._dict = result
        return self._dict

    def __getitem__(self, key: str) -> str | list[str]:
        if self._dict is None and _can_be_key(key) and (values := self._search(key, False)) is not None:
            if not values:
                raise KeyError(key)
            return values[0] if len(values) == 1 else values
        return self._as_dict()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._as_dict())

    def __len__(self) -> int:
        return len(self._as_dict())

    def to_dict(self) -> dict[str, str | list[str]]:
        """A plain dict copy in the Perl module's format (lists copied too)."""
        return {k: list(v) if isinstance(v, list) else v for k, v in self._as_dict().items()}

    # -- case-insensitive look-ups ---------------------------------------------------
    @overload
    def header(self, name: str) -> str | None: ...
    @overload
    def header(self, name: str, default: str) -> str: ...
    def header(self, name: str, default: str | None = None) -> str | None:
        """The first value of header ``name`` (any case), or ``default``."""
        name = name.lower()
        if self._fields is None and (first := self._first_field()) and first[0].lower() == name:
            return first[1]
        if self._index is None and _can_be_key(name) and name.isascii():
            # Only an ASCII name: then str.lower() and re's case folding agree on what may match.
            values = self._search(name, True)
            if values is not None:
                return values[0] if values else default
        if self._index is None:
            # Keys in lower case, each with its first value (reversed: the first one wins).
            self._index = {key.lower(): value for key, value in reversed(self.fields)}
        return self._index.get(name, default)

    def headers(self, name: str) -> list[str]:
        """Every value of header ``name`` (any case), in arrival order."""
        name = name.lower()
        return [value for key, value in self.fields if key.lower() == name]

    @property
    def is_event(self) -> bool:
        return self.header("Event") is not None

    @property
    def is_response(self) -> bool:
        """A reply to an action. ``OriginateResponse`` and the like are events, not this."""
        return not self.is_event and self.header("Response") is not None

    @property
    def name(self) -> str:
        """The event name, or the response status (``Success``, ``Error``, ``Goodbye``...)."""
        return self.header("Event") or self.header("Response") or ""

    @property
    def action_id(self) -> str | None:
        return self.header("ActionID")

    def text(self) -> str:
        """The message as wire text (lines joined with CRLF, blank line included)."""
        return "".join(line + "\r\n" for line in self.lines) + "\r\n"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Message):
            return self.fields == other.fields
        return super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Message({self.fields!r})"


class EventList:
    """The items of one event list, gathered within bounds.

    An action such as ``CoreShowChannels`` is answered with a response saying
    ``EventList: start`` (see :meth:`starts`), then one event per item carrying the action's
    ActionID, then one saying ``EventList: Complete``. A server that never sends that last
    one must not take unbounded memory: past ``max_items`` items or ``max_bytes`` bytes the
    list stops with :attr:`error` set, and the item that crossed the bound is not kept.
    Time is the caller's: when its deadline passes, it words the error with
    :meth:`incomplete`, e.g. ``incomplete("timed out after 2 s")``.
    """

    def __init__(
        self,
        action_id: str,
        *,
        max_items: int = DEFAULT_MAX_LIST_ITEMS,
        max_bytes: int = DEFAULT_MAX_LIST_BYTES,
    ) -> None:
        self.action_id = action_id
        self.max_items = max_items
        self.max_bytes = max_bytes
        self.items: list[Message] = []  # the last one included once complete
        self.size = 0  # bytes of the items kept
        self.complete = False
        self.error: str | None = None  # why the list stopped before its end

    @staticmethod
    def starts(response: Message) -> bool:
        """True for a response announcing an event list."""
        return (response.header("EventList") or "").lower() == "start"

    @property
    def done(self) -> bool:
        return self.complete or self.error is not None

    def add(self, message: Message) -> bool:
        """Keep ``message`` if it is this list's next item (True); False for anything else,
        and for everything once the list is :attr:`done`."""
        if self.done or not (message.is_event and message.action_id == self.action_id):
            return False
        if len(self.items) >= self.max_items:
            self.error = self.incomplete(f"over the {self.max_items}-item limit")
        elif self.size + len(message.raw) > self.max_bytes:
            self.error = self.incomplete(f"over the {self.max_bytes}-byte limit")
        if self.error is not None:
            return True  # it was this list's, though not kept
        self.items.append(message)
        self.size += len(message.raw)
        ending = (message.header("EventList") or "").lower()
        self.complete = ending in ("complete", "cancelled") or (not ending and message.name.endswith("Complete"))
        return True

    def incomplete(self, reason: str) -> str:
        """The error for a list stopped before its end: ``Event list incomplete: <reason>,
        <n> items received``."""
        count = len(self.items)
        return f"Event list incomplete: {reason}, {count} item{'' if count == 1 else 's'} received"


class Parser:
    """Incremental AMI parser: bytes in, :class:`Message` objects out.

    Frames on bytes first and decodes each whole message afterwards, so a multi-byte
    character split across reads is never lost. Accepts CRLF and bare LF line ends,
    ``Key:Value`` without the space, empty values, and stray blank lines between
    messages. A message larger than ``max_message_size`` raises :class:`ProtocolError`
    once; the parser then skips the rest of that message and carries on.

    With ``greeting=True`` the first line is read as the server's banner (see
    :meth:`read_greeting`) before any message.

    Speed: a busy PBX sends thousands of events a second, and per-message work in Python
    is what limits a client. So when the whole messages waiting in the buffer are plain
    (CRLF line ends only, no legacy Command output, none over the bound), they are framed
    in one pass (:meth:`_frame_plain`); anything else goes through the general path, one
    message at a time. Both give the same messages; messages are decoded on first use.
    """

    def __init__(
        self,
        *,
        greeting: bool = False,
        encoding: str = "utf-8",
        errors: str = "replace",
        max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
    ) -> None:
        self.encoding = encoding
        self.errors = errors
        self.max_message_size = max_message_size
        self.greeting: Greeting | None = None
        self._want_greeting = greeting
        self._buffer = bytearray()
        self._start = 0  # where the next unconsumed byte is
        self._scan = 0  # how far the search for a message end has got
        self._skipping = False  # inside an oversized message, dropping bytes
        self._ready: deque[Message] = deque()  # framed, not yet returned
        self._general_until = 0  # bytes before this go through the general path
        self._plain_scan = 0  # the plain framer found no message end before this
        # The first line of the message at _line_start: searched up to _line_scan (its end
        # once found), and whether it is a legacy "Response: Follows" (None: not known yet).
        self._line_start = -1
        self._line_scan = 0
        self._line_follows: bool | None = None

    @property
    def buffered(self) -> int:
        """Bytes received but not yet part of a returned message."""
        return len(self._buffer) - self._start + sum(len(m.raw) for m in self._ready)

    @property
    def in_message(self) -> bool:
        """True when bytes of an unfinished message (or greeting) are waiting."""
        rest = self._buffer[self._start :]
        return bool(rest.strip(b"\r\n")) or self._skipping

    def receive_data(self, data: bytes) -> None:
        """Add bytes from the wire. Cheap; parsing happens in :meth:`next_message`."""
        start = self._start
        if start and (start == len(self._buffer) or start > 65536):
            del self._buffer[:start]
            self._scan = max(0, self._scan - start)
            self._general_until = max(0, self._general_until - start)
            self._plain_scan = max(0, self._plain_scan - start)
            self._line_start = -1
            self._start = 0
        self._buffer += data

    def read_greeting(self) -> Greeting | None:
        """Return the banner once its line is complete (``None`` until then).

        Raises :class:`ProtocolError` ("Unknown Protocol") if the first line is not an
        AMI banner, or if no line end came within the first few kilobytes.
        """
        if not self._want_greeting:
            return self.greeting
        buf = self._buffer
        end = buf.find(b"\n", self._start)
        if end < 0:
            if len(buf) - self._start > MAX_GREETING_SIZE:
                raise ProtocolError("Unknown Protocol")
            return None
        line = bytes(buf[self._start : end]).decode(self.encoding, self.errors)
        self._start = self._scan = end + 1
        self._want_greeting = False
        self.greeting = parse_greeting(line)
        return self.greeting

    def next_message(self) -> Message | None:
        """Return the next complete message, or ``None`` if more bytes are needed."""
        if self._ready:
            return self._ready.popleft()
        if self._want_greeting and self.read_greeting() is None:
            return None
        if self._skipping:
            self._skip_oversized()
            if self._skipping:
                return None
        buf = self._buffer
        # Stray blank lines between messages are not messages.
        blanks = _BLANKS.match(buf, self._start)  # always matches, if only the empty string
        start = blanks.end() if blanks else self._start
        if start == len(buf) and start > self._start and buf[start - 1] == 13:
            start -= 1  # a lone "\r" last: wait to see whether "\n" follows
        self._start = start
        if start >= self._general_until:
            self._frame_plain()
            if self._ready:
                return self._ready.popleft()
        self._scan = max(self._scan, start)
        first_end = self._first_line_end(start)
        if first_end < 0:
            self._check_size(len(buf) - start)
            return None
        if self._line_follows is None:
            self._line_follows = _FOLLOWS.match(buf, start, first_end) is not None
        if self._line_follows:
            return self._next_legacy_command(first_end + 1)
        match = _MESSAGE_END.search(buf, self._scan)
        if match is None:
            self._scan = max(start, len(buf) - 2)
            self._check_size(len(buf) - start)
            return None
        end = match.end()
        self._start = self._scan = end
        if end - start > self.max_message_size:
            raise self._oversized()
        return Message.from_raw(bytes(buf[start:end]), self.encoding, self.errors)

    def _first_line_end(self, start: int) -> int:
        """Where the first line of the message at ``start`` ends (-1: not here yet).

        Remembers how far it looked, so a long line arriving in pieces is scanned once.
        """
        if self._line_start != start:
            self._line_start, self._line_scan, self._line_follows = start, start, None
        end = self._buffer.find(b"\n", self._line_scan)
        self._line_scan = len(self._buffer) if end < 0 else end
        return end

    def _frame_plain(self) -> None:
        """Queue every whole message waiting in the buffer, in one pass, if they are plain.

        Plain: every LF comes after a CR, no ``follows`` anywhere (so no legacy Command
        output), no message over the bound. There a message ends at each CRLF CRLF, and
        bytes.split finds them all at C speed. Otherwise the general path takes over until
        past these bytes.
        """
        buf = self._buffer
        start = self._start
        last = buf.rfind(b"\r\n\r\n", max(start, self._scan - 3, self._plain_scan - 3))
        if last < 0:
            self._plain_scan = len(buf)  # look at new bytes only next time
            return
        end = last + 4
        region = bytes(buf[start:end])
        if region.count(b"\n") != region.count(b"\r\n") or b"follows" in region.lower():
            self._general_until = end
            return
        encoding, errors, limit = self.encoding, self.errors, self.max_message_size
        ready = self._ready
        for piece in region.split(b"\r\n\r\n"):
            text = piece.lstrip(b"\r\n")  # stray blank lines are not messages
            if len(text) + 4 > limit:
                break  # the general path raises for it, then carries on
            if text:
                ready.append(Message.from_raw(text + b"\r\n\r\n", encoding, errors))
            start += len(piece) + 4
        self._start = self._scan = min(start, end)

    # -- legacy "Response: Follows" command output -------------------------------------
    def _next_legacy_command(self, body: int) -> Message | None:
        """Frame Asterisk 13's raw Command output, ending at ``--END COMMAND--``."""
        buf = self._buffer
        start = self._start
        marker = buf.find(END_COMMAND, max(self._scan, body))
        if marker < 0:
            self._scan = max(body, len(buf) - len(END_COMMAND))
            self._check_size(len(buf) - start)
            return None
        line_end = buf.find(b"\n", marker)
        if line_end < 0:
            self._scan = marker
            self._check_size(len(buf) - start)
            return None
        end = line_end + 1
        # The blank line after the marker belongs to this message.
        if end < len(buf) and buf[end] == 13:
            if end + 1 >= len(buf):
                self._scan = marker
                return None
            if buf[end + 1] == 10:
                end += 2
        elif end < len(buf) and buf[end] == 10:
            end += 1
        elif end >= len(buf):
            self._scan = marker
            return None
        self._start = self._scan = end
        if end - start > self.max_message_size:
            raise self._oversized()
        first = buf[start:body].decode(self.encoding, self.errors).rstrip("\r\n")
        fields = _fields([first])
        lines = [first]
        rest = buf[body:marker].decode(self.encoding, self.errors).replace("\r\n", "\n")
        output = rest.split("\n")
        tail = output.pop()  # text glued to the marker, if any
        if tail:
            output.append(tail)
        while output and _LEGACY_HEADER.match(output[0]):
            header = output.pop(0)
            lines.append(header)
            fields.extend(_fields([header]))
        lines.extend(output)
        lines.append(END_COMMAND.decode())
        fields.extend(("Output", line) for line in output)
        return Message(fields, lines, bytes(buf[start:end]))

    # -- the size bound ---------------------------------------------------------------
    def _check_size(self, size: int) -> None:
        if size > self.max_message_size:
            self._skipping = True
            raise self._oversized()

    def _oversized(self) -> ProtocolError:
        return ProtocolError(f"message larger than the {self.max_message_size}-byte limit; it was skipped")

    def _skip_oversized(self) -> None:
        buf = self._buffer
        self._line_start = -1
        match = _MESSAGE_END.search(buf, max(self._start, self._scan - 2))
        if match is None:
            # Keep only the last two bytes: they may be the start of the blank line.
            keep = buf[-2:]
            buf.clear()
            buf += keep
            self._start = 0
            self._scan = 0
            self._plain_scan = 0
            return
        self._start = self._scan = match.end()
        self._skipping = False


SEARCHES_BEFORE_SPLITTING = 2


def _can_be_key(key: object) -> bool:
    return isinstance(key, str) and key != "" and ":" not in key and "\n" not in key


@functools.lru_cache(maxsize=512)
def _field_pattern(key: str, ignore_case: bool) -> re.Pattern[str]:
    return re.compile(rf"\n({re.escape(key)}):[ ]?+([^\n]*+)", re.IGNORECASE if ignore_case else 0)


def _fields(lines: list[str]) -> list[tuple[str, str]]:
    return _FIELD.findall("\n".join(lines))


# -- actions: mapping -> bytes ---------------------------------------------------------
SECRET_HEADERS = frozenset({"secret"})
LOGIN_SECRET_HEADERS = frozenset({"secret", "key"})


def _text(key: str, value: Any) -> str:
    if value is None:
        raise ValueError(f"Value of {key!r} is None")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def action_fields(fields: Fields) -> list[tuple[str, str]]:
    """Check an action and flatten it to ``(key, value)`` pairs with ``Action`` first.

    A list or tuple value becomes one pair per element, in order. Raises ``ValueError``
    for an empty key, a key holding ``:``, a key or value holding CR or LF, or a
    missing or empty ``Action``. Error messages never quote values (they may be secrets).
    """
    items = fields.items() if isinstance(fields, Mapping) else fields
    pairs: list[tuple[str, str]] = []
    for key, value in items:
        if not isinstance(key, str) or not key.strip():
            raise ValueError(f"Empty header name: {key!r}")
        if "\r" in key or "\n" in key:
            raise ValueError(f"Header name {key!r} holds a line break")
        if ":" in key:
            raise ValueError(f"Header name {key!r} holds a colon")
        values = value if isinstance(value, (list, tuple)) else [value]
        for one in values:
            text = _text(key, one)
            if "\r" in text or "\n" in text:
                raise ValueError(f"Value of {key!r} holds a line break; AMI values are one line")
            pairs.append((key, text))
    actions = [i for i, (key, _) in enumerate(pairs) if key.lower() == "action"]
    if not actions or not pairs[actions[0]][1].strip():
        raise ValueError("Required parameter 'Action' not defined")
    first = pairs.pop(actions[0])
    return [first, *pairs]


def serialize_action(fields: Fields, action_id: str | None = None, *, encoding: str = "utf-8") -> bytes:
    """Turn an action into wire bytes: ``Action`` first, then ``ActionID`` if given,
    then the caller's fields in order, then the blank line."""
    pairs = action_fields(fields)
    if action_id is not None:
        pairs.insert(1, ("ActionID", action_id))
    text = "".join(f"{k}: {v}\r\n" for k, v in pairs) + "\r\n"
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        pass  # raised below, outside this block: the UnicodeEncodeError holds the text
    raise ValueError(_unencodable(pairs, encoding))


def _unencodable(pairs: list[tuple[str, str]], encoding: str) -> str:
    """Which field cannot be encoded, in words that never quote a value (it may be a secret)."""
    for key, value in pairs:
        for text, words in ((key, f"Header name {key!r}"), (value, f"Value of {key!r}")):
            try:
                text.encode(encoding)
            except UnicodeEncodeError:
                return f"{words} cannot be encoded as {encoding}"
    return f"The action cannot be encoded as {encoding}"


def mask_secrets(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Replace secret values with ``********`` for transcripts, previews and history.

    ``Secret`` is masked everywhere; ``Key`` only in ``Login``, where it is the MD5
    digest of the secret (elsewhere, as in ``DBGet``, it is an ordinary name).
    """
    # Names compared as Asterisk reads them: any case, blanks around them ignored.
    is_login = any(k.strip().lower() == "action" and v.strip().lower() == "login" for k, v in pairs)
    hidden = LOGIN_SECRET_HEADERS if is_login else SECRET_HEADERS
    return [(k, MASK if k.strip().lower() in hidden else v) for k, v in pairs]
