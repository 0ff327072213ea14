"""The calls up on a PBX right now, kept current from AMI events: the model behind a Calls view.

:class:`LiveCalls` takes every event (:meth:`LiveCalls.feed`) and the rows of a
CoreShowChannels listing (:meth:`LiveCalls.seed_channels`; :meth:`LiveCalls.seed_requests`
says what to ask), so the calls already up at connect are listed too. Asterisk 22's
CoreShowChannel rows carry the bridge each channel is in (``BridgeId``): no BridgeInfo per
bridge is needed, and the console never loads the PBX it watches with one query per bridge.

It knows channels by Uniqueid and groups them into calls by Linkedid (a channel whose
Linkedid is not known yet is a call of its own, by its Uniqueid, until one arrives). Two
calls whose channels meet in a bridge (an attended transfer between two calls, a
conference; not a holding bridge such as a parking lot), or that an AttendedTransfer
joins, are one call, as Asterisk makes them one: it keeps the older Linkedid, and
:meth:`LiveCalls.call_for` still finds the call by the other. Each :class:`Call` gives a
:class:`CallRow`: what a row of the Calls view shows, keyed by the call's Linkedid.

Order: Asterisk interleaves the events of a call's channels differently under load, and
a console may connect mid-call. So nothing here relies on a channel's Newchannel coming
first, and a hangup is final (a late event does not bring a channel back).

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

Bounds, whatever the server sends (:mod:`.groups` tells them): calls, channels, channels
per call, events kept, every stored value clipped to :data:`MAX_VALUE` characters; the
calls let go while up are counted (``evicted``: "N calls not shown"). Each event costs a
bounded amount of work, and :meth:`LiveCalls.rows` works out again only the calls that
changed since it last ran.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ami_console.calls.call import STATE_ORDER, Call, CallRow, sort_rows
from ami_console.calls.channel import MAX_VALUE, ChannelState, clip, get, short_channel, uniqueid_order
from ami_console.calls.groups import CallGroups
from ami_console.events.filter import EventFilter
from ami_console.protocol import Message

__all__ = [
    "MAX_VALUE",
    "STATE_ORDER",
    "Call",
    "CallRow",
    "ChannelState",
    "LiveCalls",
    "short_channel",
    "sort_rows",
    "uniqueid_order",
]

# Events that tell nothing about the call's picture and are not kept for the ladder.
# BridgeCreate names no channel: the channels' own BridgeEnter tell what it holds.
_IGNORED = {
    "Cdr",
    "Cel",
    "DeviceStateChange",
    "RTCPSent",
    "RTCPReceived",
    "VarSet",
    "OriginateResponse",
    "BridgeCreate",
}
_TRANSFERS = ("BlindTransfer", "AttendedTransfer")


class LiveCalls(CallGroups):
    """The current calls of a PBX, from its AMI events and list rows.

    ``calls`` holds the calls up now and those ended less than ``grace`` seconds ago, least
    recently active first; ``recent`` the last ``recent_size`` calls that ended before
    that, newest last. The bounds are :class:`CallGroups`'.
    """

    @staticmethod
    def seed_requests() -> list[list[tuple[str, str]]]:
        """The actions whose answers seed the model (:meth:`seed_channels`): one
        CoreShowChannels, whatever the number of calls or bridges. Read-only."""
        return [[("Action", "CoreShowChannels")]]

    # -- looking up ------------------------------------------------------------------
    def call_for(self, key: str) -> Call | None:
        """The call a Linkedid (its own or that of a call joined into it), a Uniqueid or a
        channel name belongs to (live or ended)."""
        key = self._resolve(key)
        if key in self.calls:
            return self.calls[key]
        unique = key if key in self._call_of else self._by_name.get(key, "")
        if unique in self._call_of:
            return self.calls.get(self._call_of[unique])
        return next((c for c in reversed(self.recent) if key == c.key or key in c.channels or key in c.joined), None)

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
        if name == "BridgeMerge":
            return self._bridge_merge(message, at)
        chan = self._channel(message, at, "Transferee" if name in _TRANSFERS else "")
        if chan is None:
            # DialBegin/DialEnd of an Originate name only the dialled (Dest) channel.
            chan = self._channel(message, at, "Dest") if name in ("DialBegin", "DialEnd") else None
            if chan is None:
                return None
            self._dest_event(chan, name, message)
        elif chan.hung_up and name != "Hangup":
            # A straggler (events interleave): it changes nothing of a channel that has gone,
            # except the facts of its history a row shows.
            if name == "DialEnd":
                chan.dial_status = get(message, "DialStatus")
            elif name == "Newchannel":
                chan.first_exten = get(message, "Exten") or chan.first_exten
            elif name in ("BridgeEnter", "AttendedTransfer"):
                self._joins(chan, name, message)  # which calls became one does not depend on order
        else:
            self._apply(chan, name, message, at)
        return self._touch(chan, message, at, name)

    def _apply(self, chan: ChannelState, name: str, m: Message, at: float | None) -> None:
        chan.update_snapshot(m)
        # Only the events that tell more than the snapshot have a handler: found by name in
        # one look-up, not by asking each event a dozen questions.
        handler = _HANDLERS.get(name)
        if handler is not None:
            handler(self, chan, name, m, at)

    def _newchannel(self, chan: ChannelState, name: str, m: Message, at: float | None) -> None:
        chan.first_exten = get(m, "Exten") or chan.first_exten

    def _newexten(self, chan: ChannelState, name: str, m: Message, at: float | None) -> None:
        chan.application, chan.app_data = get(m, "Application"), clip(m.header("AppData") or "")
        chan.ran_dialplan = chan.ran_dialplan or (bool(chan.application) and not chan.stands_in)

    def _dial_begin(self, chan: ChannelState, name: str, m: Message, at: float | None) -> None:
        dest = self._channel(m, at, "Dest")
        if dest is not None and not dest.hung_up:
            chan.dialling[dest.uniqueid] = dest.name

    def _dial_end(self, chan: ChannelState, name: str, m: Message, at: float | None) -> None:
        chan.dialling.pop(get(m, "DestUniqueid"), None)
        chan.dial_status = get(m, "DialStatus")

    def _bridge_enter(self, chan: ChannelState, name: str, m: Message, at: float | None) -> None:
        self._set_bridge(chan, get(m, "BridgeUniqueid"))
        self._joins(chan, name, m)

    def _bridge_leave(self, chan: ChannelState, name: str, m: Message, at: float | None) -> None:
        if chan.bridge == get(m, "BridgeUniqueid"):
            self._set_bridge(chan, "")

    def _hold(self, chan: ChannelState, name: str, m: Message, at: float | None) -> None:
        # Reported on the channel that asked for hold: the others in its bridge are held.
        chan.holding = tuple(o.uniqueid for o in self._members(chan.bridge) if o is not chan and not o.hung_up)
        chan.on_hold = not chan.holding

    def _unhold(self, chan: ChannelState, name: str, m: Message, at: float | None) -> None:
        chan.holding, chan.on_hold = (), False

    def _music_on_hold(self, chan: ChannelState, name: str, m: Message, at: float | None) -> None:
        chan.on_hold = name == "MusicOnHoldStart"

    def _queue_join(self, chan: ChannelState, name: str, m: Message, at: float | None) -> None:
        chan.queue, chan.queue_since = get(m, "Queue"), at

    def _queue_leave(self, chan: ChannelState, name: str, m: Message, at: float | None) -> None:
        chan.queue, chan.queue_since = "", None

    def _agent(self, chan: ChannelState, name: str, m: Message, at: float | None) -> None:
        chan.agent = get(m, "MemberName") or get(m, "Interface")

    def _attended_transfer(self, chan: ChannelState, name: str, m: Message, at: float | None) -> None:
        self._joins(chan, name, m)

    def _dest_event(self, dest: ChannelState, name: str, m: Message) -> None:
        """An Originate's own DialBegin/DialEnd: the dialled channel is "being called"."""
        if name == "DialEnd":
            dest.dial_status = get(m, "DialStatus")
        if dest.hung_up:
            return
        if name == "DialBegin":
            dest.dialling[dest.uniqueid] = dest.name
        else:
            dest.dialling.pop(dest.uniqueid, None)

    def _hangup(self, chan: ChannelState, name: str, m: Message, at: float | None) -> None:
        chan.cause, chan.cause_txt = get(m, "Cause"), get(m, "Cause-txt")
        chan.dialling.clear()
        chan.queue, chan.queue_since, chan.on_hold, chan.holding = "", None, False, ()
        self._set_bridge(chan, "")
        self._end_channel(chan, at)

    def _touch(self, chan: ChannelState, m: Message, at: float | None, name: str) -> str | None:
        chan.last_event = name
        if at is not None:  # min() and max(), spelled out: this runs for every event
            if chan.first_seen is None or at < chan.first_seen:
                chan.first_seen = at
            if chan.last_seen is None or at > chan.last_seen:
                chan.last_seen = at
        return self._record(self._call_of.get(chan.uniqueid, ""), m, at)

    # -- seeding from lists ----------------------------------------------------------
    def seed_channels(self, items: Iterable[Message], at: float, *, since: float | None = None) -> None:
        """Take the CoreShowChannel rows of a CoreShowChannels listing, received at ``at``.

        A channel listed is made or refreshed (its start from the row's Duration, its
        bridge from BridgeId); a live channel not listed is gone, unless an event about it
        came after ``since`` (when the listing was asked for). Ended calls stay as they are.
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
                chan.application, chan.app_data = clip(app), clip(item.header("ApplicationData") or "")
            if not chan.hung_up:
                self._set_bridge(chan, get(item, "BridgeId"))
            seconds = _duration(get(item, "Duration"))
            if seconds is not None:
                chan.first_seen = min(chan.first_seen or at, at - seconds)
            chan.last_event = chan.last_event or "CoreShowChannel"
            chan.last_seen = max(chan.last_seen or at, at)
            self.calls[self._call_of[chan.uniqueid]].version += 1
        for chan in list(self.channels.values()):
            if chan.uniqueid in listed or chan.hung_up:
                continue
            if since is not None and chan.last_seen is not None and chan.last_seen > since:
                continue
            self._set_bridge(chan, "")
            if (call := self.calls.get(self._call_of.get(chan.uniqueid, ""))) is not None:
                call.gone = True
            self._end_channel(chan, at)


Handler = Callable[[LiveCalls, ChannelState, str, Message, "float | None"], None]
_HANDLERS: dict[str, Handler] = {
    "Newchannel": LiveCalls._newchannel,
    "Newexten": LiveCalls._newexten,
    "DialBegin": LiveCalls._dial_begin,
    "DialEnd": LiveCalls._dial_end,
    "BridgeEnter": LiveCalls._bridge_enter,
    "BridgeLeave": LiveCalls._bridge_leave,
    "Hold": LiveCalls._hold,
    "Unhold": LiveCalls._unhold,
    "MusicOnHoldStart": LiveCalls._music_on_hold,
    "MusicOnHoldStop": LiveCalls._music_on_hold,
    "QueueCallerJoin": LiveCalls._queue_join,
    "QueueCallerLeave": LiveCalls._queue_leave,
    "QueueCallerAbandon": LiveCalls._queue_leave,
    "AgentCalled": LiveCalls._agent,
    "AgentConnect": LiveCalls._agent,
    "AttendedTransfer": LiveCalls._attended_transfer,
    "Hangup": LiveCalls._hangup,
}


def _duration(text: str) -> int | None:
    """CoreShowChannel's ``Duration: 00:01:05`` in seconds."""
    parts = text.split(":")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    hours, minutes, seconds = (int(p) for p in parts)
    return hours * 3600 + minutes * 60 + seconds
