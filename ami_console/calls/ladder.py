"""A call's ladder (sequence diagram): one lifeline per channel, time going down.

Like sngrep's call flow, for channels: a column per channel (headed by its short name,
``Local/300@demo;1``), plus a ``queue NAME`` column when the call waited in a queue;
arrows between lifelines for a dial and its answer, a bridge (the second channel to
enter it, with the first), a Local channel's two halves, a transfer, a queue join, an
agent rung and connected; on a lifeline, the dialplan applications it ran, its state
changes, hold, and its hangup with the cause in words. A lifeline starts at its
channel's first event and stops at its hangup; the last line says who hung up first.

For a live call, build again from the call's events when one arrives (a few hundred
events take a millisecond or two). Every value from the server goes through
:func:`ami_console.printable.clean`; :func:`ladder_svg` escapes it for XML as well.

    0.000s Local/600@demo;1   Local/600@demo;2   Local/300@demo;1   Local/300@demo;2
    0.003       ├ AppDial2(...)     │                  │                  │
    0.003       │◄──Local pair─────►│                  │                  │
    0.004       │                   │────Dial─────────►│                  │
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from ami_console.calls import words
from ami_console.calls.live import short_channel
from ami_console.calls.steps import header_value
from ami_console.events.timed import EventLike, as_timed
from ami_console.printable import clean
from ami_console.protocol import Message

__all__ = ["Ladder", "LadderItem", "build_ladder", "ladder_lines", "ladder_svg", "ladder_text"]

TIME_WIDTH = 9  # "  12.345 " : seconds since the call's first event
MIN_COLUMN, MAX_COLUMN = 8, 26
_HIDDEN_APPS = {"appdial", "appdial2", "appqueue"}  # stand-ins for the dialled side, not dialplan


@dataclass
class LadderItem:
    at: float | None  # seconds since the call's first event
    source: int  # lane index
    target: int | None  # lane index for an arrow, None for a note on ``source``'s lifeline
    text: str
    kind: str  # dial, answer, bridge, local, transfer, queue, agent, app, state, hold, hangup


@dataclass
class Ladder:
    lanes: list[str]  # column headings: short channel names, "queue support"
    items: list[LadderItem]
    first_hangup: str = ""  # "Local/600@demo;1 hung up first: Unknown (0)"


def _get(message: Message, name: str) -> str:
    return clean(header_value(message, name))


class _Builder:
    def __init__(self) -> None:
        self.lanes: list[str] = []
        self.keys: dict[str, int] = {}  # Uniqueid, channel name or "queue:NAME" -> lane
        self.items: list[LadderItem] = []
        self.bridges: dict[str, list[int]] = {}
        self.hangups: list[tuple[float | None, int, str]] = []

    def lane(self, m: Message, prefix: str = "") -> int | None:
        unique, name = _get(m, prefix + "Uniqueid"), _get(m, prefix + "Channel")
        found = self.keys.get(unique) if unique else None
        if found is None and name:
            found = self.keys.get(name)
        if found is None:
            if not (unique or name):
                return None
            found = len(self.lanes)
            self.lanes.append(short_channel(name) if name else unique)
        for key in (unique, name):
            if key:
                self.keys[key] = found
        return found

    def queue_lane(self, queue: str) -> int:
        key = "queue:" + queue
        if key not in self.keys:
            self.keys[key] = len(self.lanes)
            self.lanes.append(f"queue {queue}")
        return self.keys[key]

    def add(self, at: float | None, source: int | None, target: int | None, text: str, kind: str) -> None:
        if source is not None:
            self.items.append(LadderItem(at, source, target, text, kind))

    def event(self, at: float | None, m: Message) -> None:
        name = m.name
        if name == "Newchannel":
            self.add(at, self.lane(m), None, f"new, {_get(m, 'ChannelStateDesc') or '?'}", "state")
        elif name == "Newexten":
            app = _get(m, "Application")
            if app.lower() not in _HIDDEN_APPS:
                self.add(at, self.lane(m), None, f"{app}({clean(m.header('AppData') or '')})", "app")
        elif name == "Newstate":
            state = _get(m, "ChannelStateDesc")
            self.add(at, self.lane(m), None, "answered (Up)" if state == "Up" else f"state {state}", "state")
        elif name == "LocalBridge":
            self.add(at, self.lane(m, "LocalOne"), self.lane(m, "LocalTwo"), "Local pair", "local")
        elif name == "DialBegin":
            dest = self.lane(m, "Dest")
            caller = self.lane(m) if _get(m, "Channel") else None
            if caller is None:
                self.add(at, dest, None, "called by Originate", "dial")
            else:
                self.add(at, caller, dest, f"Dial {_get(m, 'DialString')}".strip(), "dial")
        elif name == "DialEnd":
            dest, status = self.lane(m, "Dest"), _get(m, "DialStatus")
            caller = self.lane(m) if _get(m, "Channel") else None
            if caller is None:
                self.add(at, dest, None, f"dial {status}", "answer")
            else:
                self.add(at, dest, caller, status, "answer")
        elif name == "BridgeEnter":
            chan, bridge = self.lane(m), _get(m, "BridgeUniqueid")
            members = self.bridges.setdefault(bridge, [])
            others = [o for o in members if o != chan]
            if chan is not None and chan not in members:
                members.append(chan)
            if others:
                self.add(at, chan, others[0], "bridged", "bridge")
            else:
                self.add(at, chan, None, f"enters bridge {bridge.split('-')[0]}", "bridge")
        elif name == "BridgeLeave":
            chan, bridge = self.lane(m), _get(m, "BridgeUniqueid")
            if chan in self.bridges.get(bridge, []):
                self.bridges[bridge].remove(chan)
            self.add(at, chan, None, f"leaves bridge {bridge.split('-')[0]}", "bridge")
        elif name == "BlindTransfer":
            where = f"{_get(m, 'Extension')}@{_get(m, 'Context')}"
            self.add(
                at, self.lane(m, "Transferer"), self.lane(m, "Transferee"), f"blind transfer to {where}", "transfer"
            )
        elif name == "AttendedTransfer":
            source = self.lane(m, "OrigTransferer")
            target = self.lane(m, "TransfereeChannel") if _get(m, "TransfereeChannelUniqueid") else None
            target = target if target is not None else self.lane(m, "SecondTransferer")
            self.add(at, source, target, "attended transfer", "transfer")
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
        elif name in ("Hold", "Unhold"):
            self.add(at, self.lane(m), None, "on hold" if name == "Hold" else "off hold", "hold")
        elif name == "Hangup":
            lane, cause = self.lane(m), _get(m, "Cause")
            text = _get(m, "Cause-txt") or words.hangup_cause(cause).split(":")[0]
            said = f"✕ hung up: {text} ({cause})" if cause else "✕ hung up"
            if lane is not None:
                self.hangups.append((at, lane, f"{text} ({cause})" if cause else ""))
            self.add(at, lane, None, said, "hangup")


def build_ladder(events: Sequence[EventLike]) -> Ladder:
    """The ladder of one call's events, in the order given (:func:`select_call` picks them)."""
    timed = [as_timed(item) for item in events]
    known = [at for at, _ in timed if at is not None]
    start = min(known) if known else None
    builder = _Builder()
    for at, message in timed:
        builder.event(None if at is None or start is None else at - start, message)
    first = ""
    if builder.hangups:
        at, lane, cause = builder.hangups[0]  # the first Hangup to arrive: Asterisk sends them in order
        first = f"{builder.lanes[lane]} hung up first" + (f": {cause}" if cause else "")
    return Ladder(builder.lanes, builder.items, first)


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
    header = " " * TIME_WIDTH + "".join(_heading(name, col - 1).center(col)[:col] for name in ladder.lanes)
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


def ladder_text(events: Sequence[EventLike] | Ladder, width: int = 120) -> str:
    """The ladder as one text, for the clipboard or a file."""
    ladder = events if isinstance(events, Ladder) else build_ladder(events)
    return "\n".join(ladder_lines(ladder, width)) + "\n"


def ladder_svg(events: Sequence[EventLike] | Ladder, width: int = 120, title: str = "") -> str:
    """The ladder as an SVG picture: its text lines in a monospace font, escaped for XML."""
    ladder = events if isinstance(events, Ladder) else build_ladder(events)
    lines = ([clean(title)] if title else []) + ladder_lines(ladder, width)
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
