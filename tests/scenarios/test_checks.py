"""Checks read the call's own events: its Linkedid's, never another call's."""

from __future__ import annotations

from pathlib import Path

from ami_console.protocol import Message
from ami_console.scenarios.checks import evaluate, first_missing_step
from ami_console.scenarios.record import CallRecord
from ami_console.scenarios.scenario import parse_scenario


def event(name: str, linkedid: str, uniqueid: str, channel: str, **headers: str) -> Message:
    fields = [("Event", name), ("Channel", channel), ("Uniqueid", uniqueid), ("Linkedid", linkedid)]
    return Message(fields + [(k.replace("_", "-"), v) for k, v in headers.items()])


def step(linkedid, uniqueid, channel, where, app="NoOp"):
    context, exten, priority = where.split(",")
    return event(
        "Newexten", linkedid, uniqueid, channel, Context=context, Exten=exten, Priority=priority, Application=app
    )


SCENARIO = """\
[call]
channel = "Local/700@demo"
application = "Wait"
data = "5"
[expect]
steps = ["demo,700,1", "demo,700,2"]
never = ["demo,700,3"]
dial_status = "BUSY"
cause = "User busy"
"""


def results(record, final=True):
    scenario = parse_scenario(SCENARIO, Path("s.toml"))
    return {e.kind: evaluate(e, record, final=final) for e in scenario.expectations}


def test_another_calls_events_never_make_a_check_pass():
    record = CallRecord("mine")
    other = [
        step("theirs", "9.1", "PJSIP/bob-1", "demo,700,1"),
        step("theirs", "9.1", "PJSIP/bob-1", "demo,700,2"),
        event("DialEnd", "theirs", "9.1", "PJSIP/bob-1", DialStatus="BUSY"),
        event("Hangup", "theirs", "9.1", "PJSIP/bob-1", Cause="17", Cause_txt="User busy"),
    ]
    for message in other:
        assert record.feed(message, 1.0) is False
    mine = [
        step("mine", "mine", "Local/700@demo-1;2", "demo,700,1", "Dial"),
        event("DialEnd", "mine", "mine", "Local/700@demo-1;2", DialStatus="NOANSWER"),
        step("mine", "mine", "Local/700@demo-1;2", "demo,700,3"),
        event("Hangup", "mine", "mine", "Local/700@demo-1;2", Cause="16", Cause_txt="Normal Clearing"),
    ]
    for message in mine:
        assert record.feed(message, 2.0)
    assert record.ended
    found = results(record)
    assert not any(r.passed for r in found.values())
    assert found["steps"].actual == "went demo,700,1 then demo,700,3"
    assert found["dial_status"].actual == "dial status NOANSWER"


def test_a_pass_ticks_while_the_call_goes_on_and_an_absence_waits_for_its_end():
    record = CallRecord("mine")
    record.feed(step("mine", "mine", "Local/700@demo-1;2", "demo,700,1", "Dial"), 1.0)
    record.feed(event("DialEnd", "mine", "mine", "Local/700@demo-1;2", DialStatus="BUSY"), 1.1)
    live = results(record, final=False)
    assert live["dial_status"].passed and live["never"] is None and live["steps"] is None
    record.feed(step("mine", "mine", "Local/700@demo-1;2", "demo,700,2", "Hangup"), 1.2)
    record.feed(event("Hangup", "mine", "mine", "Local/700@demo-1;2", Cause="17", Cause_txt="User busy"), 1.3)
    assert all(r.passed for r in results(record).values())


def test_steps_in_order_allow_others_between_but_not_another_order():
    went = ["demo,700,1", "demo,800,1", "demo,700,2"]
    assert first_missing_step(("demo,700,1", "demo,700,2"), went) is None
    assert first_missing_step(("demo,700,2", "demo,800,1"), went) == 1
    assert first_missing_step(("demo,7*,1", "demo,700,?"), went) is None
