"""One channel's walk through the dialplan, from its events alone.

:class:`ChannelPath` follows a channel's Newexten, VarSet, BlindTransfer and Hangup events:
the steps it ran with their times, the variables each set, and every jump that was not to
the next priority (Goto, GotoIf, Gosub, Return, a Redirect or transfer from outside).
:func:`dialplan_channels` says which of a call's channels run dialplan at all (for a Local
originate, the ``;2`` half).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ami_console.events.timed import EventLike, as_timed
from ami_console.printable import clean
from ami_console.protocol import Message

__all__ = ["MAX_STEPS", "OUTGOING_APPS", "Branch", "ChannelPath", "Step", "dialplan_channels"]

MAX_STEPS = 1000  # kept per channel path: a dialplan loop must not grow it without end
MAX_CHANNELS = 100  # channels dialplan_channels reports: a call has a handful

# Applications that move the channel elsewhere in the dialplan by themselves.
_BRANCH_APPS = {"goto", "gotoif", "gotoiftime", "gosub", "gosubif", "return", "stackpop"}
#: Pseudo-applications Asterisk reports for outgoing channels (the dialled side of Dial,
#: Queue, Originate): no dialplan runs on them.
OUTGOING_APPS = frozenset({"appdial", "appdial2", "appqueue"})


@dataclass
class Branch:
    """How the channel reached a step other than by going on to the next priority."""

    source: str  # "demo,300,3": where it was
    how: str  # the application that jumped (Goto, GotoIf, Gosub, Return...), or "" when moved from outside
    via: str = ""  # "blind transfer" when a BlindTransfer event names the channel

    @property
    def from_outside(self) -> bool:
        """Moved by something other than its own dialplan: a Redirect, a transfer."""
        return not self.how

    def words(self, target: str) -> str:
        """``→ jumped to demo,100,1 (Goto)`` and the like."""
        if self.how.lower() in ("gosub", "gosubif"):
            return f"→ {self.how} called {target}"
        if self.how.lower() in ("return", "stackpop"):
            return f"→ {self.how} back to {target}"
        if self.how:
            return f"→ jumped to {target} ({self.how})"
        if self.via:
            return f"→ jumped to {target} ({self.via})"
        return f"→ jumped to {target} (Redirect or transfer)"


@dataclass
class Step:
    """One dialplan step a channel took (a Newexten event)."""

    context: str
    exten: str
    priority: int
    app: str
    data: str
    at: float | None  # when (the event's Timestamp, else its arrival); None if unknown
    variables: dict[str, str] = field(default_factory=dict)  # set during this step, last value
    branch: Branch | None = None
    # False when the event only says the channel was moved here while still inside the
    # previous application (after BlindTransfer, Asterisk reports priority 1 with the app
    # it was in, then runs priority 2): nothing of this priority ran, and ``app`` is not
    # what the dialplan has here.
    ran: bool = True

    @property
    def where(self) -> str:
        return f"{self.context},{self.exten},{self.priority}"

    def text(self) -> str:
        return f"{self.priority}. {clean(self.app)}({clean(self.data)})"


class ChannelPath:
    """The dialplan steps of one channel, from its events alone.

    Give the channel's ``uniqueid`` (best: it never changes) or its name; events of other
    channels are ignored, so the whole event stream can be fed to :meth:`add`.
    """

    def __init__(self, channel: str = "", uniqueid: str = "") -> None:
        self.channel = channel
        self.uniqueid = uniqueid
        self.steps: list[Step] = []
        self.early_variables: dict[str, str] = {}  # set before its first step
        self.dropped = 0  # steps dropped from the front past MAX_STEPS
        self.ended = False
        self.hangup_cause = ""

    @classmethod
    def from_events(cls, events: Iterable[EventLike], channel: str = "", uniqueid: str = "") -> ChannelPath:
        path = cls(channel, uniqueid)
        for item in events:
            path.add(item)
        return path

    @property
    def current(self) -> Step | None:
        """The step the channel is on (its last, once it has hung up)."""
        return self.steps[-1] if self.steps else None

    def contexts(self) -> list[str]:
        """The contexts it has been in, first visit order."""
        return list(dict.fromkeys(step.context for step in self.steps))

    def _mine(self, message: Message) -> bool:
        if self.uniqueid:
            return message.header("Uniqueid") == self.uniqueid
        if message.header("Channel") == self.channel and self.channel:
            self.uniqueid = message.header("Uniqueid", "")  # from now on, by Uniqueid
            return True
        return False

    def add(self, item: EventLike) -> bool:
        """Take one event into account; whether it changed the path."""
        arrived, message = as_timed(item)
        name = message.header("Event")
        if name == "BlindTransfer":
            return self._transferred(message)
        if name not in ("Newexten", "VarSet", "Hangup") or not self._mine(message):
            return False
        if not self.channel:
            self.channel = message.header("Channel", "")
        if name == "Hangup":
            self.ended = True
            self.hangup_cause = message.header("Cause", "")
            return True
        if name == "VarSet":
            target = self.steps[-1].variables if self.steps else self.early_variables
            target[message.header("Variable", "")] = message.header("Value", "")
            return True
        return self._newexten(message, _time(message, arrived))

    def _newexten(self, message: Message, at: float | None) -> bool:
        try:
            priority = int(message.header("Priority", ""))
        except ValueError:
            return False
        app = message.header("Application", "")
        if app.lower() in OUTGOING_APPS:
            return False  # the dialled side of a Dial or Queue: no dialplan runs here
        exten = message.header("Exten") or message.header("Extension", "")
        step = Step(message.header("Context", ""), exten, priority, app, message.header("AppData", ""), at)
        previous = self.current
        if previous is not None:
            if (step.where, step.app, step.data) == (previous.where, previous.app, previous.data):
                return False  # the same step reported again
            if not previous.ran and step.where == previous.where:
                # Moved here inside another application, and now this priority runs: one
                # step, the jump that brought it here and the application it runs.
                previous.app, previous.data, previous.at, previous.ran = step.app, step.data, at, True
                return True
            onward = (step.context, step.exten) == (previous.context, previous.exten) and (
                step.priority == previous.priority + 1
            )
            if not onward:
                how = previous.app if previous.app.lower() in _BRANCH_APPS else ""
                # After a hangup, Asterisk runs the "h" extension, if there is one.
                step.branch = Branch(previous.where, how, "hung up: h extension" if step.exten == "h" else "")
                step.ran = (step.app, step.data) != (previous.app, previous.data)
        self.steps.append(step)
        if len(self.steps) > MAX_STEPS:
            del self.steps[0]
            self.dropped += 1
        return True

    def _transferred(self, message: Message) -> bool:
        """A BlindTransfer naming this channel as the one moved: the last jump to its
        target was the transfer (the event comes after the channel's first step there)."""
        by_id = bool(self.uniqueid) and message.header("TransfereeUniqueid") == self.uniqueid
        by_name = bool(self.channel) and message.header("TransfereeChannel") == self.channel
        if not (by_id or by_name):
            return False
        target = (message.header("Context", ""), message.header("Extension", ""))
        for step in reversed(self.steps):
            if step.branch is not None and (step.context, step.exten) == target:
                step.branch.via = "blind transfer"
                return True
        return False


def _time(message: Message, arrived: float | None) -> float | None:
    try:
        return float(message.header("Timestamp", ""))
    except ValueError:
        return arrived


def dialplan_channels(events: Iterable[EventLike]) -> list[tuple[str, str]]:
    """``(channel, uniqueid)`` of each channel in ``events`` that runs dialplan, the one that
    started first first: the channel to show in the dialplan pane is the first.

    A channel runs dialplan once it reports a step of its own (a Newexten whose application
    is not AppDial, AppDial2 or AppQueue: those are the dialled sides of Dial, Queue and
    Originate, where nothing runs). Before any step, the ``;2`` half of a Local channel
    counts: that half runs the dialplan (``Local/300@demo-...;2`` runs 300 at demo), the
    ``;1`` half is the one dialled or originated. Pure: the events and their names only.
    """
    stepped: dict[str, tuple[str, str]] = {}
    halves: dict[str, tuple[str, str]] = {}
    for item in events:
        _, message = as_timed(item)
        name = message.header("Event")
        if name not in ("Newexten", "Newchannel"):
            continue
        channel, uniqueid = message.header("Channel", ""), message.header("Uniqueid", "")
        key = uniqueid or channel
        if name == "Newexten" and message.header("Application", "").lower() not in OUTGOING_APPS:
            if key not in stepped and len(stepped) < MAX_CHANNELS:
                stepped[key] = (channel, uniqueid)
        elif name == "Newchannel" and channel.startswith("Local/") and channel.endswith(";2"):
            if key not in halves and len(halves) < MAX_CHANNELS:
                halves[key] = (channel, uniqueid)
    runners = list(stepped.values())
    return runners + [half for key, half in halves.items() if key not in stepped][: MAX_CHANNELS - len(runners)]
