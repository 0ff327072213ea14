"""Calls Asterisk joins, in every view (issue 20): the captured attended transfer (the
consultation, the hold, the merge, who ended up talking to whom), and two calls of
different Linkedids joined in a bridge, as a phone's attended transfer or a conference
makes them: one row, one ladder showing the join, one trace, whatever the order."""

from __future__ import annotations

import random

import pytest

from ami_console.calls.ladder import build_ladder, ladder_lines
from ami_console.calls.live import LiveCalls
from ami_console.calls.text import timeline_text, trace_text
from ami_console.calls.trace import build_trace, select_call
from ami_console.protocol import Message
from tests.calls.test_live_calls import KEYS, TIMED, event, feed_until, final_picture, row

KEY = KEYS["call_attended_transfer"]
CALLER, TRANSFERER, TARGET = "Local/600@demo;2", "Local/300@demo;1", "Local/200@demo;1"


def line_with(lines: list[str], text: str) -> str:
    return next(line for line in lines if text in line)


# -- the captured attended transfer ------------------------------------------------------
def test_the_row_tells_the_consultation_the_hold_and_who_talks_in_the_end() -> None:
    live, at = feed_until("call_attended_transfer", event("Hold"))
    assert row(live, KEY, at).state == f"on hold: {CALLER} held by {TRANSFERER}"
    live, at = feed_until(
        "call_attended_transfer",
        event(
            "BridgeEnter", BridgeUniqueid="6cf13f87-7898-4d47-af0e-162f578bb4dd", Channel="Local/300@demo-00000020;1"
        ),
    )
    r = row(live, KEY, at)  # the consultation: the transferer talks to 200, the caller still held
    assert r.state == f"on hold: {CALLER} held by {TRANSFERER}, who talks to {TARGET}" and r.channels == 6
    live, at = feed_until("call_attended_transfer", event("Hangup", Channel="Local/300@demo-00000020;2"))
    assert [(r.key, r.state) for r in live.rows(at)] == [(KEY, f"bridged with {TARGET}")]
    live, end = feed_until("call_attended_transfer")
    assert [(r.key, r.state) for r in live.rows(end)] == [(KEY, "hung up: Normal Clearing (16)")]


def test_the_ladder_shows_the_hold_the_consultation_the_merge_and_the_transfer() -> None:
    ladder = build_ladder(select_call(TIMED["call_attended_transfer"], KEY))
    lines = ladder_lines(ladder, width=170)
    column = {name: lines[0].index(name) + len(name) // 2 for name in ladder.lanes}
    hold = line_with(lines, "puts on hold")  # from the transferer (who asked) to the caller (held)
    assert hold.index("◄") < column[TRANSFERER] and hold[column[CALLER] + 1] == "◄"
    assert line_with(lines, "keys *2").index("├") == column[TRANSFERER]  # the feature code
    assert line_with(lines, "keys 200").index("├") == column[TRANSFERER]  # the number consulted
    texts = [item.text for item in ladder.items]
    order = [texts.index(t) for t in ("puts on hold", "bridges merged", "completes attended transfer")]
    assert order == sorted(order)
    talking = next(i for i in ladder.items if i.text == "talking (transferred)")
    assert {ladder.lanes[talking.source], ladder.lanes[talking.target or 0]} == {CALLER, TARGET}


def test_the_trace_tells_each_party_its_part() -> None:
    trace = build_trace(TIMED["call_attended_transfer"], KEY)
    steps = {c.name: [s.what for s in c.steps] for c in trace.channels}
    transferer, caller = steps["Local/300@demo-00000020;1"], steps["Local/600@demo-0000001f;2"]
    assert "pressed keys *2" in transferer and "pressed keys 200" in transferer
    assert "puts Local/600@demo-0000001f;2 on hold" in transferer
    assert "put on hold by Local/300@demo-00000020;1" in caller
    assert "its bridge 6cf13f87 merged into bridge d142192f" in steps["Local/200@demo-00000021;1"]
    said = "completes an attended transfer: Local/600@demo-0000001f;2 now talks to Local/200@demo-00000021;1"
    assert said in transferer
    assert "now talks to Local/200@demo-00000021;1 (attended transfer by Local/300@demo-00000020;1)" in caller
    timeline = timeline_text(trace)
    assert timeline.index(line_with(timeline, "puts Local/600")) < timeline.index(line_with(timeline, "completes"))


# -- two calls of two Linkedids joined ---------------------------------------------------
def chan(name: str, unique: str, linked: str, **more: str) -> list[tuple[str, str]]:
    return [("Channel", name), ("Uniqueid", unique), ("Linkedid", linked), *more.items()]


def ev(name: str, *fields: tuple[str, str]) -> Message:
    return Message([("Event", name), *fields])


ALICE, BOB1 = chan("PJSIP/alice-00000001", "30.1", "30.1"), chan("PJSIP/bob-00000002", "30.2", "30.1")
BOB3, CAROL = chan("PJSIP/bob-00000003", "31.3", "31.3"), chan("PJSIP/carol-00000004", "31.4", "31.3")
BASIC = [("BridgeType", "basic"), ("BridgeTechnology", "simple_bridge")]


def transfer_fields() -> list[tuple[str, str]]:
    fields = [("Result", "Success")]
    for prefix, party in (("OrigTransferer", BOB1), ("SecondTransferer", BOB3), ("Transferee", ALICE)):
        fields += [(prefix + key, value) for key, value in party]
    fields += [("TransferTarget" + key, value) for key, value in CAROL]
    return fields + [("DestType", "Bridge"), ("DestBridgeUniqueid", "bridge-x")]


# alice calls bob; bob holds her and calls carol (a new call, its own Linkedid); bob completes
# the transfer: carol is moved into alice's bridge (Asterisk reports her still with her
# Linkedid), bob's two channels hang up; later alice and carol hang up.
JOINED = [
    (1.0, ev("Newchannel", *ALICE, ("ChannelStateDesc", "Ring"), ("Exten", "1002"))),
    (
        1.0,
        ev("Newexten", *ALICE, ("Context", "internal"), ("Exten", "1002"), ("Priority", "1"), ("Application", "Dial")),
    ),
    (1.1, ev("Newchannel", *BOB1, ("ChannelStateDesc", "Down"))),
    (2.0, ev("BridgeEnter", *BOB1, ("BridgeUniqueid", "bridge-x"), *BASIC)),
    (2.0, ev("BridgeEnter", *ALICE, ("BridgeUniqueid", "bridge-x"), *BASIC)),
    (3.0, ev("Hold", *BOB1)),
    (3.5, ev("Newchannel", *BOB3, ("ChannelStateDesc", "Ring"), ("Exten", "1003"))),
    (
        3.5,
        ev("Newexten", *BOB3, ("Context", "internal"), ("Exten", "1003"), ("Priority", "1"), ("Application", "Dial")),
    ),
    (3.6, ev("Newchannel", *CAROL, ("ChannelStateDesc", "Down"))),
    (4.0, ev("BridgeEnter", *CAROL, ("BridgeUniqueid", "bridge-y"), *BASIC)),
    (4.0, ev("BridgeEnter", *BOB3, ("BridgeUniqueid", "bridge-y"), *BASIC)),
    (6.0, ev("BridgeLeave", *BOB1, ("BridgeUniqueid", "bridge-x"))),
    (6.0, ev("BridgeLeave", *CAROL, ("BridgeUniqueid", "bridge-y"))),
    (6.0, ev("BridgeEnter", *CAROL, ("BridgeUniqueid", "bridge-x"), *BASIC)),
    (6.0, ev("AttendedTransfer", *transfer_fields())),
    (6.1, ev("Hangup", *BOB1, ("Cause", "16"), ("Cause-txt", "Normal Clearing"))),
    (6.1, ev("BridgeLeave", *BOB3, ("BridgeUniqueid", "bridge-y"))),
    (6.1, ev("Hangup", *BOB3, ("Cause", "16"), ("Cause-txt", "Normal Clearing"))),
    (9.0, ev("Hangup", *ALICE, ("Cause", "16"), ("Cause-txt", "Normal Clearing"))),
    (9.0, ev("Hangup", *CAROL, ("Cause", "16"), ("Cause-txt", "Normal Clearing"))),
]


def fed(events: list[tuple[float, Message]], upto: float = 99.0) -> LiveCalls:
    live = LiveCalls()
    for at, message in events:
        if at <= upto:
            live.feed(message, at)
    return live


def test_two_calls_joined_by_a_transfer_are_one_row_found_by_either_key() -> None:
    live = fed(JOINED, upto=5.0)
    assert {r.key: r.state for r in live.rows(5.0)} == {
        "30.1": "on hold: PJSIP/alice held by PJSIP/bob",
        "31.3": "bridged with PJSIP/carol",
    }
    live = fed(JOINED, upto=6.5)
    (r,) = live.rows(6.5)
    assert (r.key, r.state, r.channels, r.joined) == ("30.1", "bridged with PJSIP/carol", 4, ("31.3",))
    assert live.call_for("31.3") is live.call_for("30.1") is live.calls["30.1"]  # a cursor on 31.3 finds it
    assert [m.name for _, m in live.calls["30.1"].events].count("BridgeEnter") == 5  # both calls' events


def test_joined_calls_end_as_one_whatever_the_order() -> None:
    expected = final_picture(fed(JOINED), 9.0, ordered=False)
    assert [(r[0], r[1]) for r in expected] == [("30.1", "hung up: Normal Clearing (16)")]
    for seed in range(30):
        shuffled = list(JOINED)
        random.Random(seed).shuffle(shuffled)
        assert final_picture(fed(shuffled), 9.0, ordered=False) == expected, seed


def test_a_channel_given_the_other_calls_linkedid_joins_the_calls() -> None:
    live = fed(JOINED[:10])
    assert set(live.calls) == {"30.1", "31.3"}
    renamed = chan("PJSIP/carol-00000004", "31.4", "30.1")  # Asterisk gave carol the older Linkedid
    live.feed(ev("Newstate", *renamed, ("ChannelStateDesc", "Up")), 6.0)
    assert list(live.calls) == ["30.1"] and len(live.calls["30.1"].channels) == 4


def test_a_holding_bridge_does_not_join_calls() -> None:
    parked = [("BridgeType", "holding"), ("BridgeTechnology", "holding_bridge"), ("BridgeUniqueid", "parking")]
    live = LiveCalls()
    live.feed(ev("BridgeEnter", *ALICE, *parked), 1.0)
    live.feed(ev("BridgeEnter", *BOB3, *parked), 2.0)
    assert set(live.calls) == {"30.1", "31.3"}
    events = [(1.0, ev("BridgeEnter", *ALICE, *parked)), (2.0, ev("BridgeEnter", *BOB3, *parked))]
    assert [m for _, m in select_call(events, "31.3")] == [events[1][1]]


def test_the_ladder_and_the_trace_show_the_join() -> None:
    live = fed(JOINED)
    ladder = build_ladder(list(live.calls["30.1"].events))
    assert ladder.lanes == ["PJSIP/alice", "PJSIP/bob-00000002", "PJSIP/bob-00000003", "PJSIP/carol"]
    joined = next(i for i in ladder.items if i.text == "bridged, calls joined")
    assert {ladder.lanes[joined.source], ladder.lanes[joined.target or 0]} == {"PJSIP/carol", "PJSIP/alice"}
    for key in ("30.1", "31.3"):  # from the log, by either call's key: the whole story
        trace = build_trace([e for e in JOINED], key)
        assert trace.key == "30.1" and len(trace.channels) == 4
    lines = trace_text(build_trace(JOINED, "31.3"))
    assert any("its call 31.3 and call 30.1 are joined" in line for line in lines)


@pytest.mark.parametrize("key", ["30.1", "31.3"])
def test_select_call_finds_both_calls_whatever_the_order(key: str) -> None:
    for seed in range(10):
        shuffled = list(JOINED)
        random.Random(seed).shuffle(shuffled)
        assert len(select_call(shuffled, key)) == len(JOINED), seed


def test_shuffled_the_attended_transfer_is_still_one_call_with_the_same_parties() -> None:
    events = TIMED["call_attended_transfer"]
    ours = select_call(events, KEY)
    lanes = set(build_ladder(ours).lanes)
    channels = {c.name for c in build_trace(ours, KEY).channels}
    for seed in range(10):
        shuffled = list(events)
        random.Random(seed).shuffle(shuffled)
        picked = select_call(shuffled, KEY)
        assert len(picked) == len(ours), seed
        assert set(build_ladder(picked).lanes) == lanes
        assert {c.name for c in build_trace(picked, KEY).channels} == channels
