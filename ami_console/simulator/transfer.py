"""DTMF read by a channel, and the attended transfer it can start (features.conf's atxfer).

Digits reach a channel from AMI: ``Atxfer`` queues the attended transfer feature code
and the extension's digits, ``CancelAtxfer`` the atxferabort code, ``PlayDTMF`` with
``Receive: yes`` one digit, as if the channel's phone had sent them. The channel reads
them one at a time, a DTMFEnd (``Direction: Received``) each, with the pacing of
call_attended_transfer. In a bridge, a channel that may transfer (the side Dial called,
with Dial option t or the caller's BRIDGE_FEATURES=t; the caller's T is not modelled) has
its digits matched against the feature codes of :class:`~.config.FeatureMap`; other
digits just pass:

* atxfer (``*2``): Hold on the transferer; the digits that follow are the extension,
  dialled as soon as it exists in TRANSFER_CONTEXT (or the transferer's context) as
  ``Local/<exten>@<context>`` into a second bridge; once it answers, the transferer
  leaves the first bridge (the transferee waits there on hold) to consult the target;
* atxfercomplete (``*2``) during the consultation: BridgeMerge of the second bridge into
  the first, AttendedTransfer, and the transferer hangs up; no Unhold follows;
* atxferabort (``*1``): the target is hung up and the transferer goes back (Unhold).

As in Asterisk's bridge_basic: a transferer that hangs up while consulting completes the
transfer; a target that hangs up or does not answer (atxfernoanswertimeout) cancels it;
a transferee that hangs up leaves the transferer and the target together; an extension
that does not come within transferdigittimeout abandons it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from . import manager_events
from .apps import run_channel
from .call_control import Bridge, destroy_bridge, end_channel, enter_bridge, leave_bridge, new_bridge
from .channels import NORMAL_CLEARING, Channel
from .originate import local_pair
from .pbx import PBX

# call_attended_transfer's pacing, in dialplan seconds.
DIGIT_GAP = 0.06  # from one digit to the next
FEATURE_DIGIT_GAP = 0.16  # after a digit that begins a feature code
FEATURE_DELAY = 0.1  # from a feature code's last digit to the feature acting
MAX_QUEUED_DIGITS = 80  # AST_MAX_EXTENSION: what may wait to be read on one channel

Feature = Callable[[PBX, Channel], None]


@dataclass(eq=False)
class Transfer:
    """An attended transfer, from its feature code to its end."""

    transferer: Channel
    first: Bridge  # where the transferer came from; the transferee waits in it
    context: str
    exten: str = ""  # the digits collected so far
    target: Channel | None = None  # Local/<exten>@<context>;1, once dialled
    second: Bridge | None = None
    outcome: str = ""  # "complete" or "abort", when a feature code decided


def queue_digits(pbx: PBX, chan: Channel, digits: str, duration_ms: int = 0) -> None:
    """DTMF frames queued on a channel, as if received from its phone (bounded)."""
    room = MAX_QUEUED_DIGITS - len(chan.dtmf)
    chan.dtmf.extend((digit, duration_ms) for digit in digits[: max(0, room)])
    if chan.dtmf and chan.dtmf_reader is None and not chan.dead:
        chan.dtmf_reader = pbx.spawn(_read_digits(pbx, chan))


async def send_digit(pbx: PBX, chan: Channel, digit: str, duration_ms: int) -> None:
    """PlayDTMF without Receive: the digit is sent to the channel's far end (not captured:
    the events Asterisk 22 documents; a digit lasts at least 100 ms, as its emulation)."""
    duration_ms = max(duration_ms, 100)
    pbx.publish(manager_events.dtmf_begin(chan, digit, "Sent"))
    await asyncio.sleep(pbx.scaled(duration_ms / 1000))
    if not chan.dead:
        pbx.publish(manager_events.dtmf_end(chan, digit, duration_ms, "Sent"))


async def _read_digits(pbx: PBX, chan: Channel) -> None:
    try:
        while chan.dtmf and not chan.dead:
            digit, duration_ms = chan.dtmf.popleft()
            pbx.publish(manager_events.dtmf_end(chan, digit, duration_ms, "Received"))
            await _digit_read(pbx, chan, digit)
    finally:
        chan.dtmf_reader = None


async def _digit_read(pbx: PBX, chan: Channel, digit: str) -> None:
    """What a digit does: extends the extension of a transfer, or a feature code."""
    transfer = chan.transfer
    if transfer is not None and transfer.target is None:
        transfer.exten += digit
        if pbx.extension_exists(transfer.context, transfer.exten):
            _dial_target(pbx, transfer)
        await asyncio.sleep(pbx.scaled(DIGIT_GAP))
        return
    codes = _feature_codes(pbx, chan)
    chan.feature_digits += digit
    feature = codes.get(chan.feature_digits)
    if feature is not None:
        chan.feature_digits = ""
        await asyncio.sleep(pbx.scaled(FEATURE_DELAY))
        if not chan.dead:
            feature(pbx, chan)
        return
    if any(code.startswith(chan.feature_digits) for code in codes):
        await asyncio.sleep(pbx.scaled(FEATURE_DIGIT_GAP))
        return
    chan.feature_digits = ""  # not a feature: the digits pass through the bridge
    await asyncio.sleep(pbx.scaled(DIGIT_GAP))


def _feature_codes(pbx: PBX, chan: Channel) -> dict[str, Feature]:
    features = pbx.features
    transfer = chan.transfer
    if transfer is not None:
        return {features.atxfercomplete: _complete_by_code, features.atxferabort: _abort_by_code}
    if chan.bridge is not None and chan.can_transfer and features.atxfer:
        return {features.atxfer: _start}
    return {}


def _complete_by_code(pbx: PBX, chan: Channel) -> None:
    transfer = chan.transfer
    if transfer is not None and transfer.second is not None and chan.bridge is transfer.second:
        _decide(transfer, "complete")  # once consulting (not while the target rings)


def _abort_by_code(pbx: PBX, chan: Channel) -> None:
    if chan.transfer is not None and chan.transfer.target is not None:
        _decide(chan.transfer, "abort")


def _decide(transfer: Transfer, outcome: str) -> None:
    if not transfer.outcome:
        transfer.outcome = outcome
        transfer.transferer.poke()


# -- starting: hold, then the extension --------------------------------------------------------
def _start(pbx: PBX, chan: Channel) -> None:
    bridge = chan.bridge
    if bridge is None or chan.transfer is not None:
        return
    context = chan.variables.get("TRANSFER_CONTEXT") or chan.context or "default"
    transfer = Transfer(chan, bridge, context)
    chan.transfer = transfer
    pbx.publish(manager_events.channel_event("Hold", chan))
    _set_held(pbx, [c for c in bridge.channels if c is not chan], True)
    pbx.spawn(_await_extension(pbx, transfer))


async def _await_extension(pbx: PBX, transfer: Transfer) -> None:
    """Without a new digit for transferdigittimeout, the transfer is abandoned."""
    chan = transfer.transferer
    seen = -1
    while chan.transfer is transfer and transfer.target is None and not chan.dead:
        if len(transfer.exten) == seen:
            chan.transfer = None
            _back_from_hold(pbx, transfer)
            return
        seen = len(transfer.exten)
        await asyncio.sleep(pbx.scaled(pbx.features.transferdigittimeout))


def _set_held(pbx: PBX, chans: list[Channel], held: bool) -> None:
    for chan in chans:
        chan.held = held
        pbx.phone_changed(chan.device)


def _back_from_hold(pbx: PBX, transfer: Transfer) -> None:
    chan = transfer.transferer
    if not chan.dead:
        pbx.publish(manager_events.channel_event("Unhold", chan))
    _set_held(pbx, [c for c in transfer.first.channels if c is not chan], False)


# -- the target and the consultation -----------------------------------------------------------
def _dial_target(pbx: PBX, transfer: Transfer) -> None:
    """Call Local/<exten>@<context> into a second bridge, as call_attended_transfer shows
    it: no DialBegin, the target's half already in the bridge while it is called."""
    chan = transfer.transferer
    one, two = local_pair(pbx, transfer.exten, transfer.context, linkedid=chan.linkedid)
    transfer.target = one
    one.owner = chan  # asking the target to hang up tells the transferer
    for variable in ("TRANSFERERNAME", "ATTENDEDTRANSFER"):
        pbx.set_variable(one, variable, chan.name)
    second = transfer.second = new_bridge(pbx)
    for variable in ("ATTENDEDTRANSFER", "TRANSFERERNAME"):
        pbx.set_variable(two, variable, chan.name)
    two.caller_num, two.caller_name = chan.caller_num, chan.caller_name
    pbx.publish(manager_events.newcallerid(two))
    pbx.publish(manager_events.local_bridge(one, two, transfer.context, transfer.exten))
    one.connected_num, one.connected_name = chan.caller_num, chan.caller_name
    pbx.publish(manager_events.newconnectedline(one))
    pbx.spawn(run_channel(pbx, two))
    enter_bridge(pbx, second, one)
    pbx.spawn(_consult(pbx, transfer))


async def _consult(pbx: PBX, transfer: Transfer) -> None:
    chan, first, second, target = transfer.transferer, transfer.first, transfer.second, transfer.target
    assert second is not None and target is not None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + pbx.scaled(pbx.features.atxfernoanswertimeout)
    while not target.answered_event.is_set():
        remaining = deadline - loop.time()
        if remaining <= 0 or transfer.outcome or target.interrupted or not await chan.wait(remaining):
            _abort(pbx, transfer)
            return
    pbx.set_variable(target, "ATTENDEDTRANSFER", "")
    pbx.publish(manager_events.dial_end(None, target, "ANSWER"))
    first.held_by = chan  # the transferee stays in the first bridge, waiting
    leave_bridge(pbx, chan)
    enter_bridge(pbx, second, chan)
    while not (transfer.outcome or chan.interrupted or target.interrupted or target.bridge is not second):
        if not first.channels:
            break
        await chan.wait(None)
    if not first.channels:  # the transferee hung up: the transferer and the target stay
        first.held_by = None
        chan.transfer = None
        await _stay_together(pbx, chan, target, second)
    elif transfer.outcome == "abort" or target.interrupted or target.bridge is not second:
        _abort(pbx, transfer)
    else:
        _complete(pbx, transfer)


def _abort(pbx: PBX, transfer: Transfer) -> None:
    """The target goes; the transferer comes back to the first bridge, off hold."""
    chan, first, target = transfer.transferer, transfer.first, transfer.target
    chan.transfer = None
    first.held_by = None
    if target is not None and not target.dead:
        target.hangup_cause = target.hangup_cause or NORMAL_CLEARING
        end_channel(pbx, target, "outside")
    if transfer.second is not None and chan.bridge is transfer.second:
        leave_bridge(pbx, chan)
    if transfer.second is not None:
        destroy_bridge(pbx, transfer.second)
    if chan.interrupted:
        return
    if chan.bridge is None and first.channels:
        enter_bridge(pbx, first, chan)
    _back_from_hold(pbx, transfer)


def _complete(pbx: PBX, transfer: Transfer) -> None:
    """call_attended_transfer's order: the second bridge merges into the first, the
    transferer leaves it, AttendedTransfer, the target's connected line becomes the
    transferee, and the transferer hangs up."""
    chan, first, second, target = transfer.transferer, transfer.first, transfer.second, transfer.target
    assert second is not None and target is not None
    transferee = first.channels[0]
    pbx.publish(manager_events.bridge_merge(first.state, second.state))
    for moving in [c for c in second.channels if c is not chan]:
        leave_bridge(pbx, moving, keep=True)
        enter_bridge(pbx, first, moving)
    leave_bridge(pbx, chan, keep=True)
    first.held_by = None
    chan.transfer = None
    pbx.publish(manager_events.attended_transfer(chan, first.state, second.state, transferee, target))
    target.owner = transferee
    target.connected_num, target.connected_name = transferee.caller_num, transferee.caller_name
    pbx.publish(manager_events.newconnectedline(target))
    if target.peer is not None:
        target.peer.queued_caller = (transferee.caller_num, transferee.caller_name)
    destroy_bridge(pbx, second)
    _set_held(pbx, [c for c in first.channels if c is not target], False)
    if not chan.dead:
        chan.hangup_cause = chan.hangup_cause or NORMAL_CLEARING
        end_channel(pbx, chan, "outside")
    transferee.poke()


async def _stay_together(pbx: PBX, chan: Channel, target: Channel, bridge: Bridge) -> None:
    """A plain call between the transferer and the target, until either goes."""
    while not (chan.interrupted or target.interrupted or chan.bridge is not bridge or target.bridge is not bridge):
        await chan.wait(None)
    for party in (target, chan):
        if not party.dead:
            party.hangup_cause = party.hangup_cause or NORMAL_CLEARING
            leave_bridge(pbx, party)
            end_channel(pbx, party, "outside")
