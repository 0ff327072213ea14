"""Actions that read or write channels: Getvar, Setvar, CoreShowChannels, Status."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from .. import wire
from ..channels import shown
from ..perms import CALL, REPORTING, SYSTEM
from ..reader import Request
from .registry import ActionTable, Reply

if TYPE_CHECKING:
    from ..channels import Channel
    from ..manager_session import ManagerSession

_TRUE = {"yes", "true", "y", "t", "1", "on"}


def _channel_if_named(session: ManagerSession, request: Request, name: str) -> tuple[Channel | None, Reply | None]:
    """The channel ``name`` names (None if no name is given), or Asterisk's error if there is none."""
    if not name:
        return None, None
    chan = session.pbx.find_channel(name)
    return chan, (wire.error(request, "No such channel") if chan is None else None)


ACTIONS = ActionTable()  # this module's actions (actions.catalog gathers the tables)


@ACTIONS.action(
    "Getvar",
    CALL | REPORTING,
    "Read a channel variable, a global variable or a function.",
    arguments=[
        ("Channel", False, "The channel; without it, global variables."),
        ("Variable", True, "The variable's name, or a function such as CALLERID(num)."),
    ],
    see_also=["Setvar"],
)
async def getvar_action(session: ManagerSession, request: Request) -> Reply:
    name, variable = request.header("Channel"), request.header("Variable")
    if not variable:
        return wire.error(request, "No variable specified")
    if not session.writeperm & SYSTEM and ("SHELL" in variable or "EVAL" in variable):
        return wire.error(request, "GetVar Access Forbidden: Variable")
    chan, missing = _channel_if_named(session, request, name)
    if missing:
        return missing
    value = session.pbx.get_variable(chan, variable)
    return wire.success(request, fields=[("Variable", variable), ("Value", value)])


@ACTIONS.action(
    "Setvar",
    CALL,
    "Set a channel variable or a global variable.",
    arguments=[
        ("Channel", False, "The channel; without it, a global variable is set."),
        ("Variable", True, "The variable's name."),
        ("Value", False, "The new value."),
    ],
    see_also=["Getvar"],
)
async def setvar_action(session: ManagerSession, request: Request) -> Reply:
    name, variable = request.header("Channel"), request.header("Variable")
    if not variable:
        return wire.error(request, "No variable specified")
    chan, missing = _channel_if_named(session, request, name)
    if missing:
        return missing
    session.pbx.set_variable(chan, variable, request.header("Value"))
    return wire.success(request, "Variable Set")


@ACTIONS.action(
    "CoreShowChannels",
    SYSTEM | REPORTING,
    "List the channels that are up.",
    description="A CoreShowChannel event per channel, then CoreShowChannelsComplete.",
    see_also=["Status"],
)
async def core_show_channels(session: ManagerSession, request: Request) -> Reply:
    now = time.monotonic()
    items = [
        wire.list_item(
            request,
            "CoreShowChannel",
            [
                *chan.fields(),
                ("Application", chan.appl),
                ("ApplicationData", chan.data),
                ("Duration", wire.duration_hms(now - chan.created_mono)),
                ("BridgeId", chan.bridge_id),
            ],
        )
        for chan in session.pbx.channels.values()
    ]
    return (
        wire.list_start(request, "Channels will follow")
        + "".join(items)
        + wire.list_complete(request, "CoreShowChannelsComplete", len(items))
    )


@ACTIONS.action(
    "Status",
    SYSTEM | CALL | REPORTING,
    "Show the status of one channel or of all of them.",
    arguments=[
        ("Channel", False, "Only this channel."),
        ("Variables", False, "Comma-separated variables to report for each channel."),
        ("AllVariables", False, "true: report every variable of each channel."),
    ],
    see_also=["CoreShowChannels"],
)
async def status_action(session: ManagerSession, request: Request) -> Reply:
    name, wanted = request.header("Channel"), request.header("Variables")
    every = request.header("AllVariables").lower() in _TRUE
    if not session.writeperm & SYSTEM and ("SHELL" in wanted or "EVAL" in wanted):
        return wire.error(request, "Status Access Forbidden: Variables")
    pbx = session.pbx
    chan, missing = _channel_if_named(session, request, name)
    if missing:
        return missing
    channels = [chan] if chan is not None else list(pbx.channels.values())
    now = time.monotonic()
    text = wire.list_start(request, "Channel status will follow")
    for chan in channels:
        variables = [(v, pbx.get_variable(chan, v)) for v in filter(None, wanted.split(","))]
        if every:
            variables += list(chan.variables.items())
        text += (
            "Event: Status\r\nPrivilege: Call\r\n"
            + wire.lines(chan.fields())
            + wire.lines(
                [
                    ("Type", chan.tech),
                    ("DNID", ""),
                    ("EffectiveConnectedLineNum", shown(chan.connected_num)),
                    ("EffectiveConnectedLineName", shown(chan.connected_name)),
                    ("TimeToHangup", 0),
                    ("BridgeID", chan.bridge_id),
                    ("Application", chan.appl),
                    ("Data", chan.data),
                    ("Nativeformats", "(ulaw)"),
                    ("Readformat", "ulaw"),
                    ("Readtrans", ""),
                    ("Writeformat", "ulaw"),
                    ("Writetrans", ""),
                    ("Callgroup", 0),
                    ("Pickupgroup", 0),
                    ("Seconds", int(now - chan.created_mono)),
                ]
            )
            + "".join(f"Variable: {key}={value}\r\n" for key, value in variables)
            + wire.id_line(request)
            + "\r\n"
        )
    return text + wire.list_complete(request, "StatusComplete", len(channels), [("Items", len(channels))])
