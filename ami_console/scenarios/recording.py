"""A call written as a scenario that expects what it did: record a test from a call.

:func:`scenario_from_call` takes a call of the Calls model (live, or from a replayed
file) and gives the text of a scenario file: how to place such a call again (its first
channel, with the dialplan place it started at, or Wait for an originated Local channel)
and what this call did (its path, dial status, unusual hangup cause, queue and agent,
whom it was bridged with), each line commented, for a person to trim and keep. Run
against the same dialplan, it passes at once. Pure: text in, text out.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from ami_console.calls.call import Call
from ami_console.calls.words import is_normal_cause
from ami_console.files.atomic import write_atomic
from ami_console.files.profiles import data_dir
from ami_console.scenarios.record import CallRecord
from ami_console.scenarios.scenario import Placement

__all__ = [
    "MAX_RECORDED_STEPS",
    "placement_for",
    "record_of",
    "scenario_from_call",
    "scenario_text",
    "toml_string",
    "write_recorded",
]

MAX_RECORDED_STEPS = 60  # steps written; a long loop's steps are trimmed to its first ones
_SUFFIX = re.compile(r"-[0-9a-fA-F]+(;[12])?$")  # Asterisk's "-00000003;1" after a channel's name


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string (quotes, backslashes and control characters escaped)."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def record_of(call: Call) -> CallRecord:
    """The call's events as a :class:`CallRecord` (the record follows its Linkedid, so
    the events of calls joined into it are not taken)."""
    record = CallRecord(call.key)
    for at, message in call.events:
        record.feed(message, at)
    return record


def placement_for(call: Call, record: CallRecord) -> Placement:
    """How to place a call like this one: its first channel (without Asterisk's suffix)
    sent to where its dialplan started; an originated Local channel (whose ``;1`` half
    ran nothing) waits as long as the call lasted."""
    chans = call.ordered()
    first = chans[0].name if chans else "Local/s@default"
    channel = _SUFFIX.sub("", first)
    own = [s for s in record.steps if s.channel == first]
    if first.startswith("Local/") or not own:
        seconds = record.duration if record.duration is not None else 0.0
        return Placement(channel, application="Wait", data=str(max(1, math.ceil(seconds) + 1)))
    start = own[0].step
    return Placement(channel, context=start.context, exten=start.exten, priority=str(start.priority))


def scenario_from_call(call: Call, name: str = "") -> str:
    """The scenario text for ``call`` (see the module)."""
    record = record_of(call)
    return scenario_text(record, placement_for(call, record), name or f"recorded call {call.dialled() or call.key}")


def scenario_text(record: CallRecord, placement: Placement, name: str) -> str:
    """A scenario placing ``placement`` that expects what ``record`` shows."""
    took = record.duration
    timeout = max(30, math.ceil((took or 0) * 2) + 10)
    lines = [
        "# Recorded from a call: it expects what that call did. Trim what does not matter",
        "# (a check left out is not checked), then run it: ami-console test THIS_FILE",
        f"name = {toml_string(name)}",
        f"timeout = {timeout}  # seconds the call may take before it is hung up and the test fails",
        "",
        "[call]  # how the call is placed: Originate's fields",
        f"channel = {toml_string(placement.channel)}",
    ]
    if placement.application:
        lines += [
            f"application = {toml_string(placement.application)}  # what the originating side runs",
            f"data = {toml_string(placement.data)}",
        ]
    else:
        lines += [
            f"context = {toml_string(placement.context)}  # where the answered channel goes in the dialplan",
            f"exten = {toml_string(placement.exten)}",
            f"priority = {placement.priority}",
        ]
    lines += ["", "[expect]  # every check must pass; texts are globs (*, ?)"]
    steps = _squeezed(record.where())
    if steps:
        lines.append("# the dialplan steps, in this order (others may come between):")
        lines.append("steps = [" + ", ".join(toml_string(s) for s in steps) + "]")
    else:
        lines.append('# steps = ["context,exten,1"]  # the call ran no dialplan step')
    lines.append('# never = ["context,exten,priority"]  # a step it must not reach')
    if record.dial_statuses:
        lines.append(f"dial_status = {toml_string(record.dial_statuses[0])}  # how its Dial ended")
    unusual = next((h for h in record.hangups if h.cause and not is_normal_cause(h.cause)), None)
    if unusual is not None:
        lines.append(
            f"cause = {toml_string(unusual.cause)}  # {unusual.cause_txt or 'hangup cause'}, on {unusual.channel}"
        )
    if record.queues:
        lines.append(f"queue = {toml_string(record.queues[0])}  # it joined this queue")
    if record.agents:
        lines.append(f"answered_by = {toml_string(record.agents[0])}  # the queue member who answered")
    # Whom it talked to: a party other than the channel placed, when there is one.
    peers = [_SUFFIX.sub("", p) for p in record.peers]
    peer = next((p for p in peers if p != placement.channel), peers[0] if peers else "")
    if peer:
        lines.append(f"bridged_with = {toml_string(peer + '-*')}  # whom it talked to")
    if took is not None:
        lines.append(f"# within = {math.ceil(took * 2) + 5}  # seconds: it took {took:.1f} s")
    lines.append('# variables = { NAME = "value" }  # a channel variable the dialplan sets')
    return "\n".join(lines) + "\n"


def _squeezed(went: list[str]) -> list[str]:
    """Consecutive repeats once (a loop's steps stay in order), at most MAX_RECORDED_STEPS."""
    kept: list[str] = []
    for where in went:
        if not kept or kept[-1] != where:
            kept.append(where)
    return kept[:MAX_RECORDED_STEPS]


def write_recorded(folder: Path | None, key: str, text: str) -> Path:
    """Write a recorded scenario into ``folder`` (None: ``tests`` in the data directory) as
    ``recorded-KEY.toml``, never over another file; its path. Raises OSError."""
    where = folder if folder is not None else data_dir() / "tests"
    where.mkdir(parents=True, exist_ok=True)
    stem = "recorded-" + (re.sub(r"[^A-Za-z0-9_.-]+", "-", key).strip("-.")[:60] or "call")
    path = where / f"{stem}.toml"
    number = 1
    while path.exists():
        number += 1
        path = where / f"{stem}-{number}.toml"
    write_atomic(path, text.encode("utf-8"))
    return path
