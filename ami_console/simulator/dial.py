"""The Dial application: ring a phone, bridge the caller to it when it answers.

Dial(PJSIP/<endpoint>[,timeout]) takes the phone's scripted outcome (:mod:`.phones`):
it answers, is busy or rings out. Once answered, both parties stay bridged until one of
them goes or the dialled party is redirected, which starts dialplan of its own.
Importing this module registers the application (the server does).
"""

from __future__ import annotations

import time

from . import events
from .apps import END, INTERRUPTED, NEXT, application, run_channel
from .calls import Bridge, answer, end_channel, hang_up_now, leave_bridge, make_bridge, request_hangup
from .channels import BUSY, NO_ANSWER, NORMAL_CLEARING, RINGING, USER_BUSY, Channel
from .originate import fail_local_pair, local_pair
from .pbx import PBX
from .phones import HABITS, new_phone_channel, take_outcome


@application("Dial")
async def app_dial(pbx: PBX, chan: Channel, data: str) -> str:
    """Dial(PJSIP/<endpoint>[,timeout]): ring a phone, bridge on answer."""
    target, _, rest = data.partition(",")
    timeout_text, _, options = rest.partition(",")
    timeout_text = timeout_text.strip()
    timeout = float(timeout_text) if timeout_text.replace(".", "", 1).isdigit() else None
    # Dial option t lets the called party transfer, T the caller; BRIDGE_FEATURES on the
    # caller means the same (call_attended_transfer sets it through Originate).
    features = options + chan.variables.get("BRIDGE_FEATURES", "")
    chan.can_transfer = "T" in features
    tech, _, resource = target.partition("/")
    _clear_dial_variables(pbx, chan)
    if tech.lower() == "local" and "@" in resource:
        return await _dial_local(pbx, chan, resource, timeout, "t" in features)
    endpoint = pbx.endpoints.get(resource) if tech.upper() == "PJSIP" else None
    if endpoint is None:
        pbx.set_variable(chan, "DIALSTATUS", "CHANUNAVAIL")
        chan.cdr["disposition"] = "FAILED"
        return NEXT
    busy = any(c.device == endpoint.device for c in pbx.channels.values())
    peer = new_phone_channel(pbx, endpoint, linkedid=chan.linkedid, exten=chan.exten)
    peer.caller_num, peer.caller_name = endpoint.number, endpoint.display
    peer.connected_num, peer.connected_name = chan.caller_num, chan.caller_name
    peer.owner = chan
    peer.cdr["record"] = False
    pbx.publish(events.newchannel(peer))
    pbx.publish(events.dial_begin(chan, peer, resource))
    outcome = take_outcome(pbx, endpoint.name, busy=busy, habit=HABITS.get((chan.context, chan.exten)))
    if outcome.kind == "busy":
        await chan.sleep(pbx.scaled(outcome.ring))
        return _dial_failed(pbx, chan, peer, "BUSY", USER_BUSY)
    peer.state = RINGING
    pbx.publish(events.newstate(peer))
    pbx.publish(events.dial_state(chan, peer, "RINGING"))
    pbx.set_device_state(endpoint.device, "RINGING")
    ring = outcome.ring if outcome.kind == "answer" else float("inf")
    limit = min(ring, timeout if timeout is not None else float("inf"), 3600.0)
    deadline = time.monotonic() + pbx.scaled(limit)
    while (remaining := deadline - time.monotonic()) > 0:
        if not await chan.wait(remaining):
            pbx.publish(events.dial_end(chan, peer, "CANCEL"))
            hang_up_now(pbx, peer, 0)
            pbx.set_variable(chan, "DIALSTATUS", "CANCEL")
            return INTERRUPTED
        if peer.interrupted:  # the dialled channel was hung up while ringing
            return _dial_failed(pbx, chan, peer, "NOANSWER", peer.hangup_cause or NO_ANSWER)
    if ring > limit:
        return _dial_failed(pbx, chan, peer, "NOANSWER", NO_ANSWER)
    answer(pbx, peer)
    pbx.set_device_state(endpoint.device, "INUSE")
    answer(pbx, chan)
    pbx.publish(events.dial_end(chan, peer, "ANSWER"))
    pbx.set_variable(chan, "DIALEDPEERNAME", peer.name)
    pbx.set_variable(chan, "DIALEDPEERNUMBER", resource)
    if outcome.talk is not None:
        who = peer if outcome.callee_hangs_up else chan
        pbx.spawn(_hang_up_later(pbx, who, outcome.talk))
    peer.can_transfer = "t" in features
    bridge = make_bridge(pbx, chan, peer)
    if outcome.hold is not None:
        pbx.spawn(_hold_later(pbx, chan, peer, outcome.hold))
    return await _talk(pbx, chan, peer, bridge)


def _dial_failed(pbx: PBX, chan: Channel, peer: Channel, status: str, cause: int) -> str:
    if chan.interrupted:
        pbx.publish(events.dial_end(chan, peer, "CANCEL"))
        hang_up_now(pbx, peer, 0)
        return INTERRUPTED
    hang_up_now(pbx, peer, cause)
    pbx.publish(events.dial_end(chan, peer, status))
    if status == "BUSY":
        chan.hangup_cause = cause
    chan.cdr["disposition"] = "BUSY" if status == "BUSY" else "NO ANSWER"
    chan.cdr["destination_channel"] = peer.name
    pbx.set_variable(chan, "DIALSTATUS", status)
    return NEXT


async def _hang_up_later(pbx: PBX, chan: Channel, seconds: float) -> None:
    await chan.sleep(pbx.scaled(seconds))
    if not chan.dead:
        request_hangup(pbx, chan, NORMAL_CLEARING, remote=True)


async def _talk(pbx: PBX, chan: Channel, peer: Channel, bridge: Bridge) -> str:
    """Both parties are bridged; wait until one of them goes, take the bridge down, and
    set DIALSTATUS as Dial does when it returns."""
    result = await _bridged(pbx, chan, peer, bridge)
    if not chan.dead:
        pbx.set_variable(chan, "DIALSTATUS", "ANSWER")
    return result


async def _bridged(pbx: PBX, chan: Channel, peer: Channel, bridge: Bridge) -> str:
    """Until the call ends: whoever is bridged with the caller (the dialled party, or
    after an attended transfer its target) is looked after here, since it runs no code
    of its own; while a transferer consults elsewhere, the caller waits alone."""
    while True:
        await chan.wait(None)
        others = [c for c in bridge.channels if c is not chan]
        moved = [c for c in others if c.redirect_to is not None and not c.dead]
        if moved:
            # The party bridged with the caller is sent elsewhere: it leaves with dialplan of its own.
            for other in moved:
                leave_bridge(pbx, other)
                other.owner = None
                pbx.spawn(run_channel(pbx, other))
            leave_bridge(pbx, chan)
            chan.hangup_cause = chan.hangup_cause or NORMAL_CLEARING
            return END
        for other in others:
            if other.softhangup and not other.dead:  # asked to hang up (its phone, AMI)
                chan.hangup_cause = other.hangup_cause or NORMAL_CLEARING
                end_peer(pbx, other)
        if chan.interrupted:
            leave_bridge(pbx, chan)
            for other in [c for c in bridge.channels if not c.dead]:
                other.hangup_cause = chan.hangup_cause or NORMAL_CLEARING
                leave_bridge(pbx, other)
                end_peer(pbx, other)
            return INTERRUPTED
        if chan.bridge is not bridge or (len(bridge.channels) < 2 and bridge.held_by is None):
            chan.hangup_cause = chan.hangup_cause or NORMAL_CLEARING
            leave_bridge(pbx, chan)
            return END


def end_peer(pbx: PBX, peer: Channel) -> None:
    """A dialled party goes: a phone simply hangs up; the first half of a Local pair takes
    its second half down with it."""
    if peer.peer is not None:
        end_channel(pbx, peer, "outside")
    else:
        hang_up_now(pbx, peer, peer.hangup_cause or NORMAL_CLEARING)


# Dial resets these on the caller before it dials (each a VarSet with an empty value).
DIAL_VARIABLES = (
    "DIALSTATUS",
    "DIALEDPEERNUMBER",
    "DIALEDPEERNAME",
    "ANSWEREDTIME",
    "ANSWEREDTIME_MS",
    "DIALEDTIME",
    "DIALEDTIME_MS",
    "RINGTIME",
    "RINGTIME_MS",
    "PROGRESSTIME",
    "PROGRESSTIME_MS",
)


def _clear_dial_variables(pbx: PBX, chan: Channel) -> None:
    for name in DIAL_VARIABLES:
        pbx.set_variable(chan, name, "")


async def _dial_local(pbx: PBX, chan: Channel, resource: str, timeout: float | None, transfers: bool) -> str:
    """Dial(Local/<exten>@<context>[,timeout]): the ``;2`` half runs the extension; its
    Answer answers the ``;1`` half, which Dial then bridges to the caller. The order of
    the events is call_dial_bridge's, call_busy's and call_noanswer's."""
    exten, _, context = resource.partition("@")
    one, two = local_pair(pbx, exten, context, caller=None, linkedid=chan.linkedid)
    pbx.set_variable(one, "DIALEDPEERNUMBER", resource)
    # The outgoing half takes the caller's place in the dialplan and, lacking a caller ID
    # number of the caller's, the caller's extension as its own.
    one.context, one.exten = chan.context, chan.exten
    one.appl, one.data = "AppDial", "(Outgoing Line)"
    one.caller_num, one.caller_name = chan.caller_num or chan.exten, chan.caller_name
    one.owner = chan
    one.cdr["record"] = False
    pbx.publish(events.newexten(one, one.appl, one.data))
    pbx.publish(events.newcallerid(one))
    pbx.set_variable(two, "DIALEDPEERNUMBER", resource)
    two.connected_num, two.connected_name = one.caller_num, one.caller_name
    pbx.publish(events.newconnectedline(two))
    if not pbx.extension_exists(context, exten):
        fail_local_pair(pbx, one, two)
        pbx.set_variable(chan, "DIALSTATUS", "CHANUNAVAIL")
        return NEXT
    pbx.publish(events.local_bridge(one, two, context, exten))
    pbx.publish(events.dial_begin(chan, one, resource))
    pbx.spawn(run_channel(pbx, two))
    limit = timeout if timeout is not None else 3600.0
    deadline = time.monotonic() + pbx.scaled(limit)
    while not one.answered_event.is_set() and two.state != BUSY and not one.dead:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not await chan.wait(remaining):
            break
    if chan.interrupted:
        pbx.publish(events.dial_end(chan, one, "CANCEL"))
        end_channel(pbx, one, "outside")
        return INTERRUPTED
    if not one.answered_event.is_set() or one.dead:
        status = "BUSY" if two.state == BUSY else "NOANSWER"
        chan.cdr["disposition"] = "BUSY" if status == "BUSY" else "NO ANSWER"
        chan.cdr["destination_channel"] = one.name
        pbx.publish(events.dial_end(chan, one, status))
        if not one.dead:
            end_channel(pbx, one, "outside")
        pbx.set_variable(chan, "DIALSTATUS", status)
        return NEXT
    pbx.set_variable(chan, "DIALSTATUS", "ANSWER")
    pbx.set_variable(chan, "DIALEDPEERNAME", one.name)
    pbx.set_variable(chan, "DIALEDPEERNUMBER", resource)
    one.exten = ""  # Asterisk shows the answered outgoing half without an extension
    pbx.publish(events.dial_end(chan, one, "ANSWER"))
    answer(pbx, chan)
    one.can_transfer = transfers
    bridge = make_bridge(pbx, one, chan, announce=lambda: pbx.publish(events.newexten(one, one.appl, one.data)))
    chan.cdr["destination_channel"] = one.name
    return await _talk(pbx, chan, one, bridge)


async def _hold_later(pbx: PBX, chan: Channel, peer: Channel, hold: tuple[float, float]) -> None:
    """The answering phone puts the call on hold after ``hold[0]`` seconds for ``hold[1]``.

    No capture has Hold: the layout is Asterisk 22's documented one, the channel's fields
    then MusicClass (the class the holder asked for; empty here, as most phones send
    none); Unhold has the channel's fields only, as in call_blind_transfer."""
    after, length = hold
    if not await peer.sleep(pbx.scaled(after)) or peer.bridge is None:
        return
    pbx.publish(events.channel_event("Hold", peer, [("MusicClass", "")]))
    pbx.set_device_state(peer.device, "ONHOLD")
    held = await peer.sleep(pbx.scaled(length))
    if held and peer.bridge is not None:
        pbx.publish(events.channel_event("Unhold", peer))
        pbx.set_device_state(peer.device, "INUSE")
