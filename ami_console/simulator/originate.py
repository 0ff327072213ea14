"""Originate: Local channel pairs and calls to phones, with the captures' event order.

``Originate Channel: Local/100@demo`` makes two channels: ``;1`` (the one the originator
holds, created Down) and ``;2`` (created ringing, running extension 100). When ``;2``
answers, ``;1`` is up, the originate succeeds, and ``;1`` runs the requested application
or dialplan. :func:`originate` returns at that point (or when the call failed); what the
call does next runs in a task of its own, so a synchronous Originate can answer first.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from . import manager_events
from .apps import HANGUP, run_channel
from .call_control import answer, end_channel, hang_up_now, request_hangup, set_state
from .channels import (
    DOWN,
    NORMAL_CLEARING,
    RING,
    RINGING,
    USER_BUSY,
    Channel,
)
from .pbx import PBX
from .perms import CALL
from .phones import BUSY_HERE, new_phone_channel, on_a_call, take_outcome
from .wire import Event

ANSWERED, BUSY_REASON, NO_ANSWER_REASON, FAILED = 4, 5, 3, 0


@dataclass
class OriginateRequest:
    channel: str
    app: str = ""
    data: str = ""
    context: str = ""
    exten: str = ""
    priority: int = 0
    timeout: float = 30.0  # seconds of ringing before giving up (not scaled)
    caller_num: str | None = None
    caller_name: str | None = None
    variables: list[tuple[str, str]] = field(default_factory=list)
    account: str = ""
    channel_id: str = ""
    other_channel_id: str = ""
    action_id: str = ""
    respond: bool = False  # publish OriginateResponse (Async: true)


@dataclass
class OriginateResult:
    ok: bool
    reason: int
    chan: Channel | None = None


async def originate(pbx: PBX, request: OriginateRequest) -> OriginateResult:
    tech, _, resource = request.channel.partition("/")
    if tech.lower() == "local":
        result = await _originate_local(pbx, request, resource)
    elif tech.upper() == "PJSIP":
        result = await _originate_phone(pbx, request, resource)
    else:
        result = OriginateResult(False, FAILED)
    if not result.ok and request.respond:
        pbx.publish(_response_event(request, result))
    return result


def _response_event(request: OriginateRequest, result: OriginateResult) -> Event:
    chan = result.chan
    fields: list[tuple[str, object]] = []
    if request.action_id:
        fields.append(("ActionID", request.action_id))
    fields += [
        ("Response", "Success" if result.ok else "Failure"),
        ("Channel", chan.name if chan is not None else request.channel),
    ]
    if request.app:
        fields += [("Application", request.app), ("Data", request.data)]
    else:
        fields += [("Context", request.context), ("Exten", request.exten)]
    fields += [
        ("Reason", result.reason),
        ("Uniqueid", chan.uniqueid if chan is not None else request.channel_id or "<unknown>"),
        ("CallerIDNum", request.caller_num or "<unknown>"),
        ("CallerIDName", request.caller_name or "<unknown>"),
    ]
    return Event.build("OriginateResponse", CALL, fields)


# -- Local channels ----------------------------------------------------------------------------
def local_pair(
    pbx: PBX,
    exten: str,
    context: str,
    *,
    uniqueids: tuple[str, str] = ("", ""),
    caller: Channel | None = None,
    linkedid: str = "",
) -> tuple[Channel, Channel]:
    """Create and announce both halves of ``Local/<exten>@<context>``; a ``caller``
    (the channel that dials it) lends them its linkedid and caller ID; ``linkedid``
    alone joins them to a call without the caller ID."""
    base = f"Local/{exten}@{context}-{pbx.next_seq('Local'):08x}"
    first_id = uniqueids[0] or pbx.new_uniqueid()
    second_id = uniqueids[1] or pbx.new_uniqueid()
    linkedid = caller.linkedid if caller is not None else linkedid or first_id
    device = f"Local/{exten}@{context}"
    one = Channel(base + ";1", first_id, linkedid, "Local", context, exten, state=DOWN, device=device)
    two = Channel(base + ";2", second_id, linkedid, "Local", context, exten, state=RING, device=device)
    one.peer, two.peer = two, one
    for chan in (one, two):
        if caller is not None:
            chan.caller_num, chan.caller_name = caller.caller_num, caller.caller_name
            chan.connected_num, chan.connected_name = caller.caller_num, caller.caller_name
        pbx.add_channel(chan)
        pbx.publish(manager_events.newchannel(chan))
    return one, two


def _set_caller(pbx: PBX, one: Channel, two: Channel, number: str | None, name: str | None) -> None:
    one.caller_num, one.caller_name = number, name
    pbx.publish(manager_events.newcallerid(one))
    one.connected_num, one.connected_name = number, name
    pbx.publish(manager_events.newconnectedline(one))
    if two is not one:
        two.connected_num, two.connected_name = number, name
        two.caller_num, two.caller_name = number, name
        pbx.publish(manager_events.newcallerid(two))
        pbx.publish(manager_events.newconnectedline(two))


def fail_local_pair(pbx: PBX, one: Channel, two: Channel) -> None:
    """The second half found no such extension: both go at once, no Cdr."""
    for chan in (two, one):
        pbx.publish(manager_events.hangup(chan))
        pbx.remove_channel(chan)
    for _ in range(2):
        pbx.set_device_state(one.device, "INVALID", force=True)


async def _originate_local(pbx: PBX, request: OriginateRequest, resource: str) -> OriginateResult:
    exten, _, context = resource.partition("@")
    context = context.split("/")[0] or "default"
    one, two = local_pair(pbx, exten, context, uniqueids=(request.channel_id, request.other_channel_id))
    one.appl, one.data = "AppDial2", "(Outgoing Line)"
    pbx.publish(manager_events.newexten(one, one.appl, one.data))
    if request.caller_num is not None or request.caller_name is not None:
        _set_caller(pbx, one, two, request.caller_num, request.caller_name)
    for name, value in request.variables:
        pbx.set_variable(one, name, value)
        pbx.set_variable(two, name, value)  # the ;2 half inherits them (call_attended_transfer)
    one.accountcode = two.accountcode = request.account
    if not pbx.extension_exists(context, exten):
        fail_local_pair(pbx, one, two)
        return OriginateResult(False, FAILED)
    pbx.publish(manager_events.local_bridge(one, two, context, exten))
    pbx.publish(manager_events.dial_begin(None, one, f"{exten}@{context}"))
    # If the other half gives up first (Busy, a Dial that failed), Asterisk reports the
    # originate's DialEnd NOANSWER just before this half's Hangup (call_busy).
    one.before_hangup = lambda: pbx.publish(manager_events.dial_end(None, one, "NOANSWER"))
    pbx.spawn(run_channel(pbx, two))
    deadline = time.monotonic() + request.timeout
    while not one.answered_event.is_set():
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not await one.wait(remaining):
            break
    if not one.answered_event.is_set():
        if one.dead:
            return OriginateResult(False, FAILED)  # hung up from the other side: Reason 0
        end_channel(pbx, one, "outside")
        return OriginateResult(False, NO_ANSWER_REASON)
    one.before_hangup = None
    result = OriginateResult(True, ANSWERED, one)
    if request.respond:
        pbx.publish(_response_event(request, result))
    pbx.publish(manager_events.dial_end(None, one, "ANSWER"))
    pbx.set_device_state(one.device, "INUSE", force=True)
    pbx.spawn(_after_answer(pbx, one, request))
    return result


# -- phones ------------------------------------------------------------------------------------
async def _originate_phone(pbx: PBX, request: OriginateRequest, resource: str) -> OriginateResult:
    """The phone is called as Dial calls it (:mod:`.dial`): it answers at once or after
    ringing, says busy (486) or rings until the Originate's Timeout."""
    endpoint = pbx.endpoints.get(resource.split("/")[0])
    if endpoint is None or endpoint.name not in pbx.contacts:
        return OriginateResult(False, FAILED)  # no such phone, or not registered
    busy = on_a_call(pbx, endpoint)
    chan = new_phone_channel(pbx, endpoint)
    if request.channel_id:
        chan.uniqueid = chan.linkedid = request.channel_id
    chan.appl = "AppDial2"
    pbx.publish(manager_events.newchannel(chan))
    pbx.publish(manager_events.newexten(chan, chan.appl, chan.data))
    if request.caller_num is not None or request.caller_name is not None:
        _set_caller(pbx, chan, chan, request.caller_num, request.caller_name)
    for name, value in request.variables:
        pbx.set_variable(chan, name, value)
    chan.accountcode = request.account
    pbx.publish(manager_events.dial_begin(None, chan, resource))
    outcome = take_outcome(pbx, endpoint.name, busy=busy)
    ring = float("inf") if outcome.kind == "noanswer" else pbx.scaled(outcome.ring)
    if ring > 0:
        set_state(pbx, chan, RINGING)
        pbx.publish(manager_events.dial_state(None, chan, "RINGING"))
        if not await chan.sleep(min(ring, request.timeout)):
            pbx.publish(manager_events.dial_end(None, chan, "CANCEL"))
            hang_up_now(pbx, chan, chan.hangup_cause)
            return OriginateResult(False, NO_ANSWER_REASON)
    if ring > request.timeout:
        pbx.publish(manager_events.dial_end(None, chan, "NOANSWER"))
        hang_up_now(pbx, chan, 0)  # Asterisk CANCELs the phone
        return OriginateResult(False, NO_ANSWER_REASON)
    if outcome.kind == "busy":
        chan.tech_cause = BUSY_HERE
        pbx.publish(manager_events.hangup_request(chan, USER_BUSY))
        pbx.publish(manager_events.dial_end(None, chan, "BUSY"))
        hang_up_now(pbx, chan, USER_BUSY)
        return OriginateResult(False, BUSY_REASON)
    answer(pbx, chan)
    result = OriginateResult(True, ANSWERED, chan)
    if request.respond:
        pbx.publish(_response_event(request, result))
    pbx.publish(manager_events.dial_end(None, chan, "ANSWER"))
    if outcome.talk is not None:
        pbx.spawn(_phone_hangs_up(pbx, chan, outcome.talk))
    pbx.spawn(_after_answer(pbx, chan, request))
    return result


async def _phone_hangs_up(pbx: PBX, chan: Channel, seconds: float) -> None:
    await chan.sleep(pbx.scaled(seconds))
    if not chan.dead:
        request_hangup(pbx, chan, NORMAL_CLEARING, remote=True)


async def _after_answer(pbx: PBX, chan: Channel, request: OriginateRequest) -> None:
    """The originated channel runs its application (or dialplan), then hangs up."""
    if not request.app:
        chan.context, chan.exten, chan.priority = (
            request.context,
            request.exten,
            request.priority or 1,
        )
        await run_channel(pbx, chan)
        return
    chan.appl, chan.data = request.app, request.data
    chan.cdr["last_app"], chan.cdr["last_data"] = request.app, request.data
    app = pbx.apps.get(request.app.lower())
    result = await app(pbx, chan, request.data) if app is not None else "unknown"
    if chan.redirect_to is not None and not chan.dead:
        await run_channel(pbx, chan)
        return
    if chan.dead:
        return
    if result == HANGUP:
        end_channel(pbx, chan, "dialplan")
    elif chan.softhangup:
        end_channel(pbx, chan, "outside")
    else:
        end_channel(pbx, chan, "finished")
