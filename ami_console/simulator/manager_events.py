"""The events a PBX publishes, built with Asterisk's header names and order.

Each function returns a :class:`~.wire.Event`; :meth:`.pbx.PBX.publish` sends it to the
sessions whose read classes, event mask and filters let it through.
"""

from __future__ import annotations

from .channels import SOFTHANGUP_EXPLICIT, Channel, cause_text
from .config import QueueMember
from .perms import AGENT, CALL, CDR, DIALPLAN, DTMF, SECURITY, USER
from .wire import Event, Fields, cdr_time


def channel_event(name: str, chan: Channel, extra: Fields = (), category: int = CALL) -> Event:
    return Event.build(name, category, [*chan.fields(), *extra])


def newchannel(chan: Channel) -> Event:
    return channel_event("Newchannel", chan)


def newstate(chan: Channel) -> Event:
    return channel_event("Newstate", chan)


def newexten(chan: Channel, app: str, data: str) -> Event:
    extra = [("Extension", chan.exten), ("Application", app), ("AppData", data)]
    return channel_event("Newexten", chan, extra, DIALPLAN)


def varset(chan: Channel | None, variable: str, value: str) -> Event:
    head = chan.fields() if chan is not None else [("Channel", "none"), ("Uniqueid", "none")]
    return Event.build("VarSet", DIALPLAN, [*head, ("Variable", variable), ("Value", value)])


ALLOWED = "0 (Presentation Allowed, Not Screened)"
NUMBER_UNAVAILABLE = "67 (Number Unavailable)"


def newcallerid(chan: Channel, presentation: str = ALLOWED) -> Event:
    return channel_event("NewCallerid", chan, [("CID-CallingPres", presentation)])


def newconnectedline(chan: Channel) -> Event:
    return channel_event("NewConnectedLine", chan)


def _tech_cause(chan: Channel) -> Fields:
    """The channel driver's own cause, when it gave one (a SIP 486: pjsip_call_busy)."""
    return [("TechCause", chan.tech_cause)] if chan.tech_cause else []


def hangup_request(chan: Channel, cause: int) -> Event:
    return channel_event("HangupRequest", chan, [("Cause", cause), *_tech_cause(chan)])


def soft_hangup_request(chan: Channel) -> Event:
    return channel_event("SoftHangupRequest", chan, [("Cause", SOFTHANGUP_EXPLICIT)])


def hangup(chan: Channel) -> Event:
    cause = chan.hangup_cause
    return channel_event("Hangup", chan, [("Cause", cause), ("Cause-txt", cause_text(cause)), *_tech_cause(chan)])


def local_bridge(one: Channel, two: Channel, context: str, exten: str) -> Event:
    fields = [
        *one.fields("LocalOne"),
        *two.fields("LocalTwo"),
        ("Context", context),
        ("Exten", exten),
        ("LocalOptimization", "Yes"),
    ]
    return Event.build("LocalBridge", CALL, fields)


def dial(name: str, caller: Channel | None, dest: Channel, tail: Fields) -> Event:
    head = caller.fields() if caller is not None else []
    return Event.build(name, CALL, [*head, *dest.fields("Dest"), *tail])


def dial_begin(caller: Channel | None, dest: Channel, dialstring: str) -> Event:
    return dial("DialBegin", caller, dest, [("DialString", dialstring)])


def dial_state(caller: Channel | None, dest: Channel, status: str) -> Event:
    return dial("DialState", caller, dest, [("DialStatus", status)])


def dial_end(caller: Channel | None, dest: Channel, status: str) -> Event:
    return dial("DialEnd", caller, dest, [("DialStatus", status)])


def dtmf_begin(chan: Channel, digit: str, direction: str) -> Event:
    return channel_event("DTMFBegin", chan, [("Digit", digit), ("Direction", direction)], DTMF)


def dtmf_end(chan: Channel, digit: str, duration_ms: int, direction: str) -> Event:
    return channel_event(
        "DTMFEnd", chan, [("Digit", digit), ("DurationMs", duration_ms), ("Direction", direction)], DTMF
    )


def user_event(chan: Channel, name: str, headers: list[str]) -> Event:
    """The UserEvent dialplan application: channel headers, then the user's own lines."""
    tail = "".join(f"{line}\r\n" for line in headers)
    return Event.build("UserEvent", USER, [*chan.fields(), ("UserEvent", name)], tail)


def device_state(device: str, state: str) -> Event:
    return Event.build("DeviceStateChange", CALL, [("Device", device), ("State", state)])


def extension_fields(exten: str, context: str, hint: str, status: int, text: str) -> Fields:
    """A hint's state as the ExtensionStatus event, ExtensionStateList items and the
    ExtensionState response all give it."""
    return [("Exten", exten), ("Context", context), ("Hint", hint), ("Status", status), ("StatusText", text)]


def extension_status(exten: str, context: str, hint: str, status: int, text: str) -> Event:
    return Event.build("ExtensionStatus", CALL, extension_fields(exten, context, hint, status, text))


def cdr(chan: Channel, *, disposition: str, ended: float) -> Event:
    """The cdr_manager record of a channel that has ended."""
    record = chan.cdr
    start = record.get("start", chan.created)
    answer = record.get("answer")
    fields = [
        ("AccountCode", chan.accountcode),
        ("Source", chan.caller_num or ""),
        ("Destination", record.get("destination", chan.exten)),
        ("DestinationContext", record.get("destination_context", chan.context)),
        ("CallerID", chan.caller_id),
        ("Channel", chan.name),
        ("DestinationChannel", record.get("destination_channel", "")),
        ("LastApplication", record.get("last_app", "")),
        ("LastData", record.get("last_data", "")),
        ("StartTime", cdr_time(start)),
        ("AnswerTime", cdr_time(answer)),
        ("EndTime", cdr_time(ended)),
        ("Duration", int(ended - start)),
        ("BillableSeconds", int(ended - answer) if answer is not None else 0),
        ("Disposition", disposition),
        ("AMAFlags", "DOCUMENTATION"),
        ("UniqueID", chan.uniqueid),
        ("UserField", ""),
    ]
    return Event.build("Cdr", CDR, fields)


# -- bridges -----------------------------------------------------------------------------------
SIMPLE_BRIDGE = "simple_bridge"
NATIVE_RTP = "native_rtp"  # two phones' media straight to each other (pjsip_call_answered)

BridgeState = tuple[str, int, str]  # id, channels in it, technology


def bridge_fields(bridge_id: str, count: int, technology: str = SIMPLE_BRIDGE) -> list[tuple[str, object]]:
    return [
        ("BridgeUniqueid", bridge_id),
        ("BridgeType", "basic"),
        ("BridgeTechnology", technology),
        ("BridgeCreator", "<unknown>"),
        ("BridgeName", "<unknown>"),
        ("BridgeNumChannels", count),
        ("BridgeVideoSourceMode", "none"),
    ]


def bridge_event(
    name: str, bridge_id: str, count: int, chan: Channel | None = None, technology: str = SIMPLE_BRIDGE
) -> Event:
    fields = bridge_fields(bridge_id, count, technology)
    if chan is not None:
        fields += chan.fields()
    return Event.build(name, CALL, fields)


def bridge_merge(to: BridgeState, source: BridgeState) -> Event:
    fields = [
        *[(f"To{key}", value) for key, value in bridge_fields(*to)],
        *[(f"From{key}", value) for key, value in bridge_fields(*source)],
    ]
    return Event.build("BridgeMerge", CALL, fields)


def attended_transfer(
    transferer: Channel,
    first: BridgeState,
    second: BridgeState,
    transferee: Channel,
    target: Channel,
) -> Event:
    """A completed attended transfer whose target was bridged: the transferer in both
    roles (it was in both bridges), each bridge as (id, channels), DestType Bridge."""
    fields = [
        ("Result", "Success"),
        *transferer.fields("OrigTransferer"),
        *[(f"Orig{key}", value) for key, value in bridge_fields(*first)],
        *transferer.fields("SecondTransferer"),
        *[(f"Second{key}", value) for key, value in bridge_fields(*second)],
        *transferee.fields("Transferee"),
        *target.fields("TransferTarget"),
        ("IsExternal", "No"),
        ("DestType", "Bridge"),
        ("DestBridgeUniqueid", first[0]),
    ]
    return Event.build("AttendedTransfer", CALL, fields)


def blind_transfer(transferer: Channel, transferee: Channel, bridge: BridgeState, context: str, exten: str) -> Event:
    fields = [
        ("Result", "Success"),
        *transferer.fields("Transferer"),
        *transferee.fields("Transferee"),
        *bridge_fields(*bridge),
        ("IsExternal", "Yes"),
        ("Context", context),
        ("Extension", exten),
    ]
    return Event.build("BlindTransfer", CALL, fields)


# -- queues ------------------------------------------------------------------------------------
def queue_member_status(queue: str, member: QueueMember, login_time: int, name: str = "QueueMemberStatus") -> Event:
    """QueueMemberStatus, or (``name``) QueueMemberPause, which has the same fields."""
    fields = [
        ("Queue", queue),
        ("MemberName", member.name),
        ("Interface", member.interface),
        ("StateInterface", member.interface),
        ("Membership", "static"),
        ("Penalty", member.penalty),
        ("CallsTaken", member.calls_taken),
        ("LastCall", member.last_call),
        ("LastPause", member.last_pause),
        ("LoginTime", login_time),
        ("InCall", member.in_call),
        ("Status", member.status),
        ("Paused", int(member.paused)),
        ("PausedReason", member.paused_reason),
        ("Ringinuse", 1),
        ("Wrapuptime", 0),
    ]
    return Event.build(name, AGENT, fields)


def queue_caller_event(name: str, caller: Channel, fields: Fields) -> Event:
    return Event.build(name, AGENT, [*caller.fields(), *fields])


def agent_event(name: str, caller: Channel, dest: Channel, fields: Fields) -> Event:
    return Event.build(name, AGENT, [*caller.fields(), *dest.fields("Dest"), *fields])


# -- security ----------------------------------------------------------------------------------
SEVERITY = {
    "SuccessfulAuth": ("Informational", 1),
    "RequestNotAllowed": ("Error", 1),
    "RequestBadFormat": ("Error", 1),
    "InvalidAccountID": ("Error", 1),
    "InvalidPassword": ("Error", 2),
    "ChallengeResponseFailed": ("Error", 1),
}


def security_event(
    name: str,
    *,
    event_tv: str,
    account: str,
    session_id: str,
    local: str,
    remote: str,
    session_tv: str,
    specific: Fields = (),
) -> Event:
    """Asterisk's security event layout: the common headers, the event's own required
    ones, then SessionTV (the time the session logged in; the epoch before that)."""
    severity, version = SEVERITY[name]
    # RequestBadFormat's AccountID is optional, so Asterisk writes it last (call_queue).
    account_last = name == "RequestBadFormat"
    fields = [
        ("EventTV", event_tv),
        ("Severity", severity),
        ("Service", "AMI"),
        ("EventVersion", version),
        *([] if account_last else [("AccountID", account)]),
        ("SessionID", session_id),
        ("LocalAddress", local),
        ("RemoteAddress", remote),
        *specific,
        ("SessionTV", session_tv),
        *([("AccountID", account)] if account_last and account else []),
    ]
    return Event.build(name, SECURITY, fields)
