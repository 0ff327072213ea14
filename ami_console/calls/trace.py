"""Which call an event belongs to, and a call's story told channel by channel.

Asterisk gives every channel a ``Uniqueid`` and every call a ``Linkedid`` (the
Uniqueid of the channel that started it), which all its channels share: the caller,
the phones it dials, both halves (``;1`` and ``;2``) of a Local channel. So:

- :func:`call_key` names an event's call: its Linkedid, else its Uniqueid, else its
  channel (list rows such as CoreShowChannel or ChannelHungup work too).
- :func:`select_call` picks one call's events from a log, and :class:`CallFilter`
  does the same live, as events arrive. Events without a Linkedid (a Cdr, an
  OriginateResponse) are tied to the call through the Uniqueid or channel name that
  other events linked to it.
- :func:`build_trace` tells what each channel of a call did, in order, with times
  from the call's first event: the dialplan steps it walked, variables set, dials
  and their outcome, bridges, the hangup and its cause, and the call records (CDR).
  :mod:`ami_console.calls.text` renders it as lines of plain text.

Times: an event's ``Timestamp`` header when every event of the call has one (Asterisk's
``timestampevents = yes``: the server's own clock), else the arrival time; when neither
is known (a replayed raw AMI file) the trace has no times.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ami_console.calls.steps import ChannelTrace, StepBuilder, TraceStep, header_value
from ami_console.events.timed import EventLike, TimedEvent, as_timed
from ami_console.protocol import Message

__all__ = [
    "CallFilter",
    "CallIndex",
    "CallTrace",
    "ChannelTrace",
    "TraceStep",
    "build_trace",
    "call_key",
    "select_call",
]

# Headers naming a channel, prefixed: "" (the event's channel), Dest (the dialled one),
# LocalOne/LocalTwo (the halves in a LocalBridge).
_PREFIXES = ("", "Dest", "LocalOne", "LocalTwo")
_get = header_value


def call_key(message: Message) -> str | None:
    """The call an event or list row belongs to: Linkedid, else Uniqueid, else Channel.

    ``None`` for a message about no channel (a DeviceStateChange, a QueueMember row).
    """
    for header in ("Linkedid", "Uniqueid", "Channel"):
        for prefix in _PREFIXES:
            value = _get(message, prefix + header)
            if value:
                return value
    return None


class CallIndex:
    """Learns, from events, which call each Uniqueid, channel name and bridge belongs to."""

    def __init__(self) -> None:
        self._call: dict[str, str] = {}  # Uniqueid or channel name -> Linkedid
        self._bridges: dict[str, set[str]] = {}  # BridgeUniqueid -> Linkedids in it

    def root(self, key: str) -> str:
        """The Linkedid for a Uniqueid or channel name, once learned (else ``key``)."""
        return self._call.get(key, key)

    def learn(self, message: Message) -> None:
        call = self._call
        for prefix in _PREFIXES:
            linked = _get(message, prefix + "Linkedid")
            unique = _get(message, prefix + "Uniqueid")
            channel = _get(message, prefix + "Channel")
            if linked:
                for name in (linked, unique, channel):
                    if name:
                        call[name] = linked
            elif unique and channel:  # no Linkedid (a Cdr, older Asterisk): tie name and id
                if channel in call and unique not in call:
                    call[unique] = call[channel]
                else:
                    call.setdefault(channel, call.get(unique, unique))
        bridge = _get(message, "BridgeUniqueid")
        linked = _get(message, "Linkedid")
        if bridge and linked:
            self._bridges.setdefault(bridge, set()).add(self.root(linked))

    def calls_of(self, message: Message) -> set[str]:
        """Every call the event concerns (a DialBegin may name two channels)."""
        found = set()
        for prefix in _PREFIXES:
            for header in ("Linkedid", "Uniqueid", "Channel"):
                value = _get(message, prefix + header)
                if value:
                    found.add(self.root(value))
                    break
        if not found and (bridge := _get(message, "BridgeUniqueid")):
            found = set(self._bridges.get(bridge, ()))
        return found


class CallFilter:
    """A live "follow this call" filter: ``matches(message)`` for each event, in order.

    It learns from every event it is shown, matching or not, so the events a call
    produces later (its Cdr, the channels it dials) are recognised as they come.
    ``known`` are events already received, to learn from first.
    """

    def __init__(self, key: str, known: Iterable[EventLike] = ()) -> None:
        self.key = key
        self.index = CallIndex()
        for item in known:
            self.index.learn(as_timed(item)[1])

    def matches(self, message: Message) -> bool:
        self.index.learn(message)
        return self.index.root(self.key) in self.index.calls_of(message)


def select_call(events: Sequence[EventLike], key: str) -> list[EventLike]:
    """The events of the call ``key`` names (a Linkedid, Uniqueid or channel), in order."""
    index = CallIndex()
    messages = [as_timed(item)[1] for item in events]
    for message in messages:
        index.learn(message)
    root = index.root(key)
    return [item for item, message in zip(events, messages) if root in index.calls_of(message)]


# -- the trace -------------------------------------------------------------------------
@dataclass
class CallTrace:
    key: str  # the call's Linkedid
    started: float | None  # when its first event happened (wall clock), if known
    duration: float | None
    channels: list[ChannelTrace]
    records: list[TraceStep]  # the Cdr summaries
    events: int  # events of this call
    quiet: dict[str, int]  # events left out of the story (NewCallerid...), by name
    messages: list[Message] = field(default_factory=list)  # the call's events, in arrival order

    @property
    def outcome(self) -> str:
        """ANSWERED, BUSY, NO ANSWER... from the records, else the last dial's status."""
        for record in self.records:
            if record.message is not None and (disposition := _get(record.message, "Disposition")):
                return disposition
        ends = [
            s.message for c in self.channels for s in c.steps if s.message is not None and s.message.name == "DialEnd"
        ]
        return _get(ends[-1], "DialStatus") if ends else ""


def _times(timed: list[TimedEvent]) -> list[float | None]:
    """Per event: its Timestamp header if every event has one, else its arrival time."""
    stamps = [_float(_get(m, "Timestamp")) for _, m in timed]
    if stamps and all(s is not None for s in stamps):
        return stamps
    return [at for at, _ in timed]


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def build_trace(events: Sequence[EventLike], key: str | None = None) -> CallTrace:
    """The trace of call ``key`` among ``events`` (all of them when ``key`` is None)."""
    if key is not None:
        events = select_call(events, key)
    timed = [as_timed(item) for item in events]
    if key is None:
        key = next((k for _, m in timed if (k := call_key(m))), "")
    index = CallIndex()
    for _, message in timed:
        index.learn(message)
    times = _times(timed)
    known = [t for t in times if t is not None]
    start = known[0] if known else None
    builder = StepBuilder()
    for at, (_, message) in zip(times, timed):
        builder.add(None if at is None or start is None else at - start, message)
    duration = (max(known) - start) if known and start is not None else None
    messages = [message for _, message in timed]
    return CallTrace(
        index.root(key), start, duration, builder.channels, builder.records, len(timed), builder.quiet, messages
    )
