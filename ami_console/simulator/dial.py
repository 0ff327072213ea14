"""The Dial application: call a phone or a Local channel, bridge the caller to it when it
answers.

Dial(PJSIP/<endpoint>[,timeout[,options]]) takes the phone's outcome (:mod:`.phones`):
it answers, is busy or rings out, in the pjsip_call_* captures' order;
Dial(Local/<exten>@<context>,...) runs the extension in a Local pair (call_dial_bridge,
call_busy, call_noanswer). Once answered, both parties stay bridged until one of them
goes (the caller's dialplan then goes on after Dial) or the dialled party is redirected,
which starts dialplan of its own.
"""

from __future__ import annotations

import time

from . import manager_events
from .apps import END, INTERRUPTED, NEXT, AppTable, run_channel
from .call_control import (
    Bridge,
    answer,
    end_channel,
    hang_up_now,
    leave_bridge,
    make_bridge,
    request_hangup,
    set_state,
)
from .channels import BUSY, NORMAL_CLEARING, RINGING, USER_BUSY, Channel
from .config import Endpoint
from .originate import fail_local_pair, local_pair
from .pbx import PBX
from .phones import BUSY_HERE, HABITS, hold_later, new_phone_channel, on_a_call, take_outcome

APPLICATIONS = AppTable()  # Dial (applications.build_apps gathers the tables)


@APPLICATIONS.application("Dial")
async def app_dial(pbx: PBX, chan: Channel, data: str) -> str:
    """Dial(PJSIP/<endpoint>[,timeout]): ring a phone, bridge on answer."""
    target, _, rest = data.partition(",")
    timeout_text, _, options = rest.partition(",")
    timeout_text = timeout_text.strip()
    timeout = float(timeout_text) if timeout_text.replace(".", "", 1).isdigit() else None
    # Dial option t lets the called party transfer (features.conf's codes, transfer.py);
    # BRIDGE_FEATURES=t on the caller means the same (call_attended_transfer sets it
    # through Originate). T, the caller transferring, is not modelled: its digits pass.
    transfers = "t" in options + chan.variables.get("BRIDGE_FEATURES", "")
    tech, _, resource = target.partition("/")
    _clear_dial_variables(pbx, chan)
    if tech.lower() == "local" and "@" in resource:
        return await _dial_local(pbx, chan, resource, timeout, transfers)
    endpoint = pbx.endpoints.get(resource) if tech.upper() == "PJSIP" else None
    if endpoint is None or endpoint.name not in pbx.contacts:
        # No such phone, or it is not registered: no channel can be made to it.
        pbx.set_variable(chan, "DIALSTATUS", "CHANUNAVAIL")
        chan.cdr["disposition"] = "FAILED"
        return NEXT
    return await _dial_phone(pbx, chan, endpoint, timeout, transfers)


async def _dial_phone(pbx: PBX, chan: Channel, endpoint: Endpoint, timeout: float | None, transfers: bool) -> str:
    """Dial(PJSIP/<endpoint>) in pjsip_call_answered's order: the phone's channel appears
    Down in extension ``s``, takes the caller's extension and connected line, DialBegin,
    and the caller's connected line becomes the phone; then the phone rings or not, and
    answers (its channel enters the bridge first), says busy (486) or rings out."""
    busy = on_a_call(pbx, endpoint)
    peer = new_phone_channel(pbx, endpoint, linkedid=chan.linkedid)
    peer.owner = chan
    peer.cdr["record"] = False
    pbx.publish(manager_events.newchannel(peer))
    pbx.set_variable(peer, "DIALEDPEERNUMBER", endpoint.name)
    peer.exten = chan.exten
    peer.connected_num, peer.connected_name = chan.caller_num, chan.caller_name
    pbx.publish(manager_events.newexten(peer, peer.appl, peer.data))
    pbx.publish(manager_events.newconnectedline(peer))
    pbx.publish(manager_events.dial_begin(chan, peer, endpoint.name))
    chan.connected_num, chan.connected_name = peer.caller_num, peer.caller_name
    pbx.publish(manager_events.newconnectedline(chan))
    outcome = take_outcome(pbx, endpoint.name, busy=busy, habit=HABITS.get((chan.context, chan.exten)))
    ring = float("inf") if outcome.kind == "noanswer" else outcome.ring
    if ring > 0:
        set_state(pbx, peer, RINGING)
        for variable in ("RINGTIME", "RINGTIME_MS"):
            pbx.set_variable(chan, variable, "0")
        pbx.publish(manager_events.dial_state(chan, peer, "RINGING"))
        pbx.phone_changed(chan.device)  # the ringing is passed on to the caller's phone (180)
    limit = min(ring, timeout if timeout is not None else float("inf"), 3600.0)
    deadline = time.monotonic() + pbx.scaled(limit)
    while (remaining := deadline - time.monotonic()) > 0:
        if not await chan.wait(remaining):
            pbx.publish(manager_events.dial_end(chan, peer, "CANCEL"))
            hang_up_now(pbx, peer, 0)
            pbx.set_variable(chan, "DIALSTATUS", "CANCEL")
            return INTERRUPTED
        if peer.interrupted:  # the dialled channel was hung up while ringing
            return _dial_failed(pbx, chan, peer, "NOANSWER")
    if ring > limit:
        return _dial_failed(pbx, chan, peer, "NOANSWER")
    if outcome.kind == "busy":
        return _dial_failed(pbx, chan, peer, "BUSY")
    answer(pbx, peer)
    peer.exten = ""  # Asterisk shows the answered outgoing channel without an extension
    pbx.set_variable(chan, "DIALSTATUS", "ANSWER")
    pbx.set_variable(chan, "DIALEDPEERNAME", peer.name)
    pbx.set_variable(chan, "DIALEDPEERNUMBER", endpoint.name)
    pbx.publish(manager_events.dial_end(chan, peer, "ANSWER"))
    answer(pbx, chan)
    if outcome.talk is not None:
        who = peer if outcome.callee_hangs_up else chan
        pbx.spawn(_hang_up_later(pbx, who, outcome.talk))
    peer.can_transfer = transfers
    bridge = make_bridge(
        pbx, peer, chan, announce=lambda: pbx.publish(manager_events.newexten(peer, peer.appl, peer.data))
    )
    chan.cdr["destination_channel"] = peer.name
    if outcome.hold is not None:
        pbx.spawn(hold_later(pbx, peer, outcome.hold))
    return await _talk(pbx, chan, peer, bridge)


def _dial_failed(pbx: PBX, chan: Channel, peer: Channel, status: str) -> str:
    """The phone said busy (486: HangupRequest on its channel, cause 17 for both) or was
    not answered (Asterisk CANCELs it: its Hangup has cause 0) (pjsip_call_busy,
    pjsip_call_noanswer)."""
    if chan.interrupted:
        pbx.publish(manager_events.dial_end(chan, peer, "CANCEL"))
        hang_up_now(pbx, peer, 0)
        return INTERRUPTED
    if status == "BUSY":
        chan.hangup_cause = peer.hangup_cause = USER_BUSY
        chan.tech_cause = peer.tech_cause = BUSY_HERE
        pbx.publish(manager_events.hangup_request(peer, USER_BUSY))
    pbx.publish(manager_events.dial_end(chan, peer, status))
    pbx.set_variable(chan, "DIALSTATUS", status)
    hang_up_now(pbx, peer, peer.hangup_cause)
    _record_failure(chan, peer, status)
    return NEXT


def _record_failure(chan: Channel, dialled: Channel, status: str) -> None:
    """The caller's record is final once its dial failed: what runs next (Hangup) is not
    its last application (call_busy, pjsip_call_busy)."""
    chan.cdr["disposition"] = "BUSY" if status == "BUSY" else "NO ANSWER"
    chan.cdr["destination_channel"] = dialled.name
    chan.cdr["final"] = True


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
        chan.cdr["final"] = True  # the record is the bridged call's, whatever runs after
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
            # The other party has gone: Dial returns and the caller's dialplan goes on.
            chan.hangup_cause = chan.hangup_cause or NORMAL_CLEARING
            leave_bridge(pbx, chan)
            return NEXT


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
    pbx.publish(manager_events.newexten(one, one.appl, one.data))
    pbx.publish(manager_events.newcallerid(one))
    pbx.set_variable(two, "DIALEDPEERNUMBER", resource)
    two.connected_num, two.connected_name = one.caller_num, one.caller_name
    pbx.publish(manager_events.newconnectedline(two))
    if not pbx.extension_exists(context, exten):
        fail_local_pair(pbx, one, two)
        pbx.set_variable(chan, "DIALSTATUS", "CHANUNAVAIL")
        return NEXT
    pbx.publish(manager_events.local_bridge(one, two, context, exten))
    pbx.publish(manager_events.dial_begin(chan, one, resource))
    pbx.spawn(run_channel(pbx, two))
    limit = timeout if timeout is not None else 3600.0
    deadline = time.monotonic() + pbx.scaled(limit)
    while not one.answered_event.is_set() and two.state != BUSY and not one.dead:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not await chan.wait(remaining):
            break
    if chan.interrupted:
        pbx.publish(manager_events.dial_end(chan, one, "CANCEL"))
        end_channel(pbx, one, "outside")
        return INTERRUPTED
    if not one.answered_event.is_set() or one.dead:
        status = "BUSY" if two.state == BUSY else "NOANSWER"
        _record_failure(chan, one, status)
        pbx.publish(manager_events.dial_end(chan, one, status))
        if not one.dead:
            end_channel(pbx, one, "outside")
        pbx.set_variable(chan, "DIALSTATUS", status)
        return NEXT
    pbx.set_variable(chan, "DIALSTATUS", "ANSWER")
    pbx.set_variable(chan, "DIALEDPEERNAME", one.name)
    pbx.set_variable(chan, "DIALEDPEERNUMBER", resource)
    one.exten = ""  # Asterisk shows the answered outgoing half without an extension
    pbx.publish(manager_events.dial_end(chan, one, "ANSWER"))
    answer(pbx, chan)
    one.can_transfer = transfers
    bridge = make_bridge(pbx, one, chan, announce=lambda: pbx.publish(manager_events.newexten(one, one.appl, one.data)))
    chan.cdr["destination_channel"] = one.name
    return await _talk(pbx, chan, one, bridge)
