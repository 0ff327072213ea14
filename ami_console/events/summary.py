"""One line per event: the headers that tell an operator what happened.

Asterisk events carry a dozen or more headers, most of them the same channel snapshot
every time. The log shows the channel, the Uniqueid and the few headers that differ
from one kind of event to the next: where a call is in the dialplan, what it runs,
what it dialled, why it hung up.
"""

from __future__ import annotations

from ami_console.protocol import Message

__all__ = ["CATEGORIES", "category", "summarize"]

#: Event name -> what kind of event it is, for colour.
CATEGORIES = {
    "Newchannel": "call",
    "Newstate": "call",
    "NewCallerid": "call",
    "NewConnectedLine": "call",
    "Newexten": "dialplan",
    "VarSet": "dialplan",
    "DialBegin": "dial",
    "DialEnd": "dial",
    "DialState": "dial",
    "LocalBridge": "bridge",
    "BridgeCreate": "bridge",
    "BridgeEnter": "bridge",
    "BridgeLeave": "bridge",
    "BridgeDestroy": "bridge",
    "SoftHangupRequest": "hangup",
    "HangupRequest": "hangup",
    "Hangup": "hangup",
    "Cdr": "cdr",
    "Cel": "cdr",
    "UserEvent": "user",
    "OriginateResponse": "call",
}


def category(name: str) -> str:
    if name in CATEGORIES:
        return CATEGORIES[name]
    if name.startswith("Queue") or name.startswith("Agent"):
        return "queue"
    if name in (
        "SuccessfulAuth",
        "FailedACL",
        "InvalidAccountID",
        "InvalidPassword",
        "ChallengeSent",
        "RequestNotAllowed",
        "RequestBadFormat",
        "SessionLimit",
    ):
        return "security"
    return "other"


def _channel(message: Message) -> str:
    for key in (
        "Channel",
        "DestChannel",
        "LocalOneChannel",
        "Device",
        "Interface",
        "Queue",
        "Hint",
        "BridgeUniqueid",
        "Peer",
        "Endpoint",
    ):
        value = message.header(key)
        if value:
            return value
    return ""


def _where(message: Message) -> str:
    context, exten, priority = (message.header(k) for k in ("Context", "Exten", "Priority"))
    return f"{context},{exten},{priority}" if context and exten else ""


def _details(message: Message) -> str:
    get = message.header
    name = message.name
    if name == "Newexten":
        return f"{_where(message)}  {get('Application', '')}({get('AppData', '')})"
    if name == "VarSet":
        return f"{get('Variable', '')}={get('Value', '')}"
    if name in ("Newchannel", "Newstate"):
        return f"{get('ChannelStateDesc', '')}  {_where(message)}"
    if name in ("NewCallerid", "NewConnectedLine"):
        return f"{get('CallerIDName', '')} <{get('CallerIDNum', '')}>"
    if name == "DialBegin":
        return f"dial {get('DialString', '')}  from {get('Channel') or '(originate)'}"
    if name in ("DialEnd", "DialState"):
        return f"{get('DialStatus') or get('DestChannelStateDesc', '')}  {get('DestChannel', '')}"
    if name == "ExtensionStatus":
        return f"{get('Exten', '')}@{get('Context', '')}  {get('StatusText', '')}"
    if name in ("Hangup", "HangupRequest", "SoftHangupRequest"):
        cause = f"cause {get('Cause', '')}"
        text = get("Cause-txt")
        return f"{cause} {text}" if text else cause
    if name == "Cdr":
        return (
            f"{get('Source', '')} → {get('Destination', '')}  {get('Disposition', '')}  "
            f"{get('BillableSeconds', '')} s  {get('LastApplication', '')}({get('LastData', '')})"
        )
    if name == "UserEvent":
        extra = [f"{k}={v}" for k, v in message.fields[1:] if k not in _SNAPSHOT]
        return "  ".join(extra)
    if name == "OriginateResponse":
        return f"{get('Response', '')}  reason {get('Reason', '')}"
    if name == "DeviceStateChange":
        return get("State", "") or ""
    if name.startswith("Bridge"):
        return f"{get('BridgeType', '')} {get('BridgeTechnology', '')}  {get('BridgeNumChannels', '')} in bridge"
    if name == "LocalBridge":
        return f"{get('LocalOneChannel', '')} ⇄ {get('LocalTwoChannel', '')}"
    if not message.fields:
        return " | ".join(message.lines)
    extra = [f"{k}={v}" for k, v in message.fields[1:] if k not in _SNAPSHOT]
    return "  ".join(extra[:6])


# The channel snapshot every call event repeats; the summary leaves it out.
_SNAPSHOT = {
    "Event",
    "Privilege",
    "Channel",
    "ChannelState",
    "ChannelStateDesc",
    "CallerIDNum",
    "CallerIDName",
    "ConnectedLineNum",
    "ConnectedLineName",
    "Language",
    "AccountCode",
    "Context",
    "Exten",
    "Priority",
    "Uniqueid",
    "Linkedid",
    "EventTV",
    "Severity",
    "Service",
    "EventVersion",
    "SessionID",
    "LocalAddress",
    "RemoteAddress",
    "SessionTV",
}


def summarize(message: Message) -> tuple[str, str, str]:
    """(channel or device, Uniqueid, details) for one event."""
    return _channel(message), message.header("Uniqueid") or "", _details(message)
