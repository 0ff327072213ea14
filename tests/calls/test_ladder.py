"""A call's ladder, the interleaved timeline and queue sentences, from real Asterisk 22 captures."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET

from ami_console.calls.ladder import build_ladder, ladder_lines, ladder_svg, ladder_text
from ami_console.calls.steps import queue_sentence
from ami_console.calls.text import timeline_text, trace_text
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


# -- a moved channel: a step of its own, never the stale application ------------------------
def redirected_from_the_queue(then: str) -> list[tuple[float, Message]]:
    """The queue call, its caller (500;2) redirected to demo,100,1 while in Queue: Asterisk's
    Newexten at demo,100,1 still names Queue; then 100,1 ``Answer`` runs, or 100,2 ``Set``."""
    events = []
    for at, message in TIMED["call_queue"]:
        events.append((at, message))
        if message.name == "QueueCallerJoin":
            break
    queue = next(m for _, m in events if m.name == "Newexten" and m.header("Application") == "Queue")

    def at_100(priority: str, app: str, data: str) -> Message:
        swap = {"Exten": "100", "Extension": "100", "Priority": priority, "Application": app, "AppData": data}
        return Message([(k, swap.get(k, v)) for k, v in queue.fields])

    moved = at_100("1", "Queue", "support,,,,20")
    after = at_100("1", "Answer", "") if then == "answer" else at_100("2", "Set", "FOO=bar")
    return events + [(1.0, moved), (1.0, after)]


def test_a_redirect_out_of_a_queue_is_a_step_and_the_queue_is_not_said_to_run_again() -> None:
    lines = trace_text(build_trace(redirected_from_the_queue("set"), KEYS["call_queue"]))
    assert not any("demo,100,1" in line and "Queue(support" in line.split("moved")[0] for line in lines)
    assert not any("demo,100,1" in line and "puts the call in a queue" in line for line in lines)
    moved = line_with(lines, "moved to demo,100,1 (Redirect or transfer)")
    assert "from demo,500,2, where it ran Queue(support,,,,20); priority 1 did not run, it went on at 2" in moved
    assert "Set(FOO=bar)" in lines[lines.index(moved) + 1]

    lines = trace_text(build_trace(redirected_from_the_queue("answer"), KEYS["call_queue"]))
    moved = line_with(lines, "moved to demo,100,1")
    assert "did not run" not in moved and "Answer()" in lines[lines.index(moved) + 1]

    ladder = build_ladder(redirected_from_the_queue("set"))
    texts = [(ladder.lanes[i.source], i.text) for i in ladder.items if i.kind in ("app", "transfer")]
    assert texts[-3:] == [
        ("Local/500@demo;2", "Queue(support,,,,20)"),
        ("Local/500@demo;2", "→ moved to demo,100,1"),
        ("Local/500@demo;2", "Set(FOO=bar)"),
    ]


def test_a_redirect_and_a_blind_transfer_are_marked_in_the_trace_and_the_ladder() -> None:
    trace = build_trace(TIMED["call_redirect"], KEYS["call_redirect"])
    two = next(c for c in trace.channels if c.name.endswith(";2"))
    moved = next(s for s in two.steps if s.kind == "transfer")
    assert (moved.what, moved.note) == (
        "moved to demo,100,1 (Redirect or transfer)",
        "from demo,300,3, where it ran Wait(30)",
    )
    assert two.steps[two.steps.index(moved) + 1].what == "Answer()"  # it ran: Newexten named it
    assert "→ moved to demo,100,1" in ladder_text(select_call(TIMED["call_redirect"], KEYS["call_redirect"]), 140)

    trace = build_trace(TIMED["call_blind_transfer"], KEYS["call_blind_transfer"])
    caller = next(c for c in trace.channels if c.name == "Local/600@demo-00000019;2")
    whats = [s.what for s in caller.steps]
    assert "moved to demo,100,1 (blind transfer)" in whats
    assert "blind-transferred to 100@demo by Local/300@demo-0000001a;1" in whats
    assert not any(s.where == "demo,100,1" and s.kind == "dialplan" for s in caller.steps)  # not Dial again
    ladder = build_ladder(select_call(TIMED["call_blind_transfer"], KEYS["call_blind_transfer"]))
    assert [i.text for i in ladder.items if i.kind == "transfer"] == [
        "→ moved to demo,100,1",
        "blind transfer to 100@demo",
    ]
    assert not any(i.text.startswith("Dial(") and i.at and i.at > 1 for i in ladder.items)


# -- distinct lifelines, and the export's header ------------------------------------------
def queue_call_from_local_300() -> list[tuple[float, Message]]:
    """The queue call as Originate Local/300@demo to 500@demo makes it: the caller is a
    Local/300@demo pair too (-00000008), the agent another (-00000009)."""
    events = []
    for at, message in TIMED["call_queue"]:
        raw = message.raw.replace(b"Local/500@demo-00000016", b"Local/300@demo-00000008")
        raw = raw.replace(b"Local/300@demo-00000017", b"Local/300@demo-00000009")
        events.append((at, Message.from_raw(raw)))
    return select_call(events, KEYS["call_queue"])


def test_every_lifeline_has_a_distinct_label_in_text_and_svg() -> None:
    events = queue_call_from_local_300()
    lanes = [
        "Local/300@demo-00000008;1",
        "Local/300@demo-00000008;2",
        "queue support",
        "Local/300@demo-00000009;1",
        "Local/300@demo-00000009;2",
    ]
    assert build_ladder(events).lanes == lanes
    text = ladder_text(events, 140, key=KEYS["call_queue"], server="pbx1").splitlines()
    started = time.strftime("%Y-%m-%d %H:%M:%S %z", time.localtime(events[0][0]))
    assert text[0] == f"Call {KEYS['call_queue']} · started {started} · server pbx1"
    assert text[1].split() == [word for lane in lanes for word in lane.split()]
    svg = ET.fromstring(ladder_svg(events, 140, key=KEYS["call_queue"], server="pbx1"))
    texts = [t.text or "" for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert texts[0] == text[0] and texts[1] == text[1]
    narrow = ladder_lines(build_ladder(events), 60)[0].split()
    halves = [word for word in narrow if ";" in word]
    assert len(halves) == len(set(halves)) == 4  # cut to fit, still told apart
    timeline = timeline_text(build_trace(events, KEYS["call_queue"]))
    assert {line.split()[2] for line in timeline[1:]} >= {"Local/300@demo-00000008;2", "Local/300@demo-00000009;1"}
