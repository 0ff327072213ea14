"""The dialplan interpreter and its applications.

A channel's dialplan runs priority by priority: Newexten, then the application. Each
application returns what the interpreter should do next (:data:`NEXT`, :data:`HANGUP`
after the Hangup application, :data:`END` when the channel should simply end) and is
interrupted by a hangup or a redirect through :meth:`Channel.wait`. Dialplan time is
real time scaled by ``PBX.time_scale``: Wait(2) takes two seconds at scale 1.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from . import events
from .calls import (
    Bridge,
    answer,
    end_channel,
    hang_up_now,
    leave_bridge,
    make_bridge,
    request_hangup,
)
from .channels import NO_ANSWER, NORMAL_CLEARING, RINGING, UP, USER_BUSY, Channel
from .dialplan import find_extension
from .pbx import PBX

NEXT = "next"
HANGUP = "hangup"  # the Hangup application ran
END = "end"  # end the channel (its Dial partner hung up, unknown application...)
INTERRUPTED = "interrupted"

App = Callable[[PBX, Channel, str], Awaitable[str]]


async def run_channel(pbx: PBX, chan: Channel) -> None:
    """Run a channel's dialplan from where it stands, then hang it up."""
    how = await run_dialplan(pbx, chan)
    if not chan.dead:
        end_channel(pbx, chan, {HANGUP: "dialplan", END: "finished"}.get(how, "outside"))


async def run_dialplan(pbx: PBX, chan: Channel) -> str:
    if not chan.in_dialplan:
        chan.in_dialplan = True
        pbx.processed_calls += 1
    while True:
        if chan.redirect_to is not None:
            chan.context, chan.exten, chan.priority = chan.redirect_to
            chan.redirect_to = None
        if chan.dead or chan.softhangup:
            return INTERRUPTED
        extension = find_extension(pbx.contexts, chan.context, chan.exten)
        step = extension.priority(chan.priority) if extension is not None else None
        if step is None:
            return END  # Asterisk's autofallthrough: no such priority, hang up
        chan.appl, chan.data = step.app, step.data
        chan.cdr["last_app"], chan.cdr["last_data"] = step.app, step.data
        pbx.publish(events.newexten(chan, step.app, step.data))
        result = await APPS.get(step.app.lower(), app_unknown)(pbx, chan, step.data)
        if result in (HANGUP, END):
            return result
        if chan.redirect_to is not None:
            continue
        if chan.dead or chan.softhangup:
            return INTERRUPTED
        chan.priority += 1


# -- simple applications -----------------------------------------------------------------------
async def app_answer(pbx: PBX, chan: Channel, data: str) -> str:
    if chan.state != UP:
        answer(pbx, chan)
        # Answer on a ringing channel waits up to 500 ms for media to flow.
        await chan.sleep(pbx.scaled(0.5))
    return NEXT


async def app_set(pbx: PBX, chan: Channel, data: str) -> str:
    name, _, value = data.partition("=")
    if name:
        pbx.set_variable(chan, name.strip(), value)
    return NEXT


async def app_wait(pbx: PBX, chan: Channel, data: str) -> str:
    try:
        seconds = float(data or 0)
    except ValueError:
        seconds = 0.0
    await chan.sleep(pbx.scaled(max(0.0, seconds)))
    return NEXT


async def app_hangup(pbx: PBX, chan: Channel, data: str) -> str:
    if data.strip().isdigit():
        chan.hangup_cause = int(data)
    elif chan.hangup_cause == 0:
        chan.hangup_cause = NORMAL_CLEARING
    pbx.publish(events.soft_hangup_request(chan))
    return HANGUP


async def app_echo(pbx: PBX, chan: Channel, data: str) -> str:
    await chan.sleep(None)  # echoes until someone hangs up
    return NEXT


async def app_playback(pbx: PBX, chan: Channel, data: str) -> str:
    if chan.state != UP:
        answer(pbx, chan)
    await chan.sleep(pbx.scaled(3.0))
    return NEXT


async def app_noop(pbx: PBX, chan: Channel, data: str) -> str:
    return NEXT


async def app_userevent(pbx: PBX, chan: Channel, data: str) -> str:
    name, *headers = data.split(",")
    pbx.publish(events.user_event(chan, name, headers))
    return NEXT


async def app_unknown(pbx: PBX, chan: Channel, data: str) -> str:
    return END


# -- Dial --------------------------------------------------------------------------------------
async def app_dial(pbx: PBX, chan: Channel, data: str) -> str:
    """Dial(PJSIP/<endpoint>[,timeout]): ring a phone, bridge on answer."""
    # Imported here: phones imports this module (for run_channel).
    from .phones import new_phone_channel, take_outcome

    target, _, rest = data.partition(",")
    timeout_text = rest.split(",")[0].strip()
    timeout = float(timeout_text) if timeout_text.replace(".", "", 1).isdigit() else None
    tech, _, resource = target.partition("/")
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
    outcome = take_outcome(pbx, endpoint.name, busy=busy)
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
    return await _talk(pbx, chan, peer, make_bridge(pbx, chan, peer))


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
    while True:
        await chan.wait(None)
        if peer.redirect_to is not None and not peer.dead:
            # The dialled party is sent elsewhere: it leaves with dialplan of its own.
            leave_bridge(pbx, peer)
            peer.owner = None
            pbx.spawn(run_channel(pbx, peer))
            leave_bridge(pbx, chan)
            chan.hangup_cause = chan.hangup_cause or NORMAL_CLEARING
            return END
        if peer.dead or peer.softhangup or peer.bridge is not bridge:
            if not peer.dead:
                chan.hangup_cause = peer.hangup_cause or NORMAL_CLEARING
                end_peer(pbx, peer)
            chan.hangup_cause = chan.hangup_cause or NORMAL_CLEARING
            leave_bridge(pbx, chan)
            return END
        if chan.interrupted:
            leave_bridge(pbx, chan)
            if not peer.dead:
                peer.hangup_cause = chan.hangup_cause or NORMAL_CLEARING
                leave_bridge(pbx, peer)
                end_peer(pbx, peer)
            return INTERRUPTED


def end_peer(pbx: PBX, peer: Channel) -> None:
    """A dialled party goes: a phone simply hangs up; the first half of a Local pair takes
    its second half down with it."""
    if peer.peer is not None:
        end_channel(pbx, peer, "outside")
    else:
        hang_up_now(pbx, peer, peer.hangup_cause or NORMAL_CLEARING)


async def app_queue(pbx: PBX, chan: Channel, data: str) -> str:
    from .queue import queue_call

    return await queue_call(pbx, chan, data)


APPS: dict[str, App] = {
    "answer": app_answer,
    "set": app_set,
    "wait": app_wait,
    "hangup": app_hangup,
    "echo": app_echo,
    "playback": app_playback,
    "noop": app_noop,
    "verbose": app_noop,
    "userevent": app_userevent,
    "dial": app_dial,
    "queue": app_queue,
}
