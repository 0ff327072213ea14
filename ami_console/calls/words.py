"""Plain words for the codes a call's events carry: hangup causes, dial statuses, states.

Someone learning Asterisk sees ``Cause: 19`` or ``DialStatus: CHANUNAVAIL`` and has to
look them up. The call trace puts these short explanations, written for newcomers,
next to the codes. Every function returns ``""`` for a code it does not know.
:func:`queue_sentence` tells a queue event as a sentence.
"""

from __future__ import annotations

from ami_console.protocol import Message

__all__ = [
    "QUEUE_EVENTS",
    "STAND_INS",
    "app_note",
    "cdr_disposition",
    "channel_state",
    "dial_outcome",
    "dial_status",
    "hangup_cause",
    "header_value",
    "is_normal_cause",
    "originate_reason",
    "queue_sentence",
]

_UNKNOWN = ("", "<unknown>")

# ITU-T Q.850 cause codes, as Asterisk reports them in Hangup events.
_CAUSES: dict[int, tuple[str, str]] = {  # code -> (name, what it means)
    0: ("no cause recorded", "often a hangup from AMI or the CLI, or a call that never got anywhere"),
    1: ("unallocated number", "the number does not exist"),
    2: ("no route to the network", ""),
    3: ("no route to the destination", ""),
    16: ("normal clearing", "someone hung up, the call ended normally"),
    17: ("user busy", "the called side was busy"),
    18: ("no user responding", "the called device did not react"),
    19: ("no answer", "it rang, but nobody answered in time"),
    20: ("subscriber absent", "the phone is offline or not registered"),
    21: ("call rejected", "the called side refused the call"),
    22: ("number changed", "the number is no longer in use"),
    27: ("destination out of order", "the called device could not be reached"),
    28: ("invalid number format", "the number is incomplete or malformed"),
    29: ("facility rejected", "a requested service was refused"),
    31: ("normal, unspecified", "the call ended without a more precise reason"),
    34: ("no circuit available", "no free line or channel (congestion)"),
    38: ("network out of order", ""),
    41: ("temporary failure", "trying again later may work"),
    42: ("switching equipment congestion", "the system is overloaded"),
    44: ("requested channel not available", ""),
    50: ("requested facility not subscribed", ""),
    58: ("bearer capability not available", "often no codec both sides accept"),
    65: ("bearer capability not implemented", ""),
    66: ("channel type not implemented", ""),
    69: ("requested facility not implemented", ""),
    81: ("invalid call reference", ""),
    88: ("incompatible destination", ""),
    95: ("invalid message", ""),
    102: ("recovery on timer expiry", "a protocol timer ran out"),
    111: ("protocol error", ""),
    127: ("interworking", "the call failed in another network, reason unknown"),
}
_NORMAL_CAUSES = {0, 16, 31}

_DIAL_STATUSES = {
    "ANSWER": "the called side answered",
    "BUSY": "the called side was busy",
    "NOANSWER": "nobody answered before the dial timed out",
    "CANCEL": "the caller hung up, or the dial was cancelled, before anyone answered",
    "CONGESTION": "the call could not go through: congested line or network, or refused",
    "CHANUNAVAIL": "could not reach the channel: unknown or unregistered device, or no route",
    "DONTCALL": "the callee chose not to take the call",
    "TORTURE": "the callee sent the call to the torture menu",
    "INVALIDARGS": "Dial was given arguments it could not use",
    "RINGING": "the called phone is ringing",
    "PROCEEDING": "the call is being set up",
    "PROGRESS": "early media: the far end is playing tones or a message",
}

_DIAL_OUTCOMES = {
    "BUSY": "busy",
    "NOANSWER": "not answered",
    "CONGESTION": "congestion",
    "CHANUNAVAIL": "unreachable",
    "CANCEL": "cancelled",
}

_STATES = {
    "Down": "created, not in use yet",
    "Rsrvd": "reserved",
    "OffHook": "off hook",
    "Dialing": "digits are being dialled",
    "Ring": "incoming: the dialplan handles it before any answer",
    "Ringing": "the phone is ringing",
    "Up": "answered: audio flows",
    "Busy": "busy",
    "Dialing Offhook": "off hook, dialling",
    "Pre-ring": "about to ring",
}

# OriginateResponse's Reason: the last call-progress signal Asterisk saw.
_ORIGINATE_REASONS = {
    0: "the call failed: no such channel, or it could not be called",
    1: "hung up before answering",
    3: "it rang but was not answered in time",
    4: "answered",
    5: "busy",
    8: "congestion: the call could not go through",
}

_DISPOSITIONS = {
    "ANSWERED": "answered",
    "NO ANSWER": "not answered",
    "BUSY": "busy",
    "FAILED": "failed",
    "CONGESTION": "congestion",
}

# The applications a dialled channel "runs" while it only stands for the dialled side (of a
# Dial, a Queue, an Originate): no dialplan runs on it.
STAND_INS = frozenset({"appdial", "appdial2", "appqueue"})

# What a newcomer may not know from an application's name alone.
_APPS = {
    "appdial": "the side being dialled: it runs no dialplan of its own",
    "appdial2": "the side being called: it runs no dialplan of its own",
    "answer": "answers the call",
    "hangup": "hangs up",
    "wait": "waits {data} s",
    "echo": "plays back whatever the caller says",
    "playback": "plays a recording",
    "background": "plays a recording while waiting for digits",
    "goto": "jumps elsewhere in the dialplan",
    "gotoif": "jumps elsewhere if a condition holds",
    "gosub": "runs a subroutine, then comes back",
    "noop": "does nothing (handy to log a value)",
    "queue": "puts the call in a queue",
    "userevent": "sends a UserEvent to AMI",
    "voicemail": "takes a voicemail message",
    "musiconhold": "plays music on hold",
}


def _number(code: str | int | None) -> int | None:
    try:
        return int(code)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def hangup_cause(code: str | int | None, *, named: bool = True) -> str:
    """``hangup_cause("17")`` -> ``"user busy: the called side was busy"``.

    ``named=False`` leaves out the cause's name (``"the called side was busy"``), for
    when Asterisk's own ``Cause-txt`` is shown beside it.
    """
    number = _number(code)
    name, meaning = _CAUSES.get(number, ("", "")) if number is not None else ("", "")
    if not named:
        return meaning or name
    return f"{name}: {meaning}" if meaning else name


def is_normal_cause(code: str | int | None) -> bool:
    """True for the causes of an ordinary end of call (16, 31, and 0: none recorded)."""
    return _number(code) in _NORMAL_CAUSES


def dial_status(status: str | None) -> str:
    return _DIAL_STATUSES.get((status or "").upper(), "")


def dial_outcome(status: str | None) -> str:
    """A failed dial's status in two words, for a row: ``NOANSWER`` -> ``not answered``."""
    return _DIAL_OUTCOMES.get((status or "").upper(), "")


def channel_state(state: str | None) -> str:
    return _STATES.get(state or "", "")


def originate_reason(reason: str | int | None) -> str:
    number = _number(reason)
    return _ORIGINATE_REASONS.get(number, "") if number is not None else ""


def cdr_disposition(disposition: str | None) -> str:
    return _DISPOSITIONS.get((disposition or "").upper(), "")


def app_note(application: str | None, data: str = "") -> str:
    """A few words on what a dialplan application does (``Wait`` with ``2``: waits 2 s)."""
    note = _APPS.get((application or "").lower(), "")
    return note.format(data=data or "?")


def header_value(message: Message, name: str) -> str:
    """The header's value, or "" when absent or ``<unknown>`` (Asterisk's word for none).

    Spelled as Asterisk spells it (or as it also spells it: Cdr says ``UniqueID``): the
    model reads a dozen headers of every event, and an any-case look-up of one an event
    lacks would walk all its fields each time."""
    value = message.get(name)
    if value is None and (other := _SPELLED_ALSO.get(name)) is not None:
        value = message.get(other)
    if isinstance(value, list):
        value = value[0]
    return "" if value is None or value in _UNKNOWN else value


_get = header_value
_SPELLED_ALSO = {"Uniqueid": "UniqueID", "Accountcode": "AccountCode", "AccountCode": "Accountcode"}  # as captured

QUEUE_EVENTS = (
    "QueueCallerJoin",
    "QueueCallerLeave",
    "QueueCallerAbandon",
    "AgentCalled",
    "AgentConnect",
    "AgentComplete",
    "AgentRingNoAnswer",
    "QueueMemberPause",
)


def _agent(m: Message) -> str:
    return _get(m, "MemberName") or _get(m, "Interface") or "?"


def queue_sentence(m: Message) -> str:
    """A queue event as a sentence: ``joined queue support at position 1``,
    ``agent Agent300 (Local/300@demo) rang``, ``Agent300 paused: lunch``; "" for other events."""
    name, queue = m.name, _get(m, "Queue") or "?"
    if name == "QueueCallerJoin":
        return f"joined queue {queue} at position {_get(m, 'Position') or '?'}"
    if name == "QueueCallerLeave":
        return f"left queue {queue}"
    if name == "QueueCallerAbandon":
        waited = f" after {held} s" if (held := _get(m, "HoldTime")) else ""
        return f"gave up waiting in queue {queue}{waited}, at position {_get(m, 'Position') or '?'}"
    if name == "AgentCalled":
        interface = _get(m, "Interface")
        return f"agent {_agent(m)}" + (f" ({interface})" if interface and interface != _agent(m) else "") + " rang"
    if name == "AgentConnect":
        rang = f" after {ring} s" if (ring := _get(m, "RingTime")) else ""
        held = f", the caller waited {hold} s" if (hold := _get(m, "HoldTime")) else ""
        return f"agent {_agent(m)} answered{rang}{held}"
    if name == "AgentComplete":
        reason = _get(m, "Reason")
        who = {"caller": "the caller hung up", "agent": "agent hung up", "transfer": "transferred"}.get(
            reason, reason or "ended"
        )
        return f"call completed: {who} after {_get(m, 'TalkTime') or '?'} s talk"
    if name == "AgentRingNoAnswer":
        rang = f" in {ring} s" if (ring := _get(m, "RingTime")) else ""
        return f"agent {_agent(m)} did not answer{rang}"
    if name == "QueueMemberPause":
        if _get(m, "Paused") in ("1", "true", "yes"):
            reason = _get(m, "PausedReason") or _get(m, "Reason")
            return f"{_agent(m)} paused" + (f": {reason}" if reason else "") + f" (queue {queue})"
        return f"{_agent(m)} unpaused (queue {queue})"
    return ""
