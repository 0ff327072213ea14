"""A call's events turned into steps, channel by channel, in plain words.

:func:`ami_console.calls.trace.build_trace` feeds a call's events, in order, to a
:class:`StepBuilder`, which gives each channel a list of :class:`TraceStep`: one per
dialplan step (with the variable it set on the same line), state change, dial and its
outcome, bridge entered, left or merged, hold (on both parties: Asterisk reports it on the
one that asked), keys pressed, a move from outside the dialplan (Redirect, transfer), a
transfer, UserEvent, hangup request and hangup. Each step says in plain words what the
codes mean (see :mod:`ami_console.calls.words`). Events that add nothing to the story
(NewCallerid, DeviceStateChange...) are only counted.

A channel moved from outside the dialplan (Redirect, BlindTransfer, Asterisk's async goto)
is reported by a Newexten at its new place that may carry the application it was still in
(a Dial, a Queue): :func:`~ami_console.calls.story.moved_from_outside` and
:func:`~ami_console.calls.story.stale_application` tell, and such a step reads "moved to
demo,100,1", never as the stale application running there. The events between channels
(bridges, hold, keys, transfers) are told by :mod:`.between`.
"""

from __future__ import annotations

from collections.abc import Callable

from ami_console.calls import words
from ami_console.calls.between import HANDLERS as BETWEEN
from ami_console.calls.between import BetweenSteps
from ami_console.calls.story import (
    ChannelTrace,
    TraceStep,
    moved_from_outside,
    place,
    skipped,
    stale_application,
    where,
)
from ami_console.calls.words import QUEUE_EVENTS, header_value, queue_sentence
from ami_console.events.summary import summarize
from ami_console.protocol import Message

__all__ = ["ChannelTrace", "StepBuilder", "TraceStep", "header_value", "queue_sentence"]

_get = header_value
_where = where
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
    "DTMFBegin",  # its DTMFEnd tells the key
}


class StepBuilder(BetweenSteps):
    """Turns a call's events, in order, into per-channel steps."""

    def __init__(self) -> None:
        self.channels: list[ChannelTrace] = []  # in order of appearance
        self.by_id: dict[str, ChannelTrace] = {}
        self.by_name: dict[str, ChannelTrace] = {}
        self.records: list[TraceStep] = []
        self.quiet: dict[str, int] = {}
        self.bridges: dict[str, list[str]] = {}  # BridgeUniqueid -> channel names in it
        self.merged: dict[str, str] = {}  # a bridge merged into another -> that one
        self.linked: dict[str, str] = {}  # channel name -> the Linkedid it had on entering a bridge
        self.holding: dict[str, list[str]] = {}  # channel name -> the parties it put on hold
        self.places: dict[int, Message] = {}  # id(channel) -> its last Newexten
        self.moves: dict[int, TraceStep] = {}  # id(channel) -> its move whose priority may not run

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

    # -- one method per event ------------------------------------------------------------
    def newchannel(self, at: float | None, m: Message) -> None:
        state = _get(m, "ChannelStateDesc")  # the caller ID is in the channel's heading
        step = TraceStep(at, "channel", "new channel", _where(m), f"state {state}", message=m)
        self.step(self.channel(m), step)

    def newexten(self, at: float | None, m: Message) -> None:
        chan = self.channel(m)
        if chan is None:
            return
        app, data = _get(m, "Application"), m.header("AppData") or ""
        before, self.places[id(chan)] = self.places.get(id(chan)), m
        move = self.moves.pop(id(chan), None)
        if move is not None and before is not None and skipped(before, m):
            move.note += f"; priority {place(before)[2]} did not run, it went on at {place(m)[2]}"
        if before is not None and moved_from_outside(before, m):
            was = f"{_get(before, 'Application')}({before.header('AppData') or ''})"
            step = TraceStep(at, "transfer", f"moved to {_where(m)} (Redirect or transfer)", _where(m), message=m)
            step.note = f"from {_where(before)}, where it ran {was}"
            chan.steps.append(step)
            if stale_application(before, m):
                self.moves[id(chan)] = step
                return  # the event names the application it left: none ran here yet
        note = words.app_note(app, data) if app.lower() != "set" else ""
        chan.steps.append(TraceStep(at, "dialplan", f"{app}({data})", _where(m), note, message=m))

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


_HANDLERS: dict[str, Callable[[StepBuilder, float | None, Message], None]] = {
    "Newchannel": StepBuilder.newchannel,
    "Newexten": StepBuilder.newexten,
    "VarSet": StepBuilder.var_set,
    "Newstate": StepBuilder.newstate,
    "DialBegin": StepBuilder.dial_begin,
    "DialState": StepBuilder.dial_state,
    "DialEnd": StepBuilder.dial_end,
    "UserEvent": StepBuilder.user_event,
    "Hangup": StepBuilder.hangup,
    "OriginateResponse": StepBuilder.originate_response,
    "Cdr": StepBuilder.cdr,
    "HangupRequest": StepBuilder.hangup_request,
    "SoftHangupRequest": StepBuilder.hangup_request,
    **{name: StepBuilder.queue for name in QUEUE_EVENTS},
    **BETWEEN,
}
