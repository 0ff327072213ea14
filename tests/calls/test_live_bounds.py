"""The live calls model stays bounded whatever the server sends (issue 19): a flood of calls
never hung up, calls with too many channels or events, a listing of thousands of channels;
its rows are worked out again only for the calls that changed; seeding needs one
CoreShowChannels, never a BridgeInfo per bridge. Work is counted, never timed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ami_console.calls.call import Call
from ami_console.calls.channel import ChannelState
from ami_console.calls.live import LiveCalls
from ami_console.protocol import Message
from tests.calls.test_live_calls import KEYS, TIMED, row


def channel_fields(n: int, linked: str | None = None) -> list[tuple[str, str]]:
    unique = f"1900000000.{n}"
    return [("Channel", f"PJSIP/p{n}-{n:08x}"), ("Uniqueid", unique), ("Linkedid", linked or unique)]


def new_call(live: LiveCalls, n: int, at: float, linked: str | None = None) -> None:
    """A call that rings and is never hung up: its Newchannel and its Dial."""
    fields = channel_fields(n, linked)
    live.feed(Message([("Event", "Newchannel"), *fields, ("ChannelStateDesc", "Ring"), ("Exten", "1002")]), at)
    live.feed(Message([("Event", "Newexten"), *fields, ("Application", "Dial"), ("AppData", "PJSIP/bob,20")]), at)


def test_a_flood_of_calls_never_hung_up_keeps_the_newest_and_counts_the_rest() -> None:
    live = LiveCalls(max_calls=100, max_channels=300, max_kept_events=150)
    for n in range(5000):
        new_call(live, n, n / 1000)
    assert len(live.calls) == 100 and len(live.channels) == 100
    assert live.evicted == 4900  # the Calls tab says "4,900 calls not shown"
    assert live.call_for("1900000000.4999") is not None and live.call_for("1900000000.0") is None
    rows = live.rows(5.0)
    assert len(rows) == 100 and rows[-1].key == "1900000000.4999"  # the newest is the shortest
    assert live.kept_events == sum(len(c.events) for c in live.calls.values()) <= 150
    assert live.recent_rows() == []  # let go while up: not "ended"
    # A late event of a call let go does not bring it back (its channel is remembered as retired).
    live.feed(Message([("Event", "Newstate"), *channel_fields(4000), ("ChannelStateDesc", "Up")]), 6.0)
    assert live.call_for("1900000000.4000") is None and len(live.calls) == 100


def test_the_ids_remembered_of_calls_let_go_are_bounded() -> None:
    live = LiveCalls(max_calls=10, max_channels=20)
    for n in range(2000):
        new_call(live, n, float(n))
    assert len(live._retired) <= 4 * 20  # Uniqueids of channels let go, so their late events stay out
    assert len(live._by_name) <= 20 and len(live._call_of) <= 20


def test_events_kept_are_bounded_per_call_and_in_all_in_count_and_bytes() -> None:
    capture = TIMED["call_dial_bridge"]
    live = LiveCalls(max_events=10, grace=3600)
    for at, message in capture:
        live.feed(message, at)
    call = live.call_for(KEYS["call_dial_bridge"])
    assert call is not None and len(call.events) == 10 and call.dropped_events > 0
    assert call.events[-1][1].name == "Hangup"  # the earliest go first

    capture_bytes = sum(m.cost for _, m in capture)  # what the events kept cost decoded
    live = LiveCalls(max_kept_bytes=capture_bytes, grace=3600)
    for copy in range(8):  # the same call again and again, as eight calls
        for at, message in capture:
            live.feed(renamed(message, copy), at + copy)
    assert live.kept_bytes <= capture_bytes
    kept = [c for c in live.calls.values() if c.events]
    assert live.kept_events == sum(len(c.events) for c in kept)
    assert live.calls[key_of(7)].dropped_events == 0  # the call heard from last keeps its ladder
    assert live.calls[key_of(0)].dropped_events > 0  # the quietest lost its earliest first


def key_of(copy: int) -> str:
    return KEYS["call_dial_bridge"].replace("1796002848", f"18000000{copy:02d}")


def renamed(message: Message, copy: int) -> Message:
    """The capture's message as if of another call: its ids and names changed, its size kept."""
    raw = message.raw.replace(b"1796002848.", f"18000000{copy:02d}.".encode())
    raw = raw.replace(b"-0000001", f"-{copy:06d}1".encode()).replace(b"8bb4e8b5", f"{copy:08x}".encode())
    return Message.from_raw(raw)


def test_a_call_with_too_many_channels_lets_its_hung_up_ones_go_first() -> None:
    live = LiveCalls(max_call_channels=10)
    linked = "1900000000.0"
    for n in range(50):  # a conference: people come and go
        new_call(live, n, float(n), linked)
        fields = channel_fields(n, linked)
        if n % 5:
            live.feed(Message([("Event", "Hangup"), *fields, ("Cause", "16")]), n + 0.5)
    call = live.call_for(linked)
    assert call is not None and len(call.channels) == 10
    assert sum(not c.hung_up for c in call.channels.values()) == 10  # the ten who stayed
    assert live.dropped_channels == 40
    for n in range(50, 60):  # full of channels up: a new one is not followed, and counted
        new_call(live, n, float(n), linked)
    assert len(call.channels) == 10 and live.dropped_channels == 50


def test_rows_work_out_again_only_the_calls_that_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    live = LiveCalls()
    for n in range(300):
        new_call(live, n, n / 100)
    worked = []
    real_state = Call._state

    def counted(self: Call, chans: list[ChannelState]) -> tuple[str, int, float | None]:
        worked.append(self.key)
        return real_state(self, chans)

    monkeypatch.setattr(Call, "_state", counted)
    assert len(live.rows(5.0)) == 300 and len(worked) == 300
    worked.clear()
    assert len(live.rows(6.0, by="state")) == 300 and worked == []  # a refresh: nothing changed
    live.feed(Message([("Event", "Newstate"), *channel_fields(7), ("ChannelStateDesc", "Up")]), 7.0)
    rows = live.rows(7.0)
    assert worked == ["1900000000.7"]
    assert next(r for r in rows if r.key == "1900000000.7").duration == pytest.approx(7.0 - 0.07)
    # A filter runs once per call too, until the call changes.
    from ami_console.events.filter import EventFilter

    flt = EventFilter.parse("Channel=PJSIP/p7-*")
    messages = []
    real_message = ChannelState.as_message

    def counted_message(self: ChannelState, state: str = "") -> Message:
        messages.append(self.uniqueid)
        return real_message(self, state)

    monkeypatch.setattr(ChannelState, "as_message", counted_message)
    assert [r.key for r in live.rows(8.0, flt=flt)] == ["1900000000.7"] and len(messages) == 300
    messages.clear()
    assert [r.key for r in live.rows(9.0, flt=flt)] == ["1900000000.7"] and messages == []


# -- seeding: one list, whatever the number of bridges --------------------------------------
def test_the_seed_is_one_coreshowchannels_and_no_bridgeinfo() -> None:
    assert LiveCalls.seed_requests() == [[("Action", "CoreShowChannels")]]


@pytest.mark.parametrize(
    ("name", "state"),
    [("call_dial_bridge", "bridged with Local/300@demo;1"), ("pjsip_call_answered", "bridged with PJSIP/bob")],
)
def test_coreshowchannels_alone_tells_the_bridges(name: str, state: str) -> None:
    """Asterisk 22's CoreShowChannel rows carry BridgeId: the same rows as with BridgeInfo."""
    events = TIMED[name]
    at = next(t for t, m in events if m.name == "CoreShowChannelsComplete")
    items = [m for _, m in events if m.name == "CoreShowChannel"]
    alone = LiveCalls()
    alone.seed_channels(items, at)
    key = next(m.header("Linkedid") for m in items)
    assert row(alone, key, at).state == state


def test_a_listing_of_many_channels_stays_within_the_bounds() -> None:
    live = LiveCalls(max_calls=50, max_channels=120)
    items = [
        Message(
            [("Event", "CoreShowChannel"), *channel_fields(n, f"1900000000.{n - n % 2}"), ("BridgeId", f"b{n // 2}")]
        )
        for n in range(10_000)
    ]
    live.seed_channels(items, 100.0)
    assert len(live.calls) <= 50 and len(live.channels) <= 120 and len(live.bridges) <= 60
    assert row(live, "1900000000.9998", 100.0).state == "bridged with PJSIP/p9999"


def test_following_events_never_works_out_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Per event the model does a bounded amount of work: it never sorts a call's channels
    or words its state (what a row needs) while following events, however big the call."""
    sorted_calls = []
    real_ordered = Call.ordered

    def counted(self: Call) -> list[ChannelState]:
        sorted_calls.append(self.key)
        return real_ordered(self)

    monkeypatch.setattr(Call, "ordered", counted)
    live = LiveCalls(max_call_channels=500)
    linked = "1900000000.0"
    for n in range(2000):  # a conference of 2,000 comings and goings: its channels kept within bound
        new_call(live, n, float(n), linked)
        live.feed(Message([("Event", "Hangup"), *channel_fields(n, linked), ("Cause", "16")]), n + 0.5)
    for name in TIMED:
        for at, message in TIMED[name]:
            live.feed(message, at)
    assert sorted_calls == []
    assert len(live.call_for(linked).channels) <= 500


def hostile_event(kind: int, unique: int, linked: int, bridge: int) -> Message:
    fields = [("Channel", f"PJSIP/x{unique}-{unique:08x}"), ("Uniqueid", f"7.{unique}"), ("Linkedid", f"7.{linked}")]
    if kind == 0:
        return Message([("Event", "Newchannel"), *fields, ("ChannelStateDesc", "Ring")])
    if kind == 1:
        return Message([("Event", "Hangup"), *fields, ("Cause", "16")])
    if kind == 2:
        return Message([("Event", "BridgeEnter"), *fields, ("BridgeUniqueid", f"b{bridge}"), ("BridgeType", "basic")])
    if kind == 3:
        return Message([("Event", "BridgeLeave"), *fields, ("BridgeUniqueid", f"b{bridge}")])
    if kind == 4:
        return Message(
            [("Event", "BridgeMerge"), ("ToBridgeUniqueid", f"b{bridge}"), ("FromBridgeUniqueid", f"b{linked}")]
        )
    if kind == 5:
        target = [("TransferTargetUniqueid", f"7.{bridge}"), ("TransferTargetLinkedid", f"7.{bridge}")]
        transferee = [("Transferee" + k, v) for k, v in fields]
        return Message([("Event", "AttendedTransfer"), ("Result", "Success"), *transferee, *target])
    if kind == 6:
        return Message([("Event", "Hold"), *fields])
    return Message([("Event", "Newstate"), *fields, ("ChannelStateDesc", "Up")])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(*(st.integers(0, n) for n in (7, 25, 25, 5))), max_size=300))
def test_whatever_the_events_the_bookkeeping_holds_within_its_bounds(steps: list[tuple[int, ...]]) -> None:
    live = LiveCalls(max_calls=5, max_channels=12, max_call_channels=4, max_events=6, max_kept_events=20, recent_size=3)
    for n, (kind, unique, linked, bridge) in enumerate(steps):
        live.feed(hostile_event(kind, unique, linked, bridge), n / 10)
        assert len(live.channels) <= 12 and len(live.calls) <= 6 and len(live.recent) <= 3
        holders = [*live.calls.values(), *live.recent]
        assert live.kept_events == sum(len(c.events) for c in holders) <= 20
        assert live.kept_bytes == sum(c.event_bytes for c in holders)
        for unique_id, chan in live.channels.items():
            assert live.calls[live._call_of[unique_id]].channels[unique_id] is chan
        for call in live.calls.values():
            assert call.up == sum(not c.hung_up for c in call.channels.values())
            assert (call.ended is None) == (call.up > 0 or not call.channels)
    rows = live.rows(len(steps) / 10, by="state")
    assert all(live.call_for(r.key) is not None for r in rows)


def test_in_a_storm_of_short_calls_a_quiet_call_still_up_stays_listed_and_is_seen_ending() -> None:
    """Past the bound on calls, the calls that ended go first (as they would after their
    grace period), so a real call placed in the middle of a storm is not let go while up."""
    live = LiveCalls(max_calls=50, max_channels=200)
    new_call(live, 0, 0.0)  # the call someone watches: rings, then nothing for a while
    for n in range(1, 1000):  # a storm of short calls, each hung up at once
        new_call(live, n, n / 1000)
        live.feed(Message([("Event", "Hangup"), *channel_fields(n), ("Cause", "16")]), n / 1000)
    watched = live.call_for("1900000000.0")
    assert watched is not None and watched.ended is None and live.evicted == 0
    live.feed(Message([("Event", "Hangup"), *channel_fields(0), ("Cause", "16")]), 1.0)
    new_call(live, 1000, 1.0)  # one more call of the storm: the watched one, just ended, stays
    row = next(r for r in live.rows(1.0) if r.key == "1900000000.0")
    assert row.ended == 1.0 and row.state.startswith("hung up")
