"""A call's ladder, the interleaved timeline and queue sentences, from real Asterisk 22 captures."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ami_console.calls.ladder import build_ladder, ladder_lines, ladder_svg, ladder_text
from ami_console.calls.steps import queue_sentence
from ami_console.calls.text import timeline_text
from ami_console.calls.trace import build_trace, select_call
from ami_console.protocol import Message
from tests.calls.test_live_calls import KEYS, TIMED

BRIDGE = select_call(TIMED["call_dial_bridge"], KEYS["call_dial_bridge"])
QUEUE = select_call(TIMED["call_queue"], KEYS["call_queue"])
LANES = ["Local/600@demo;1", "Local/600@demo;2", "Local/300@demo;1", "Local/300@demo;2"]


def line_with(lines: list[str], text: str) -> str:
    return next(line for line in lines if text in line)


def test_dial_bridge_ladder() -> None:
    ladder = build_ladder(BRIDGE)
    assert ladder.lanes == LANES
    lines = ladder_lines(ladder, width=120)
    assert lines[0].split() == LANES
    assert all(len(line) <= 120 for line in lines)
    assert all(line[:9].strip().replace(".", "").isdigit() for line in lines[1:-1])  # time at the left
    columns = [lines[0].index(name) + len(name) // 2 for name in LANES]  # where each lifeline runs
    # The dial: an arrow from 600;2 to 300;1, its label on it.
    dial = line_with(lines, "Dial 300@demo")
    assert dial[columns[1]] == "│" and dial[columns[2]] == "│" and "►" in dial[columns[1] : columns[2]]
    # The answer comes back, and the two sides are bridged (an arrow with both heads).
    answer = line_with(lines, "ANSWER─")
    assert "◄" in answer[columns[1] : columns[2]]
    bridged = line_with(lines, "bridged")
    assert "◄" in bridged and "►" in bridged
    # The dialplan applications on their lifelines, and the lifelines end at the hangups.
    assert line_with(lines, "Dial(Local/300@demo,20)").index("├") == columns[1]
    assert line_with(lines, "Wait(30)").index("├") == columns[3]
    hangup = line_with(lines, "✕ hung up: Unknown (0)")
    assert hangup.index("✕") == columns[0]
    assert lines[lines.index(hangup) + 1][columns[0]] == " "  # 600;1's lifeline stops there
    assert lines[-1].strip() == "Local/600@demo;1 hung up first: Unknown (0)"
    assert ladder_text(ladder, 120) == "\n".join(lines) + "\n"


def test_queue_ladder_has_a_queue_lifeline() -> None:
    ladder = build_ladder(QUEUE)
    assert ladder.lanes == [
        "Local/500@demo;1",
        "Local/500@demo;2",
        "queue support",
        "Local/300@demo;1",
        "Local/300@demo;2",
    ]
    lines = ladder_lines(ladder, width=130)
    joins = line_with(lines, "joins, position 1")
    assert joins.index("─") < joins.index("►")  # from the caller to the queue
    assert "►" in line_with(lines, "rings Agent300")
    assert "◄" in line_with(lines, "Agent300 answers")
    assert [i.kind for i in ladder.items if i.kind in ("queue", "agent")] == ["queue", "agent", "queue", "agent"]


def test_many_channels_narrow_columns_within_the_width() -> None:
    lines = ladder_lines(build_ladder(BRIDGE), width=60)
    assert all(len(line) <= 60 for line in lines)
    assert lines[0].split() == ["600@demo;1", "600@demo;2", "300@demo;1", "300@demo;2"]


def test_svg_is_well_formed_and_escaped() -> None:
    hostile = "PJSIP/<b>&x\x1b]52;c;aGk=\x07-00000001"
    events = [
        (1.0, Message([("Event", "Newchannel"), ("Channel", hostile), ("Uniqueid", "1.1"), ("Linkedid", "1.1")])),
        (
            2.0,
            Message(
                [
                    ("Event", "Newexten"),
                    ("Channel", hostile),
                    ("Uniqueid", "1.1"),
                    ("Application", "Dial"),
                    ("AppData", "a<b>&c"),
                ]
            ),
        ),
    ]
    svg = ladder_svg(events, title="call <1.1>")
    root = ET.fromstring(svg)
    texts = [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert texts[0] == "call <1.1>"
    assert any("Dial(a<b>&c)" in t for t in texts)
    assert "\x1b" not in svg and "\x07" not in svg
    ET.fromstring(ladder_svg(BRIDGE))


def test_one_interleaved_timeline_with_queue_sentences() -> None:
    lines = timeline_text(build_trace(QUEUE, KEYS["call_queue"]))
    steps = lines[1:]
    joined = line_with(steps, "joined queue support at position 1")
    assert "Local/500@demo;2" in joined
    rang = line_with(steps, "agent Agent300 (Local/300@demo) rang")
    answered = line_with(steps, "agent Agent300 answered after 0 s")
    completed = line_with(steps, "call completed: the caller hung up after 5 s talk")
    assert steps.index(joined) < steps.index(rang) < steps.index(answered) < steps.index(completed)
    # All channels, in arrival order: 300;1 appears between the 500 halves' steps.
    names = [line.split()[2] for line in steps]
    assert names.index("Local/300@demo;1") < len(names) - 1 - names[::-1].index("Local/500@demo;2")


def test_queue_member_pause_reads_as_a_sentence() -> None:
    pauses = [m for _, m in TIMED["call_queue"] if m.name == "QueueMemberPause"]
    assert [queue_sentence(m) for m in pauses] == [
        "Agent300 paused: lunch (queue support)",
        "Agent300 unpaused (queue support)",
    ]
    assert queue_sentence(Message([("Event", "Newchannel")])) == ""
