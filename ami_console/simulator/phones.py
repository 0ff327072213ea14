"""The simulated phones (PJSIP endpoints): what they do when called, and calls they place.

When a phone is dialled it answers, is busy, or rings out. Each phone takes the next
scripted :class:`Outcome` if a caller queued one (``Simulator.place_call`` does), and
otherwise answers after two seconds; a phone already on a call is busy.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from . import events
from .apps import run_channel
from .channels import RING, Channel
from .dialplan import Endpoint
from .pbx import PBX

OUTCOMES = ("answer", "busy", "noanswer")


@dataclass
class Outcome:
    """What a dialled phone does. ``ring``: seconds before it answers (or says busy);
    ``talk``: seconds after the answer until someone hangs up (``None``: nobody does by
    themselves); ``callee_hangs_up``: who that is."""

    kind: str = "answer"
    ring: float = 2.0
    talk: float | None = None
    callee_hangs_up: bool = True
    hold: tuple[float, float] | None = None  # (after, for how long) the callee holds the call

    def __post_init__(self) -> None:
        if self.kind not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, not {self.kind!r}")


def script_outcome(pbx: PBX, endpoint: str, outcome: Outcome) -> None:
    pbx.phone_scripts.setdefault(endpoint, deque()).append(outcome)


# What a phone does when reached through one of our extensions, unless a caller scripted
# otherwise: (context, extension) -> outcome. Carol, at internal 1100, answers, puts the
# caller on hold after a second for three, and hangs up after eight seconds of talk.
HABITS = {("internal", "1100"): Outcome("answer", ring=2.0, talk=8.0, hold=(1.0, 3.0))}


def take_outcome(pbx: PBX, endpoint: str, *, busy: bool = False, habit: Outcome | None = None) -> Outcome:
    queued = pbx.phone_scripts.get(endpoint)
    scripted = queued.popleft() if queued else None
    if busy:
        return Outcome("busy", ring=0.3)
    return scripted or habit or Outcome()


def new_phone_channel(pbx: PBX, endpoint: Endpoint, *, linkedid: str | None = None, exten: str = "s") -> Channel:
    """An outgoing channel to a phone (not yet announced: the caller publishes Newchannel
    once its caller ID is set)."""
    uniqueid = pbx.new_uniqueid()
    chan = Channel(
        name=f"PJSIP/{endpoint.name}-{pbx.next_seq('PJSIP'):08x}",
        uniqueid=uniqueid,
        linkedid=linkedid or uniqueid,
        tech="PJSIP",
        context=endpoint.context,
        exten=exten,
        device=endpoint.device,
        appl="AppDial",
        data="(Outgoing Line)",
    )
    pbx.add_channel(chan)
    return chan


def start_call(pbx: PBX, caller: Endpoint, number: str) -> Channel:
    """A phone dials ``number``: its channel appears ringing and runs the dialplan."""
    uniqueid = pbx.new_uniqueid()
    chan = Channel(
        name=f"PJSIP/{caller.name}-{pbx.next_seq('PJSIP'):08x}",
        uniqueid=uniqueid,
        linkedid=uniqueid,
        tech="PJSIP",
        context=caller.context,
        exten=number,
        state=RING,
        caller_num=caller.number,
        caller_name=caller.display,
        device=caller.device,
    )
    pbx.add_channel(chan)
    pbx.publish(events.newchannel(chan))
    pbx.set_device_state(caller.device, "INUSE")
    pbx.spawn(run_channel(pbx, chan))
    return chan
