"""Following a call and tracing it: on real Asterisk captures and on calls the demo PBX makes."""

from __future__ import annotations

import re
import time

import pytest

from ami_console.calls.text import trace_lines, trace_text
from ami_console.calls.trace import CallFilter, build_trace, call_key, select_call
from ami_console.client import AMIClient
from ami_console.protocol import Message, Parser
from ami_console.simulator import Simulator
from tests.captures import capture_messages, transcript

SESSION1 = capture_messages("session1")
ORIGINATES = capture_messages("originate_sync")
CORESHOW = capture_messages("coreshowchannels")
CALL = "1795660004.0"  # session1's Local/100@demo call: ;1 is .0, ;2 is .1


def timed_capture(name: str) -> list[tuple[float, Message]]:
    """The capture's messages, each with the time its last bytes arrived."""
    parser = Parser(greeting=True)
    timed = []
    for step in transcript(name):
        if step.kind == "recv":
            parser.receive_data(step.data)
            while (message := parser.next_message()) is not None:
                timed.append((step.at, message))
    return timed


def first(messages: list[Message], name: str, **headers: str) -> Message:
    return next(m for m in messages if m.name == name and all(m.header(k) == v for k, v in headers.items()))


def steps_of(trace, channel_suffix: str):
    return next(c for c in trace.channels if c.name.endswith(channel_suffix)).steps


# -- which call -------------------------------------------------------------------------
def test_call_key_prefers_linkedid_then_uniqueid_then_channel() -> None:
    two = ";2"
    assert call_key(first(SESSION1, "VarSet")) == CALL  # the ;2 half's Linkedid, not its Uniqueid
    assert call_key(first(SESSION1, "DialBegin")) == CALL  # originate: only Dest* headers
    assert call_key(first(SESSION1, "LocalBridge")) == CALL
    assert call_key(first(SESSION1, "Cdr", Channel=f"Local/100@demo-00000000{two}")) == "1795660004.1"
    assert call_key(first(CORESHOW, "CoreShowChannel")) == "1795660038.10"  # a list row
    assert call_key(first(CORESHOW, "ChannelHungup")) == "Local/300@demo-00000005;1"
    assert call_key(first(ORIGINATES, "OriginateResponse", Response="Failure")) == "Local/999@demo"
    assert call_key(first(SESSION1, "DeviceStateChange")) is None


def test_select_call_from_a_cdr_row_finds_the_whole_call() -> None:
    cdr = first(SESSION1, "Cdr", Channel="Local/100@demo-00000000;2")
    chosen = select_call(SESSION1, call_key(cdr))
    names = [m.name for m in chosen]
    assert names.count("Newchannel") == 2 and names.count("Hangup") == 2 and names.count("Cdr") == 2
    assert {"LocalBridge", "DialBegin", "DialEnd", "OriginateResponse", "VarSet"} <= set(names)
    assert not {"FullyBooted", "SuccessfulAuth", "DeviceStateChange"} & set(names)
    assert [m for m in SESSION1 if m in chosen] == chosen  # the log's order


def test_select_call_keeps_calls_apart() -> None:
    userevent_call = call_key(first(ORIGINATES, "UserEvent"))
    chosen = select_call(ORIGINATES, userevent_call)
    channels = {m.header("Channel") for m in chosen if m.header("Channel")}
    assert channels == {"Local/400@demo-00000004;1", "Local/400@demo-00000004;2"}
    failed = select_call(ORIGINATES, "1795660021.4")  # the first Local/999@demo attempt
    assert {m.header("Channel") for m in failed} == {"Local/999@demo-00000002;1", "Local/999@demo-00000002;2"}


def test_without_linkedid_a_channel_name_leads_to_its_uniqueid() -> None:
    """Older Asterisk sends no Linkedid: the call is the Uniqueid, and rows naming only
    the channel still belong to it."""
    events = [
        Message([("Event", "Newchannel"), ("Channel", "SIP/alice-01"), ("Uniqueid", "1.1")]),
        Message([("Event", "Newchannel"), ("Channel", "SIP/bob-02"), ("Uniqueid", "1.2")]),
        Message([("Event", "Hangup"), ("Channel", "SIP/alice-01"), ("Uniqueid", "1.1"), ("Cause", "16")]),
        Message([("Event", "ChannelHungup"), ("Channel", "SIP/alice-01")]),
    ]
    assert [m.name for m in select_call(events, "1.1")] == ["Newchannel", "Hangup", "ChannelHungup"]
    assert [m.name for m in select_call(events, "SIP/alice-01")] == ["Newchannel", "Hangup", "ChannelHungup"]


def test_call_filter_follows_a_call_live_including_its_later_records() -> None:
    row = first(CORESHOW, "CoreShowChannel")  # the user picked a row of a CoreShowChannels list
    follow = CallFilter(call_key(row))
    kept = [m for m in CORESHOW if follow.matches(m)]
    assert [m.name for m in kept if m.name in ("Hangup", "Cdr")] == ["Hangup", "Hangup", "Cdr", "Cdr"]
    assert any(m.name == "ChannelHungup" for m in kept)  # known only by its channel name
    assert not any(m.name in ("DeviceStateChange", "QueueMemberStatus", "FullyBooted") for m in kept)


def test_call_filter_learns_from_events_already_logged() -> None:
    cdr = first(SESSION1, "Cdr", Channel="Local/100@demo-00000000;2")
    follow = CallFilter(call_key(cdr), known=SESSION1[: SESSION1.index(cdr)])
    assert follow.matches(first(SESSION1, "Hangup", Channel="Local/100@demo-00000000;1"))
    assert not follow.matches(first(ORIGINATES, "Hangup"))


# -- the trace of a captured call ----------------------------------------------------------
def test_trace_of_a_captured_local_call_walks_the_dialplan_in_order() -> None:
    trace = build_trace(timed_capture("session1"), CALL)
    assert trace.key == CALL
    assert [c.name for c in trace.channels] == ["Local/100@demo-00000000;1", "Local/100@demo-00000000;2"]
    assert trace.channels[1].role == "Local channel, half ;2: runs the dialplan at 100@demo"
    dialplan = [(s.where, s.what, s.note) for s in steps_of(trace, ";2") if s.kind == "dialplan"]
    assert dialplan == [
        ("demo,100,1", "Answer()", "answers the call"),
        ("demo,100,2", "Set(FOO=bar)", "→ FOO=bar"),
        ("demo,100,3", "Wait(2)", "waits 2 s"),
        ("demo,100,4", "Hangup()", "hangs up"),
    ]
    hangup = steps_of(trace, ";2")[-1]
    assert hangup.what == "hung up: cause 16 Normal Clearing" and "ended normally" in hangup.note
    assert [r.message["Disposition"] for r in trace.records] == ["ANSWERED", "ANSWERED"]
    assert trace.outcome == "ANSWERED"
    times = [s.at for c in trace.channels for s in c.steps]
    assert min(times) == 0.0 and 2.5 < trace.duration < 4  # Wait(2) and the rest, on the capture's clock


def test_trace_text_reads_at_a_glance() -> None:
    lines = trace_text(build_trace(timed_capture("session1"), CALL))
    assert re.fullmatch(r"Call 1795660004\.0 · 2 channels · \d\.\d\d s · ANSWERED", lines[0])
    assert any(re.fullmatch(r"  \+\d\.\d\d s  demo,100,2  Set\(FOO=bar\)  → FOO=bar", line) for line in lines)
    assert any(
        line.strip().endswith("called by Originate (an AMI or CLI request)  dial string 100@demo") for line in lines
    )
    assert "Call records (CDR)" in lines


def test_trace_of_an_originate_to_a_missing_extension_explains_the_failure() -> None:
    failed = first(ORIGINATES, "OriginateResponse", Response="Failure")
    trace = build_trace(ORIGINATES, call_key(failed))
    step = trace.channels[0].steps[0]
    assert step.what == "originate result: Failure"
    assert step.note == "reason 0: the call failed: no such channel, or it could not be called"


def test_trace_shows_user_events_with_their_headers() -> None:
    trace = build_trace(ORIGINATES, call_key(first(ORIGINATES, "UserEvent")))
    user = next(s for s in steps_of(trace, ";2") if s.kind == "user")
    assert user.what == "UserEvent DemoEvent" and "Foo=bar" in user.note and "Answer=42" in user.note


def test_without_arrival_times_the_trace_uses_server_timestamps_or_none() -> None:
    bare = build_trace(SESSION1, CALL)  # messages alone: no times known
    assert bare.duration is None and all(s.at is None for c in bare.channels for s in c.steps)
    assert "times unknown" in trace_text(bare)[0]
    assert not any(line.lstrip().startswith("+") for line in trace_text(bare))
    stamped = [Message([*m.fields, ("Timestamp", f"{1000 + i:.6f}")]) for i, m in enumerate(SESSION1)]
    ours = [i for i, m in enumerate(SESSION1) if m in select_call(SESSION1, CALL)]
    trace = build_trace(stamped, CALL)  # timestampevents = yes: the server's clock
    assert trace.started == 1000 + ours[0] and trace.duration == ours[-1] - ours[0]
    assert steps_of(trace, ";2")[0].at == 1  # ;2's Newchannel came the event after ;1's


def test_rendering_keeps_brackets_and_neutralises_control_characters() -> None:
    events = [
        Message(
            [
                ("Event", "Newexten"),
                ("Channel", "PJSIP/x-1"),
                ("Uniqueid", "9.1"),
                ("Linkedid", "9.1"),
                ("Context", "in"),
                ("Exten", "s"),
                ("Priority", "1"),
                ("Application", "Dial"),
                ("AppData", "PJSIP/bob,30,[tT]\x1b[31m"),
            ]
        ),
    ]
    lines = trace_lines(build_trace(events, "9.1"))
    text = "\n".join(line.text for line in lines)
    assert "Dial(PJSIP/bob,30,[tT]\ufffd[31m)" in text and "\x1b" not in text
    styles = {style for line in lines for _, style in line.segments}
    assert styles <= {"", "heading", "channel", "role", "where", "dialplan", "note", "dim", "good", "bad"}


# -- calls made by the demo PBX ------------------------------------------------------------
def record_call(outcome: str) -> tuple[str, list[tuple[float, Message]]]:
    """Alice calls bob (with carol calling the demo extension 100 at the same time);
    returns alice's channel and every event up to alice's Cdr, with arrival times."""
    with Simulator(time_scale=0.02) as pbx:
        ami = AMIClient(username=pbx.username, secret=pbx.secret, host=pbx.address, timeout=5)
        assert ami.connect(), ami.error
        try:
            alice = pbx.place_call("alice", "1002", outcome=outcome, ring=1, talk=1)
            pbx.place_call("carol", "100")
            events: list[tuple[float, Message]] = []
            deadline = time.monotonic() + 5
            while not any(m.name == "Cdr" and m.header("Channel") == alice for _, m in events):
                assert time.monotonic() < deadline, "alice's call did not end in time"
                message = ami.read_response(timeout=1)
                if message is not None:
                    events.append((time.time(), message))
        finally:
            ami.disconnect()
    return alice, events


@pytest.mark.parametrize(
    ("outcome", "dial_status", "callee_cause", "disposition"),
    [
        ("answer", "ANSWER", "16", "ANSWERED"),
        ("busy", "BUSY", "17", "BUSY"),
        ("noanswer", "NOANSWER", "0", "NO ANSWER"),  # Asterisk CANCELs the phone (pjsip_call_noanswer)
    ],
)
def test_trace_of_a_phone_call_from_the_demo_pbx(outcome, dial_status, callee_cause, disposition) -> None:
    alice, events = record_call(outcome)
    key = call_key(next(m for _, m in events if m.header("Channel") == alice))
    trace = build_trace(events, key)
    caller, callee = trace.channels  # carol's call is not part of it
    assert caller.name == alice and callee.name.startswith("PJSIP/bob-")
    assert caller.role == f"the caller: dials {callee.name}" and callee.role == f"dialled by {alice}"
    assert [s.what for s in caller.steps if s.kind == "dialplan"][0] == "Dial(PJSIP/bob,20)"
    result = next(s for s in caller.steps if s.what.startswith("dial result"))
    assert result.what == f"dial result {dial_status}: {callee.name}"
    assert result.tone == ("good" if outcome == "answer" else "bad")
    assert callee.steps[-1].what.startswith(f"hung up: cause {callee_cause}")
    assert trace.outcome == disposition and trace.records[0].message["Disposition"] == disposition
    if outcome == "answer":
        entered = next(s for s in caller.steps if s.what.startswith("enters bridge"))
        assert entered.note == f"with {callee.name}"  # the callee enters first (pjsip_call_answered)
        assert trace.quiet["BridgeCreate"] == trace.quiet["BridgeDestroy"] == 1  # known by the bridge's id
    else:
        assert not any(s.kind == "bridge" for c in trace.channels for s in c.steps)
    times = [s.at for c in trace.channels for s in c.steps]
    assert times[0] == 0.0 and all(t is not None and t >= 0 for t in times)


def test_a_channel_name_is_enough_to_trace_its_call_told_in_plain_words() -> None:
    alice, events = record_call("noanswer")
    lines = trace_text(build_trace(events, alice))
    assert lines[0].startswith("Call ") and lines[0].endswith("· NO ANSWER")
    assert any("dial result NOANSWER" in line and "nobody answered before the dial timed out" in line for line in lines)
    assert any("hung up: cause 0 Unknown" in line for line in lines)  # cancelled (pjsip_call_noanswer)
