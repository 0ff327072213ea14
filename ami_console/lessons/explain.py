"""Explain this: what an event, a header or a response means, in a few plain sentences.

A catalogue of the events and headers a newcomer meets first, written for people who
have never read Asterisk's source. Some headers are explained with their value:
``ChannelState 6`` is "6 = Up", ``Cause 17`` is "17 = user busy", ``Privilege`` names
each class. :func:`explain` returns None for a name the catalogue lacks, so the console
can say so (and ask the server's own ``manager show event`` documentation).
"""

from __future__ import annotations

from collections.abc import Callable

from ami_console.calls import words

__all__ = ["EVENTS", "HEADERS", "RESPONSES", "explain"]

EVENTS: dict[str, str] = {
    "FullyBooted": "Asterisk is up and ready. It is sent once, just after you log in, so a client knows "
    "it can start asking.",
    "SuccessfulAuth": "Someone logged in: AccountID is the user, RemoteAddress where they came from. A "
    "security event: only users with the security class see it.",
    "InvalidPassword": "A login failed because the password was wrong. A security event; many in a row "
    "may be someone guessing.",
    "InvalidAccountID": "A login failed because there is no such user. A security event.",
    "RequestNotAllowed": "A logged-in user sent an action they have no right to (RequestType says which). "
    "Their own answer was Permission denied; this event tells the security log.",
    "RequestBadFormat": "Asterisk received a request it could not use, such as an action it does not "
    "know. A security event, sent alongside the Error answer.",
    "Newchannel": "A channel was created: one leg of a call, such as a phone's line or one half of a "
    "Local channel. Its Uniqueid names it from now on; Linkedid ties it to the rest of its call.",
    "Newstate": "A channel changed state, for example from Ring to Ringing, or to Up when it is "
    "answered. ChannelState holds the number, ChannelStateDesc the word.",
    "Newexten": "A channel runs one dialplan step: the context, extension and priority it is at, and "
    "the application it runs there (Application, AppData).",
    "NewCallerid": "A channel's caller ID changed (the number or the name shown for it).",
    "NewConnectedLine": "The far party a channel shows changed: who it is connected to.",
    "VarSet": "A channel variable was set: Variable is its name, Value what it now holds. The "
    "dialplan's Set() and Originate's Variable headers both cause it.",
    "Hangup": "A channel is gone. Cause and Cause-txt say why (16: normal clearing, someone hung up).",
    "HangupRequest": "Someone asked for a channel to hang up (the dialplan, a phone or an action). Hangup follows.",
    "SoftHangupRequest": "Asterisk asked a channel to hang up from inside (an action, a bridge ending). "
    "Hangup follows.",
    "DialBegin": "A channel starts dialling another one: Dest... headers name the one being called, "
    "DialString what was dialled.",
    "DialEnd": "A dial has ended. DialStatus says how: ANSWER, BUSY, NOANSWER, CANCEL and so on.",
    "BridgeCreate": "A bridge was made: the place where channels are joined so that they hear each "
    "other. BridgeUniqueid names it.",
    "BridgeEnter": "A channel joined a bridge: it now talks with the others in it.",
    "BridgeLeave": "A channel left a bridge (it hung up, or was moved elsewhere).",
    "BridgeDestroy": "A bridge was taken down: nobody is left in it.",
    "LocalBridge": "The two halves of a Local channel (;1 and ;2) were joined. A Local channel is "
    "Asterisk calling into its own dialplan.",
    "OriginateResponse": "How an asynchronous Originate ended: Response Success with Reason 4 when "
    "the call was answered, Failure otherwise.",
    "Cdr": "A call detail record: one line of the call's bill, sent when a call ends (who called whom, "
    "how long, Disposition).",
    "DeviceStateChange": "A device (a phone, a Local channel) is now in use, ringing, idle... Used by "
    "hints and busy lamps.",
    "UserEvent": "An event the dialplan sent with UserEvent() (or an action did), with headers of its "
    "own choosing. Handy to tell a program that something happened.",
    "QueueCallerJoin": "A caller entered a queue and waits. Position is their place in line.",
    "QueueCallerLeave": "A caller left a queue: answered by an agent, or gave up.",
    "QueueCallerAbandon": "A caller hung up while still waiting in a queue.",
    "AgentCalled": "A queue rings one of its members (an agent) for the caller waiting.",
    "AgentConnect": "An agent answered: the caller and the agent are connected. HoldTime says how long "
    "the caller waited.",
    "AgentComplete": "A queue call with an agent has ended. TalkTime says how long they spoke.",
    "QueueMemberPause": "A queue member was paused or unpaused (Paused 1 or 0): a paused member gets no calls.",
    "QueueParams": "One queue, in a QueueStatus list: its calls waiting, answered and abandoned.",
    "QueueMember": "One member of a queue, in a QueueStatus list: its interface, calls taken, whether paused.",
    "CoreShowChannel": "One channel up now, in a CoreShowChannels list: where it is in the dialplan and for how long.",
    "Hold": "A channel was put on hold: the far side hears music or silence.",
    "Unhold": "A channel came back from hold.",
    "BlindTransfer": "A call was transferred without asking the new party first: the channel goes on to "
    "another extension.",
    "Shutdown": "Asterisk is stopping: the connection will close.",
}

_EVENTS_LOWER = {name.lower(): text for name, text in EVENTS.items()}
_LIST_END = (
    "The last event of an event list: EventList: Complete, and ListItems, how many items came "
    "before it. It carries the ActionID of the action that asked for the list."
)

# Headers explained with a function of the value (None: no value given).
Valued = Callable[[str | None], str]

_STATE_NAMES = {
    0: "Down",
    1: "Rsrvd",
    2: "OffHook",
    3: "Dialing",
    4: "Ring",
    5: "Ringing",
    6: "Up",
    7: "Busy",
    8: "Dialing Offhook",
    9: "Pre-ring",
}

_PRIVILEGES = {
    "system": "system events and actions (reload, shutdown, boot)",
    "call": "calls: channels, dials, bridges, hangups",
    "log": "log messages",
    "verbose": "verbose messages",
    "command": "running CLI commands (Command)",
    "agent": "queues and agents",
    "user": "UserEvents",
    "config": "reading and writing configuration files",
    "dtmf": "key presses (DTMF)",
    "reporting": "status and reports (CoreStatus, QueueStatus, Cdr)",
    "cdr": "call detail records",
    "dialplan": "dialplan steps (Newexten, VarSet)",
    "originate": "placing calls (Originate)",
    "agi": "AGI scripts",
    "cc": "call completion",
    "aoc": "advice of charge",
    "test": "test events",
    "security": "security events: logins, refused requests",
    "message": "text messages",
    "all": "every class",
}


def _channel_state(value: str | None) -> str:
    what = (
        "The state of the channel, as a number (ChannelStateDesc has the word): 4 = Ring (incoming, not "
        "answered), 5 = Ringing, 6 = Up (answered)."
    )
    if value is None:
        return what
    try:
        name = _STATE_NAMES[int(value)]
    except (ValueError, KeyError):
        return what
    return f"{int(value)} = {name}: {words.channel_state(name)}.\n\n{what}"


def _state_desc(value: str | None) -> str:
    what = "The state of the channel in a word (ChannelState has the number)."
    meaning = words.channel_state(value)
    return f"{value}: {meaning}.\n\n{what}" if meaning else what


def _cause(value: str | None) -> str:
    what = "Why the channel hung up, as a standard (Q.850) number; Cause-txt says it in Asterisk's words."
    meaning = words.hangup_cause(value)
    return f"{value} = {meaning}.\n\n{what}" if meaning else what


def _privilege(value: str | None) -> str:
    what = (
        "The classes this event belongs to. A user sees an event only if their read classes in "
        "manager.conf include one of them."
    )
    if not value:
        return what
    named = [f"{c}: {_PRIVILEGES[c]}" for c in (p.strip().lower() for p in value.split(",")) if c in _PRIVILEGES]
    return ("\n".join(named) + "\n\n" + what) if named else what


def _event_list(value: str | None) -> str:
    what = (
        "Marks an event list: the answer says EventList: start, then one event per item follows, each "
        "with your ActionID, and a last event (its name ends in Complete) says EventList: Complete and "
        "how many items came (ListItems)."
    )
    meanings = {
        "start": "start: the answer is a list; its items follow as events.",
        "complete": "Complete: the list has ended; ListItems says how many items came.",
        "cancelled": "Cancelled: the list stopped before its end.",
    }
    said = meanings.get((value or "").lower())
    return f"{said}\n\n{what}" if said else what


def _dial_status(value: str | None) -> str:
    what = "How a dial ended: ANSWER, BUSY, NOANSWER, CANCEL, CONGESTION, CHANUNAVAIL..."
    meaning = words.dial_status(value)
    return f"{value}: {meaning}.\n\n{what}" if meaning else what


def _response(value: str | None) -> str:
    what = "The answer's status: Success, or Error (with a Message saying why)."
    said = RESPONSES.get((value or "").lower())
    return f"{value}: {said}\n\n{what}" if said else what


def _application(value: str | None) -> str:
    what = "The dialplan application the channel runs at this step."
    note = words.app_note(value, "N")  # Wait: "waits N s"
    return f"{value}: {note}.\n\n{what}" if note else what


def _reason(value: str | None) -> str:
    what = "Why: in OriginateResponse, the last call progress Asterisk saw (4 = answered)."
    meaning = words.originate_reason(value)
    return f"{value} = {meaning}.\n\n{what}" if meaning else what


def _event(value: str | None) -> str:
    what = "The event's name: what happened. Every event starts with it."
    said = _EVENTS_LOWER.get((value or "").strip().lower())
    return f"{value}: {said}\n\n{what}" if said else what


def _plain(text: str) -> Valued:
    return lambda _value: text


HEADERS: dict[str, Valued] = {
    "Event": _event,
    "Response": _response,
    "Message": _plain("A sentence from Asterisk about the answer: why it failed, or what follows."),
    "ActionID": _plain(
        "A label the client puts on an action; Asterisk copies it onto the answer and onto every item "
        "of an event list. That is how a client pairs answers with questions while events flow."
    ),
    "Privilege": _privilege,
    "Channel": _plain(
        "The channel's name: technology/resource-number, such as PJSIP/alice-00000001. A Local channel "
        "comes in two halves, ;1 and ;2."
    ),
    "Uniqueid": _plain("The id of one channel, the same in every event about it, until it hangs up."),
    "Linkedid": _plain(
        "The Uniqueid of the channel that started the call: every channel of one call shares it. "
        "Follow a call by its Linkedid."
    ),
    "ChannelState": _channel_state,
    "ChannelStateDesc": _state_desc,
    "Cause": _cause,
    "Cause-txt": _plain("Why the channel hung up, in Asterisk's words (Cause has the number)."),
    "Context": _plain("The dialplan context: a named group of extensions, like [demo] in extensions.conf."),
    "Exten": _plain("The extension in the dialplan: a number (100) or a name (s) within the context."),
    "Priority": _plain("The step number within the extension: 1 is its first line, then 2, 3..."),
    "Application": _application,
    "AppData": _plain("The arguments the application was given, as written in the dialplan."),
    "CallerIDNum": _plain("The caller's number, as the channel shows it (<unknown> when none)."),
    "CallerIDName": _plain("The caller's name, as the channel shows it (<unknown> when none)."),
    "ConnectedLineNum": _plain("The number of the party on the other end of this channel."),
    "ConnectedLineName": _plain("The name of the party on the other end of this channel."),
    "Variable": _plain(
        "In VarSet, the variable's name. In Originate, NAME=value: one Variable header per variable, "
        "the same header repeated."
    ),
    "Value": _plain("In VarSet, the value the variable now holds."),
    "DialStatus": _dial_status,
    "EventList": _event_list,
    "ListItems": _plain("How many items an event list brought, in its Complete event."),
    "Output": _plain(
        "One line of a CLI command's output (Action: Command). Since Asterisk 14 each line comes as its "
        "own Output header."
    ),
    "AccountID": _plain("In a security event, the AMI user (or phone) it is about."),
    "Reason": _reason,
    "BridgeUniqueid": _plain("The id of a bridge, the same in every event about it."),
    "DestChannel": _plain("In DialBegin and DialEnd, the channel being called (Dest... is the called side)."),
}

RESPONSES: dict[str, str] = {
    "success": "Asterisk did what was asked; the headers that follow are the answer.",
    "error": "Asterisk did not do it; Message says why (an unknown action, a missing parameter, Permission denied...).",
    "goodbye": "The answer to Logoff: Asterisk closes the connection.",
    "follows": "Asterisk 13 and older: raw CLI output follows, up to --END COMMAND--.",
}

_HEADERS_LOWER = {name.lower(): text for name, text in HEADERS.items()}


def explain(name: str, value: str | None = None, *, kind: str = "event") -> str | None:
    """Our plain words for an event (``kind="event"``), a header and its value
    (``"header"``) or a response status (``"response"``: Success, Error...); any case.
    None when the catalogue does not have it."""
    key = name.strip().lower()
    if kind == "event":
        if key not in _EVENTS_LOWER and key.endswith("complete") and len(key) > len("complete"):
            return _LIST_END  # QueueStatusComplete, CoreShowChannelsComplete...
        return _EVENTS_LOWER.get(key)
    if kind == "header":
        valued = _HEADERS_LOWER.get(key)
        return valued(value.strip() if value is not None else None) if valued is not None else None
    if kind == "response":
        return _response(name.strip()) if key in RESPONSES else None
    return None
