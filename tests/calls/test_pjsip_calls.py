"""Every live view from the calls of real SIP phones (the pjsip_* captures): the row, the
ladder, the trace and the timeline; hold on the party held, busy and no answer in words."""

from __future__ import annotations

from ami_console.calls.ladder import build_ladder, ladder_lines
from ami_console.calls.live import LiveCalls
from ami_console.calls.text import timeline_text, trace_text
from ami_console.calls.trace import build_trace, select_call
from tests.calls.test_live_calls import KEYS, TIMED, event, feed_until, row, timed_capture

ALICE_HOLD, BOB_HOLD = "PJSIP/alice-00000002", "PJSIP/bob-00000003"


def line_with(lines: list[str], text: str) -> str:
    return next(line for line in lines if text in line)


def ladder_of(name: str, width: int = 100) -> tuple[list[str], dict[str, int]]:
    ladder = build_ladder(select_call(TIMED[name], KEYS[name]))
    lines = ladder_lines(ladder, width)
    return lines, {lane: lines[0].index(lane) + len(lane) // 2 for lane in ladder.lanes}


def test_an_answered_call_rings_then_is_bridged_then_ends() -> None:
    key = KEYS["pjsip_call_answered"]
    live, at = feed_until("pjsip_call_answered", event("DialBegin"))
    r = row(live, key, at)
    assert (r.state, r.caller, r.dialled, r.application) == ("ringing", '"Alice" <1001>', "1002", "Dial(PJSIP/bob,20)")
    live, at = feed_until("pjsip_call_answered", event("BridgeEnter", Channel="PJSIP/alice-00000000"))
    assert row(live, key, at).state == "bridged with PJSIP/bob"
    live, end = feed_until("pjsip_call_answered")
    assert row(live, key, end).state == "hung up: Normal Clearing (16)"
    assert live.call_for(key).dialplan_channel().name == "PJSIP/alice-00000000"  # bob's side runs none


def test_hold_is_shown_on_the_party_held() -> None:
    """Asterisk reports Hold on bob's channel, the phone that asked for it: alice is held."""
    key = KEYS["pjsip_call_hold"]
    live, at = feed_until("pjsip_call_hold", event("Hold"))
    assert row(live, key, at).state == "on hold: PJSIP/alice held by PJSIP/bob"
    live, at = feed_until("pjsip_call_hold", event("Unhold"))
    assert row(live, key, at).state == "bridged with PJSIP/bob"

    lines, column = ladder_of("pjsip_call_hold")
    held = line_with(lines, "puts on hold")  # an arrow from bob to alice
    assert column["PJSIP/alice"] < held.index("◄") < held.index("─") < column["PJSIP/bob"]
    assert "◄" in line_with(lines, "takes off hold")

    trace = build_trace(TIMED["pjsip_call_hold"], key)
    steps = {c.name: [(s.what, s.note) for s in c.steps if s.kind == "hold"] for c in trace.channels}
    assert steps[BOB_HOLD] == [
        (f"puts {ALICE_HOLD} on hold", "music class default"),
        (f"takes {ALICE_HOLD} off hold", ""),
    ]
    assert steps[ALICE_HOLD] == [(f"put on hold by {BOB_HOLD}", ""), (f"taken off hold by {BOB_HOLD}", "")]
    timeline = timeline_text(trace)
    assert line_with(timeline, "put on hold by").split()[2] == "PJSIP/alice"


def test_busy_in_words_in_every_view() -> None:
    key = KEYS["pjsip_call_busy"]
    live, end = feed_until("pjsip_call_busy")
    assert row(live, key, end).state == "hung up: User busy (17)"
    lines, column = ladder_of("pjsip_call_busy")
    busy = line_with(lines, "BUSY")
    assert column["PJSIP/alice"] < busy.index("◄") < busy.index("BUSY") < column["PJSIP/carol"]  # back from carol
    assert lines[-1].strip() == "PJSIP/carol hung up first: User busy (17)"
    text = trace_text(build_trace(TIMED["pjsip_call_busy"], key))
    assert any("dial result BUSY: PJSIP/carol-00000005  the called side was busy" in line for line in text)
    assert text[0].endswith("· BUSY")


def test_no_answer_in_words_in_every_view() -> None:
    key = KEYS["pjsip_call_noanswer"]
    live, at = feed_until("pjsip_call_noanswer", event("DialState"))
    assert row(live, key, at + 10).state == "ringing"
    live, end = feed_until("pjsip_call_noanswer")
    assert row(live, key, end).state == "hung up: Normal Clearing (16), not answered"
    lines, _ = ladder_of("pjsip_call_noanswer")
    assert "NOANSWER" in line_with(lines, "NOANSWER") and "state Ringing" in "\n".join(lines)
    text = trace_text(build_trace(TIMED["pjsip_call_noanswer"], key))
    assert any("dial RINGING: PJSIP/bob-00000009  the called phone is ringing" in line for line in text)
    assert any("nobody answered before the dial timed out" in line for line in text)


def test_connected_mid_call_the_sip_call_is_listed_from_coreshowchannels() -> None:
    events = TIMED["pjsip_call_answered"]
    listed = next(i for i, (_, m) in enumerate(events) if m.name == "CoreShowChannelsComplete")
    at = events[listed][0]
    live = LiveCalls()
    live.seed_channels([m for _, m in events if m.name == "CoreShowChannel"], at)
    key = KEYS["pjsip_call_answered"]
    r = row(live, key, at)
    assert (r.state, r.channels, r.application, r.caller) == (
        "bridged with PJSIP/bob",
        2,
        "Dial(PJSIP/bob,20)",
        '"Alice" <1001>',
    )
    for when, message in events[listed + 1 :]:
        live.feed(message, when)
    assert row(live, key, events[-1][0]).state == "hung up: Normal Clearing (16)"


def test_registrations_make_no_calls() -> None:
    live = LiveCalls()
    for at, message in timed_capture("pjsip_register"):
        live.feed(message, at)
    assert live.calls == {} and live.recent_rows() == [] and live.kept_events == 0
