"""A call's events turned into steps, channel by channel, in plain words.

:func:`ami_console.calls.trace.build_trace` feeds a call's events, in order, to a
:class:`StepBuilder`, which gives each channel a list of :class:`TraceStep`: one per
dialplan step (with the variable it set on the same line), state change, dial and its
outcome, bridge entered or left, UserEvent, hangup request and hangup. Each step says
in plain words what the codes mean (see :mod:`ami_console.calls.words`). Events that add
nothing to the story (NewCallerid, DeviceStateChange...) are only counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ami_console.calls import words
from ami_console.events.summary import summarize
from ami_console.protocol import Message

__all__ = ["QUEUE_EVENTS", "ChannelTrace", "StepBuilder", "TraceStep", "header_value", "queue_sentence"]

_UNKNOWN = ("", "<unknown>")
# Events that add nothing to a call's story; counted, not shown.
_QUIET = {
    "NewCallerid",
    "NewConnectedLine",
    "DeviceStateChange",
    "ExtensionStatus",
    "BridgeCreate",
    "BridgeDestroy",
    "Cel",
    "NewAccountCode",
    "RTCPSent",
    "RTCPReceived",
}


def header_value(message: Message, name: str) -> str:
    """The header's value, or "" when absent or ``<unknown>`` (Asterisk's word for none)."""
    value = message.header(name)
    return "" if value is None or value in _UNKNOWN else value


_get = header_value

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


@dataclass
class TraceStep:
    """One line of a channel's story."""

    at: float | None  # seconds since the call's first event; None when times are unknown
    kind: str  # channel, dialplan, variable, state, dial, bridge, queue, user, hangup, originate, record, other
    what: str  # "Set(FOO=bar)", "dials PJSIP/bob-00000001", "hung up: cause 16 Normal Clearing"
    where: str = ""  # "demo,100,2": context, extension, priority, for dialplan steps
    note: str = ""  # plain words: "→ FOO=bar", "the called side was busy"
    tone: str = ""  # "good", "bad", "dim" or "" (for colour)
    message: Message | None = None


@dataclass
class ChannelTrace:
    name: str
    uniqueid: str
    caller: str = ""  # "AMI test" <1234>
    dialled_by: str = ""  # the channel that dialled it, "Originate" for an AMI call
    dials: list[str] = field(default_factory=list)
    steps: list[TraceStep] = field(default_factory=list)

    @property
    def role(self) -> str:
        """Who this channel is in the call, in plain words."""
        base, _, half = self.name.rpartition(";")
        if self.name.startswith("Local/") and half in ("1", "2"):
            where = base[len("Local/") :].rsplit("-", 1)[0]
            if half == "1":
                return "Local channel, half ;1: the side facing whoever placed the call"
            return f"Local channel, half ;2: runs the dialplan at {where}"
        if self.dialled_by:
            return f"dialled by {self.dialled_by}"
        if self.dials:
            return f"the caller: dials {', '.join(self.dials)}"
        return ""


class StepBuilder:
    """Turns a call's events, in order, into per-channel steps."""

    def __init__(self) -> None:
        self.channels: list[ChannelTrace] = []  # in order of appearance
        self.by_id: dict[str, ChannelTrace] = {}
        self.by_name: dict[str, ChannelTrace] = {}
        self.records: list[TraceStep] = []
        self.quiet: dict[str, int] = {}
        self.bridges: dict[str, list[str]] = {}  # BridgeUniqueid -> channel names in it

    def channel(self, message: Message, prefix: str = "") -> ChannelTrace | None:
        """The channel the event's ``prefix`` headers name (found by Uniqueid, else name)."""
        name, unique = _get(message, prefix + "Channel"), _get(message, prefix + "Uniqueid")
        trace = self.by_id.get(unique) or self.by_name.get(name)
        if trace is None:
            if not (name or unique):
                return None
            trace = ChannelTrace(name, unique)
            self.channels.append(trace)
        if unique:
            trace.uniqueid = trace.uniqueid or unique
            self.by_id[unique] = trace
        if name:
            trace.name = name  # a channel may be renamed (masquerade); show the latest
            self.by_name[name] = trace
        if not trace.caller and (number := _get(message, prefix + "CallerIDNum")):
            caller_name = _get(message, prefix + "CallerIDName")
            trace.caller = f'"{caller_name}" <{number}>' if caller_name else f"<{number}>"
        return trace

    def add(self, at: float | None, message: Message) -> None:
        name = message.name
        handler = _HANDLERS.get(name)
        if handler is not None:
            handler(self, at, message)
        elif name not in _QUIET and (chan := self.channel(message)) is not None:
            chan.steps.append(TraceStep(at, "other", name, note=summarize(message)[2], message=message))
        else:
            self.quiet[name] = self.quiet.get(name, 0) + 1

    def step(self, chan: ChannelTrace | None, step: TraceStep) -> None:
        if chan is not None:
            chan.steps.append(step)

    # -- one method per event ------------------------------------------------------------
    def newchannel(self, at: float | None, m: Message) -> None:
        state = _get(m, "ChannelStateDesc")  # the caller ID is in the channel's heading
        step = TraceStep(at, "channel", "new channel", _where(m), f"state {state}", message=m)
        self.step(self.channel(m), step)

    def newexten(self, at: float | None, m: Message) -> None:
        app, data = _get(m, "Application"), m.header("AppData") or ""
        note = words.app_note(app, data) if app.lower() != "set" else ""
        self.step(self.channel(m), TraceStep(at, "dialplan", f"{app}({data})", _where(m), note, message=m))

    def var_set(self, at: float | None, m: Message) -> None:
        chan = self.channel(m)
        if chan is None:
            return
        assignment = f"{_get(m, 'Variable')}={m.header('Value') or ''}"
        last = chan.steps[-1] if chan.steps else None
        if last is not None and last.kind == "dialplan" and last.where == _where(m):
            # The variable the step just set: show it on the step's own line.
            if "→" in last.note:
                last.note += f", {assignment}"
            else:
                last.note = f"{last.note} → {assignment}" if last.note else f"→ {assignment}"
            return
        chan.steps.append(TraceStep(at, "variable", f"set {assignment}", message=m))

    def newstate(self, at: float | None, m: Message) -> None:
        state = _get(m, "ChannelStateDesc")
        self.step(
            self.channel(m),
            TraceStep(
                at,
                "state",
                f"state {state}",
                note=words.channel_state(state),
                tone="good" if state == "Up" else "",
                message=m,
            ),
        )

    def dial_begin(self, at: float | None, m: Message) -> None:
        caller, dest = self.channel(m), self.channel(m, "Dest")
        dest_name = dest.name if dest else _get(m, "DestChannel")
        dial_string = f"dial string {_get(m, 'DialString')}" if _get(m, "DialString") else ""
        if caller is not None:
            caller.dials.append(dest_name)
            self.step(caller, TraceStep(at, "dial", f"dials {dest_name}", note=dial_string, message=m))
        if dest is not None:
            dest.dialled_by = caller.name if caller else "Originate"
            what = f"dialled by {dest.dialled_by}" if caller else "called by Originate (an AMI or CLI request)"
            self.step(dest, TraceStep(at, "dial", what, note=dial_string if not caller else "", message=m))

    def dial_state(self, at: float | None, m: Message) -> None:
        self._dial_step(at, m, f"dial {_get(m, 'DialStatus') or 'state'}", "")

    def dial_end(self, at: float | None, m: Message) -> None:
        status = _get(m, "DialStatus")
        self._dial_step(at, m, f"dial result {status}", "good" if status == "ANSWER" else "bad")

    def _dial_step(self, at: float | None, m: Message, what: str, tone: str) -> None:
        """A DialState or DialEnd: on the caller's trace (or the callee's, for an Originate)."""
        target = self.channel(m) or self.channel(m, "Dest")
        note = words.dial_status(_get(m, "DialStatus"))
        self.step(target, TraceStep(at, "dial", f"{what}: {_get(m, 'DestChannel')}", note=note, tone=tone, message=m))

    def bridge_enter(self, at: float | None, m: Message) -> None:
        chan, bridge = self.channel(m), _get(m, "BridgeUniqueid")
        members = self.bridges.setdefault(bridge, [])
        others = [n for n in members if chan is None or n != chan.name]
        if chan is not None and chan.name not in members:
            members.append(chan.name)
        kind = "/".join(filter(None, (_get(m, "BridgeType"), _get(m, "BridgeTechnology"))))
        note = f"with {', '.join(others)}" if others else "alone in it for now"
        what = f"enters bridge {_short(bridge)}" + (f" ({kind})" if kind else "")
        self.step(chan, TraceStep(at, "bridge", what, note=note, tone="good" if others else "", message=m))

    def bridge_leave(self, at: float | None, m: Message) -> None:
        chan, bridge = self.channel(m), _get(m, "BridgeUniqueid")
        members = self.bridges.setdefault(bridge, [])
        if chan is not None and chan.name in members:
            members.remove(chan.name)
        note = f"{', '.join(members)} still in it" if members else "the bridge is now empty"
        self.step(chan, TraceStep(at, "bridge", f"leaves bridge {_short(bridge)}", note=note, message=m))

    def local_bridge(self, at: float | None, m: Message) -> None:
        one, two = self.channel(m, "LocalOne"), self.channel(m, "LocalTwo")
        note = "Asterisk may optimise the pair away" if _get(m, "LocalOptimization").lower() == "yes" else ""
        self.step(
            one,
            TraceStep(at, "bridge", f"Local halves joined: ⇄ {two.name if two else '?'}", _where(m), note, message=m),
        )

    def user_event(self, at: float | None, m: Message) -> None:
        self.step(
            self.channel(m), TraceStep(at, "user", f"UserEvent {_get(m, 'UserEvent')}", note=summarize(m)[2], message=m)
        )

    def hangup_request(self, at: float | None, m: Message) -> None:
        note = f"cause {cause}" if (cause := _get(m, "Cause")) else ""
        self.step(self.channel(m), TraceStep(at, "hangup", "hangup requested", note=note, tone="dim", message=m))

    def hangup(self, at: float | None, m: Message) -> None:
        cause, text = _get(m, "Cause"), _get(m, "Cause-txt")
        what = f"hung up: cause {cause or '?'}" + (f" {text}" if text else "")
        note = words.hangup_cause(cause, named=not text)
        self.step(
            self.channel(m),
            TraceStep(at, "hangup", what, note=note, tone="" if words.is_normal_cause(cause) else "bad", message=m),
        )

    def originate_response(self, at: float | None, m: Message) -> None:
        response, reason = _get(m, "Response"), _get(m, "Reason")
        note = f"reason {reason}: {words.originate_reason(reason)}" if reason else ""
        self.step(
            self.channel(m),
            TraceStep(
                at,
                "originate",
                f"originate result: {response}",
                note=note,
                tone="good" if response == "Success" else "bad",
                message=m,
            ),
        )

    def queue(self, at: float | None, m: Message) -> None:
        """A queue event, on the caller's trace, as a sentence."""
        bad = m.name in ("QueueCallerAbandon", "AgentRingNoAnswer")
        step = TraceStep(at, "queue", queue_sentence(m), tone="bad" if bad else "", message=m)
        if (chan := self.channel(m)) is not None:
            chan.steps.append(step)
        else:
            self.quiet[m.name] = self.quiet.get(m.name, 0) + 1

    def cdr(self, at: float | None, m: Message) -> None:
        disposition = _get(m, "Disposition")
        source, destination = _get(m, "Source") or "?", _get(m, "Destination") or "?"
        what = f"{_get(m, 'Channel')}: {source} → {destination}  {disposition}"
        last = f"{_get(m, 'LastApplication')}({m.header('LastData') or ''})"
        note = f"{_get(m, 'Duration') or '?'} s, billable {_get(m, 'BillableSeconds') or '?'} s, last {last}"
        self.records.append(
            TraceStep(at, "record", what, note=note, tone="good" if disposition == "ANSWERED" else "bad", message=m)
        )


_HANDLERS = {
    "Newchannel": StepBuilder.newchannel,
    "Newexten": StepBuilder.newexten,
    "VarSet": StepBuilder.var_set,
    "Newstate": StepBuilder.newstate,
    "DialBegin": StepBuilder.dial_begin,
    "DialState": StepBuilder.dial_state,
    "DialEnd": StepBuilder.dial_end,
    "BridgeEnter": StepBuilder.bridge_enter,
    "BridgeLeave": StepBuilder.bridge_leave,
    "LocalBridge": StepBuilder.local_bridge,
    "UserEvent": StepBuilder.user_event,
    "Hangup": StepBuilder.hangup,
    "OriginateResponse": StepBuilder.originate_response,
    "Cdr": StepBuilder.cdr,
    "HangupRequest": StepBuilder.hangup_request,
    **{name: StepBuilder.queue for name in QUEUE_EVENTS},
    "SoftHangupRequest": StepBuilder.hangup_request,
}


def _where(message: Message) -> str:
    context, exten, priority = (_get(message, k) for k in ("Context", "Exten", "Priority"))
    return f"{context},{exten},{priority}" if context and exten and priority else ""


def _short(bridge: str) -> str:
    """Bridge ids are UUIDs; their first part is enough to tell bridges apart on screen."""
    return bridge.split("-")[0] if len(bridge) > 12 else bridge
