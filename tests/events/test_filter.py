"""The event filter's language: bare words, name-only and header-only forms, and how it
says it read what was typed."""

from __future__ import annotations

import pytest

from ami_console.events.filter import EventFilter
from ami_console.protocol import Message
from tests.captures import capture_messages


def received(*lines: str) -> Message:
    """An event as it comes off the wire (the filter reads such bytes undecoded first)."""
    return Message.from_raw("".join(f"{line}\r\n" for line in lines).encode() + b"\r\n")


DIAL_END = received(
    "Event: DialEnd",
    "Channel: PJSIP/alice-00000001",
    "DestChannel: PJSIP/bob-00000002",
    "DialStatus: NOANSWER",
)
BUSY_HANGUP = received("Event: Hangup", "Channel: PJSIP/bob-00000003", "Cause: 17", "Cause-txt: User busy")
HANGUP_APP = received("Event: Newexten", "Channel: Local/100@demo-00000000;2", "Application: Hangup", "AppData: ")
HANGUP_REQUEST = received("Event: HangupRequest", "Channel: PJSIP/carol-00000004", "Cause: 170")
ALL = [DIAL_END, BUSY_HANGUP, HANGUP_APP, HANGUP_REQUEST]


def kept(text: str) -> list[str]:
    event_filter = EventFilter.parse(text)
    return [m.name for m in ALL if event_filter.matches(m)]


@pytest.mark.parametrize(
    "text, names",
    [
        # Bare words that are no event name find the events holding them, in any case.
        ("NOANSWER", ["DialEnd"]),
        ("noanswer", ["DialEnd"]),
        ("Alice", ["DialEnd"]),
        ("BUSY", ["Hangup"]),
        # A bare word that is a name finds that name, and the text elsewhere...
        ("Hangup", ["Hangup", "Newexten"]),
        ("hangup*", ["Hangup", "HangupRequest"]),
        # ...but neither a longer name nor a header's key counts as its text.
        ("Request", []),
        ("Channel", []),
        ("DialStatus", []),
        # A comma list: any of its words; terms: all of them.
        ("NOANSWER,BUSY", ["DialEnd", "Hangup"]),
        ("bob busy", ["Hangup"]),
        ('"user busy"', ["Hangup"]),
        # Name only, and header only.
        ("Event=Hangup", ["Hangup"]),
        ("Event=Hangup,DialEnd", ["DialEnd", "Hangup"]),
        ("!Event=Hangup", ["DialEnd", "Newexten", "HangupRequest"]),
        ("!Hangup,Newexten", ["DialEnd", "HangupRequest"]),
        ("Cause=17", ["Hangup"]),  # not 170
        ("Cause=1", []),
        ("Cause=17*", ["Hangup", "HangupRequest"]),
        # A channel without a glob: the channels named so, whatever suffix Asterisk added.
        ("Channel=PJSIP/alice", ["DialEnd"]),
        ("channel=pjsip/BOB", ["Hangup"]),
        ("DestChannel=PJSIP/bob", ["DialEnd"]),
        ("!Channel=PJSIP/bob", ["DialEnd", "Newexten", "HangupRequest"]),
        ("Channel=PJSIP/alice-00000001", ["DialEnd"]),
    ],
)
def test_what_each_form_keeps(text, names):
    assert sorted(kept(text)) == sorted(names)


@pytest.mark.parametrize(
    "text, explained",
    [
        ("NOANSWER", "name or text: NOANSWER"),
        ("NOANSWER,BUSY", "name or text: NOANSWER or BUSY"),
        ('"two words', 'text: "two words"'),
        ("Event=Hangup !VarSet", "name: Hangup · not named: VarSet"),
        ("Cause=17", "Cause is 17"),
        ("!Cause=17", "Cause is not 17"),
        ("Channel=PJSIP/alice", "Channel starts with PJSIP/alice"),
        ("!Channel=Local/*", "Channel does not match Local/*"),
        ("", ""),
    ],
)
def test_it_says_how_it_read_the_text(text, explained):
    assert EventFilter.parse(text).explain() == explained


NEEDLES = ["100", "pjsip/", "demo", "answer", "local", "event", "channel", "uniqueid", ": ", "1795", "s-", "é", "up"]


@pytest.mark.parametrize("needle", NEEDLES)
def test_text_found_in_the_bytes_is_text_found_in_the_values(needle):
    """The filter looks for ASCII text in the undecoded bytes: it must find exactly what a
    search of the decoded values (keys and the name aside) finds, in real events."""
    events = [m for m in capture_messages("session1") if m.is_event]
    text_filter = EventFilter.parse(f'"{needle}"')
    for message in events:
        decoded = Message(message.fields)  # no bytes: the values are searched
        values = [v.lower() for k, v in message.fields if k.lower() != "event"]
        expected = any(needle in v for v in values)
        assert text_filter.matches(message) == expected == text_filter.matches(decoded), message.text()
