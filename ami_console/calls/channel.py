"""One channel as the live calls model knows it, the names Asterisk gives channels, and
when channels join calls (:func:`joins_calls`: not in a holding bridge; :func:`older_call`:
the Linkedid a joined call keeps).

:class:`ChannelState` is a channel's current snapshot (state, caller ID, where it is in the
dialplan, what it runs), plus what the model learned of it from events (the bridge it is
in, the queue it waits in, the hold it asked for, its hangup). Every value kept is clipped
to :data:`MAX_VALUE` characters: a hostile server cannot grow memory through one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ami_console.calls.words import STAND_INS, header_value
from ami_console.protocol import Message

__all__ = [
    "MAX_VALUE",
    "ChannelState",
    "clip",
    "distinct_names",
    "get",
    "joins_calls",
    "older_call",
    "short_channel",
    "uniqueid_order",
]

MAX_VALUE = 256  # characters kept of any value
SHORT_APP_DATA = 12  # an application's data is shown beside it up to this length: Wait(30), not Dial(...)


def clip(value: str) -> str:
    return value if len(value) <= MAX_VALUE else value[:MAX_VALUE]


def get(message: Message, name: str) -> str:
    """The header's value, clipped ("" when absent or ``<unknown>``)."""
    value = message.get(name)
    if value.__class__ is not str:  # absent, spelled otherwise, or repeated: the general way
        value = header_value(message, name)
    elif value == "<unknown>":
        return ""
    # Called a dozen times an event in a storm: clip() inline.
    return value if len(value) <= MAX_VALUE else value[:MAX_VALUE]


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


def distinct_names(names: list[str]) -> list[str]:
    """Each channel's short name, or its full name where two would share a short one (a
    queue that rings ``Local/300@demo`` for a call from ``Local/300@demo``: the pairs
    ``-00000008`` and ``-00000009``), so no two labels of one call are the same."""
    shorts = [short_channel(name) for name in names]
    seen: dict[str, int] = {}
    for short in shorts:
        seen[short] = seen.get(short, 0) + 1
    return [name if seen[short] > 1 else short for name, short in zip(names, shorts)]


def uniqueid_order(uniqueid: str) -> tuple[float, ...]:
    """Sort key: Uniqueids are ``epoch.sequence`` and grow as channels are made."""
    try:
        return tuple(map(float, uniqueid.split(".")))
    except ValueError:
        return (float("inf"),)


# Bridges whose channels do not talk to each other (a parking lot, a Stasis holding
# bridge): being in one together does not join calls.
_HOLDING = ("holding", "holding_bridge")


def joins_calls(message: Message) -> bool:
    """Whether a BridgeEnter puts its channel with others it talks to (not a holding bridge)."""
    return get(message, "BridgeType") not in _HOLDING and get(message, "BridgeTechnology") not in _HOLDING


def older_call(a: str, b: str) -> str:
    """Of two Linkedids, the one Asterisk keeps when it joins their calls: the older."""
    return min(a, b, key=lambda key: (uniqueid_order(key), key))


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
    ran_dialplan: bool = False  # a Newexten showed it running an application of the dialplan
    bridge: str = ""  # BridgeUniqueid it is in now
    on_hold: bool = False  # it hears music on hold, or asked for hold with no one to hold
    holding: tuple[str, ...] = ()  # Uniqueids of the parties it put on hold (Hold is on the asker)
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
    order: tuple[float, ...] = field(init=False, repr=False)  # its place by Uniqueid (uniqueid_order)

    def __post_init__(self) -> None:
        self.order = uniqueid_order(self.uniqueid)

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

    @property
    def stands_in(self) -> bool:
        """Whether it only stands for the dialled side (AppDial...): no dialplan runs on it."""
        return self.application.lower() in STAND_INS

    def as_message(self, state: str = "") -> Message:
        """The channel as one synthetic event, for :class:`EventFilter` (see :mod:`.live`)."""
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
        """Take the channel snapshot every call event repeats (``prefix``: Dest, Transferee...),
        but for the channel's name, which the model keeps (it indexes channels by name too)."""
        exact = m.get  # as Asterisk spells its headers: see words.header_value
        for attr, header in _SNAPSHOT_FIELDS.get(prefix) or _snapshot_fields(prefix):
            value = exact(header)
            if value is None:
                continue
            if value.__class__ is list:
                value = value[0]
            # Present but "<unknown>" clears it: that is what it is now.
            setattr(self, attr, "" if value == "<unknown>" else value if len(value) <= MAX_VALUE else value[:MAX_VALUE])
        if not self.first_exten and self.exten:
            self.first_exten = self.exten


_SNAPSHOT = (
    ("state", "ChannelStateDesc"),
    ("caller_num", "CallerIDNum"),
    ("caller_name", "CallerIDName"),
    ("connected_num", "ConnectedLineNum"),
    ("connected_name", "ConnectedLineName"),
    ("context", "Context"),
    ("exten", "Exten"),
    ("priority", "Priority"),
)

# (attribute, header) for each prefix seen (a few: "", Dest, Transferee...), made once: a
# storm's events each take the snapshot. A hostile server cannot add prefixes: the model names them.
_SNAPSHOT_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {}


def _snapshot_fields(prefix: str) -> tuple[tuple[str, str], ...]:
    fields = _SNAPSHOT_FIELDS[prefix] = tuple((attr, prefix + header) for attr, header in _SNAPSHOT)
    return fields
