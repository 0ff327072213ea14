"""What one call did, from the events of its Linkedid alone.

A :class:`CallRecord` is fed every event the PBX sends (other calls' too) and keeps what
belongs to its call: an event whose ``Linkedid`` (or ``DestLinkedid``, ``TransfereeLinkedid``...)
is the call's, or an ``OriginateResponse`` for its ActionID. So a busy PBX's other traffic
never counts. From those it keeps the dialplan steps of each channel (a
:class:`~ami_console.calls.path.ChannelPath` each, and all their steps in the order they
came), the variables set, the dial statuses, each channel's hangup cause, the queues
joined and the agents who answered, and whom its channels were bridged with (bridges are
followed for every call, so a peer that entered first is known).

Bounded whatever the server sends: channels, steps, values and bridges followed (see
the constants); each event costs a bounded amount of work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ami_console.calls import words
from ami_console.calls.channel import clip
from ami_console.calls.path import MAX_STEPS, ChannelPath, Step
from ami_console.lessons.checks import Check, Observation
from ami_console.protocol import Message

__all__ = ["CallRecord", "Hangup", "PathStep"]

MAX_CHANNELS = 200  # a call has a handful; a loop of Local channels must not grow it without end
MAX_VALUES = 200  # variables, dial statuses, queues, agents, peers kept
MAX_BRIDGES = 1000  # bridges followed at once (of every call: to know who was in them first)


@dataclass(frozen=True)
class PathStep:
    """One dialplan step of the call, on one of its channels."""

    channel: str
    step: Step

    @property
    def where(self) -> str:
        return self.step.where


@dataclass(frozen=True)
class Hangup:
    channel: str
    cause: str
    cause_txt: str
    at: float | None


class CallRecord:
    """The call whose Linkedid is ``linkedid`` (Originate's ChannelId), as seen so far.

    ``watch``: event checks to match as events come (each remembers its first match), so
    no event needs keeping for them.
    """

    def __init__(self, linkedid: str, action_id: str = "", watch: Sequence[Check] = ()) -> None:
        self.linkedid = linkedid
        self.action_id = action_id
        self.watch = tuple(watch)
        self.matched: dict[int, Message] = {}  # index in watch -> the first event that passed it
        self.paths: dict[str, ChannelPath] = {}  # Uniqueid -> its path
        self.names: dict[str, str] = {}  # Uniqueid -> channel name
        self.live: set[str] = set()  # Uniqueids not hung up
        self.steps: list[PathStep] = []  # every channel's steps, in the order they came
        self.dropped_steps = 0
        self.variables: dict[str, list[str]] = {}  # name -> values set, in order
        self.dial_statuses: list[str] = []
        self.hangups: list[Hangup] = []
        self.queues: list[str] = []
        self.agents: list[str] = []
        self.peers: list[str] = []  # channels of other calls, or of this one, bridged with its channels
        self.originate_failure = ""  # OriginateResponse: Failure, in words
        self.started: float | None = None  # its first event
        self.ended_at: float | None = None  # when its last channel hung up
        self.events = 0  # of this call, counted
        self._bridges: dict[str, list[str]] = {}  # BridgeUniqueid -> channel names in it, of any call
        self._mine: set[str] = set()  # bridges its channels entered

    # -- what it says ---------------------------------------------------------------------
    @property
    def ended(self) -> bool:
        """Its channels have all hung up (or the Originate failed before making one)."""
        return bool(self.originate_failure and not self.live) or (bool(self.names) and not self.live)

    @property
    def duration(self) -> float | None:
        if self.started is None or self.ended_at is None:
            return None
        return max(0.0, self.ended_at - self.started)

    def channels_up(self) -> list[str]:
        return [self.names[u] for u in sorted(self.live) if u in self.names]

    def where(self) -> list[str]:
        return [s.where for s in self.steps]

    # -- taking events --------------------------------------------------------------------
    def belongs(self, message: Message) -> bool:
        if message.name == "OriginateResponse":
            by_id = bool(self.action_id) and message.header("ActionID") == self.action_id
            return by_id or message.header("Uniqueid") == self.linkedid
        for key, value in message.fields:
            if value == self.linkedid and key.lower().endswith("linkedid"):
                return True
        return False

    def feed(self, message: Message, at: float | None) -> bool:
        """Take one event (of any call); whether it was this call's."""
        name = message.name
        if name in ("BridgeEnter", "BridgeLeave", "BridgeDestroy"):
            self._bridge(name, message)
        if not self.belongs(message):
            return False
        self.events += 1
        if self.started is None:
            self.started = at
        for index, check in enumerate(self.watch):
            if index not in self.matched and check.passes(Observation("event", message=message)):
                self.matched[index] = message
        if name == "OriginateResponse":
            if (message.header("Response") or "").lower() != "success":
                reason = message.header("Reason", "")
                said = words.originate_reason(reason)
                self.originate_failure = f"the Originate failed (Reason {reason}{': ' + said if said else ''})"
                self.ended_at = self.ended_at or at
            return True
        uniqueid = message.header("Uniqueid", "")
        if uniqueid and uniqueid not in self.names and len(self.names) < MAX_CHANNELS:
            self.names[uniqueid] = clip(message.header("Channel", ""))
            self.live.add(uniqueid)
        if uniqueid in self.names:
            self._channel_event(name, uniqueid, message, at)
        return True

    def _channel_event(self, name: str, uniqueid: str, message: Message, at: float | None) -> None:
        path = self.paths.setdefault(uniqueid, ChannelPath(uniqueid=uniqueid))
        before = len(path.steps) + path.dropped
        path.add((at, message))
        if name == "Newexten" and len(path.steps) + path.dropped > before:
            self.steps.append(PathStep(self.names[uniqueid], path.steps[-1]))
            if len(self.steps) > MAX_STEPS:
                del self.steps[0]
                self.dropped_steps += 1
        elif name == "VarSet":
            values = self.variables.get(message.header("Variable", ""))
            if values is None and len(self.variables) < MAX_VALUES:
                values = self.variables.setdefault(message.header("Variable", ""), [])
            if values is not None and len(values) < MAX_VALUES:
                values.append(clip(message.header("Value", "")))
        elif name == "DialEnd":
            _add(self.dial_statuses, message.header("DialStatus", ""))
        elif name == "QueueCallerJoin":
            _add(self.queues, message.header("Queue", ""))
        elif name == "AgentConnect":
            _add(self.agents, message.header("MemberName") or message.header("Interface", ""))
        elif name == "BridgeEnter":
            bridge = message.header("BridgeUniqueid", "")
            if bridge in self._bridges:
                self._mine.add(bridge)
                for other in self._bridges[bridge]:
                    if other != self.names[uniqueid]:
                        _add(self.peers, other)
        elif name == "Hangup" and uniqueid in self.live:
            self.live.discard(uniqueid)
            cause, text = message.header("Cause", ""), message.header("Cause-txt", "")
            if len(self.hangups) < MAX_CHANNELS:
                self.hangups.append(Hangup(self.names[uniqueid], cause, clip(text), at))
            if not self.live:
                self.ended_at = at

    def _bridge(self, name: str, message: Message) -> None:
        bridge = message.header("BridgeUniqueid", "")
        if name == "BridgeDestroy":
            self._bridges.pop(bridge, None)
            return
        if name == "BridgeLeave":
            return  # who was in it once is what "bridged with" asks
        channel = clip(message.header("Channel", ""))
        members = self._bridges.get(bridge)
        if members is None:
            if len(self._bridges) >= MAX_BRIDGES:
                del self._bridges[next(iter(self._bridges))]
            members = self._bridges[bridge] = []
        if channel not in members and len(members) < MAX_CHANNELS:
            members.append(channel)
        if bridge in self._mine:
            _add(self.peers, channel)


def _add(values: list[str], value: str) -> None:
    if value and value not in values and len(values) < MAX_VALUES:
        values.append(clip(value))
