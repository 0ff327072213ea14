"""A call's ladder (sequence diagram): one lifeline per channel, time going down.

Like sngrep's call flow, for channels: a column per channel (headed by its short name,
``Local/300@demo;1``, or its full name where two channels would share one), plus a ``queue
NAME`` column when the call waited in a queue; arrows between lifelines for a dial and its
answer, a bridge (the second channel to enter it, with the first; "calls joined" when it
joins two calls), bridges merged, a Local channel's two halves, hold (from the channel that
asked for it to the parties held), a transfer and who ended up talking to whom, a queue
join, an agent rung and connected; on a lifeline, the dialplan applications it ran, a move
from outside the dialplan (Redirect, transfer), keys pressed, its state changes, and its
hangup with the cause in words. A lifeline starts at its channel's first event and stops at
its hangup; the last line says who hung up first.

For a live call, build again from the call's events when one arrives (a few hundred
events take a millisecond or two). Every value from the server goes through
:func:`ami_console.printable.clean`; :func:`ladder_svg` escapes it for XML as well. An
export (:func:`ladder_text`, :func:`ladder_svg` given the call's key) starts with a header
line: the call, when it started, the server.

    0.000s Local/600@demo;1   Local/600@demo;2   Local/300@demo;1   Local/300@demo;2
    0.003       ├ AppDial2(...)     │                  │                  │
    0.003       │◄──Local pair─────►│                  │                  │
    0.004       │                   │────Dial─────────►│                  │
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from ami_console.calls import words
from ami_console.calls.channel import distinct_names, joins_calls
from ami_console.calls.story import moved_from_outside, short_bridge, stale_application, where
from ami_console.calls.words import STAND_INS, header_value
from ami_console.events.timed import EventLike, as_timed
from ami_console.printable import clean
from ami_console.protocol import Message

__all__ = ["Ladder", "LadderItem", "build_ladder", "ladder_header", "ladder_lines", "ladder_svg", "ladder_text"]

TIME_WIDTH = 9  # "  12.345 " : seconds since the call's first event
MIN_COLUMN, MAX_COLUMN = 8, 26


@dataclass
class LadderItem:
    at: float | None  # seconds since the call's first event
    source: int  # lane index
    target: int | None  # lane index for an arrow, None for a note on ``source``'s lifeline
    text: str
    kind: str  # dial, answer, bridge, local, transfer, queue, agent, app, keys, state, hold, hangup


@dataclass
class Ladder:
    lanes: list[str]  # column headings, each distinct: short channel names, "queue support"
    items: list[LadderItem]
    first_hangup: str = ""  # "Local/600@demo;1 hung up first: Unknown (0)"
    started: float | None = None  # when the call's first event came (the clock of the events' times)
    channels: list[str] = field(default_factory=list)  # per lane: the channel's full name ("" for a queue)


def _get(message: Message, name: str) -> str:
    return clean(header_value(message, name))


class _Builder:
    def __init__(self) -> None:
        self.names: list[str] = []  # per lane: the full channel name, or "queue NAME"
        self.queues: set[int] = set()
        self.keys: dict[str, int] = {}  # Uniqueid, channel name or "queue:NAME" -> lane
        self.items: list[LadderItem] = []
        self.bridges: dict[str, list[int]] = {}
        self.merged: dict[str, str] = {}  # a bridge merged into another -> that one
        self.linked: dict[int, str] = {}  # lane -> the Linkedid it had on entering a bridge
        self.holding: dict[int, list[int]] = {}  # lane -> the lanes it put on hold
        self.places: dict[int, Message] = {}  # lane -> its last Newexten
        self.hangups: list[tuple[float | None, int, str]] = []

    def lane(self, m: Message, prefix: str = "") -> int | None:
        unique, name = _get(m, prefix + "Uniqueid"), _get(m, prefix + "Channel")
        found = self.keys.get(unique) if unique else None
        if found is None and name:
            found = self.keys.get(name)
        if found is None:
            if not (unique or name):
                return None
            found = len(self.names)
            self.names.append(name or unique)
        for key in (unique, name):
            if key:
                self.keys[key] = found
        return found

    def queue_lane(self, queue: str) -> int:
        key = "queue:" + queue
        if key not in self.keys:
            self.keys[key] = len(self.names)
            self.queues.add(len(self.names))
            self.names.append(f"queue {queue}")
        return self.keys[key]

    def labels(self) -> list[str]:
        """Short names, except where two channels share one: their full names then."""
        channels = [lane for lane in range(len(self.names)) if lane not in self.queues]
        labels = list(self.names)
        for lane, label in zip(channels, distinct_names([self.names[lane] for lane in channels])):
            labels[lane] = label
        return labels

    def add(self, at: float | None, source: int | None, target: int | None, text: str, kind: str) -> None:
        if source is not None:
            self.items.append(LadderItem(at, source, target, text, kind))

    def peers(self, lane: int | None) -> list[int]:
        members = next((m for m in self.bridges.values() if lane in m), [])
        return [o for o in members if o != lane]

    def event(self, at: float | None, m: Message) -> None:
        name = m.name
        handler = _HANDLERS.get(name)
        if handler is not None:
            handler(self, at, m)
        elif name == "Newchannel":
            self.add(at, self.lane(m), None, f"new, {_get(m, 'ChannelStateDesc') or '?'}", "state")
        elif name == "Newstate":
            state = _get(m, "ChannelStateDesc")
            self.add(at, self.lane(m), None, "answered (Up)" if state == "Up" else f"state {state}", "state")
        elif name == "LocalBridge":
            self.add(at, self.lane(m, "LocalOne"), self.lane(m, "LocalTwo"), "Local pair", "local")
        elif name == "DTMFEnd":
            lane, digit = self.lane(m), _get(m, "Digit")
            last = self.items[-1] if self.items else None
            if last is not None and last.kind == "keys" and last.source == lane:
                last.text += digit  # one note for a run of keys: "keys *2", then "keys 200"
            else:
                self.add(at, lane, None, f"keys {digit}", "keys")
        elif name == "QueueCallerJoin":
            queue = _get(m, "Queue")
            self.add(at, self.lane(m), self.queue_lane(queue), f"joins, position {_get(m, 'Position')}", "queue")
        elif name in ("QueueCallerLeave", "QueueCallerAbandon"):
            queue = _get(m, "Queue")
            said = "leaves" if name == "QueueCallerLeave" else "abandons"
            self.add(at, self.queue_lane(queue), self.lane(m), said, "queue")
        elif name == "AgentCalled":
            self.add(
                at, self.queue_lane(_get(m, "Queue")), self.lane(m, "Dest"), f"rings {_get(m, 'MemberName')}", "agent"
            )
        elif name == "AgentConnect":
            said = f"{_get(m, 'MemberName')} answers"
            self.add(at, self.lane(m, "Dest"), self.queue_lane(_get(m, "Queue")), said, "agent")
        elif name == "AgentRingNoAnswer":
            self.add(at, self.lane(m, "Dest"), None, f"{_get(m, 'MemberName')} did not answer", "agent")
        elif name == "Hangup":
            lane, cause = self.lane(m), _get(m, "Cause")
            text = _get(m, "Cause-txt") or words.hangup_cause(cause).split(":")[0]
            said = f"✕ hung up: {text} ({cause})" if cause else "✕ hung up"
            if lane is not None:
                self.hangups.append((at, lane, f"{text} ({cause})" if cause else ""))
            self.add(at, lane, None, said, "hangup")

    def newexten(self, at: float | None, m: Message) -> None:
        lane, app = self.lane(m), _get(m, "Application")
        if lane is None:
            return
        before, self.places[lane] = self.places.get(lane), m
        if before is not None and moved_from_outside(before, m):
            self.add(at, lane, None, f"→ moved to {where(m)}", "transfer")
            if stale_application(before, m):
                return  # the application it was still in, not one run here
        if app.lower() not in STAND_INS:
            self.add(at, lane, None, f"{app}({clean(m.header('AppData') or '')})", "app")

    def dial(self, at: float | None, m: Message) -> None:
        dest = self.lane(m, "Dest")
        caller = self.lane(m) if _get(m, "Channel") else None
        if m.name == "DialBegin":
            if caller is None:
                self.add(at, dest, None, "called by Originate", "dial")
            else:
                self.add(at, caller, dest, f"Dial {_get(m, 'DialString')}".strip(), "dial")
        elif caller is None:
            self.add(at, dest, None, f"dial {_get(m, 'DialStatus')}", "answer")
        else:
            self.add(at, dest, caller, _get(m, "DialStatus"), "answer")

    def bridge_enter(self, at: float | None, m: Message) -> None:
        chan, bridge, linked = self.lane(m), _get(m, "BridgeUniqueid"), _get(m, "Linkedid")
        members = self.bridges.setdefault(bridge, [])
        others = [o for o in members if o != chan]
        if chan is not None and chan not in members:
            members.append(chan)
        joined = others and joins_calls(m) and any(self.linked.get(o, linked) != linked for o in others)
        if chan is not None and linked:
            self.linked[chan] = linked
        if others:
            self.add(at, chan, others[0], "bridged, calls joined" if joined else "bridged", "bridge")
        else:
            self.add(at, chan, None, f"enters bridge {short_bridge(bridge)}", "bridge")

    def bridge_leave(self, at: float | None, m: Message) -> None:
        chan, bridge = self.lane(m), _get(m, "BridgeUniqueid")
        members = self.bridges.get(self.merged.get(bridge, bridge), [])  # after a merge, it leaves the merged one
        if chan in members:
            members.remove(chan)
        self.add(at, chan, None, f"leaves bridge {short_bridge(bridge)}", "bridge")

    def bridge_merge(self, at: float | None, m: Message) -> None:
        source, target = _get(m, "FromBridgeUniqueid"), _get(m, "ToBridgeUniqueid")
        moved, staying = self.bridges.pop(source, []), self.bridges.setdefault(target, [])
        self.merged[source] = target
        if moved and staying:
            self.add(at, moved[0], staying[0], "bridges merged", "bridge")
        staying += [lane for lane in moved if lane not in staying]

    def hold(self, at: float | None, m: Message) -> None:
        """Hold names the channel that asked: the arrow goes to the parties it holds."""
        lane = self.lane(m)
        if lane is None:
            return
        if m.name == "Hold":
            held = self.holding[lane] = self.peers(lane)
        else:
            held = self.holding.pop(lane, [])
        said = "puts on hold" if m.name == "Hold" else "takes off hold"
        for other in held:
            self.add(at, lane, other, said, "hold")
        if not held:
            self.add(at, lane, None, "on hold" if m.name == "Hold" else "off hold", "hold")

    def blind_transfer(self, at: float | None, m: Message) -> None:
        target = f"{_get(m, 'Extension')}@{_get(m, 'Context')}"
        self.add(at, self.lane(m, "Transferer"), self.lane(m, "Transferee"), f"blind transfer to {target}", "transfer")

    def attended_transfer(self, at: float | None, m: Message) -> None:
        """The transferer's note, then who ended up talking to whom."""
        by = self.lane(m, "OrigTransferer")
        if _get(m, "Result") != "Success":
            self.add(at, by, None, f"attended transfer failed: {_get(m, 'Result') or '?'}", "transfer")
            return
        self.add(at, by, None, "completes attended transfer", "transfer")
        transferee = self.lane(m, "Transferee")
        target = self.lane(m, "TransferTarget") if _get(m, "DestType") in ("Bridge", "Link") else None
        if transferee is not None and target is not None:
            self.add(at, transferee, target, "talking (transferred)", "bridge")


_HANDLERS = {
    "Newexten": _Builder.newexten,
    "DialBegin": _Builder.dial,
    "DialEnd": _Builder.dial,
    "BridgeEnter": _Builder.bridge_enter,
    "BridgeLeave": _Builder.bridge_leave,
    "BridgeMerge": _Builder.bridge_merge,
    "Hold": _Builder.hold,
    "Unhold": _Builder.hold,
    "BlindTransfer": _Builder.blind_transfer,
    "AttendedTransfer": _Builder.attended_transfer,
}


def build_ladder(events: Sequence[EventLike]) -> Ladder:
    """The ladder of one call's events, in the order given (:func:`select_call` picks them)."""
    timed = [as_timed(item) for item in events]
    known = [at for at, _ in timed if at is not None]
    start = min(known) if known else None
    builder = _Builder()
    for at, message in timed:
        builder.event(None if at is None or start is None else at - start, message)
    lanes = builder.labels()
    first = ""
    if builder.hangups:
        at, lane, cause = builder.hangups[0]  # the first Hangup to arrive: Asterisk sends them in order
        first = f"{lanes[lane]} hung up first" + (f": {cause}" if cause else "")
    channels = ["" if lane in builder.queues else name for lane, name in enumerate(builder.names)]
    return Ladder(lanes, builder.items, first, start, channels)


def ladder_header(ladder: Ladder, key: str, server: str = "") -> str:
    """An export's first line: ``Call 1796002848.32 · started 2026-11-30 01:41:05 +0000 · server pbx1``
    (the start in the console's local time, with its offset; the times are the wall clock)."""
    parts = [f"Call {clean(key)}"]
    if ladder.started is not None:
        parts.append("started " + time.strftime("%Y-%m-%d %H:%M:%S %z", time.localtime(ladder.started)))
    if server:
        parts.append(f"server {clean(server)}")
    return " · ".join(parts)


def _column_width(lanes: int, width: int) -> int:
    return max(MIN_COLUMN, min(MAX_COLUMN, (width - TIME_WIDTH) // max(1, lanes)))


def _fit(text: str, room: int) -> str:
    if room <= 0:
        return ""
    return text if len(text) <= room else text[: max(0, room - 1)] + "…"


def _heading(name: str, room: int) -> str:
    """A lane's heading in ``room``: the end of a channel's name tells most (``300@demo;1``)."""
    if len(name) > room and name.startswith("Local/"):
        name = name[len("Local/") :]
    return name if len(name) <= room else "…" + name[len(name) - room + 1 :]


def ladder_lines(ladder: Ladder, width: int = 120) -> list[str]:
    """The ladder as plain text lines no wider than ``width`` (columns narrow for many channels)."""
    lanes = len(ladder.lanes)
    if not lanes:
        return ["(no channel events for this call)"]
    col = _column_width(lanes, width)
    mid = col // 2  # where a lifeline runs within its column
    total = max(width, TIME_WIDTH + col * lanes)  # a note on the last lifeline may run to the edge

    started: set[int] = set()
    ended: set[int] = set()
    headings = [_heading(name, col - 1) for name in ladder.lanes]
    if len(set(headings)) < lanes:  # cut to the same ends in narrow columns: numbered, still told apart
        headings = [f"{n}:" + _heading(name, col - 2 - len(str(n))) for n, name in enumerate(ladder.lanes, 1)]
    header = " " * TIME_WIDTH + "".join(heading.center(col)[:col] for heading in headings)
    lines = [header[:width].rstrip()]

    def base() -> list[str]:
        row = [" "] * total
        for lane in started - ended:
            row[TIME_WIDTH + lane * col + mid] = "│"
        return row

    for item in ladder.items:
        started.add(item.source)
        if item.target is not None:
            started.add(item.target)
        row = base()
        stamp = "" if item.at is None else f"{item.at:8.3f} "
        row[: len(stamp)] = list(stamp)
        x = TIME_WIDTH + item.source * col + mid
        if item.target is None or item.target == item.source:
            text = ("├ " if item.kind != "hangup" else "") + item.text
            room = width - x
            for i, ch in enumerate(_fit(text, room)):
                row[x + i] = ch
        else:
            y = TIME_WIDTH + item.target * col + mid
            lo, hi = min(x, y), max(x, y)
            for i in range(lo + 1, hi):
                row[i] = "─"
            double = item.kind in ("bridge", "local")
            if y > x:
                row[hi - 1] = "►"
                if double:
                    row[lo + 1] = "◄"
            else:
                row[lo + 1] = "◄"
                if double:
                    row[hi - 1] = "►"
            label = _fit(item.text, hi - lo - 5)
            if label:
                at = lo + 1 + max(1, (hi - lo - 1 - len(label)) // 2)
                row[at : at + len(label)] = list(label)
        if item.kind == "hangup":
            ended.add(item.source)
        lines.append("".join(row)[:width].rstrip())
    if ladder.first_hangup:
        lines.append(" " * TIME_WIDTH + ladder.first_hangup)
    return lines


def ladder_text(events: Sequence[EventLike] | Ladder, width: int = 120, *, key: str = "", server: str = "") -> str:
    """The ladder as one text, for the clipboard or a file; given the call's ``key``, it
    starts with :func:`ladder_header`."""
    ladder = events if isinstance(events, Ladder) else build_ladder(events)
    header = [ladder_header(ladder, key, server)] if key else []
    return "\n".join(header + ladder_lines(ladder, width)) + "\n"


def ladder_svg(
    events: Sequence[EventLike] | Ladder, width: int = 120, title: str = "", *, key: str = "", server: str = ""
) -> str:
    """The ladder as an SVG picture: its text lines (after :func:`ladder_header` given the
    call's ``key``, and ``title``) in a monospace font, escaped for XML."""
    ladder = events if isinstance(events, Ladder) else build_ladder(events)
    header = [ladder_header(ladder, key, server)] if key else []
    lines = header + ([clean(title)] if title else []) + ladder_lines(ladder, width)
    char_w, line_h = 8.4, 18
    w = int(max((len(line) for line in lines), default=1) * char_w) + 20
    h = len(lines) * line_h + 20
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}">',
        f'<rect width="{w}" height="{h}" fill="#ffffff"/>',
        '<g font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14" fill="#000000">',
    ]
    for i, line in enumerate(lines):
        y = 10 + (i + 1) * line_h - 4
        out.append(f'<text x="10" y="{y}" xml:space="preserve">{escape(line)}</text>')
    out += ["</g>", "</svg>"]
    return "\n".join(out) + "\n"
