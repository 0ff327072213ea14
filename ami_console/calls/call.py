"""One call of the live model (its channels, the events kept for its ladder) and its row.

A :class:`Call` is what :class:`ami_console.calls.live.LiveCalls` groups by Linkedid: the
caller, the channels it dials, both halves of Local channels, and the channels of other
calls joined to it in a bridge (an attended transfer between two calls, a conference).
:meth:`Call.row` gives a :class:`CallRow`, what a row of the Calls view shows; the part
that does not depend on the time is kept until the call changes (:attr:`Call.version`),
so listing thousands of calls costs little more than building their rows.

What a row says of a finished call is chosen by rules that do not depend on arrival order
(the channels are ordered by Uniqueid, the cause shown is the first unusual one...).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ami_console.calls import words
from ami_console.calls.channel import ChannelState
from ami_console.events.filter import EventFilter
from ami_console.protocol import Message

__all__ = ["STATE_ORDER", "Call", "CallRow", "sort_rows"]

_FAILED_DIALS = ("BUSY", "NOANSWER", "CONGESTION", "CHANUNAVAIL", "CANCEL")

# Sorting by state puts what needs attention first.
STATE_ORDER = ("ringing", "queue", "hold", "bridged", "up", "other", "ended")
_RANK = {name: rank for rank, name in enumerate(STATE_ORDER)}


@dataclass(frozen=True)
class CallRow:
    """What one row of the Calls view shows (texts as the server sent them: the view
    passes them through ``plain``)."""

    key: str  # the call's Linkedid: stable while the call lives (see LiveCalls.call_for)
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
    joined: tuple[str, ...] = ()  # the Linkedids of the calls joined into this one

    @property
    def caller(self) -> str:
        """``"Alice" <100>``, ``<100>``, or "" when unknown."""
        if self.caller_name and self.caller_num:
            return f'"{self.caller_name}" <{self.caller_num}>'
        if self.caller_num:
            return f"<{self.caller_num}>"
        return self.caller_name


class Call:
    """The channels of one call, with the events kept for its ladder."""

    def __init__(self, key: str, members: Callable[[str], list[ChannelState]]) -> None:
        self.key = key
        self.channels: dict[str, ChannelState] = {}  # Uniqueid -> channel
        self.events: deque[tuple[float | None, Message]] = deque()  # bounded by LiveCalls
        self.event_bytes = 0  # what its events take in memory (Message.cost)
        self.dropped_events = 0  # its earliest events, let go to keep the model within bounds
        self.hung: deque[str] = deque()  # Uniqueids of its channels that hung up, first first
        self.up = 0  # its channels not hung up
        self.last_hangup: float | None = None  # when its last channel hung up, so far
        self.ended: float | None = None  # when its last channel hung up (None while one is up)
        self.gone = False  # was up, but not listed when the console re-read the channels
        self.joined: tuple[str, ...] = ()  # Linkedids of the calls joined into this one
        self.version = 0  # counts its changes: what was worked out of it stays good until then
        self._members = members  # BridgeUniqueid -> the channels in it
        self._row: tuple[int, tuple[str, str, str, str, int, float | None, str, int, float | None]] | None = None
        self._match: tuple[int, EventFilter, bool] | None = None
        self._made: tuple[int, float | None, CallRow] | None = None  # the last row made: version, now, row

    # -- what the row shows ----------------------------------------------------------
    def ordered(self) -> list[ChannelState]:
        """The channels in the order Asterisk made them (by Uniqueid)."""
        return sorted(self.channels.values(), key=_order)

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
        text, rank, since = self._state(self.ordered())
        return text + _waited(since, now), rank

    def _state(self, chans: list[ChannelState]) -> tuple[str, int, float | None]:
        """The state in words, its rank, and since when it waits in a queue (its words then
        end with "for N s", counted up to now by :meth:`state`); ``chans`` in order."""
        if self.ended is not None:
            return self._ended_words(chans), _RANK["ended"], None
        live = [c for c in chans if not c.hung_up]
        if held := self._hold_words(live):
            return held, _RANK["hold"], None
        for chan in live:
            if chan.queue:
                return f"in queue {chan.queue}", _RANK["queue"], chan.queue_since
        for chan in live:
            if others := self._talks_to(chan):
                return f"bridged with {', '.join(o.short for o in others)}", _RANK["bridged"], None
        if any(c.dialling for c in live) or any(c.state == "Ringing" for c in live):
            return "ringing", _RANK["ringing"], None
        if any(c.state == "Up" for c in live):
            return "up", _RANK["up"], None
        first = live[0].state.lower() if live and live[0].state else "starting"
        return first, _RANK["other"], None

    def _talks_to(self, chan: ChannelState) -> list[ChannelState]:
        if not chan.bridge:
            return []
        return [o for o in self._members(chan.bridge) if o is not chan and o.bridge == chan.bridge and not o.hung_up]

    def _hold_words(self, live: list[ChannelState]) -> str:
        """Hold is reported on the channel that asked for it; the row names who is held:
        ``on hold: PJSIP/alice held by PJSIP/bob`` (and whom the holder talks to meanwhile,
        the consultation of an attended transfer)."""
        for holder in live:
            held = [c.short for u in holder.holding if (c := self.channels.get(u)) is not None and not c.hung_up]
            if held:
                said = f"on hold: {', '.join(held)} held by {holder.short}"
                if talks := [o for o in self._talks_to(holder) if o.uniqueid not in holder.holding]:
                    said += f", who talks to {', '.join(o.short for o in talks)}"
                return said
        music = [c.short for c in live if c.on_hold]
        return f"on hold: {', '.join(music)}" if music else ""

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
            said += ", " + "/".join(words.dial_outcome(status) for status in failed)
        return said

    def caller(self, chans: list[ChannelState] | None = None) -> tuple[str, str]:
        """(name, number) of the first channel that has a caller ID."""
        for chan in self.ordered() if chans is None else chans:
            if chan.caller_num or chan.caller_name:
                return chan.caller_name, chan.caller_num
        return "", ""

    def dialled(self, chans: list[ChannelState] | None = None) -> str:
        chans = self.ordered() if chans is None else chans
        return chans[0].first_exten if chans else ""

    def application(self, chans: list[ChannelState] | None = None) -> str:
        """What the call runs now: the first live channel's application that is not a
        stand-in for the dialled side (AppDial, AppQueue)."""
        chans = self.ordered() if chans is None else chans
        live = [c for c in chans if not c.hung_up] or chans
        for chan in live:
            if chan.application and not chan.stands_in:
                return chan.doing
        return next((c.doing for c in live if c.application), "")

    def dialplan_channel(self) -> ChannelState | None:
        """The channel whose dialplan the call runs (for the dialplan pane): the first, by
        Uniqueid, seen running dialplan applications (a live one first); for a Local
        channel not seen so (listed at connect), its ``;2`` half, the one that runs the
        extension; else the first channel. An originated Local channel's ``;1`` half only
        stands for whoever placed the call."""
        chans = self.ordered()
        ran = [c for c in chans if c.ran_dialplan]
        chosen = next((c for c in ran if not c.hung_up), None) or next(iter(ran), None)
        if chosen is None:
            halves = [c for c in chans if c.name.startswith("Local/") and c.name.endswith(";2")]
            chosen = next((c for c in halves if not c.hung_up), None) or next(iter(halves), None)
        return chosen or next(iter(chans), None)

    def row(self, now: float | None) -> CallRow:
        """The row for this call at time ``now`` (duration and queue wait count up to it).

        The same row again while the call has not changed, and, once it has ended, whatever
        ``now`` (nothing in it counts up then): a Calls tab rebuilt under a storm makes rows
        only for the calls that changed."""
        made = self._made
        if made is not None and made[0] == self.version and (made[1] == now or self.ended is not None):
            return made[2]
        if self._row is None or self._row[0] != self.version:
            chans = self.ordered()
            state, rank, since = self._state(chans)
            name, number = self.caller(chans)
            parts = (name, number, self.dialled(chans), state, rank, since, self.application(chans), len(chans))
            self._row = (self.version, (*parts, self.started))
        name, number, dialled, state, rank, since, application, channels, started = self._row[1]
        end = self.ended if self.ended is not None else now
        duration = max(0.0, end - started) if end is not None and started is not None else None
        state += _waited(since, now)
        row = CallRow(
            self.key,
            name,
            number,
            dialled,
            state,
            rank,
            application,
            channels,
            started,
            self.ended,
            duration,
            self.joined,
        )
        self._made = (self.version, now, row)
        return row

    def matches(self, flt: EventFilter, now: float | None = None) -> bool:
        """Whether any of the call's channels, as a synthetic event, matches ``flt`` (the
        state in words without the seconds a queue wait counts)."""
        if flt.empty:
            return True
        if self._match is not None and self._match[0] == self.version and self._match[1] is flt:
            return self._match[2]
        state = self._state(self.ordered())[0]
        found = any(flt.matches(chan.as_message(state)) for chan in self.channels.values())
        self._match = (self.version, flt, found)
        return found


def _order(chan: ChannelState) -> tuple[float, ...]:
    return chan.order


def _waited(since: float | None, now: float | None) -> str:
    return f" for {max(0, int(now - since))} s" if since is not None and now is not None else ""


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
