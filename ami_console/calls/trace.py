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

from ami_console.calls.channel import joins_calls, older_call
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
# LocalOne/LocalTwo (the halves in a LocalBridge); a transfer names its parties so.
_PREFIXES = ("", "Dest", "LocalOne", "LocalTwo")
_TRANSFER_PREFIXES = ("Transferee", "Transferer", "OrigTransferer", "SecondTransferer", "TransferTarget")
_PREFIXES_OF = {
    "BlindTransfer": ("", *_TRANSFER_PREFIXES[:2]),
    "AttendedTransfer": _TRANSFER_PREFIXES,
}
_get = header_value
FOLLOW_LIMIT = 100_000  # names and ids a followed call's filter remembers: a flood cannot grow it


def call_key(message: Message) -> str | None:
    """The call an event or list row belongs to: Linkedid, else Uniqueid, else Channel.

    ``None`` for a message about no channel (a DeviceStateChange, a QueueMember row).
    """
    prefixes = _PREFIXES_OF.get(message.name, _PREFIXES)
    for header in ("Linkedid", "Uniqueid", "Channel"):
        for prefix in prefixes:
            value = _get(message, prefix + header)
            if value:
                return value
    return None


class CallIndex:
    """Learns, from events, which call each Uniqueid, channel name and bridge belongs to.

    Two calls whose channels meet in a bridge (an attended transfer between two calls, a
    conference) become one, as Asterisk makes them one (it gives the channels in a bridge
    the oldest Linkedid): its key is the older Linkedid, and the other leads to it.

    ``limit`` bounds what it remembers (for a filter that learns from every event of a
    storm): past it, what was learned or used longest ago is forgotten first.
    """

    def __init__(self, limit: int | None = None) -> None:
        self.limit = limit
        self._call: dict[str, str] = {}  # Uniqueid or channel name -> Linkedid
        self._bridges: dict[str, str] = {}  # BridgeUniqueid -> the call in it
        self._joined: dict[str, str] = {}  # Linkedid -> the call it was joined into

    def root(self, key: str) -> str:
        """The call's key for a Linkedid, Uniqueid or channel name, once learned (else ``key``)."""
        call = self._call.get(key, key)
        joined = self._joined
        if call not in joined:
            return call
        path = []
        while call in joined:
            path.append(call)
            call = joined[call]
        for step in path[:-1]:  # each lookup stays short, however many calls were joined
            joined[step] = call
        return call

    def _join(self, a: str, b: str) -> str:
        a, b = self.root(a), self.root(b)
        if a == b:
            return a
        keep = older_call(a, b)
        self._joined[b if keep == a else a] = keep
        return keep

    def learn(self, message: Message) -> None:
        call = self._call
        name = message.name
        for prefix in _PREFIXES_OF.get(name, _PREFIXES):
            linked = _get(message, prefix + "Linkedid")
            unique = _get(message, prefix + "Uniqueid")
            channel = _get(message, prefix + "Channel")
            if linked:
                for key in (linked, unique, channel):
                    if key:
                        call.pop(key, None)  # learned again: the last to be forgotten
                        call[key] = linked
            elif unique and channel:  # no Linkedid (a Cdr, older Asterisk): tie name and id
                if channel in call and unique not in call:
                    call[unique] = call[channel]
                else:
                    call.setdefault(channel, call.get(unique, unique))
        bridge = _get(message, "BridgeUniqueid")
        linked = _get(message, "Linkedid")
        if bridge and linked:
            known = self._bridges.get(bridge)
            if known is None or name != "BridgeEnter" or not joins_calls(message):
                self._bridges.setdefault(bridge, self.root(linked))
            else:
                self._bridges[bridge] = self._join(known, linked)
        if name == "BridgeMerge":
            source, target = _get(message, "FromBridgeUniqueid"), _get(message, "ToBridgeUniqueid")
            calls = [c for b in (source, target) if (c := self._bridges.get(b))]
            if len(calls) == 2:
                self._bridges[target] = self._bridges[source] = self._join(*calls)
        elif name == "AttendedTransfer" and _get(message, "Result") == "Success":
            ends = [c for p in ("TransfereeLinkedid", "TransferTargetLinkedid") if (c := _get(message, p))]
            if len(ends) == 2:
                self._join(*ends)
        if self.limit is not None:
            for learned in (call, self._bridges, self._joined):
                while len(learned) > self.limit:
                    del learned[next(iter(learned))]

    def calls_of(self, message: Message) -> set[str]:
        """Every call the event concerns (a DialBegin may name two channels)."""
        found = set()
        for prefix in _PREFIXES_OF.get(message.name, _PREFIXES):
            for header in ("Linkedid", "Uniqueid", "Channel"):
                value = _get(message, prefix + header)
                if value:
                    found.add(self.root(value))
                    break
        if not found:
            for header in ("BridgeUniqueid", "ToBridgeUniqueid", "FromBridgeUniqueid"):
                if bridge := self._bridges.get(_get(message, header)):
                    found.add(self.root(bridge))
        return found


class CallFilter:
    """A live "follow this call" filter: ``matches(message)`` for each event, in order.

    It learns from every event it is shown, matching or not, so the events a call
    produces later (its Cdr, the channels it dials) are recognised as they come.
    ``known`` are events already received, to learn from first.
    """

    def __init__(self, key: str, known: Iterable[EventLike] = ()) -> None:
        self.key = key
        self.index = CallIndex(limit=FOLLOW_LIMIT)
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
