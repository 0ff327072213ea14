"""Actions that make, end and move calls: Originate, Hangup, Redirect."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .. import wire
from ..call_control import request_hangup
from ..channels import Channel
from ..originate import OriginateRequest, originate
from ..perms import CALL, ORIGINATE, SYSTEM
from ..reader import Request
from .registry import ActionTable, Reply

if TYPE_CHECKING:
    from ..manager_session import ManagerSession

_TRUE = {"yes", "true", "y", "t", "1", "on"}
# Applications and functions Originate refuses unless the user may write "system".
_RISKY_APPS = (
    "agi",
    "dbdeltree",
    "exec",
    "externalivr",
    "mixmonitor",
    "originate",
    "reload",
    "system",
)
_RISKY_DATA = ("CURL", "DB", "EVAL", "FILE", "ODBC", "REALTIME", "SHELL")


def _leading_int(text: str) -> int | None:
    match = re.match(r"\s*[-+]?\d+", text)
    return int(match.group()) if match else None


def parse_callerid(text: str) -> tuple[str | None, str | None]:
    """``"AMI test" <1234>`` -> (number, name), as ast_callerid_parse reads it."""
    text = text.strip()
    if not text:
        return None, None
    match = re.match(r"^(.*?)\s*<([^>]*)>", text)
    if match:
        name = match.group(1).strip().strip('"').strip() or None
        number = re.sub(r"[\s()\-.]", "", match.group(2)) or None
        return number, name
    if re.fullmatch(r"[0-9+*#()\-. ]+", text):
        return re.sub(r"[\s()\-.]", "", text) or None, None
    return None, text.strip('"') or None


def _app_permitted(app: str, data: str, writeperm: int) -> bool:
    if writeperm & SYSTEM:
        return True
    lowered = app.lower()
    return not any(word in lowered for word in _RISKY_APPS) and not any(word in data for word in _RISKY_DATA)


ACTIONS = ActionTable()  # this module's actions (actions.catalog gathers the tables)


@ACTIONS.action(
    "Originate",
    ORIGINATE,
    "Place a call.",
    description=(
        "Calls Channel; once it answers, connects it to Application (with Data) or to the\n"
        "dialplan at Context, Exten and Priority. Without Async the response waits for the\n"
        "answer; with Async: true it comes at once and an OriginateResponse event follows."
    ),
    arguments=[
        ("Channel", True, "What to call, e.g. Local/100@demo or PJSIP/alice."),
        ("Exten", False, "Dialplan extension to connect the call to."),
        ("Context", False, "Dialplan context for Exten."),
        ("Priority", False, "Dialplan priority for Exten (a number or a label)."),
        ("Application", False, "Application to run instead of the dialplan."),
        ("Data", False, "Arguments of Application."),
        ("Timeout", False, "Milliseconds to wait for an answer (30000 by default)."),
        ("CallerID", False, 'Caller ID for the call, e.g. "Desk" <1234>.'),
        ("Variable", False, "NAME=value to set on the channel; may be repeated."),
        ("Account", False, "Account code for the call's records."),
        ("EarlyMedia", False, "true: connect as soon as early media arrives."),
        ("Async", False, "true: answer at once and report with OriginateResponse."),
        ("Codecs", False, "Codecs to offer, comma-separated."),
        ("ChannelId", False, "Uniqueid to give the channel."),
        ("OtherChannelId", False, "Uniqueid to give the second half of a Local channel."),
        (
            "PreDialGoSub",
            False,
            "Context,Extension,Priority to run on the channel before it is called.",
        ),
    ],
    see_also=["OriginateResponse"],
    since="0.2.0",
)
async def originate_action(session: ManagerSession, request: Request) -> Reply:
    name = request.header("Channel")
    exten, context = request.header("Exten"), request.header("Context")
    priority_text, timeout_text = request.header("Priority"), request.header("Timeout")
    app, data = request.header("Application"), request.header("Data")
    if not name:
        return wire.error(request, "Channel not specified")
    priority = 0
    if priority_text:
        found = _leading_int(priority_text)
        if found is None:
            return wire.error(request, "Invalid priority")
        priority = found
    timeout_ms = 30000
    if timeout_text:
        found = _leading_int(timeout_text)
        if found is None:
            return wire.error(request, "Invalid timeout")
        timeout_ms = found
    if "/" not in name:
        return wire.error(request, "Invalid channel")
    number, caller_name = parse_callerid(request.header("CallerID"))
    if app and not _app_permitted(app, data, session.writeperm):
        return wire.error(request, "Originate Access Forbidden: app or data blacklisted")
    if priority and not session.pbx.extension_exists(context, exten, priority):
        return wire.error(request, "Extension does not exist.")
    variables = []
    for header in request.headers("Variable"):
        for item in header.split(","):
            key, equals, value = item.partition("=")
            if equals and key:
                variables.append((key, value))
    originate_request = OriginateRequest(
        channel=name,
        app=app,
        data=data,
        context=context,
        exten=exten,
        priority=priority,
        timeout=max(0, timeout_ms) / 1000,
        caller_num=number,
        caller_name=caller_name,
        variables=variables,
        account=request.header("Account"),
        channel_id=request.header("ChannelId"),
        other_channel_id=request.header("OtherChannelId"),
        action_id=request.action_id,
    )
    if request.header("Async").lower() in _TRUE:
        originate_request.respond = True
        session.pbx.spawn(originate(session.pbx, originate_request))
        return wire.success(request, "Originate successfully queued")
    if not app and not priority:
        return wire.error(request, "Originate with 'Exten' requires 'Context' and 'Priority'")
    result = await originate(session.pbx, originate_request)
    if result.ok:
        return wire.success(request, "Originate successfully queued")
    return wire.error(request, "Originate failed")


@ACTIONS.action(
    "Hangup",
    SYSTEM | CALL,
    "Hang up a channel, or every channel a pattern matches.",
    description=(
        "Channel is a channel name, or /regex/ for all channels whose name matches; a\n"
        "pattern answers with a list of ChannelHungup events."
    ),
    arguments=[
        ("Channel", True, "A channel name or a /regular expression/."),
        ("Cause", False, "Q.850 cause code to hang up with."),
    ],
    since="0.2.0",
)
async def hangup_action(session: ManagerSession, request: Request) -> Reply:
    target, cause_text = request.header("Channel"), request.header("Cause")
    pbx = session.pbx
    if not target:
        return wire.error(request, "No channel specified")
    cause = 0
    if cause_text:
        cause = int(cause_text) if cause_text.isdigit() and int(cause_text) <= 127 else 0
    if not target.startswith("/"):
        chan = pbx.find_channel(target)
        if chan is None:
            return wire.error(request, "No such channel")
        request_hangup(pbx, chan, cause)
        return wire.success(request, "Channel Hungup")
    if len(target) < 2 or not target.endswith("/"):
        return wire.error(request, "Regex format invalid, Channel param should be /regex/")
    try:
        pattern = re.compile(target[1:-1])
    except re.error:
        return wire.error(request, f"Regex compile failed on: {target}")
    text = wire.list_start(request, "Channels hung up will follow")
    matched = [chan for chan in list(pbx.channels.values()) if pattern.search(chan.name)]
    for chan in matched:
        request_hangup(pbx, chan, cause)
        text += f"Event: ChannelHungup\r\nChannel: {chan.name}\r\n{wire.id_line(request)}\r\n"
    return text + wire.list_complete(request, "ChannelsHungupListComplete", len(matched))


@ACTIONS.action(
    "Redirect",
    CALL,
    "Send a channel (and optionally a second one) elsewhere in the dialplan.",
    arguments=[
        ("Channel", True, "The channel to move."),
        ("ExtraChannel", False, "A second channel to move at the same time."),
        ("Exten", True, "Where to: extension."),
        ("ExtraExten", False, "Where the second channel goes: extension."),
        ("Context", True, "Where to: context."),
        ("ExtraContext", False, "Where the second channel goes: context."),
        ("Priority", True, "Where to: priority."),
        ("ExtraPriority", False, "Where the second channel goes: priority."),
    ],
    since="0.2.0",
)
async def redirect_action(session: ManagerSession, request: Request) -> Reply:
    name, name2 = request.header("Channel"), request.header("ExtraChannel")
    exten, exten2 = request.header("Exten"), request.header("ExtraExten")
    context, context2 = request.header("Context"), request.header("ExtraContext")
    priority, priority2 = request.header("Priority"), request.header("ExtraPriority")
    if not name:
        return wire.error(request, "Channel not specified")
    if not context:
        return wire.error(request, "Context not specified")
    if not exten:
        return wire.error(request, "Exten not specified")
    if not priority:
        return wire.error(request, "Priority not specified")
    first = _leading_int(priority) or 0
    if first < 1:
        return wire.error(request, "Priority is invalid")
    second = 0
    if name2 and context2:
        if not exten2:
            return wire.error(request, "ExtraExten not specified")
        if not priority2:
            return wire.error(request, "ExtraPriority not specified")
        second = _leading_int(priority2) or 0
        if second < 1:
            return wire.error(request, "ExtraPriority is invalid")
    pbx = session.pbx
    chan = pbx.find_channel(name)
    if chan is None:
        return wire.error(request, f"Channel does not exist: {name}")
    if chan.softhangup:
        return wire.error(request, "Redirect failed, channel not up.")
    if not name2:
        _redirect(chan, context, exten, first)
        return wire.success(request, "Redirect successful")
    other = pbx.find_channel(name2)
    if other is None:
        return wire.error(request, f"ExtraChannel does not exist: {name2}")
    if other.softhangup:
        return wire.error(request, "Redirect failed, extra channel not up.")
    _redirect(chan, context, exten, first)
    if context2:
        _redirect(other, context2, exten2, second)
    else:
        _redirect(other, context, exten, first)
    return wire.success(request, "Dual Redirect successful")


def _redirect(chan: Channel, context: str, exten: str, priority: int) -> None:
    chan.redirect_to = (context, exten, priority)
    chan.poke()
    if chan.owner is not None:
        chan.owner.poke()
