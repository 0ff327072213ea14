"""The simulated phones (PJSIP endpoints): what they do when called, the calls they place,
and holding a call, as the pjsip_call_* captures show real SIP phones (pjsua) doing it.

When a phone is called it does what its caller scripted (:class:`Outcome`, queued by
``Simulator.place_call`` and the background traffic), or what an extension of ours asks
of it (:data:`HABITS`), or else what it does by itself (:data:`PERSONALITIES`, the
captures' phones): alice and bob answer at once, carol answers ``486 Busy Here``. A
phone already on a call answers 486 too. A phone that is not registered cannot be
called (Dial gives CHANUNAVAIL).

How a demo user makes each captured scenario happen, besides the background traffic:

* answered (pjsip_call_answered): Originate ``PJSIP/alice`` into context internal,
  extension 1002 (bob answers at once), or ``Simulator.place_call("alice", "1002")``;
* busy (pjsip_call_busy): the same to 1003: carol is busy;
* unanswered (pjsip_call_noanswer): extension 1200, whose phone (bob) rings and never
  answers, so Dial gives up after its 20 s; or ``place_call(..., outcome="noanswer")``;
* hold (pjsip_call_hold): extension 1100, where bob answers and holds the call for 2 s
  after 1 s (Hold on his channel, ONHOLD on the held party's device), and the caller
  hangs up after 5 s; or ``place_call(..., hold=(after, length))``;
* registration (pjsip_register): with background traffic on, the phones register one
  after another when the PBX starts; ``Simulator.register_phone`` and
  ``unregister_phone`` do it at will.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from . import manager_events
from .apps import run_channel
from .channels import DOWN, RING, Channel
from .config import Endpoint
from .contacts import new_call_id
from .pbx import PBX
from .sip import authenticated

OUTCOMES = ("answer", "busy", "noanswer")
MUSIC_CLASS = "default"  # the endpoints' mohsuggest, which a phone's Hold names
BUSY_HERE = 486  # what a busy phone answers


@dataclass
class Outcome:
    """What a dialled phone does. ``ring``: seconds it rings before it answers (or says
    busy; 0: at once, without ringing); ``talk``: seconds after the answer until someone
    hangs up (``None``: nobody does by themselves); ``callee_hangs_up``: who that is;
    ``hold``: (after, for how long) the called phone holds the call."""

    kind: str = "answer"
    ring: float = 0.0
    talk: float | None = None
    callee_hangs_up: bool = True
    hold: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if self.kind not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, not {self.kind!r}")


def script_outcome(pbx: PBX, endpoint: str, outcome: Outcome) -> None:
    pbx.phone_scripts.setdefault(endpoint, deque()).append(outcome)


# What each phone does by itself: the captures' pjsua phones (alice and bob auto-answer
# 200, carol answers 486 Busy Here).
PERSONALITIES = {"alice": Outcome("answer"), "bob": Outcome("answer"), "carol": Outcome("busy")}

# What a phone does when reached through one of our extensions, unless a caller scripted
# otherwise: (context, extension) -> outcome. At internal 1100 bob answers and holds the
# call as in pjsip_call_hold, and the caller hangs up 5 s after the answer; at internal
# 1200 bob rings and never answers, as pjsua with --auto-answer=180 in pjsip_call_noanswer.
HABITS = {
    ("internal", "1100"): Outcome("answer", talk=5.0, callee_hangs_up=False, hold=(1.0, 2.0)),
    ("internal", "1200"): Outcome("noanswer"),
}


def take_outcome(pbx: PBX, endpoint: str, *, busy: bool = False, habit: Outcome | None = None) -> Outcome:
    queued = pbx.phone_scripts.get(endpoint)
    scripted = queued.popleft() if queued else None
    if busy:
        return Outcome("busy")
    return scripted or habit or PERSONALITIES.get(endpoint, Outcome())


def on_a_call(pbx: PBX, endpoint: Endpoint) -> bool:
    return any(c.device == endpoint.device for c in pbx.channels.values())


def new_phone_channel(pbx: PBX, endpoint: Endpoint, *, linkedid: str | None = None) -> Channel:
    """An outgoing channel to a phone, Down, in extension ``s`` of its context with the
    phone's caller ID (not yet announced: the caller publishes Newchannel)."""
    uniqueid = pbx.new_uniqueid()
    chan = Channel(
        name=f"PJSIP/{endpoint.name}-{pbx.next_seq('PJSIP'):08x}",
        uniqueid=uniqueid,
        linkedid=linkedid or uniqueid,
        tech="PJSIP",
        context=endpoint.context,
        exten="s",
        state=DOWN,
        caller_num=endpoint.number,
        caller_name=endpoint.display,
        device=endpoint.device,
        appl="AppDial",
        data="(Outgoing Line)",
    )
    pbx.add_channel(chan)
    return chan


def start_call(pbx: PBX, caller: Endpoint, number: str) -> Channel:
    """A phone dials ``number``: its INVITE is challenged and accepted, its channel
    appears ringing and runs the dialplan (pjsip_call_answered)."""
    authenticated(pbx, caller, new_call_id(pbx.sip_rng))
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
    pbx.publish(manager_events.newchannel(chan))
    pbx.set_variable(chan, "SIPDOMAIN", "127.0.0.1")
    pbx.spawn(run_channel(pbx, chan))
    return chan


async def hold_later(pbx: PBX, holder: Channel, hold: tuple[float, float]) -> None:
    """The called phone holds the call after ``hold[0]`` seconds for ``hold[1]``, as in
    pjsip_call_hold: Hold on its own channel (naming the music class it suggests), and
    the party bridged with it is held (its device ONHOLD); then Unhold, and back."""
    after, length = hold
    if not await holder.sleep(pbx.scaled(after)) or holder.bridge is None:
        return
    pbx.publish(manager_events.channel_event("Hold", holder, [("MusicClass", MUSIC_CLASS)]))
    _hold_others(pbx, holder, True)
    held = await holder.sleep(pbx.scaled(length))
    if held and holder.bridge is not None:
        pbx.publish(manager_events.channel_event("Unhold", holder))
        _hold_others(pbx, holder, False)


def _hold_others(pbx: PBX, holder: Channel, held: bool) -> None:
    for other in holder.bridge.channels if holder.bridge is not None else []:
        if other is not holder:
            other.held = held
            pbx.phone_changed(other.device)
