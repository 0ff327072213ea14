"""Which channels make which calls, within bounds: the bookkeeping under :class:`LiveCalls`.

:class:`CallGroups` keeps the channels (by Uniqueid), the calls they form (by Linkedid),
the bridges they are in, and the events kept for each call's ladder. It joins calls that
Asterisk joins: two calls whose channels meet in a bridge (an attended transfer between two
calls, a conference; not a holding bridge such as a parking lot), the two ends of an
AttendedTransfer, a channel given another call's Linkedid. The older Linkedid is kept, as
Asterisk keeps it, so the result does not depend on the order events came in; the other
still leads to the call (:meth:`CallGroups._resolve`).

Bounds, whatever the server sends: at most ``max_calls`` calls and ``max_channels``
channels (a new one pushes out the call that has been quiet longest, counted in
``evicted`` when it was still up: a flood of calls never hung up cannot pin memory),
``max_call_channels`` channels per call (its hung-up ones go first, the rest are counted
in ``dropped_channels``), ``max_events`` events kept per call and ``max_kept_events`` /
``max_kept_bytes`` in all (their memory, as Message.cost counts it; the quietest call's
earliest go first, counted in :attr:`Call.dropped_events`), ``recent_size`` finished calls;
and every map that remembers
ids (retired channels, joined calls, bridges) is bounded too. Each event costs a bounded
amount of work.
"""

from __future__ import annotations

import heapq
from collections import OrderedDict, deque

from ami_console.calls.call import Call
from ami_console.calls.channel import ChannelState, get, joins_calls, older_call
from ami_console.protocol import Message

__all__ = ["CallGroups"]

_MAX_JOINED = 16  # Linkedids a row names as joined into its call


def _size(message: Message) -> int:
    """What keeping an event costs: its memory once decoded (the model reads every event it
    keeps), not its size on the wire, five to ten times less (Message.cost)."""
    return message.cost


def _later(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else max(a, b)


def _arrival(item: tuple[float | None, Message]) -> float:
    return float("-inf") if item[0] is None else item[0]


class CallGroups:
    """The channels, calls and bridges of a PBX as events tell them; see the module doc.

    ``calls`` holds the calls up now and those ended less than ``grace`` seconds ago, least
    recently active first; ``recent`` the last ``recent_size`` calls that ended before
    that, newest last.
    """

    def __init__(
        self,
        *,
        grace: float = 10.0,
        recent_size: int = 300,
        max_calls: int = 2000,
        max_channels: int = 5000,
        max_call_channels: int = 500,
        max_events: int = 1000,
        max_kept_events: int = 50_000,
        max_kept_bytes: int = 32 << 20,
    ) -> None:
        self.grace = grace
        self.recent_size = recent_size
        self.max_calls = max_calls
        self.max_channels = max_channels
        self.max_call_channels = max_call_channels
        self.max_events = max_events
        self.max_kept_events = max_kept_events
        self.max_kept_bytes = max_kept_bytes
        self.calls: OrderedDict[str, Call] = OrderedDict()  # least recently active first
        self.recent: deque[Call] = deque()
        self.channels: dict[str, ChannelState] = {}  # Uniqueid -> channel, of the calls in ``calls``
        self.bridges: dict[str, set[str]] = {}  # BridgeUniqueid -> Uniqueids in it
        self.evicted = 0  # calls let go while still up, to stay within the bounds: "N calls not shown"
        self.dropped_channels = 0  # channels of calls over ``max_call_channels`` not followed
        self.kept_events = 0  # events kept in all calls (live and recent), and their bytes
        self.kept_bytes = 0
        self._call_of: dict[str, str] = {}  # Uniqueid -> call key
        self._by_name: dict[str, str] = {}  # channel name -> Uniqueid
        self._retired: OrderedDict[str, None] = OrderedDict()  # Uniqueids of retired channels (bounded)
        self._joined: OrderedDict[str, str] = OrderedDict()  # a call's key -> the call it joined (bounded)
        self._bridge_call: OrderedDict[str, str] = OrderedDict()  # BridgeUniqueid -> the call in it (bounded)
        self._with_events: OrderedDict[Call, None] = OrderedDict()  # calls keeping events, least recent first
        self._ended: dict[str, float] = {}  # call key -> when it ended
        self._due = float("inf")  # no ended call leaves the grace period before this

    def _resolve(self, key: str) -> str:
        """The key of the call ``key`` was joined into, if it was (else ``key``)."""
        joined = self._joined
        if key not in joined:
            return key
        path = []
        while key in joined:
            path.append(key)
            key = joined[key]
        for step in path[:-1]:  # each look-up stays short, however many calls were joined
            joined[step] = key
        return key

    def _check_ended(self, call: Call) -> None:
        """The call changed: it has ended when its channels have all hung up (counted, so a
        call of hundreds of channels costs no more than one of two)."""
        call.version += 1
        if call.channels and call.up <= 0:
            last = call.last_hangup
            call.ended = last if last is not None else (call.last_seen or 0.0)
            self._ended[call.key] = call.ended
            self._due = min(self._due, call.ended + self.grace)
        else:
            call.ended = None
            self._ended.pop(call.key, None)

    def _record(self, key: str, m: Message, at: float | None) -> str | None:
        """Keep event ``m`` for the ladder of call ``key``: the call changed."""
        call = self.calls.get(key)
        if call is None:
            return None  # let go while this event was taken (the bounds)
        self.calls.move_to_end(key)
        call.version += 1
        size = _size(m)
        call.events.append((at, m))
        call.event_bytes += size
        self.kept_events += 1
        self.kept_bytes += size
        self._with_events[call] = None
        self._with_events.move_to_end(call)
        if len(call.events) > self.max_events:
            self._drop_event(call)
        while self.kept_events > self.max_kept_events or self.kept_bytes > self.max_kept_bytes:
            self._drop_event(next(iter(self._with_events)))
        if at is not None and at >= self._due:
            self.expire(at)
        return key

    def _drop_event(self, call: Call) -> None:
        _, message = call.events.popleft()
        size = _size(message)
        call.event_bytes -= size
        call.dropped_events += 1
        self.kept_events -= 1
        self.kept_bytes -= size
        if not call.events:
            del self._with_events[call]

    def _forget_events(self, call: Call) -> None:
        self.kept_events -= len(call.events)
        self.kept_bytes -= call.event_bytes
        call.events.clear()
        call.event_bytes = 0
        self._with_events.pop(call, None)

    def _channel(self, m: Message, at: float | None, prefix: str = "") -> ChannelState | None:
        """The channel the event's ``prefix`` headers name, made if new (None if retired,
        unnamed, or past the bounds); its call becomes the most recently active."""
        unique = get(m, prefix + "Uniqueid")
        name = get(m, prefix + "Channel")
        if not unique:
            unique = self._by_name.get(name, "")
            if not unique:
                return None
        if unique in self._retired:
            return None
        linked = get(m, prefix + "Linkedid")
        chan = self.channels.get(unique)
        if chan is None:
            if not (linked or name):
                return None  # an Uniqueid alone (OriginateResponse) does not make a channel
            key = self._resolve(linked or unique)
            if not self._make_room(key):
                self.dropped_channels += 1
                self._retire_id(unique)  # not followed: its later events are turned down at once
                return None
            chan = ChannelState(unique, first_seen=at, last_seen=at)
            self.channels[unique] = chan
            self._join(chan, key)
        elif linked and linked != chan.linkedid:
            old, key = self._call_of.get(unique), self._resolve(linked)
            if chan.linkedid and old is not None and old != key:
                self._merge_calls(old, key)  # Asterisk gave it the Linkedid of the call it joined
            else:
                self._join(chan, key)
        chan.linkedid = linked or chan.linkedid
        if prefix:
            chan.update_snapshot(m, prefix)
        if name and name != chan.name:
            self._by_name.pop(chan.name, None)
            chan.name = name
        if chan.name:
            self._by_name[chan.name] = unique
        if (now_in := self._call_of.get(unique)) is None:
            return None  # hung up, and let go as its call joined another past the bound
        self.calls.move_to_end(now_in)
        return chan

    def _new_call(self, key: str) -> Call:
        call = self.calls[key] = Call(key, self._members)
        return call

    def _join(self, chan: ChannelState, key: str) -> None:
        """Put the channel in call ``key`` (moving it out of the one it was in)."""
        old = self._call_of.get(chan.uniqueid)
        if old == key:
            return
        call = self.calls.get(key) or self._new_call(key)
        if old is not None and (previous := self.calls.get(old)) is not None:
            if previous.channels.pop(chan.uniqueid, None) is not None and not chan.hung_up:
                previous.up -= 1
            if not previous.channels:  # its only channel moved: the call goes with it
                self._merge(old, key)
            else:
                self._check_ended(previous)
        call.channels[chan.uniqueid] = chan
        self._call_of[chan.uniqueid] = key
        if chan.hung_up:
            call.hung.append(chan.uniqueid)
            call.last_hangup = _later(call.last_hangup, chan.hangup_at)
        else:
            call.up += 1
        self._check_ended(call)

    def _end_channel(self, chan: ChannelState, at: float | None) -> None:
        """The channel hung up, or is gone: its call may have ended. A hangup is final."""
        call = self.calls.get(self._call_of.get(chan.uniqueid, ""))
        if not chan.hung_up:
            chan.hung_up, chan.hangup_at = True, at
            if call is not None:
                call.up -= 1
                call.hung.append(chan.uniqueid)
                call.last_hangup = _later(call.last_hangup, at)
        if call is not None:
            self._check_ended(call)

    def _joins(self, chan: ChannelState, name: str, m: Message) -> None:
        """Calls that become one: a channel entering a bridge (not a holding one) where
        another call was, the two ends of an attended transfer."""
        key = self._call_of.get(chan.uniqueid)
        if key is None:
            return
        if name == "AttendedTransfer":
            target = self._call_of.get(get(m, "TransferTargetUniqueid"))
            if get(m, "Result") == "Success" and target is not None:
                self._merge_calls(key, target)
            return
        bridge = get(m, "BridgeUniqueid")
        if not bridge or not joins_calls(m):
            return
        was = self._bridge_call.get(bridge)
        if was is not None:
            key = self._merge_calls(key, self._resolve(was))
        self._bridge_call[bridge] = key
        self._bridge_call.move_to_end(bridge)
        while len(self._bridge_call) > self.max_channels:
            self._bridge_call.popitem(last=False)

    def _merge_calls(self, a: str, b: str) -> str:
        """Calls ``a`` and ``b`` are one: the older Linkedid is kept, as Asterisk keeps it
        (so the same, whatever order the events came in). The key kept."""
        keep = older_call(a, b)
        if a != b and (a in self.calls or b in self.calls):
            self._merge(b if keep == a else a, keep)
        return keep

    def _merge(self, gone: str, keep: str) -> None:
        """Call ``gone`` becomes part of call ``keep``: its channels, its events (in arrival
        order), and its key, which :meth:`call_for` still finds. A ``gone`` not tracked (yet)
        only leads to ``keep`` from now on."""
        if gone == keep:
            return
        lost = self.calls.pop(gone, None)
        if lost is None:
            if keep in self.calls:
                self._alias(gone, keep)
            return
        call = self.calls.get(keep) or self._new_call(keep)
        for unique, chan in lost.channels.items():
            call.channels[unique] = chan
            self._call_of[unique] = keep
        call.hung.extend(lost.hung)
        call.up += lost.up
        call.last_hangup = _later(call.last_hangup, lost.last_hangup)
        if lost.events:
            if call.events and _arrival(lost.events[0]) < _arrival(call.events[-1]):
                # Each in arrival order already: interleaved in one pass, however many.
                call.events = deque(heapq.merge(call.events, lost.events, key=_arrival))
            else:
                call.events.extend(lost.events)
            call.event_bytes += lost.event_bytes
            self._with_events.pop(lost, None)
            self._with_events[call] = None
            while len(call.events) > self.max_events:
                self._drop_event(call)
        call.dropped_events += lost.dropped_events
        if lost.channels:  # not a placeholder call of one channel that had no Linkedid yet
            call.joined = (*call.joined, gone, *lost.joined)[-_MAX_JOINED:]
            self._alias(gone, keep)
        call.gone = call.gone or lost.gone
        self._ended.pop(gone, None)
        while len(call.channels) > self.max_call_channels and self._drop_hung_up(call):
            pass  # two calls joined are one call: within its bound, the hung-up channels first
        self._check_ended(call)

    def _alias(self, gone: str, keep: str) -> None:
        self._joined[gone] = keep
        while len(self._joined) > 4 * self.max_calls:
            self._joined.popitem(last=False)

    def _members(self, bridge: str) -> list[ChannelState]:
        if not bridge:
            return []
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
        for chan in self._members(get(m, "BridgeUniqueid")):
            self._set_bridge(chan, "")

    def _bridge_merge(self, m: Message, at: float | None) -> str | None:
        """Asterisk moves every channel of one bridge into another (each with a BridgeLeave
        and a BridgeEnter of its own): one call now."""
        source, target = get(m, "FromBridgeUniqueid"), get(m, "ToBridgeUniqueid")
        calls = [self._resolve(c) for b in (target, source) if (c := self._bridge_call.get(b)) is not None]
        if not calls:
            return None
        key = self._merge_calls(*calls) if len(calls) == 2 else calls[0]
        self._bridge_call[source] = self._bridge_call[target] = key
        return self._record(key, m, at)

    # -- bounds and the grace period -------------------------------------------------
    def _make_room(self, key: str) -> bool:
        """Room for a new channel of call ``key``; False when that call is full of live channels."""
        call = self.calls.get(key)
        if call is not None and len(call.channels) >= self.max_call_channels and not self._drop_hung_up(call):
            return False
        new_call = call is None
        while self.calls and (
            len(self.channels) >= self.max_channels or (new_call and len(self.calls) >= self.max_calls)
        ):
            # A call that has ended goes first (to the recent ones, as it would after its
            # grace period), among the first that ended: in a storm of short calls, the
            # calls still up stay listed, however quiet, and are seen ending.
            if self._ended:
                ended = next(iter(self._ended))
                if ended in self.calls:
                    self._retire(ended)
                else:
                    del self._ended[ended]
                continue
            quiet = next(iter(self.calls))  # the call quiet for longest
            if self.calls[quiet].ended is None:
                self.evicted += 1
            self._retire(quiet)
        return True

    def _drop_hung_up(self, call: Call) -> bool:
        """Let go of the call's channel that hung up first, to make room for a new one."""
        while call.hung:
            unique = call.hung.popleft()
            chan = call.channels.get(unique)
            if chan is not None and chan.hung_up:
                del call.channels[unique]
                self._forget_channel(chan)
                self.dropped_channels += 1
                call.version += 1
                return True
        return False

    def _forget_channel(self, chan: ChannelState) -> None:
        unique = chan.uniqueid
        self.channels.pop(unique, None)
        self._call_of.pop(unique, None)
        if self._by_name.get(chan.name) == unique:
            del self._by_name[chan.name]
        if chan.bridge:
            self._set_bridge(chan, "")
        self._retire_id(unique)

    def _retire_id(self, unique: str) -> None:
        self._retired[unique] = None
        if len(self._retired) > 4 * self.max_channels:
            self._retired.popitem(last=False)

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
        for chan in call.channels.values():
            self._forget_channel(chan)
        if call.ended is None and not call.gone:
            self._forget_events(call)  # let go while up: not listed anywhere
            return
        self.recent.append(call)
        while len(self.recent) > self.recent_size:
            self._forget_events(self.recent.popleft())
