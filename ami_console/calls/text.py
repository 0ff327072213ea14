"""A call trace as lines of text, readable at a glance by someone new to Asterisk.

Here the captured Originate of ``Local/100@demo`` (its ;1 half left out)::

    Call 1795660004.0 · 2 channels · 2.50 s · ANSWERED

    Local/100@demo-00000000;2   "AMI test" <1234>   uniqueid 1795660004.1
      Local channel, half ;2: runs the dialplan at 100@demo
      +0.00 s  demo,100,1  new channel  state Ring
      +0.00 s  demo,100,1  Answer()  answers the call
      +0.00 s              state Up  answered: audio flows
      +0.50 s  demo,100,2  Set(FOO=bar)  → FOO=bar
      +0.50 s  demo,100,3  Wait(2)  waits 2 s
      +2.50 s  demo,100,4  Hangup()  hangs up
      +2.50 s              hangup requested  cause 16
      +2.50 s              hung up: cause 16 Normal Clearing  someone hung up, the call ended normally

    Call records (CDR)
      +2.50 s              Local/100@demo-00000000;2: 1234 → 100  ANSWERED  2 s, billable 2 s, last Hangup()

Each line is a list of ``(text, style)`` segments, so a screen can colour it without
markup (values hold ``[`` and ``]``), and :func:`trace_text` gives the same lines as
plain strings. Control characters in values are made harmless. The styles are:
``heading``, ``channel``, ``role``, ``time``, ``where``, ``note``, ``good``, ``bad``,
``dim``, and for the step itself its kind (``channel``, ``dialplan``, ``variable``,
``state``, ``dial``, ``bridge``, ``hold``, ``keys``, ``transfer``, ``queue``, ``user``,
``hangup``, ``originate``, ``record``, ``other``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ami_console.calls.channel import distinct_names
from ami_console.calls.steps import TraceStep
from ami_console.calls.trace import CallTrace
from ami_console.printable import clean

__all__ = ["TraceLine", "timeline_lines", "timeline_text", "trace_lines", "trace_text"]

MAX_WHERE = 28  # a longer context,exten,priority pushes its own line instead of every line
GAP = "  "


@dataclass
class TraceLine:
    segments: list[tuple[str, str]]  # (text, style name)

    @property
    def text(self) -> str:
        return "".join(text for text, _ in self.segments)


def _time(at: float | None) -> str:
    return "" if at is None else f"+{at:.2f} s"


def trace_lines(trace: CallTrace) -> list[TraceLine]:
    """The whole trace: a summary line, each channel with its steps, the records."""
    every = [s for c in trace.channels for s in c.steps] + trace.records
    time_width = max((len(_time(s.at)) for s in every), default=0)
    where_width = min(max((len(s.where) for s in every), default=0), MAX_WHERE)

    def step_line(step: TraceStep) -> TraceLine:
        segments = [(GAP, "")]
        if time_width:
            segments += [(_time(step.at).rjust(time_width), "time"), (GAP, "")]
        if where_width:
            segments += [(clean(step.where).ljust(where_width), "where"), (GAP, "")]
        segments.append((clean(step.what), step.kind))
        if step.note:
            segments += [(GAP, ""), (clean(step.note), step.tone or "note")]
        return TraceLine(segments)

    lines = [_summary(trace)]
    for chan in trace.channels:
        heading = [(clean(chan.name), "channel")]
        if chan.caller:
            heading += [("   ", ""), (clean(chan.caller), "note")]
        if chan.uniqueid:
            heading += [("   ", ""), (f"uniqueid {clean(chan.uniqueid)}", "dim")]
        lines += [TraceLine([]), TraceLine(heading)]
        if chan.role:
            lines.append(TraceLine([(GAP, ""), (clean(chan.role), "role")]))
        lines += [step_line(step) for step in chan.steps]
    if trace.records:
        lines += [TraceLine([]), TraceLine([("Call records (CDR)", "heading")])]
        lines += [step_line(step) for step in trace.records]
    if trace.quiet:
        counted = ", ".join(f"{n} {name}" for name, n in sorted(trace.quiet.items()))
        lines += [TraceLine([]), TraceLine([(f"Not shown: {counted}", "dim")])]
    return lines


def _summary(trace: CallTrace) -> TraceLine:
    if not trace.channels and not trace.records:
        return TraceLine([(f"No events for call {clean(trace.key)}", "heading")])
    parts = [f"Call {clean(trace.key)}", _count(len(trace.channels), "channel")]
    if trace.duration is not None:
        parts.append(f"{trace.duration:.2f} s")
    else:
        parts.append("times unknown")
    segments = [(" · ".join(parts), "heading")]
    if outcome := trace.outcome:
        tone = "good" if outcome in ("ANSWERED", "ANSWER") else "bad"
        segments += [(" · ", "heading"), (clean(outcome), tone)]
    return TraceLine(segments)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def trace_text(trace: CallTrace) -> list[str]:
    """The trace as plain text lines (for a file, a test, or a screen without colour)."""
    return [line.text.rstrip() for line in trace_lines(trace)]


def timeline_lines(trace: CallTrace) -> list[TraceLine]:
    """One interleaved timeline of all the call's channels: every step of every channel in
    time order (the order of arrival for steps at the same time, or when times are unknown),
    each prefixed with its channel's short name (``Local/300@demo;1``; the full name where
    two channels would share one)."""
    arrival = {id(message): n for n, message in enumerate(trace.messages)}
    steps = [(step, chan) for chan in trace.channels for step in chan.steps]
    steps.sort(key=lambda pair: (pair[0].at or 0.0, arrival.get(id(pair[0].message), 0)))
    labels = distinct_names([chan.name or chan.uniqueid for chan in trace.channels])
    names = {id(chan): clean(label) for chan, label in zip(trace.channels, labels)}
    name_width = max((len(n) for n in names.values()), default=0)
    time_width = max((len(_time(s.at)) for s, _ in steps), default=0)
    lines = [_summary(trace)]
    for step, chan in steps:
        segments = [(GAP, "")]
        if time_width:
            segments += [(_time(step.at).rjust(time_width), "time"), (GAP, "")]
        segments += [(names[id(chan)].ljust(name_width), "channel"), (GAP, "")]
        segments.append((clean(step.what), step.kind))
        if step.note:
            segments += [(GAP, ""), (clean(step.note), step.tone or "note")]
        lines.append(TraceLine(segments))
    return lines


def timeline_text(trace: CallTrace) -> list[str]:
    """The interleaved timeline as plain text lines."""
    return [line.text.rstrip() for line in timeline_lines(trace)]
