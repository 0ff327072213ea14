"""A call's story: the steps (:class:`TraceStep`) of each of its channels (:class:`ChannelTrace`).

:mod:`.steps` and :mod:`.between` build them from events. Here also the rule that tells a
dialplan step run from a move made from outside the dialplan: a channel moved by a
Redirect, a BlindTransfer or Asterisk's async goto is reported by a Newexten at its new
place that may carry the application it was still in (a Dial, a Queue) rather than one that
runs there (the ``call_blind_transfer`` capture: demo,100,1 with ``Dial``, then demo,100,2).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ami_console.calls.words import STAND_INS, header_value
from ami_console.protocol import Message

__all__ = [
    "BRANCH_APPS",
    "ChannelTrace",
    "TraceStep",
    "moved_from_outside",
    "place",
    "short_bridge",
    "skipped",
    "stale_application",
    "where",
]

_get = header_value

# Applications that move the channel elsewhere in the dialplan themselves.
BRANCH_APPS = frozenset({"goto", "gotoif", "gotoiftime", "gosub", "gosubif", "return", "stackpop"})


def place(m: Message) -> tuple[str, str, int | None]:
    try:
        priority: int | None = int(_get(m, "Priority"))
    except ValueError:
        priority = None
    return _get(m, "Context"), _get(m, "Exten") or _get(m, "Extension"), priority


def moved_from_outside(before: Message, after: Message) -> bool:
    """Whether a channel went from Newexten ``before`` to Newexten ``after`` (its next) other
    than by the dialplan: not on to the next priority, not by an application that jumps
    (Goto, Gosub...), not to the ``h`` extension run after a hangup, and not as the stand-in
    of a dialled side (AppDial). So by a Redirect, a transfer, or an async goto."""
    if _get(after, "Application").lower() in STAND_INS:
        return False
    context, exten, priority = place(after)
    was_context, was_exten, was_priority = place(before)
    if (context, exten) == (was_context, was_exten) and priority is not None and was_priority is not None:
        if priority in (was_priority, was_priority + 1):
            return False
    return exten != "h" and _get(before, "Application").lower() not in BRANCH_APPS


def stale_application(before: Message, after: Message) -> bool:
    """Whether ``after``, a move from outside, still names the application the channel was
    in at ``before`` (Asterisk reports the move itself so): nothing ran at its priority."""
    return moved_from_outside(before, after) and (
        (_get(after, "Application"), after.header("AppData") or "")
        == (_get(before, "Application"), before.header("AppData") or "")
    )


@dataclass
class TraceStep:
    """One line of a channel's story."""

    at: float | None  # seconds since the call's first event; None when times are unknown
    # channel, dialplan, variable, state, dial, bridge, hold, keys, transfer, queue, user, hangup,
    # originate, record, other
    kind: str
    what: str  # "Set(FOO=bar)", "dials PJSIP/bob-00000001", "hung up: cause 16 Normal Clearing"
    where: str = ""  # "demo,100,2": context, extension, priority, for dialplan steps
    note: str = ""  # plain words: "→ FOO=bar", "the called side was busy"
    tone: str = ""  # "good", "bad", "dim" or "" (for colour)
    message: Message | None = None


@dataclass
class ChannelTrace:
    name: str
    uniqueid: str
    caller: str = ""  # "AMI test" <1234>
    dialled_by: str = ""  # the channel that dialled it, "Originate" for an AMI call
    dials: list[str] = field(default_factory=list)
    steps: list[TraceStep] = field(default_factory=list)

    @property
    def role(self) -> str:
        """Who this channel is in the call, in plain words."""
        base, _, half = self.name.rpartition(";")
        if self.name.startswith("Local/") and half in ("1", "2"):
            where = base[len("Local/") :].rsplit("-", 1)[0]
            if half == "1":
                return "Local channel, half ;1: the side facing whoever placed the call"
            return f"Local channel, half ;2: runs the dialplan at {where}"
        if self.dialled_by:
            return f"dialled by {self.dialled_by}"
        if self.dials:
            return f"the caller: dials {', '.join(self.dials)}"
        return ""


def skipped(before: Message, after: Message) -> bool:
    """After a move that named a stale application, the channel went on at the next priority."""
    context, exten, priority = place(after)
    was_context, was_exten, was_priority = place(before)
    return (
        (context, exten) == (was_context, was_exten)
        and None not in (priority, was_priority)
        and (priority == (was_priority or 0) + 1)
    )


def where(message: Message) -> str:
    context, exten, priority = (_get(message, k) for k in ("Context", "Exten", "Priority"))
    return f"{context},{exten},{priority}" if context and exten and priority else ""


def short_bridge(bridge: str) -> str:
    """Bridge ids are UUIDs; their first part is enough to tell bridges apart on screen."""
    return bridge.split("-")[0] if len(bridge) > 12 else bridge
