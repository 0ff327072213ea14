"""How channels answer, bridge and hang up, with the event orders real Asterisk shows.

The orders come from the captures. A Local pair ends in one of two shapes, depending on
how its first half ended:

* through the dialplan's ``Hangup()`` (session1, originate_sync): SoftHangupRequest on
  that half (sent by the application), HangupRequest on the other, Hangup of the first,
  both Cdr records, SoftHangupRequest on the other if it runs dialplan, its Hangup, then
  two DeviceStateChange NOT_INUSE;
* because its application finished or it was hung up from outside (userevent,
  coreshowchannels): HangupRequest on the other half with the first half's cause, the
  first half's Cdr and Hangup, the other half's (SoftHangupRequest and) Hangup, then
  DeviceStateChange, the other Cdr, DeviceStateChange.

Whoever ends first drives the whole teardown at once, so the order never depends on
which task the event loop happens to run next; the other half's task finds its channel
dead and returns quietly.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from . import manager_events
from .channels import NORMAL_CLEARING, UP, Channel
from .pbx import PBX
from .rtcp import start_reports


@dataclass
class Bridge:
    id: str
    channels: list[Channel] = field(default_factory=list)
    # The transferer consulting away from this bridge (an attended transfer): the bridge
    # stays up with the party on hold alone in it, and tells the transferer of changes.
    held_by: Channel | None = None
    technology: str = manager_events.SIMPLE_BRIDGE

    @property
    def state(self) -> manager_events.BridgeState:
        return (self.id, len(self.channels), self.technology)

    def event(self, name: str, chan: Channel | None = None) -> manager_events.Event:
        return manager_events.bridge_event(name, self.id, len(self.channels), chan, self.technology)


# -- answering ---------------------------------------------------------------------------------
def set_state(pbx: PBX, chan: Channel, state: int) -> None:
    """A new channel state (Newstate); a phone's device follows its channels."""
    chan.state = state
    pbx.publish(manager_events.newstate(chan))
    pbx.phone_changed(chan.device)


def answer(pbx: PBX, chan: Channel) -> None:
    """Move a channel to Up; for the second half of a Local pair, the first answers too."""
    if chan.state == UP or chan.dead:
        return
    chan.answered = time.time()
    chan.cdr.setdefault("answer", chan.answered)
    set_state(pbx, chan, UP)
    if chan.peer is not None and chan.name.endswith(";2"):
        _local_answered(pbx, chan.peer)


def _local_answered(pbx: PBX, first: Channel) -> None:
    if first.state == UP or first.dead:
        return
    pbx.set_device_state(first.device, "INUSE", force=True)
    member_device_changed(pbx, first.device, "INUSE")
    first.state = UP
    first.answered = time.time()
    first.cdr.setdefault("answer", first.answered)
    pbx.publish(manager_events.newstate(first))
    first.poke_answer()
    if first.owner is not None:
        first.owner.poke()


def member_device_changed(pbx: PBX, device: str, state: str) -> None:
    """Queue members follow their interface's device state (QueueMemberStatus)."""
    status = {"NOT_INUSE": 1, "INUSE": 2, "RINGING": 6, "BUSY": 3}.get(state, 1)
    for queue in pbx.queues.values():
        for member in queue.members:
            if member.interface == device and member.status != status:
                member.status = status
                pbx.publish(manager_events.queue_member_status(queue.name, member, int(pbx.started)))
                if not pbx.queue_avail_published:
                    # Asterisk publishes the queue's availability device once, when it is
                    # first computed; later changes of one member do not change it here.
                    pbx.queue_avail_published = True
                    pbx.set_device_state(f"Queue:{queue.name}_avail", "NOT_INUSE", force=True)


# -- asking a channel to hang up ---------------------------------------------------------------
def request_hangup(pbx: PBX, chan: Channel, cause: int = 0, *, remote: bool = False) -> None:
    """Ask a channel to hang up. ``remote``: its phone hung up (HangupRequest is published);
    otherwise it is the AMI Hangup action, which publishes nothing by itself."""
    if chan.dead or chan.softhangup:
        return
    if cause > 0:
        chan.hangup_cause = cause
    if remote:
        pbx.publish(manager_events.hangup_request(chan, chan.hangup_cause))
    chan.softhangup = True
    chan.poke()
    owner = chan.owner
    if owner is not None:
        owner.poke()


# -- ending channels ---------------------------------------------------------------------------
def end_channel(pbx: PBX, chan: Channel, how: str) -> None:
    """A channel's code has finished. ``how``: ``"dialplan"`` (the Hangup application,
    which already published SoftHangupRequest), ``"finished"`` (its application or
    dialplan ran out) or ``"outside"`` (hung up by AMI, its phone, or its peer)."""
    if chan.dead:
        return
    other = chan.peer if chan.peer is not None and not chan.peer.dead else None
    if other is not None:
        _end_local_pair(pbx, chan, other, how)
        return
    if how != "dialplan" and chan.hangup_cause == 0 and chan.tech != "Local":
        chan.hangup_cause = NORMAL_CLEARING
    if how == "outside" and chan.in_dialplan:
        # Its dialplan stops (pjsip_call_answered: the caller's phone hung up in Dial).
        leave_bridge(pbx, chan)
        pbx.publish(manager_events.soft_hangup_request(chan))
    _hangup_event(pbx, chan)
    if chan.cdr.get("record", True):
        pbx.publish(manager_events.cdr(chan, disposition=disposition(chan), ended=time.time()))
    pbx.remove_channel(chan)
    _device_idle(pbx, chan)


def _end_local_pair(pbx: PBX, first: Channel, other: Channel, how: str) -> None:
    cause = first.hangup_cause
    if how == "dialplan" and cause == 0:
        cause = first.hangup_cause = NORMAL_CLEARING
    pbx.publish(manager_events.hangup_request(other, cause))
    other.hangup_cause = other.hangup_cause or cause  # Busy() has set 17 already
    other.softhangup = True
    ended = time.time()
    if how == "dialplan":
        _hangup_event(pbx, first)
        _cdr(pbx, first, ended)
        _cdr(pbx, other, ended)
        _hangup_other(pbx, other)
        pbx.remove_channel(first)
        pbx.remove_channel(other)
        _device_idle(pbx, first)
        _device_idle(pbx, other)
        member_device_changed(pbx, first.device, "NOT_INUSE")
    else:
        _cdr(pbx, first, ended)
        _hangup_event(pbx, first)
        _hangup_other(pbx, other)
        pbx.remove_channel(first)
        pbx.remove_channel(other)
        _device_idle(pbx, first)
        _cdr(pbx, other, ended)
        _device_idle(pbx, other)
        member_device_changed(pbx, first.device, "NOT_INUSE")


def _cdr(pbx: PBX, chan: Channel, ended: float) -> None:
    """A channel's record; a Local half that Dial created has none of its own (the
    caller's record names it as DestinationChannel)."""
    if not chan.cdr.get("record", True):
        return
    if chan.tech == "Local" and chan.answered is None and "disposition" not in chan.cdr:
        return  # an unanswered Local half that dialled nobody leaves no record (call_busy)
    pbx.publish(manager_events.cdr(chan, disposition=disposition(chan), ended=ended))


def _hangup_other(pbx: PBX, other: Channel) -> None:
    if other.bridge is not None:
        # A half that was bridged (by Dial or Queue) leaves the bridge first and, its
        # application returning normally, hangs up with Normal Clearing (call_dial_bridge,
        # call_queue); one still running its own application keeps the cause it was given.
        leave_bridge(pbx, other)
        other.hangup_cause = other.hangup_cause or NORMAL_CLEARING
    if other.before_hangup is not None:
        other.before_hangup()  # what its application says on the way out (AgentComplete)
        other.before_hangup = None
    if other.in_dialplan:
        pbx.publish(manager_events.soft_hangup_request(other))
    _hangup_event(pbx, other)


def _hangup_event(pbx: PBX, chan: Channel) -> None:
    if chan.bridge is not None:
        leave_bridge(pbx, chan)
    if chan.before_hangup is not None:
        chan.before_hangup()  # e.g. the originate's DialEnd, which Asterisk sends first
        chan.before_hangup = None
    queued = chan.queued_caller
    if queued is not None:
        chan.caller_num, chan.caller_name = queued
    pbx.publish(manager_events.hangup(chan))
    if queued is not None:
        presentation = manager_events.ALLOWED if queued[0] is not None else manager_events.NUMBER_UNAVAILABLE
        pbx.publish(manager_events.newcallerid(chan, presentation))


def _device_idle(pbx: PBX, chan: Channel) -> None:
    if not chan.device:
        return
    if chan.tech == "Local":
        pbx.set_device_state(chan.device, "NOT_INUSE", force=True)
    else:
        pbx.phone_changed(chan.device)


def disposition(chan: Channel) -> str:
    if chan.answered is not None:
        return "ANSWERED"
    return str(chan.cdr.get("disposition", "NO ANSWER"))


def hang_up_now(pbx: PBX, chan: Channel, cause: int) -> None:
    """End a channel that runs no code of its own (a dialled phone): Hangup and its
    device state, without a Cdr (the caller's record covers it)."""
    if chan.dead:
        return
    chan.hangup_cause = cause
    _hangup_event(pbx, chan)
    pbx.remove_channel(chan)
    _device_idle(pbx, chan)


# -- bridges -----------------------------------------------------------------------------------
def make_bridge(pbx: PBX, first: Channel, second: Channel, *, announce: Callable[[], None] | None = None) -> Bridge:
    """A basic bridge with both channels; ``announce`` runs between BridgeCreate and the
    first BridgeEnter (Dial's outgoing Local half reports its Newexten there)."""
    bridge = new_bridge(pbx)
    if announce is not None:
        announce()
    for chan in (first, second):
        enter_bridge(pbx, bridge, chan)
    first.cdr["destination_channel"] = second.name
    return bridge


def new_bridge(pbx: PBX) -> Bridge:
    """An empty basic bridge (BridgeCreate)."""
    bridge = Bridge(pbx.new_bridge_id())
    pbx.bridges[bridge.id] = bridge
    pbx.publish(bridge.event("BridgeCreate"))
    return bridge


def enter_bridge(pbx: PBX, bridge: Bridge, chan: Channel) -> None:
    bridge.channels.append(chan)
    chan.bridge = bridge
    chan.bridge_id = bridge.id
    pbx.publish(bridge.event("BridgeEnter", chan))
    if len(bridge.channels) == 2 and all(c.tech == "PJSIP" for c in bridge.channels):
        bridge.technology = manager_events.NATIVE_RTP  # the smart bridge moves two phones' media
    start_reports(pbx, chan)


def leave_bridge(pbx: PBX, chan: Channel, *, keep: bool = False) -> None:
    """Take a channel out of its bridge; the bridge goes when it is empty, unless ``keep``
    (the caller destroys it with :func:`destroy_bridge` once it has said what happened)."""
    bridge = chan.bridge
    if bridge is None:
        return
    bridge.channels.remove(chan)
    chan.bridge = None
    chan.bridge_id = ""
    pbx.publish(bridge.event("BridgeLeave", chan))
    for remaining in bridge.channels:
        remaining.poke()
    if bridge.held_by is not None:
        bridge.held_by.poke()
    if not bridge.channels and not keep:
        destroy_bridge(pbx, bridge)


def destroy_bridge(pbx: PBX, bridge: Bridge) -> None:
    if pbx.bridges.pop(bridge.id, None) is not None:
        pbx.publish(bridge.event("BridgeDestroy"))
