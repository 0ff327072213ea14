"""Atxfer, CancelAtxfer and PlayDTMF: digits queued on a channel, which its bridge reads
as feature codes (:mod:`..transfer`), with the answers of call_attended_transfer and
Asterisk's manager.c and app_senddtmf.c."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .. import wire
from ..perms import CALL
from ..reader import Request
from ..transfer import queue_digits, send_digit
from .registry import ActionTable, Reply

if TYPE_CHECKING:
    from ..manager_session import ManagerSession

_TRUE = {"yes", "true", "y", "t", "1", "on"}


ACTIONS = ActionTable()  # this module's actions (actions.catalog gathers the tables)


@ACTIONS.action(
    "Atxfer",
    CALL,
    "Start an attended transfer, as the channel's phone would with its feature code.",
    description=(
        "Queues the attended transfer feature code (features.conf, atxfer) and the digits of\n"
        "Exten on Channel, as DTMF received from its phone. If the channel may transfer in its\n"
        "bridge (Dial option t, or BRIDGE_FEATURES=t), its party is put on hold and Exten is\n"
        "called for a consultation, which the channel completes or cancels with the\n"
        "atxfercomplete and atxferabort codes (PlayDTMF with Receive: yes, CancelAtxfer).\n"
        "Otherwise the digits pass through as plain DTMF. The response comes at once."
    ),
    arguments=[
        ("Channel", True, "The transferring channel (the party bridged with it is transferred)."),
        ("Exten", True, "The extension to transfer to."),
        ("Context", False, "Its context (sets TRANSFER_CONTEXT; the channel's own if left out)."),
    ],
    see_also=["CancelAtxfer", "BlindTransfer", "PlayDTMF"],
    since="1.6.1.0",
)
async def atxfer(session: ManagerSession, request: Request) -> Reply:
    name, exten, context = request.header("Channel"), request.header("Exten"), request.header("Context")
    if not name:
        return wire.error(request, "No channel specified")
    if not exten:
        return wire.error(request, "No extension specified")
    pbx = session.pbx
    chan = pbx.find_channel(name)
    if chan is None:
        return wire.error(request, "Channel specified does not exist")
    if not pbx.features.atxfer:
        return wire.error(request, "No attended transfer feature code found")
    if context:
        pbx.set_variable(chan, "TRANSFER_CONTEXT", context)
    queue_digits(pbx, chan, pbx.features.atxfer + exten)
    return wire.success(request, "Atxfer successfully queued")


@ACTIONS.action(
    "CancelAtxfer",
    CALL,
    "Cancel an attended transfer in consultation.",
    description=(
        "Queues the atxferabort feature code on the transferring channel: the transfer target\n"
        "is hung up and the channel goes back to the party it was transferring (Unhold)."
    ),
    arguments=[("Channel", True, "The transferring channel.")],
    see_also=["Atxfer"],
    since="15.1.0, 14.7.0, 13.18.0",
)
async def cancel_atxfer(session: ManagerSession, request: Request) -> Reply:
    name = request.header("Channel")
    if not name:
        return wire.error(request, "No channel specified")
    pbx = session.pbx
    chan = pbx.find_channel(name)
    if chan is None:
        return wire.error(request, "Channel specified does not exist")
    if not pbx.features.atxferabort:
        return wire.error(request, "No disconnect feature code found")
    queue_digits(pbx, chan, pbx.features.atxferabort)
    return wire.success(request, "CancelAtxfer successfully queued")


@ACTIONS.action(
    "PlayDTMF",
    CALL,
    "Play a DTMF digit on a channel.",
    description=(
        "Sends one digit to the channel's far end (DTMFBegin and DTMFEnd, Direction Sent), or\n"
        "with Receive: yes queues it on the channel as if its phone had sent it (DTMFEnd,\n"
        "Direction Received), where a bridge reads it as part of a feature code."
    ),
    arguments=[
        ("Channel", True, "The channel."),
        ("Digit", True, "The digit (only the first character counts)."),
        ("Duration", False, "How long the digit lasts, in milliseconds."),
        ("Receive", False, "yes: the channel receives the digit instead of sending it."),
    ],
    see_also=["Atxfer"],
)
async def play_dtmf(session: ManagerSession, request: Request) -> Reply:
    pbx = session.pbx
    chan = pbx.find_channel(request.header("Channel"))
    if chan is None:
        return wire.error(request, "Channel not found")
    digit, duration = request.header("Digit"), request.header("Duration")
    if not digit:
        return wire.error(request, "No digit specified")
    duration_ms = 0
    if duration:
        found = re.match(r"\s*\d{1,9}", duration)  # sscanf("%30u"), bounded
        if found is None:
            return wire.error(request, "Could not convert Duration parameter")
        duration_ms = int(found.group())
    if request.header("Receive").lower() in _TRUE:
        queue_digits(pbx, chan, digit[0], duration_ms)
    else:
        pbx.spawn(send_digit(pbx, chan, digit[0], duration_ms))
    return wire.success(request, "DTMF successfully queued")
