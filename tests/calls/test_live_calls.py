"""The live calls model, fed real Asterisk 22 captures: in order, reordered, and joined mid-call."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ami_console.calls.live import MAX_VALUE, LiveCalls, short_channel, sort_rows
from ami_console.events.filter import EventFilter
from ami_console.protocol import Message, Parser
from tests.captures import transcript

Timed = list[tuple[float, Message]]


def timed_capture(name: str) -> Timed:
    """The capture's messages, each with the time its last bytes arrived."""
    parser = Parser(greeting=True)
    timed = []
    for step in transcript(name):
        if step.kind == "recv":
            parser.receive_data(step.data)
            while (message := parser.next_message()) is not None:
                timed.append((step.at, message))
    return timed


KEYS = {
    "call_dial_bridge": "1796002848.32",
    "call_busy": "1796002853.36",
    "call_noanswer": "1796002855.40",
    "call_queue": "1796002860.44",
    "call_redirect": "1796002871.48",
    "call_blind_transfer": "1796002877.50",
    "call_attended_transfer": "1796619677.62",
    "pjsip_call_answered": "1796621802.0",
    "pjsip_call_hold": "1796621809.2",
    "pjsip_call_busy": "1796621818.4",
    "pjsip_call_noanswer": "1796621868.8",
}
CAPTURES = list(KEYS)
TIMED = {name: timed_capture(name) for name in CAPTURES + ["coreshowchannels"]}


def feed_until(name: str, stop=None, **options) -> tuple[LiveCalls, float]:
    """Feed capture ``name`` up to and including the first event ``stop(message)`` accepts."""
    live = LiveCalls(**options)
    at = 0.0
    for at, message in TIMED[name]:
        live.feed(message, at)
        if stop is not None and stop(message):
            break
    return live, at


def event(name: str, **headers: str):
    return lambda m: m.name == name and all(m.header(k) == v for k, v in headers.items())


def row(live: LiveCalls, key: str, now: float):
    return next(r for r in live.rows(now) if r.key == key)


def test_short_channel_names() -> None:
    assert short_channel("PJSIP/bob-00000001") == "PJSIP/bob"
    assert short_channel("Local/300@demo-00000011;1") == "Local/300@demo;1"
    assert short_channel("DAHDI/1-1") == "DAHDI/1-1"  # not an Asterisk sequence number


# -- what a user sees at key moments -----------------------------------------------------
def test_dial_bridge_ringing_then_bridged_then_hung_up() -> None:
    key = KEYS["call_dial_bridge"]
    live, at = feed_until("call_dial_bridge", event("DialBegin", Channel="Local/600@demo-00000010;2"))
    r = row(live, key, at)
    assert (r.state, r.application, r.dialled, r.channels) == ("ringing", "Dial", "600", 4)

    live, at = feed_until("call_dial_bridge", event("BridgeEnter", Channel="Local/600@demo-00000010;2"))
    r = row(live, key, at + 2)
    assert r.state == "bridged with Local/300@demo;1"
    assert r.caller_num == "600" and r.caller == "<600>"  # the first channel with a caller ID
    assert r.duration == pytest.approx(at + 2 - TIMED["call_dial_bridge"][4][0], abs=0.01)

    live, end = feed_until("call_dial_bridge")
    r = row(live, key, end)
    assert r.state == "hung up: Normal Clearing (16)"
    assert r.ended is not None and r.duration == pytest.approx(r.ended - r.started)
    assert live.bridges == {}  # the bridge went with its channels


def test_busy_and_noanswer_say_why() -> None:
    live, end = feed_until("call_busy")
    assert row(live, KEYS["call_busy"], end).state == "hung up: User busy (17)"

    live, at = feed_until("call_noanswer", event("Newexten", Application="Wait"))
    assert row(live, KEYS["call_noanswer"], at + 1).state == "ringing"  # Local/950 waits 10 s without answering
    live, end = feed_until("call_noanswer")
    assert row(live, KEYS["call_noanswer"], end).state == "hung up: Normal Clearing (16), not answered"


def test_queue_call_waits_then_is_bridged_with_the_agent() -> None:
    key = KEYS["call_queue"]
    live, at = feed_until("call_queue", event("QueueCallerJoin"))
    r = row(live, key, at + 12)
    assert (r.state, r.application) == ("in queue support for 12 s", "Queue")
    live.feed(Message([("Event", "Hold"), ("Channel", "Local/500@demo-00000016;2"), ("Uniqueid", "1796002860.45")]), at)
    assert row(live, key, at).state == "on hold: Local/500@demo;2"  # alone: no one else to hold

    live, at = feed_until("call_queue", event("BridgeEnter", Channel="Local/500@demo-00000016;2"))
    r = row(live, key, at)
    assert (r.state, r.application) == ("bridged with Local/300@demo;1", "Queue")
    agent = next(c for c in live.calls[key].channels.values() if c.name.endswith("500@demo-00000016;2")).agent
    assert agent == "Agent300"


def test_redirect_and_blind_transfer_follow_the_dialplan() -> None:
    live, at = feed_until("call_redirect", event("Newexten", Exten="100", Priority="3"))
    r = row(live, KEYS["call_redirect"], at)
    assert (r.state, r.application) == ("up", "Wait(2)")

    key = KEYS["call_blind_transfer"]
    live, at = feed_until("call_blind_transfer", event("BridgeEnter", Channel="Local/600@demo-00000019;2"))
    assert row(live, key, at).state == "bridged with Local/300@demo;1"
    live, at = feed_until("call_blind_transfer", event("BlindTransfer"))
    r = row(live, key, at)
    assert (r.state, r.application) == ("up", "Wait(2)")


def test_ended_calls_stay_for_the_grace_period_then_move_to_recent() -> None:
    key = KEYS["call_busy"]
    live, end = feed_until("call_busy", grace=10.0)
    assert [r.key for r in live.rows(end + 9.9)] == [key]
    assert live.rows(end + 10.1) == []
    assert [r.state for r in live.recent_rows()] == ["hung up: User busy (17)"]
    assert live.call_for(key) is live.recent[-1]
    # A straggler for a retired channel does not bring the call back.
    straggler = next(m for _, m in TIMED["call_busy"] if m.name == "Newstate")
    assert live.feed(straggler, end + 11) is None and live.calls == {}


# -- another order ---------------------------------------------------------------------
def final_picture(live: LiveCalls, now: float, *, ordered: bool = True) -> list[tuple]:
    rows = live.rows(now)
    if ordered:  # per-channel order kept: everything a row shows is the same
        return [(r.key, r.state, r.application, r.dialled, r.caller, r.channels, r.started, r.ended) for r in rows]
    return [(r.key, r.state, r.dialled, r.channels, r.started, r.ended) for r in rows]


def group_of(message: Message) -> str:
    """The channel whose own order an event keeps: its Uniqueid, or the dialled or transferred one's."""
    for header in ("Uniqueid", "DestUniqueid", "TransfereeUniqueid"):
        if value := message.header(header):
            return value
    return ""


@pytest.mark.parametrize("name", CAPTURES)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_interleavings_that_keep_each_channels_order_give_the_same_rows(name: str, data) -> None:
    events = TIMED[name]
    end = events[-1][0]
    expected = final_picture(feed_until(name)[0], end)
    queues: dict[str, list] = {}
    for item in events:
        queues.setdefault(group_of(item[1]), []).append(item)
    order = []
    while queues:
        group = data.draw(st.sampled_from(sorted(queues)))
        order.append(queues[group].pop(0))
        if not queues[group]:
            del queues[group]
    live = LiveCalls()
    for at, message in order:
        live.feed(message, at)
    assert final_picture(live, end) == expected


@pytest.mark.parametrize("name", CAPTURES)
def test_fully_shuffled_events_end_in_the_same_picture(name: str) -> None:
    events = TIMED[name]
    end = events[-1][0]
    expected = final_picture(feed_until(name)[0], end, ordered=False)
    assert expected and expected[0][1].startswith("hung up")
    for seed in range(20):
        shuffled = list(events)
        random.Random(seed).shuffle(shuffled)
        live = LiveCalls()
        for at, message in shuffled:
            live.feed(message, at)
        assert final_picture(live, end, ordered=False) == expected, seed


def test_a_call_first_seen_by_its_hangup_is_listed() -> None:
    live = LiveCalls()
    hangup = next(m for _, m in TIMED["call_busy"] if m.name == "Hangup")
    assert live.feed(hangup, 5.0) == KEYS["call_busy"]
    r = row(live, KEYS["call_busy"], 5.0)
    assert (r.state, r.channels) == ("hung up: Unknown (0)", 1)


def test_a_channel_without_linkedid_joins_its_call_when_one_arrives() -> None:
    live = LiveCalls()
    live.feed(Message([("Event", "Newstate"), ("Channel", "PJSIP/bob-00000001"), ("Uniqueid", "9.2")]), 1.0)
    assert list(live.calls) == ["9.2"]
    fields = [("Channel", "PJSIP/bob-00000001"), ("Uniqueid", "9.2"), ("Linkedid", "9.1")]
    live.feed(Message([("Event", "Newexten"), *fields, ("Application", "Dial")]), 2.0)
    assert list(live.calls) == ["9.1"]
    assert len(live.calls["9.1"].events) == 2  # its events went with it


# -- joined mid-call --------------------------------------------------------------------
def test_connected_mid_call_seeded_from_coreshowchannels_alone() -> None:
    events = TIMED["call_dial_bridge"]
    key = KEYS["call_dial_bridge"]
    listed = next(i for i, (_, m) in enumerate(events) if m.name == "CoreShowChannelsComplete")
    at = events[listed][0]
    live = LiveCalls()
    live.seed_channels([m for _, m in events if m.name == "CoreShowChannel"], at)
    r = row(live, key, at)
    # CoreShowChannel tells what the Originate's ;1 half runs (its Wait), which events never name.
    assert (r.state, r.application, r.channels, r.dialled) == ("bridged with Local/300@demo;1", "Wait(3)", 4, "600")
    assert r.started == pytest.approx(at - 1)  # CoreShowChannel's Duration: 00:00:01
    for when, message in events[listed + 1 :]:
        live.feed(message, when)
    assert row(live, key, events[-1][0]).state == "hung up: Normal Clearing (16)"


def test_without_newchannel_events_the_call_ends_the_same() -> None:
    for name in CAPTURES:
        end = TIMED[name][-1][0]
        live = LiveCalls()
        for at, message in TIMED[name]:
            if message.name != "Newchannel":
                live.feed(message, at)
        expected = final_picture(feed_until(name)[0], end, ordered=False)
        got = final_picture(live, end, ordered=False)
        assert [r[1:4] for r in got] == [r[1:4] for r in expected], name


def test_seeded_from_the_coreshowchannels_capture() -> None:
    events = TIMED["coreshowchannels"]
    items = [m for _, m in events if m.name == "CoreShowChannel"]
    live = LiveCalls()
    live.seed_channels(items, 100.0)
    r = row(live, "1795660038.10", 100.0)
    assert (r.state, r.channels, r.dialled) == ("up", 2, "300")
    assert r.application.startswith("Wait") and r.duration == pytest.approx(2.0)


def test_a_reseed_ends_calls_no_longer_listed_and_keeps_ended_ones() -> None:
    live, end = feed_until("call_busy")  # ended
    items = [m for _, m in TIMED["coreshowchannels"] if m.name == "CoreShowChannel"]
    live.seed_channels(items, end)
    # Reconnected: the listing is empty now. The up call is gone, the busy one still ended.
    live.seed_channels([], end + 1, since=end + 0.5)
    states = {r.key: r.state for r in live.rows(end + 1)}
    assert states == {
        KEYS["call_busy"]: "hung up: User busy (17)",
        "1795660038.10": "gone (not listed after reconnect)",
    }
    # A channel heard of after the listing was asked for is not declared gone.
    live.feed(
        Message([("Event", "Newstate"), ("Channel", "PJSIP/x-00000001"), ("Uniqueid", "7.1"), ("Linkedid", "7.1")]),
        end + 2,
    )
    live.seed_channels([], end + 3, since=end + 1.5)
    assert row(live, "7.1", end + 3).state != "gone (not listed after reconnect)"
    assert [r.key for r in live.rows(end + 12.5)] == ["7.1"]
    assert {r.key for r in live.recent_rows()} == {KEYS["call_busy"], "1795660038.10"}


# -- filter and sort --------------------------------------------------------------------
def test_the_event_filter_language_works_on_calls() -> None:
    live = LiveCalls(grace=100)
    for name in ("call_dial_bridge", "call_queue"):
        for at, message in TIMED[name]:
            live.feed(message, at)
            if name == "call_queue" and message.name == "QueueCallerJoin":
                break

    def keys(text: str) -> set[str]:
        return {r.key for r in live.rows(10.0, flt=EventFilter.parse(text))}

    both = {KEYS["call_dial_bridge"], KEYS["call_queue"]}
    assert keys("") == both
    assert keys("support") == {KEYS["call_queue"]}  # a bare word: the queue it waits in
    assert keys('"in queue"') == {KEYS["call_queue"]}  # quoted text: the state in words
    assert keys("Channel=Local/300@demo") == {KEYS["call_dial_bridge"]}  # prefix, as in the log
    assert keys("Event=Hangup") == {KEYS["call_dial_bridge"]}  # a channel whose last event was a Hangup
    assert keys("Event=QueueCallerJoin") == {KEYS["call_queue"]}
    # Per channel: the queue call (so far only the two 500 halves) has none that is not a 500 one.
    assert keys("!Channel=Local/500@demo") == {KEYS["call_dial_bridge"]}
    assert keys("nothing-like-this") == set()


def test_sorting_by_duration_and_by_state() -> None:
    live = LiveCalls(grace=100)
    for name in ("call_busy", "call_queue"):
        for at, message in TIMED[name]:
            live.feed(message, at)
            if message.name == "QueueCallerJoin":
                break
    by_state = live.rows(6.0, by="state")
    assert [r.state.split()[0] for r in by_state] == ["in", "hung"]
    by_duration = live.rows(6.0, by="duration")
    assert by_duration[0].duration >= by_duration[1].duration
    assert sort_rows(by_duration, "duration", reverse=True) == by_duration[::-1]
    with pytest.raises(ValueError, match="cannot sort"):
        sort_rows(by_duration, "colour")


# -- bounds -----------------------------------------------------------------------------
def test_channels_calls_events_and_values_are_bounded() -> None:
    live = LiveCalls(max_channels=50, max_events=20, recent_size=5, grace=0)
    for n in range(500):
        fields = [("Channel", f"PJSIP/p{n}-00000001"), ("Uniqueid", f"1.{n}"), ("Linkedid", f"1.{n}")]
        for _ in range(30):
            live.feed(Message([("Event", "Newstate"), *fields, ("ChannelStateDesc", "Up")]), float(n))
    assert len(live.channels) <= 50 and len(live.calls) <= 50
    assert live.evicted == 450
    assert all(len(c.events) <= 20 for c in live.calls.values())
    for n in range(20):
        fields = [("Channel", f"PJSIP/h{n}-00000001"), ("Uniqueid", f"2.{n}"), ("Linkedid", f"2.{n}")]
        live.feed(Message([("Event", "Hangup"), *fields, ("Cause", "16")]), 1000.0 + n)
    live.expire(2000.0)
    assert len(live.recent) == 5
    huge = "x" * 100_000
    live.feed(
        Message(
            [("Event", "Newexten"), ("Channel", huge), ("Uniqueid", "3.1"), ("Linkedid", "3.1"), ("AppData", huge)]
        ),
        3000.0,
    )
    chan = live.channels["3.1"]
    assert len(chan.name) == len(chan.app_data) == MAX_VALUE


# -- what the views ask of a call -------------------------------------------------------
def test_a_call_keeps_its_key_from_first_event_to_recent() -> None:
    """The Calls tab keeps its cursor on a call by its key, live and in the recent section."""
    key, live = KEYS["call_dial_bridge"], LiveCalls(grace=1.0)
    keys = set()
    for at, message in TIMED["call_dial_bridge"]:
        live.feed(message, at)
        keys |= {r.key for r in live.rows(at)}
    assert keys == {key}
    end = TIMED["call_dial_bridge"][-1][0]
    assert live.rows(end + 2) == [] and [r.key for r in live.recent_rows()] == [key]


@pytest.mark.parametrize(
    ("name", "channel"),
    [
        ("call_redirect", "Local/300@demo-00000018;2"),  # the ;1 half of an Originate runs no dialplan
        ("call_dial_bridge", "Local/600@demo-00000010;2"),  # the first to run any: 300;2 runs one too
        ("call_queue", "Local/500@demo-00000016;2"),
    ],
)
def test_the_dialplan_pane_opens_on_the_channel_that_runs_the_dialplan(name: str, channel: str) -> None:
    live, at = feed_until(name, event("Newexten", Application="Wait"))
    call = live.call_for(KEYS[name])
    assert call is not None and call.dialplan_channel() is not None
    assert call.dialplan_channel().name == channel


def test_seeded_the_dialplan_channel_is_the_local_channels_second_half() -> None:
    live = LiveCalls()
    live.seed_channels([m for _, m in TIMED["coreshowchannels"] if m.name == "CoreShowChannel"], 100.0)
    call = live.call_for("1795660038.10")
    assert call is not None and call.dialplan_channel().name.endswith(";2")
