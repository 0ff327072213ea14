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

import re
from collections import deque
from collections.abc import ItemsView, Iterable, Iterator, Mapping, ValuesView
from itertools import repeat
from typing import Any, overload

__all__ = [
    "DEFAULT_MAX_HEADERS",
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
# Lines in one message. Decoded, a line costs some 250 bytes whatever its length (see
# Message.cost), so a message of tiny lines under the byte bound could cost 20 to 50 times
# its size. Real answers have long lines: Command output is an "Output: " header per CLI
# line, and CLI tables are padded into columns (`dialplan show` lines are 90 to 130 bytes,
# so the byte bound stops one at about 150,000 lines). 250,000 lines admit every message
# of the byte bound whose lines average 67 bytes or more; at both bounds a message costs
# about 130 MB decoded (Message.cost), against 765 MB for 1.6 million tiny headers.
DEFAULT_MAX_HEADERS = 250_000
DEFAULT_MAX_LIST_ITEMS = 100_000
DEFAULT_MAX_LIST_BYTES = 64 * 1024 * 1024
MAX_GREETING_SIZE = 4096
MAX_QUOTED = 80  # characters of a refused greeting kept to quote it

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
    """Bytes that cannot be AMI: a bad greeting, or a message over the size bound.
    ``received``: for a bad greeting, the start of what came instead (decoded, bounded)."""

    def __init__(self, message: str, received: str = "") -> None:
        super().__init__(message)
        self.received = received[:MAX_QUOTED]


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


class Message(dict[str, str | list[str]]):
    """One AMI message: the Perl module's hashref, with its text lines and raw bytes.

    As a dict it has the Perl module's shape: ``message["Key"]`` is a ``str`` for a key
    seen once and a ``list[str]`` in arrival order for a key seen more than once, so
    ``dict(message)`` is the hashref the manual describes. Keys are exact there;
    :meth:`header` and :meth:`headers` look names up case-insensitively, as Asterisk does.
    A message is read-only: ``dict(message)`` gives a copy to change.

    :attr:`fields` holds the ``(key, value)`` pairs in arrival order, :attr:`lines` every
    text line, including lines without a colon, which are not fields. ``raw`` is the exact
    bytes received, empty for a message the client made up.

    A received message (:meth:`from_raw`) is decoded on first use, all at once; until then
    its event name (:attr:`name`, ``message["Event"]``, ``message.get("Event")``) is read
    from its first line alone, so a client skipping most of a busy PBX's events pays
    little for them. Decoded, it is a plain dict: every read after the first costs what a
    dict's does.
    """

    __slots__ = ("raw", "_lines", "_fields", "_lower", "_decoding", "_name")
    _lines: list[str] | None  # None: decoded from CRLF lines, made again when asked
    _decoding: tuple[str, str]  # set on received messages only: see _Undecoded

    def __init__(self, fields: list[tuple[str, str]], lines: list[str] | None = None, raw: bytes = b"") -> None:
        dict.__init__(self, _hashref(fields))
        self.raw = raw
        self._lines = lines if lines is not None else [f"{k}: {v}" for k, v in fields]
        self._fields: list[tuple[str, str]] | None = fields
        self._lower: dict[str, str | list[str]] | None = None
        self._name: str | None = None

    @staticmethod
    def from_raw(raw: bytes, encoding: str = "utf-8", errors: str = "replace") -> Message:
        """The message whose exact bytes, blank line included, are ``raw``."""
        if raw.endswith(b"\r\n\r\n") and raw.count(b"\n") == raw.count(b"\r\n"):
            return _undecoded(raw, (encoding, errors))
        # Some line ends are a bare LF: decoded now, field by field.
        body = (raw[:-2] if raw.endswith(b"\n\r\n") else raw[:-1]).decode(encoding, errors)
        lines = body.replace("\r\n", "\n").split("\n")
        lines.pop()  # the empty piece after the last line end
        return Message(_FIELD.findall("\n".join(lines)), lines, raw)

    @property
    def fields(self) -> list[tuple[str, str]]:
        """The ``(key, value)`` pairs in arrival order."""
        if self._fields is None:  # decoded in one pass: the dict holds every field, in order
            self._fields = list(dict.items(self))  # type: ignore[arg-type]
        return self._fields

    @property
    def lines(self) -> list[str]:
        """Every text line, without line ends."""
        lines = self._lines
        if lines is None:  # decoded the fast way, which keeps no lines: made when asked
            lines = self._lines = self.raw.decode(*self._decoding).split("\r\n")
            del lines[-2:]  # the two empty pieces of the blank line
        return lines

    def _decode(self) -> Message:
        return self  # decoded already; see _Undecoded

    @property
    def cost(self) -> int:
        """About how many bytes of memory the message takes once decoded: raw bytes, text
        lines, dict and fields included. The same before decoding as after, so a store can
        charge it once. An estimate meant to err high rather than low: on real captures it
        is 1.05 to 1.85 times what tracemalloc measures (more when its lines were never
        asked for: they are not kept then). A count of its LFs, at C speed."""
        raw = self.raw
        if raw:  # _cost(), inline: asked of every event a store or a call keeps, and drops
            return COST_FIXED + COST_PER_BYTE * len(raw) + COST_PER_LINE * raw.count(b"\n")
        lines = self.lines  # made up here: no bytes to count, so the text's length
        return _cost(sum(map(len, lines)) + 2 * len(lines) + 2, len(lines) + 1)

    def to_dict(self) -> dict[str, str | list[str]]:
        """A plain dict copy in the Perl module's format (lists copied too)."""
        return {k: list(v) if isinstance(v, list) else v for k, v in self.items()}

    def _read_only(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("a Message is read-only: dict(message) gives a copy to change")

    __setitem__ = __delitem__ = update = pop = popitem = clear = setdefault = __ior__ = _read_only

    def __reduce__(self) -> tuple[Any, ...]:
        return (Message, (self.fields, self.lines, self.raw))

    # -- case-insensitive look-ups ---------------------------------------------------
    @overload
    def header(self, name: str) -> str | None: ...
    @overload
    def header(self, name: str, default: str) -> str: ...
    def header(self, name: str, default: str | None = None) -> str | None:
        """The first value of header ``name``: spelled as given if the message has it so
        (as Asterisk spells its headers), else in any case; ``default`` if none."""
        value = dict.get(self, name)
        if value is None:
            if self._lower is None:
                # Keys in lower case, each with its first value (reversed: the first one wins).
                self._lower = {key.lower(): value for key, value in reversed(self.fields)}
            value = self._lower.get(name.lower())
            if value is None:
                return default
        return value[0] if isinstance(value, list) else value

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
        name = self._name  # kept: the log, its filter and the calls each ask every event's
        if name is None:
            name = self._name = self.header("Event") or self.header("Response") or ""
        return name

    @property
    def action_id(self) -> str | None:
        return self.header("ActionID")

    def text(self) -> str:
        """The message as wire text (lines joined with CRLF, blank line included)."""
        return "".join(line + "\r\n" for line in self.lines) + "\r\n"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Message):
            return self.fields == other.fields
        return dict.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None

    def __repr__(self) -> str:
        return f"Message({self.fields!r})"


# What a decoded message costs, fitted with tracemalloc on the captures' messages and set to
# err high (tests/library/test_message_bounds.py): the objects' fixed parts, then per wire
# byte (the raw bytes, the line, its key and value as str), then per line (three str
# objects, list and dict slots). On the captures, a message decoded as a dict (no lines
# kept) takes 0.33 to 0.7 times this; 0.5 to 0.75 once its lines are asked for, 0.65 to
# 0.95 once its fields and case-insensitive index are built too.
COST_FIXED = 512
COST_PER_BYTE = 4
COST_PER_LINE = 256


def _cost(size: int, line_ends: int) -> int:
    """The cost of a message of ``size`` wire bytes holding ``line_ends`` LFs (the blank line's included)."""
    return COST_FIXED + COST_PER_BYTE * size + COST_PER_LINE * line_ends


def _undecoded(raw: bytes, decoding: tuple[str, str]) -> Message:
    """A message for ``raw``, decoded on first use; its line ends must all be CRLF."""
    message: Message = _Undecoded(_PENDING_ONLY)
    message.raw = raw
    message._decoding = decoding
    message._name = None
    return message


# str.split's other arguments, for map(): endless, and never changed by being read.
_SEPARATOR, _ONCE = repeat(": "), repeat(1)

# An undecoded message's dict holds this alone: C code that asks a dict subclass for its
# size directly (json's encoder does, to write "{}" at once) must not take it for empty.
_PENDING: Any = object()
_PENDING_ONLY = {_PENDING: _PENDING}


class _Undecoded(Message):
    """A received message not decoded yet (every line end a CRLF): its dict is empty
    until first use (but for :data:`_PENDING`).

    Whatever reads it decodes it, fills the dict and makes it a plain :class:`Message`
    (same layout, so ``__class__`` can change). That last step is what keeps a decoded
    message fast: CPython copies a dict subclass that does not override ``__iter__`` in
    one step (``dict(message)``), and calls C for ``get`` and ``[]`` on it. ``keys`` is a
    property because ``dict(message)`` looks it up before copying: the look-up decodes.
    """

    __slots__ = ()
    # _Undecoded(_PENDING_ONLY): the dict and its marker in one call (Message's own
    # __init__ builds a message from fields).
    __init__ = dict.__init__

    def _decode(self) -> Message:
        lines = self.raw.decode(*self._decoding).split("\r\n")
        del lines[-2:]  # the two empty pieces of the blank line
        fields = None
        decoded: dict[str, Any]
        try:  # every line split at its first ": ", at C speed
            decoded = dict(map(str.split, lines, _SEPARATOR, _ONCE))
        except ValueError:  # a line without ": "
            decoded = {}
        # Taking the first ": " as the separator is right unless a key holds a colon
        # ("Key:a: b" is Key -> "a: b"), is empty, or came twice.
        if len(decoded) != len(lines) or "" in decoded or ":" in "".join(decoded):
            fields = _FIELD.findall("\n".join(lines))
            decoded = _hashref(fields)
        # Built aside, then put in place, then the class changed. The marker goes first:
        # into a dict left empty, update() copies the table whole, and the copy stays
        # compact (no hole where the marker was), so that dict(message) later copies it
        # whole too. Another thread decoding meanwhile does the same to the same result,
        # and reads nothing before its own update: through its methods, a message is never
        # seen empty or wrong (C code reading the dict itself, as json's encoder does,
        # could find it empty in that instant).
        dict.pop(self, _PENDING, None)
        dict.update(self, decoded)
        # The lines are not kept (Message.lines makes them again if asked): the dict holds
        # what most readers want, and a store of thousands of messages holds half the objects.
        self._lines, self._fields, self._lower = (None if fields is None else lines), fields, None
        self.__class__ = Message  # type: ignore[assignment]
        return self

    def _event(self) -> str | None:
        """The name on an ``Event: <name>`` first line, read alone (None: no such line)."""
        raw = self.raw
        if raw.startswith(b"Event: "):
            return raw[7 : raw.index(b"\r\n")].decode(*self._decoding)
        return None

    @property
    def name(self) -> str:
        name = self._name
        if name is None:
            name = self._name = self._event() or self._decode().name
        return name

    @property
    def is_event(self) -> bool:
        return self._event() is not None or self._decode().is_event

    def header(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        if name == "Event" and (event := self._event()) is not None:
            return event
        return self._decode().header(name, default)  # type: ignore[arg-type]

    def _event_alone(self) -> str | None:
        """:meth:`_event`, if no other line is an ``Event`` (the hashref's value would be a list)."""
        # find(), not "in": for bytes, "in" first tries its operand as an integer (an
        # exception raised and cleared, a dozen times the search).
        return None if self.raw.find(b"\nEvent:") >= 0 else self._event()

    def __getitem__(self, key: str) -> str | list[str]:
        if key == "Event" and (event := self._event_alone()) is not None:
            return event
        return self._decode()[key]

    def get(self, key: str, default: Any = None) -> Any:
        if key == "Event" and (event := self._event_alone()) is not None:
            return event
        return self._decode().get(key, default)

    @property
    def fields(self) -> list[tuple[str, str]]:
        return self._decode().fields

    @property
    def lines(self) -> list[str]:
        return self._decode().lines

    @property
    def keys(self) -> Any:
        return self._decode().keys

    def __contains__(self, key: object) -> bool:
        return key in self._decode()

    def __iter__(self) -> Iterator[str]:
        return iter(self._decode())

    def __reversed__(self) -> Iterator[str]:
        return reversed(self._decode())

    def __len__(self) -> int:
        return len(self._decode())

    def values(self) -> ValuesView[str | list[str]]:  # type: ignore[override]
        return self._decode().values()

    def items(self) -> ItemsView[str, str | list[str]]:  # type: ignore[override]
        return self._decode().items()

    def copy(self) -> dict[str, str | list[str]]:
        return self._decode().copy()

    def __or__(self, other: Any) -> dict[str, str | list[str]]:  # type: ignore[override]
        return dict.__or__(self._decode(), other)

    def __eq__(self, other: object) -> bool:
        return self._decode() == other

    def __reduce__(self) -> tuple[Any, ...]:
        return (Message.from_raw, (self.raw, *self._decoding))


def _hashref(fields: list[tuple[str, str]]) -> dict[str, str | list[str]]:
    """The Perl module's hashref of ``fields``: a key seen more than once holds a list."""
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
    return result


# Asterisk 1.4 to 12 answer many lists (QueueStatus, QueueSummary, Status, Agents, DBGet,
# ParkedCalls, DAHDIShowChannels, VoicemailUsersList, BridgeList...) with a plain Success,
# no EventList header, whose Message says they "will follow" ("Queue status will follow":
# astman_send_ack in those branches' sources); their last event is named ...Complete, as
# every list's is. These answers are followed by one event alone, with no ...Complete:
# DBGet's in 1.4 to 1.6 (1.8 to 12 send a DBGetComplete after the DBGetResponse; it then
# comes as an ordinary event), FAXSession's and FAXStats' from 13 to today.
_ONE_EVENT_FOLLOWS = frozenset({"result will follow", "faxsession event will follow", "faxstats event will follow"})


def _plain_ack(response: Message) -> str | None:
    """The Message of a Success without EventList header, in lower case (else None)."""
    if response.header("EventList") is not None or (response.header("Response") or "").lower() != "success":
        return None
    return (response.header("Message") or "").strip().lower()


class EventList:
    """The items of one event list, gathered within bounds.

    An action such as ``CoreShowChannels`` is answered with a response announcing a list
    (see :meth:`starts`), then one event per item carrying the action's ActionID, then a
    last one named ``...Complete`` (saying ``EventList: Complete`` too when the response
    said ``EventList: start``). Pass that ``response``: a few answers are followed by one
    event alone, with no ``...Complete`` (``DBGetResponse`` before Asterisk 1.8,
    ``FAXStats``), and only the response tells. A server that never sends that last one must not take unbounded memory: past
    ``max_items`` items or ``max_bytes`` bytes the list stops with :attr:`error` set, and
    the item that crossed the bound is not kept. Time is the caller's: when its deadline
    passes, it words the error with :meth:`incomplete`, e.g. ``incomplete("timed out after 2 s")``.
    """

    def __init__(
        self,
        action_id: str,
        *,
        max_items: int = DEFAULT_MAX_LIST_ITEMS,
        max_bytes: int = DEFAULT_MAX_LIST_BYTES,
        response: Message | None = None,
    ) -> None:
        self.action_id = action_id
        self.max_items = max_items
        self.max_bytes = max_bytes
        self.items: list[Message] = []  # the last one included once complete
        self.size = 0  # bytes of the items kept
        self.complete = False
        self.error: str | None = None  # why the list stopped before its end
        self.one_event = response is not None and _plain_ack(response) in _ONE_EVENT_FOLLOWS

    @staticmethod
    def starts(response: Message) -> bool:
        """True for a response announcing an event list, as every Asterisk version does:
        ``EventList: start`` (from 13 on, every list; most from 1.6 on), or, with no
        EventList header, a Success whose Message says the list "will follow" (``Queue
        status will follow``, Asterisk 1.4 to 12; ``FAXStats event will follow`` to this day).
        ``Command output follows`` (Command, from 14 on) is not one: the output is in the
        response."""
        said = _plain_ack(response)
        if said is None:
            return (response.header("EventList") or "").lower() == "start"
        return said.endswith("will follow")

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
        self.complete = (
            self.one_event or ending in ("complete", "cancelled") or (not ending and message.name.endswith("Complete"))
        )
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
    messages. A message larger than ``max_message_size`` bytes, or of more than
    ``max_headers`` lines, raises :class:`ProtocolError` once; the parser then skips the
    rest of that message and carries on.

    With ``greeting=True`` the first line is read as the server's banner (see
    :meth:`read_greeting`) before any message.

    Speed: a busy PBX sends thousands of events a second, and per-message work in Python
    is what limits a client. So when the whole messages waiting in the buffer are plain
    (CRLF line ends only, no legacy Command output, none over the bound), they are framed
    in one pass (:meth:`_frame_plain`); anything else goes through the general path, one
    message at a time. Both give the same messages; messages are decoded on first use.
    Framed messages wait in :attr:`ready`, where a reader may take them without a call.
    """

    def __init__(
        self,
        *,
        greeting: bool = False,
        encoding: str = "utf-8",
        errors: str = "replace",
        max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
        max_headers: int = DEFAULT_MAX_HEADERS,
    ) -> None:
        self.encoding = encoding
        self.errors = errors
        self.max_message_size = max_message_size
        self.max_headers = max_headers
        self.greeting: Greeting | None = None
        self._want_greeting = greeting
        self._buffer = bytearray()
        self._start = 0  # where the next unconsumed byte is
        self._scan = 0  # how far the search for a message end has got
        self._skipping = False  # inside an oversized message, dropping bytes
        #: Messages framed and not yet returned, oldest first: next_message() takes from
        #: here before it parses more, and a reader may too.
        self.ready: deque[Message] = deque()
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
        return len(self._buffer) - self._start + sum(len(m.raw) for m in self.ready)

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
                quoted = bytes(buf[self._start : self._start + MAX_QUOTED]).decode(self.encoding, "replace")
                raise ProtocolError("Unknown Protocol", quoted)
            return None
        line = bytes(buf[self._start : end]).decode(self.encoding, self.errors)
        self._start = self._scan = end + 1
        self._want_greeting = False
        try:
            self.greeting = parse_greeting(line)
        except ProtocolError:
            raise ProtocolError("Unknown Protocol", line.rstrip("\r\n")) from None
        return self.greeting

    def next_message(self) -> Message | None:
        """Return the next complete message, or ``None`` if more bytes are needed."""
        if self.ready:
            return self.ready.popleft()
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
            if self.ready:
                return self.ready.popleft()
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
        self._check_bounds(start, end)
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

        Plain: every LF comes after a CR. There a message ends at each CRLF CRLF, and
        bytes.split finds them all at C speed. Otherwise the general path takes over until
        past these bytes; it also takes the first message over the bound, and the first
        legacy ``Response: Follows`` (whose Command output may hold blank lines).
        """
        buf = self._buffer
        start = self._start
        last = buf.rfind(b"\r\n\r\n", max(start, self._scan - 3, self._plain_scan - 3))
        if last < 0:
            self._plain_scan = len(buf)  # look at new bytes only next time
            return
        end = last + 4
        with memoryview(buf) as view:
            region = bytes(view[start:end])  # one copy (buf[start:end] would be a second)
        if region.count(b"\n") != region.count(b"\r\n"):
            self._general_until = end
            return
        pieces = region.split(b"\r\n\r\n")
        pieces.pop()  # the empty piece after the last message end
        # Pieces the general path must read sort first or last, so min() and max() find
        # them at C speed: stray blank lines (empty, or starting with CR or LF) and a
        # response (R or r: it may be a legacy "Response: Follows", whose output may hold
        # blank lines); anything else sorting there only goes the slower way, rightly.
        # A piece of n lines (CRLF apart) has 3n - 2 bytes or more: only a piece longer than
        # 3 * max_headers may have too many lines (and has them counted, there).
        bound = min(self.max_message_size - 4, 3 * self.max_headers)
        if min(pieces)[:1] <= b"\r" or max(pieces) >= b"R" or (len(region) > bound and max(map(len, pieces)) > bound):
            return self._frame_pieces(pieces, start, end)
        append, pending = self.ready.append, _PENDING_ONLY
        decoding = (self.encoding, self.errors)
        for piece in pieces:  # _undecoded() inline: this loop runs for every message
            message = _Undecoded(pending)
            message.raw = piece + b"\r\n\r\n"
            message._decoding = decoding
            message._name = None
            append(message)
        self._start = self._scan = end

    def _frame_pieces(self, pieces: list[bytes], start: int, end: int) -> None:
        """Queue the pieces up to the first that the general path must read."""
        limit, most = self.max_message_size - 4, self.max_headers
        decoding = (self.encoding, self.errors)
        for piece in pieces:
            text = piece.lstrip(b"\r\n")  # stray blank lines are not messages
            if (
                len(text) > limit
                or (len(text) > 3 * most and text.count(b"\n") >= most)
                or (text[:1] in (b"R", b"r") and _FOLLOWS.match(text, 0, _line_end(text)))
            ):
                break  # the general path raises for it, or reads the Command output
            if text:
                self.ready.append(_undecoded(text + b"\r\n\r\n", decoding))
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
        self._check_bounds(start, end)
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

    # -- the bounds -------------------------------------------------------------------
    def _check_bounds(self, start: int, end: int) -> None:
        """Refuse the whole message at ``start:end`` (consumed already) if it is over a bound."""
        if end - start > self.max_message_size:
            raise self._oversized()
        # Every line takes a byte at least: only a message longer than the bound is counted.
        if end - start > self.max_headers and self._buffer.count(b"\n", start, end) - 1 > self.max_headers:
            raise ProtocolError(f"message over the {self.max_headers}-header limit; it was skipped")

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


def _line_end(text: bytes) -> int:
    end = text.find(b"\n")
    return len(text) if end < 0 else end


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
