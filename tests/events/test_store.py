"""The event filter, the store and the one-line summaries."""

from __future__ import annotations

import time

import pytest

from ami_console.events.filter import EventFilter
from ami_console.events.store import MAX_MARKERS, EventStore, Marker
from ami_console.events.summary import summarize
from ami_console.protocol import Message
from tests.captures import capture_messages


def event(name: str, **headers: str) -> Message:
    return Message([("Event", name), *headers.items()])


# -- the event filter ----------------------------------------------------------------------------
NEWCHANNEL = event("Newchannel", Channel="PJSIP/alice-00000001", Uniqueid="1.1", Linkedid="1.1")
HANGUP = event("Hangup", Channel="Local/100@demo-00000000;1", Cause="16", **{"Cause-txt": "Normal Clearing"})
VARSET = event("VarSet", Channel="PJSIP/bob-00000002", Variable="FOO", Value="[bar] baz")


@pytest.mark.parametrize(
    "text, kept",
    [
        ("", ["Newchannel", "Hangup", "VarSet"]),
        ("Hangup", ["Hangup"]),
        ("Newchannel,Hangup", ["Newchannel", "Hangup"]),
        ("New*", ["Newchannel"]),
        ("!VarSet", ["Newchannel", "Hangup"]),
        ("!VarSet,Hangup", ["Newchannel"]),
        ("Channel=PJSIP/*", ["Newchannel", "VarSet"]),
        ("channel=pjsip/ALICE*", ["Newchannel"]),
        ("!Channel=Local/*", ["Newchannel", "VarSet"]),
        ("alice", ["Newchannel"]),
        ("normal clearing", ["Hangup"]),  # two words: both must appear
        ('"[bar] baz"', ["VarSet"]),
        ('"[bar', ["VarSet"]),  # a quote still being typed
        ("Channel=PJSIP/* !VarSet", ["Newchannel"]),
        ("100", ["Hangup"]),
        ("Cause=16", ["Hangup"]),
    ],
)
def test_filter_terms(text, kept):
    event_filter = EventFilter.parse(text)
    assert [m.name for m in (NEWCHANNEL, HANGUP, VARSET) if event_filter.matches(m)] == kept


# -- the store -----------------------------------------------------------------------------------
def test_store_is_bounded_but_counts_everything():
    store = EventStore(capacity=100)
    for start in range(0, 1000, 50):
        store.add([event("Newexten" if i % 2 else "VarSet", N=str(i)) for i in range(start, start + 50)])
    assert len(store.entries) == 100 and len(store.view) == 100
    assert store.total == 1000
    assert store.counts == {"Newexten": 500, "VarSet": 500}
    assert store.entries[0].seq == 901


def test_store_view_follows_the_filter_and_drops_evicted_entries():
    store = EventStore(capacity=10)
    store.set_filter(EventFilter.parse("Hangup"))
    added, dropped = store.add([HANGUP, VARSET, HANGUP])
    assert (added, dropped) == (2, 0)
    added, dropped = store.add([VARSET] * 9)
    assert (added, dropped) == (0, 1)  # the first Hangup fell out of the store
    assert [e.seq for e in store.view] == [3]
    store.set_filter(EventFilter())
    assert len(store.view) == 10


def test_store_rate():
    store = EventStore()
    store.add([VARSET] * 300)
    assert store.rate() == pytest.approx(100, rel=0.01)  # 300 events in a 3-second window
    assert store.rate(now=time.time() + 10) == 0


def test_clear():
    store = EventStore()
    store.add([VARSET, HANGUP])
    store.clear()
    assert (store.total, len(store.entries), len(store.view), store.counts) == (0, 0, 0, {})


# -- one line per event -------------------------------------------------------------------------
def test_summaries_of_real_events():
    messages = {m.name: m for m in capture_messages("session1") if m.is_event}
    assert summarize(messages["Newexten"]) == ("Local/100@demo-00000000;2", "1795660004.1", "demo,100,4  Hangup()")
    assert summarize(messages["VarSet"])[2] == "FOO=bar"
    assert summarize(messages["Hangup"])[2] == "cause 16 Normal Clearing"
    assert summarize(messages["DialEnd"])[2] == "ANSWER  Local/100@demo-00000000;1"
    assert summarize(messages["DeviceStateChange"])[:1] == ("Local/100@demo",)
    assert "ANSWERED" in summarize(messages["Cdr"])[2]


# -- markers: where the connection was lost and made again ---------------------------------------
def rows(store: EventStore) -> list[str]:
    """The log's rows, events by name and markers by text."""
    out = []
    for index in range(store.row_count):
        row = store.row(index)
        out.append(row.text if isinstance(row, Marker) else row.message.name)
    return out


def test_a_marker_sits_between_the_events_it_came_between_and_is_no_event():
    store = EventStore()
    store.add([HANGUP, VARSET])
    assert store.add_marker("connection lost") == (1, 0)
    store.add_marker("connected again")
    store.add([NEWCHANNEL])
    assert rows(store) == ["Hangup", "VarSet", "connection lost", "connected again", "Newchannel"]
    # Not counted, not kept as an event (so neither exported nor traced).
    assert store.total == 3 and sum(store.counts.values()) == 3
    assert [e.message.name for e in store.entries] == ["Hangup", "VarSet", "Newchannel"]
    # A filter hides events, never a marker: the gap still shows where it was.
    store.set_filter(EventFilter.parse("Event=Newchannel"))
    assert rows(store) == ["connection lost", "connected again", "Newchannel"]
    assert list(store.view) == [store.entries[-1]]
    store.clear()
    assert store.row_count == 0


def test_a_marker_leaves_with_the_event_after_it_and_markers_are_bounded():
    store = EventStore(capacity=3)
    store.add([HANGUP])
    store.add_marker("lost")
    store.add([VARSET, VARSET])
    assert rows(store) == ["Hangup", "lost", "VarSet", "VarSet"]
    assert store.add([NEWCHANNEL]) == (1, 1)  # the Hangup went; the marker is now the top row
    assert rows(store) == ["lost", "VarSet", "VarSet", "Newchannel"]
    assert store.add([NEWCHANNEL]) == (1, 2)  # the VarSet after it went: so does the marker
    assert rows(store) == ["VarSet", "Newchannel", "Newchannel"]
    for n in range(MAX_MARKERS + 5):
        store.add_marker(f"lost {n}")
    assert len(store.markers) == MAX_MARKERS and store.row(3).text == "lost 5"


# -- a replayed file's rate is the file's ----------------------------------------------------------
def test_a_replay_rate_is_that_of_the_file_not_of_the_reading():
    store = EventStore()
    store.replay = True
    store.add_timed([(1000.0 + i / 2, VARSET) for i in range(101)])  # 2 a second, over 50 s
    assert store.rate() == pytest.approx(2.0)
    assert store.file_rate() == pytest.approx(2.0)
    untimed = EventStore()
    untimed.replay = True
    untimed.add_timed([(None, VARSET)] * 10)  # raw AMI text: no times
    assert untimed.file_rate() is None and untimed.rate() == 0
