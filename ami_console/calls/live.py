"""The calls up on a PBX right now, kept current from AMI events: the model behind a Calls view.

:class:`LiveCalls` takes every event (:meth:`LiveCalls.feed`) and the list rows of
CoreShowChannels and BridgeInfo (:meth:`LiveCalls.seed_channels`,
:meth:`LiveCalls.seed_bridges`), so the calls already up at connect are listed too.
It knows channels by Uniqueid and groups them into calls by Linkedid (a channel whose
Linkedid is not known yet is a call of its own, by its Uniqueid, until one arrives).
Each :class:`Call` gives a :class:`CallRow`: what a row of the Calls view shows.

Order: Asterisk interleaves the events of a call's channels differently under load, and
a console may connect mid-call. So nothing here relies on a channel's Newchannel coming
first; a hangup is final (a late event does not bring a channel back); and what a row
shows of a finished call is chosen by rules that do not depend on arrival order (the
channels are ordered by Uniqueid, the cause shown is the first unusual one...).

Time: every method that needs the time takes it (``at``, ``now``, seconds on any clock
the caller uses consistently, ``time.time()`` in the console): nothing here reads a clock.

Filtering: :meth:`Call.matches` runs the event log's :class:`EventFilter` on each of the
call's channels, each seen as one synthetic event (:meth:`ChannelState.as_message`): its
last event's name, its current snapshot (Channel, Uniqueid, Linkedid, ChannelStateDesc,
caller ID, Context, Exten, Priority, Application, AppData) and what the model knows of it
(BridgeUniqueid, Queue, MemberName, DialStatus, Cause, Cause-txt, and the call's State in
words). A call matches when any channel does: ``Event=Hangup`` finds calls one of whose
channels last did a Hangup, ``Channel=PJSIP/bob`` the calls bob is in, ``support`` the
calls in queue support, ``"in queue"`` the calls waiting in a queue.

Bounds: at most ``max_channels`` channels (a new one pushes out the call that has been
quiet longest: a call whose Hangup was lost cannot pin memory), ``max_events`` events
kept per call (for its ladder), ``recent_size`` finished calls, and every stored value
clipped to :data:`MAX_VALUE` characters.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ami_console.calls import words
from ami_console.calls.steps import header_value
from ami_console.events.filter import EventFilter
from ami_console.protocol import Message

__all__ = [
    "MAX_VALUE",
    "Call",
    "CallRow",
    "ChannelState",
    "LiveCalls",
    "short_channel",
    "sort_rows",
    "uniqueid_order",
]

MAX_VALUE = 256  # characters kept of any value: a hostile server cannot grow memory through one
SHORT_APP_DATA = 12  # an application's data is shown beside it up to this length: Wait(30), not Dial(...)

# Events that tell nothing about the call's picture and are not kept for the ladder.
_IGNORED = {"Cdr", "Cel", "DeviceStateChange", "RTCPSent", "RTCPReceived", "VarSet", "OriginateResponse"}
# The applications a dialled channel "runs" while it only stands for the dialled side.
_STAND_INS = {"appdial", "appdial2", "appqueue"}
_FAILED_DIALS = {"BUSY", "NOANSWER", "CONGESTION", "CHANUNAVAIL", "CANCEL"}


def _clip(value: str) -> str:
    return value if len(value) <= MAX_VALUE else value[:MAX_VALUE]


def _get(message: Message, name: str) -> str:
    return _clip(header_value(message, name))


def short_channel(name: str) -> str:
    """``PJSIP/bob-00000001`` -> ``PJSIP/bob``; ``Local/300@demo-00000011;1`` -> ``Local/300@demo;1``.

    Asterisk adds a sequence number to the endpoint's name; the half of a Local channel
    is kept, as it tells the pair's two channels apart.
    """
    base, semi, half = name.partition(";")
    stem, dash, suffix = base.rpartition("-")
    if dash and stem and len(suffix) >= 6 and all(c in "0123456789abcdefABCDEF" for c in suffix):
        base = stem
    return base + semi + half


def uniqueid_order(uniqueid: str) -> tuple[float, ...]:
    """Sort key: Uniqueids are ``epoch.sequence`` and grow as channels are made."""
    try:
        return tuple(float(part) for part in uniqueid.split("."))
    except ValueError:
        return (float("inf"),)


@dataclass(eq=False)
class ChannelState:
    """One channel as the model knows it now."""

    uniqueid: str
    name: str = ""
    linkedid: str = ""
    state: str = ""  # ChannelStateDesc: Down, Ring, Ringing, Up, Busy...
    caller_num: str = ""
    caller_name: str = ""
    connected_num: str = ""
    connected_name: str = ""
    context: str = ""
    exten: str = ""
    priority: str = ""
    first_exten: str = ""  # the extension it started at (from its Newchannel, if seen)
    application: str = ""
    app_data: str = ""
    bridge: str = ""  # BridgeUniqueid it is in now
    on_hold: bool = False
    queue: str = ""  # the queue it waits in now
    queue_since: float | None = None
    agent: str = ""  # the queue member (MemberName) that took or is ringing for it
    dialling: dict[str, str] = field(default_factory=dict)  # dialled Uniqueid -> channel name, until DialEnd
    dial_status: str = ""  # the last DialEnd's status, on the caller's side
    first_seen: float | None = None
    last_seen: float | None = None
    last_event: str = ""
    hung_up: bool = False
    hangup_at: float | None = None
    cause: str = ""
    cause_txt: str = ""

    @property
    def short(self) -> str:
        return short_channel(self.name) if self.name else self.uniqueid

    @property
    def doing(self) -> str:
        """The application it runs now, as a row shows it: ``Dial``, ``Queue``, ``Wait(30)``."""
        if not self.application:
            return ""
        data = self.app_data
        if data and len(data) <= SHORT_APP_DATA:
            return f"{self.application}({data})"
        return self.application

    def as_message(self, state: str = "") -> Message:
        """The channel as one synthetic event, for :class:`EventFilter` (see the module doc)."""
        pairs = [
            ("Event", self.last_event or "Channel"),
            ("Channel", self.name),
            ("Uniqueid", self.uniqueid),
            ("Linkedid", self.linkedid),
            ("ChannelStateDesc", self.state),
            ("CallerIDNum", self.caller_num),
            ("CallerIDName", self.caller_name),
            ("ConnectedLineNum", self.connected_num),
            ("ConnectedLineName", self.connected_name),
            ("Context", self.context),
            ("Exten", self.exten),
            ("Priority", self.priority),
            ("Application", self.application),
            ("AppData", self.app_data),
            ("BridgeUniqueid", self.bridge),
            ("Queue", self.queue),
            ("MemberName", self.agent),
            ("DialStatus", self.dial_status),
            ("Cause", self.cause),
            ("Cause-txt", self.cause_txt),
            ("State", state),
        ]
        return Message([(k, v) for k, v in pairs if v])

    def update_snapshot(self, m: Message, prefix: str = "") -> None:
        """Take the channel snapshot every call event repeats (``prefix``: Dest, Transferee...)."""
        name = _get(m, prefix + "Channel")
        if name:
            self.name = name
        for attr, header in _SNAPSHOT_FIELDS:
            value = m.header(prefix + header)
            if value is not None:  # present but "<unknown>" clears it: that is what it is now
                setattr(self, attr, _clip(value) if value != "<unknown>" else "")
        if not self.first_exten and self.exten:
            self.first_exten = self.exten


_SNAPSHOT_FIELDS = (
    ("state", "ChannelStateDesc"),
    ("caller_num", "CallerIDNum"),
    ("caller_name", "CallerIDName"),
    ("connected_num", "ConnectedLineNum"),
    ("connected_name", "ConnectedLineName"),
    ("context", "Context"),
    ("exten", "Exten"),
    ("priority", "Priority"),
)


@dataclass(frozen=True)
class CallRow:
    """What one row of the Calls view shows (every text already cleaned of nothing: the
    view passes it through ``plain``)."""

    key: str  # the call's Linkedid
    caller_name: str
    caller_num: str
    dialled: str  # the extension the call was made to
    state: str  # in words: "ringing", "up", "in queue support for 12 s", "hung up: User busy (17)"
    rank: int  # the state's place when sorting by state (see STATE_ORDER)
    application: str  # what runs now: "Dial", "Queue", "Wait(30)"
    channels: int
    started: float | None
    ended: float | None
    duration: float | None  # seconds, up to ``now`` (or to the end)

    @property
    def caller(self) -> str:
        """``"Alice" <100>``, ``<100>``, or "" when unknown."""
        if self.caller_name and self.caller_num:
            return f'"{self.caller_name}" <{self.caller_num}>'
        if self.caller_num:
            return f"<{self.caller_num}>"
        return self.caller_name


# Sorting by state puts what needs attention first.
STATE_ORDER = ("ringing", "queue", "hold", "bridged", "up", "other", "ended")


class Call:
    """The channels of one Linkedid, with the events kept for its ladder."""

    def __init__(self, key: str, max_events: int, members: Callable[[str], list[ChannelState]]) -> None:
        self.key = key
        self.channels: dict[str, ChannelState] = {}  # Uniqueid -> channel
        self.events: deque[tuple[float | None, Message]] = deque(maxlen=max_events)
        self.ended: float | None = None  # when its last channel hung up (None while one is up)
        self.gone = False  # was up, but not listed when the console re-read the channels
        self._members = members  # BridgeUniqueid -> the channels in it, of any call

    # -- what the row shows ----------------------------------------------------------
    def ordered(self) -> list[ChannelState]:
        """The channels in the order Asterisk made them (by Uniqueid)."""
        return sorted(self.channels.values(), key=lambda c: uniqueid_order(c.uniqueid))

    @property
    def started(self) -> float | None:
        seen = [c.first_seen for c in self.channels.values() if c.first_seen is not None]
        return min(seen) if seen else None

    @property
    def last_seen(self) -> float | None:
        seen = [c.last_seen for c in self.channels.values() if c.last_seen is not None]
        return max(seen) if seen else None

    def state(self, now: float | None) -> tuple[str, int]:
        """The call's state in words, and its rank in :data:`STATE_ORDER`."""
        chans = self.ordered()
        if self.ended is not None:
            return self._ended_words(chans), STATE_ORDER.index("ended")
        live = [c for c in chans if not c.hung_up]
        if any(c.on_hold for c in live):
            return "on hold", STATE_ORDER.index("hold")
        for chan in live:
            if chan.queue:
                waited = (
                    f" for {max(0, int(now - chan.queue_since))} s"
                    if now is not None and chan.queue_since is not None
                    else ""
                )
                return f"in queue {chan.queue}{waited}", STATE_ORDER.index("queue")
        for chan in live:
            others = [o for o in self._bridge_members(chan.bridge) if o is not chan and not o.hung_up]
            if chan.bridge and others:
                return f"bridged with {', '.join(o.short for o in others)}", STATE_ORDER.index("bridged")
        if any(c.dialling for c in live) or any(c.state == "Ringing" for c in live):
            return "ringing", STATE_ORDER.index("ringing")
        if any(c.state == "Up" for c in live):
            return "up", STATE_ORDER.index("up")
        first = live[0].state.lower() if live and live[0].state else "starting"
        return first, STATE_ORDER.index("other")

    def _bridge_members(self, bridge: str) -> list[ChannelState]:
        if not bridge:
            return []
        return [c for c in self._members(bridge) if c.bridge == bridge]

    def _ended_words(self, chans: list[ChannelState]) -> str:
        if self.gone and not any(c.cause for c in chans):
            return "gone (not listed after reconnect)"
        ended = [c for c in chans if c.hung_up]
        if not ended:
            return "hung up"
        # The first unusual cause tells most (User busy rather than the Normal Clearing of
        # the other channels); else the first channel's. Chosen so order does not matter.
        unusual = [c for c in ended if c.cause and not words.is_normal_cause(c.cause)]
        with_cause = [c for c in ended if c.cause and c.cause != "0"]
        chosen = (unusual or with_cause or ended)[0]
        text = chosen.cause_txt or words.hangup_cause(chosen.cause).split(":")[0]
        said = f"hung up: {text} ({chosen.cause})" if chosen.cause else "hung up"
        failed = sorted({c.dial_status for c in chans if c.dial_status in _FAILED_DIALS})
        if failed and not unusual:
            said += f", dial {'/'.join(failed)}"
        return said

    def caller(self) -> tuple[str, str]:
        """(name, number) of the first channel that has a caller ID."""
        for chan in self.ordered():
            if chan.caller_num or chan.caller_name:
                return chan.caller_name, chan.caller_num
        return "", ""

    def dialled(self) -> str:
        chans = self.ordered()
        return chans[0].first_exten if chans else ""

    def application(self) -> str:
        """What the call runs now: the first live channel's application that is not a
        stand-in for the dialled side (AppDial, AppQueue)."""
        chans = self.ordered()
        live = [c for c in chans if not c.hung_up] or chans
        for chan in live:
            if chan.application and chan.application.lower() not in _STAND_INS:
                return chan.doing
        return next((c.doing for c in live if c.application), "")

    def row(self, now: float | None) -> CallRow:
        """The row for this call at time ``now`` (duration and queue wait count up to it)."""
        state, rank = self.state(now)
        name, number = self.caller()
        started = self.started
        end = self.ended if self.ended is not None else now
        duration = max(0.0, end - started) if end is not None and started is not None else None
        return CallRow(
            self.key,
            name,
            number,
            self.dialled(),
            state,
            rank,
            self.application(),
            len(self.channels),
            started,
            self.ended,
            duration,
        )

    def matches(self, flt: EventFilter, now: float | None = None) -> bool:
        """Whether any of the call's channels, as a synthetic event, matches ``flt``."""
        if flt.empty:
            return True
        state = self.state(now)[0]
        return any(flt.matches(chan.as_message(state)) for chan in self.channels.values())


def sort_rows(rows: Iterable[CallRow], by: str = "duration", reverse: bool = False) -> list[CallRow]:
    """Rows sorted ``by`` "duration" (longest first), "state" (ringing first, ended last),
    or "started" (oldest first); ``reverse`` turns the order round."""
    if by == "duration":
        return sorted(rows, key=lambda r: (-(r.duration or 0.0), r.key), reverse=reverse)
    if by == "state":
        return sorted(rows, key=lambda r: (r.rank, -(r.duration or 0.0), r.key), reverse=reverse)
    if by == "started":
        return sorted(
            rows, key=lambda r: (r.started if r.started is not None else float("inf"), r.key), reverse=reverse
        )
    raise ValueError(f"cannot sort calls by {by!r}: by duration, state or started")


class LiveCalls:
    """The current calls of a PBX, from its AMI events and list rows.

    ``calls`` holds the calls up now and those ended less than ``grace`` seconds ago;
    ``recent`` the last ``recent_size`` calls that ended before that, newest last.
    """

    def __init__(
        self, *, grace: float = 10.0, recent_size: int = 300, max_channels: int = 5000, max_events: int = 1000
    ) -> None:
        self.grace = grace
        self.max_channels = max_channels
        self.max_events = max_events
        self.calls: OrderedDict[str, Call] = OrderedDict()  # least recently active first
        self.recent: deque[Call] = deque(maxlen=recent_size)
        self.channels: dict[str, ChannelState] = {}  # Uniqueid -> channel, of the calls in ``calls``
        self.bridges: dict[str, set[str]] = {}  # BridgeUniqueid -> Uniqueids in it
        self.evicted = 0  # calls pushed out to stay within max_channels
        self._call_of: dict[str, str] = {}  # Uniqueid -> call key
        self._by_name: dict[str, str] = {}  # channel name -> Uniqueid
        self._retired: OrderedDict[str, None] = OrderedDict()  # Uniqueids of retired channels (bounded)
        self._ended: dict[str, float] = {}  # call key -> when it ended
        self._due = float("inf")  # no ended call leaves the grace period before this

    # -- looking up ------------------------------------------------------------------
    def call_for(self, key: str) -> Call | None:
        """The call a Linkedid, a Uniqueid or a channel name belongs to (live or ended)."""
        if key in self.calls:
            return self.calls[key]
        unique = key if key in self._call_of else self._by_name.get(key, "")
        if unique in self._call_of:
            return self.calls.get(self._call_of[unique])
        return next((c for c in reversed(self.recent) if c.key == key or key in c.channels), None)

    def rows(
        self, now: float | None, *, by: str = "duration", reverse: bool = False, flt: EventFilter | None = None
    ) -> list[CallRow]:
        """The rows of ``calls`` (live and ended within the grace period), filtered and sorted."""
        self.expire(now)
        calls: Iterable[Call] = self.calls.values()
        if flt is not None and not flt.empty:
            calls = [c for c in calls if c.matches(flt, now)]
        return sort_rows((c.row(now) for c in calls), by, reverse)

    def recent_rows(self, now: float | None = None) -> list[CallRow]:
        """The rows of ``recent``, the last ended first."""
        return [c.row(now) for c in reversed(self.recent)]

    # -- events ----------------------------------------------------------------------
    def feed(self, message: Message, at: float | None) -> str | None:
        """Take one event; the key of the call it changed, or None."""
        name = message.name
        if name in _IGNORED:
            return None
        if name == "BridgeDestroy":
            self._bridge_destroy(message)
            return None
        prefix = "Transferee" if name in ("BlindTransfer", "AttendedTransfer") else ""
        chan = self._channel(message, at, prefix)
        if chan is None:
            # DialBegin/DialEnd of an Originate name only the dialled (Dest) channel.
            chan = self._channel(message, at, "Dest") if name in ("DialBegin", "DialEnd") else None
            if chan is None:
                return None
            self._dest_event(chan, name, message)
            return self._touch(chan, message, at, name)
        if chan.hung_up and name != "Hangup":
            # A straggler (events interleave): it changes nothing of a channel that has gone,
            # except the facts of its history a row shows.
            if name == "DialEnd":
                chan.dial_status = _get(message, "DialStatus")
            elif name == "Newchannel":
                chan.first_exten = _get(message, "Exten") or chan.first_exten
            return self._touch(chan, message, at, name)
        self._apply(chan, name, message, at)
        return self._touch(chan, message, at, name)

    def _apply(self, chan: ChannelState, name: str, m: Message, at: float | None) -> None:
        chan.update_snapshot(m)
        if name == "Newchannel":
            chan.first_exten = _get(m, "Exten") or chan.first_exten
        elif name == "Newexten":
            chan.application, chan.app_data = _get(m, "Application"), _clip(m.header("AppData") or "")
        elif name == "DialBegin":
            dest = self._channel(m, at, "Dest")
            if dest is not None and not dest.hung_up:
                chan.dialling[dest.uniqueid] = dest.name
        elif name == "DialEnd":
            chan.dialling.pop(_get(m, "DestUniqueid"), None)
            chan.dial_status = _get(m, "DialStatus")
        elif name == "BridgeEnter":
            self._set_bridge(chan, _get(m, "BridgeUniqueid"))
        elif name == "BridgeLeave":
            if chan.bridge == _get(m, "BridgeUniqueid"):
                self._set_bridge(chan, "")
        elif name in ("Hold", "MusicOnHoldStart"):
            chan.on_hold = True
        elif name in ("Unhold", "MusicOnHoldStop"):
            chan.on_hold = False
        elif name == "QueueCallerJoin":
            chan.queue, chan.queue_since = _get(m, "Queue"), at
        elif name in ("QueueCallerLeave", "QueueCallerAbandon"):
            chan.queue, chan.queue_since = "", None
        elif name in ("AgentCalled", "AgentConnect"):
            chan.agent = _get(m, "MemberName") or _get(m, "Interface")
        elif name == "Hangup":
            self._hangup(chan, m, at)

    def _dest_event(self, dest: ChannelState, name: str, m: Message) -> None:
        """An Originate's own DialBegin/DialEnd: the dialled channel is "being called"."""
        if name == "DialEnd":
            dest.dial_status = _get(m, "DialStatus")
        if dest.hung_up:
            return
        if name == "DialBegin":
            dest.dialling[dest.uniqueid] = dest.name
        else:
            dest.dialling.pop(dest.uniqueid, None)

    def _hangup(self, chan: ChannelState, m: Message, at: float | None) -> None:
        chan.hung_up, chan.hangup_at = True, at
        chan.cause, chan.cause_txt = _get(m, "Cause"), _get(m, "Cause-txt")
        chan.dialling.clear()
        chan.queue, chan.queue_since, chan.on_hold = "", None, False
        self._set_bridge(chan, "")
        call = self.calls.get(self._call_of.get(chan.uniqueid, ""))
        if call is not None:
            self._check_ended(call)

    def _check_ended(self, call: Call) -> None:
        if call.channels and all(c.hung_up for c in call.channels.values()):
            times = [c.hangup_at for c in call.channels.values() if c.hangup_at is not None]
            call.ended = max(times) if times else (call.last_seen or 0.0)
            self._ended[call.key] = call.ended
            self._due = min(self._due, call.ended + self.grace)
        else:
            call.ended = None
            self._ended.pop(call.key, None)

    def _touch(self, chan: ChannelState, m: Message, at: float | None, name: str) -> str:
        chan.last_event = name
        if at is not None:
            chan.first_seen = at if chan.first_seen is None else min(chan.first_seen, at)
            chan.last_seen = at if chan.last_seen is None else max(chan.last_seen, at)
        key = self._call_of[chan.uniqueid]
        call = self.calls[key]
        self.calls.move_to_end(key)
        call.events.append((at, m))
        if at is not None:
            self.expire(at)
        return key

    def _channel(self, m: Message, at: float | None, prefix: str = "") -> ChannelState | None:
        """The channel the event's ``prefix`` headers name, made if new (None if retired or unnamed)."""
        unique = _get(m, prefix + "Uniqueid")
        if not unique:
            unique = self._by_name.get(_get(m, prefix + "Channel"), "")
            if not unique:
                return None
        if unique in self._retired:
            return None
        linked = _get(m, prefix + "Linkedid")
        chan = self.channels.get(unique)
        if chan is None:
            if not (linked or _get(m, prefix + "Channel")):
                return None  # an Uniqueid alone (OriginateResponse) does not make a channel
            chan = ChannelState(unique, first_seen=at, last_seen=at)
            self._make_room()
            self.channels[unique] = chan
            self._join(chan, linked or unique)
        elif linked and linked != chan.linkedid:
            self._join(chan, linked)
        chan.linkedid = linked or chan.linkedid
        if prefix:
            chan.update_snapshot(m, prefix)
        name = _get(m, prefix + "Channel")
        if name and name != chan.name:
            self._by_name.pop(chan.name, None)
            chan.name = name
        if chan.name:
            self._by_name[chan.name] = unique
        return chan

    def _join(self, chan: ChannelState, key: str) -> None:
        """Put the channel in call ``key`` (moving it out of the one it was in)."""
        old = self._call_of.get(chan.uniqueid)
        if old == key:
            return
        if old is not None and (previous := self.calls.get(old)) is not None:
            previous.channels.pop(chan.uniqueid, None)
            if not previous.channels:
                # Its only channel moved: the call's events go with it.
                del self.calls[old]
                self._ended.pop(old, None)
                events = previous.events
            else:
                self._check_ended(previous)
                events = deque()
        else:
            events = deque()
        call = self.calls.get(key)
        if call is None:
            call = self.calls[key] = Call(key, self.max_events, self._members)
        call.events.extend(events)
        call.channels[chan.uniqueid] = chan
        self._call_of[chan.uniqueid] = key
        self._check_ended(call)

    def _members(self, bridge: str) -> list[ChannelState]:
        return [self.channels[u] for u in self.bridges.get(bridge, ()) if u in self.channels]

    def _set_bridge(self, chan: ChannelState, bridge: str) -> None:
        if chan.bridge and (members := self.bridges.get(chan.bridge)) is not None:
            members.discard(chan.uniqueid)
            if not members:
                del self.bridges[chan.bridge]
        chan.bridge = bridge
        if bridge:
            self.bridges.setdefault(bridge, set()).add(chan.uniqueid)

    def _bridge_destroy(self, m: Message) -> None:
        for chan in self._members(_get(m, "BridgeUniqueid")):
            self._set_bridge(chan, "")

    # -- bounds and the grace period -------------------------------------------------
    def _make_room(self) -> None:
        while len(self.channels) >= self.max_channels and self.calls:
            key = next(iter(self.calls))  # the call quiet for longest
            self._retire(key)
            self.evicted += 1

    def expire(self, now: float | None) -> None:
        """Move the calls that ended ``grace`` seconds before ``now`` to ``recent``."""
        if now is None or now < self._due:
            return  # checked on every event: most often this is all it costs
        for key, ended in list(self._ended.items()):
            if ended + self.grace <= now:
                self._retire(key)
        self._due = min(self._ended.values(), default=float("inf")) + self.grace

    def _retire(self, key: str) -> None:
        call = self.calls.pop(key)
        self._ended.pop(key, None)
        for unique, chan in call.channels.items():
            self.channels.pop(unique, None)
            self._call_of.pop(unique, None)
            if self._by_name.get(chan.name) == unique:
                del self._by_name[chan.name]
            if chan.bridge:
                self._set_bridge(chan, "")
                chan.bridge = ""
            self._retired[unique] = None
            if len(self._retired) > 4 * self.max_channels:
                self._retired.popitem(last=False)
        if call.ended is not None or call.gone:
            self.recent.append(call)

    # -- seeding from lists ----------------------------------------------------------
    def seed_channels(self, items: Iterable[Message], at: float, *, since: float | None = None) -> None:
        """Take the CoreShowChannel rows of a CoreShowChannels listing, received at ``at``.

        A channel listed is made or refreshed (its start from the row's Duration); a
        live channel not listed is gone, unless an event about it came after ``since``
        (when the listing was asked for). Ended calls stay as they are.
        """
        listed: set[str] = set()
        for item in items:
            if item.name != "CoreShowChannel":
                continue
            chan = self._channel(item, at)
            if chan is None:
                continue
            listed.add(chan.uniqueid)
            chan.update_snapshot(item)
            if app := item.header("Application"):
                chan.application, chan.app_data = _clip(app), _clip(item.header("ApplicationData") or "")
            self._set_bridge(chan, _get(item, "BridgeId"))
            seconds = _duration(_get(item, "Duration"))
            if seconds is not None:
                chan.first_seen = min(chan.first_seen or at, at - seconds)
            chan.last_event = chan.last_event or "CoreShowChannel"
            chan.last_seen = max(chan.last_seen or at, at)
        for chan in list(self.channels.values()):
            if chan.uniqueid in listed or chan.hung_up:
                continue
            if since is not None and chan.last_seen is not None and chan.last_seen > since:
                continue
            chan.hung_up, chan.hangup_at = True, at
            self._set_bridge(chan, "")
            call = self.calls.get(self._call_of.get(chan.uniqueid, ""))
            if call is not None:
                call.gone = True
                self._check_ended(call)

    def seed_bridges(self, items: Iterable[Message], at: float) -> None:
        """Take a BridgeInfo listing (BridgeInfoChannel rows, and the BridgeInfoComplete that
        names the bridge) or BridgeListItem rows: the channels listed are in that bridge."""
        items = list(items)
        bridge = next((b for i in items if (b := _get(i, "BridgeUniqueid"))), "")
        if not bridge:
            return
        for item in items:
            if item.name == "BridgeInfoChannel" and (chan := self._channel(item, at)) is not None:
                chan.update_snapshot(item)
                if not chan.hung_up:
                    self._set_bridge(chan, bridge)
                chan.last_event = chan.last_event or "BridgeInfoChannel"


def _duration(text: str) -> int | None:
    """CoreShowChannel's ``Duration: 00:01:05`` in seconds."""
    parts = text.split(":")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    hours, minutes, seconds = (int(p) for p in parts)
    return hours * 3600 + minutes * 60 + seconds
