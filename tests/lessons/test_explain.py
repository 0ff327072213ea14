"""Explain this: the catalogue covers what a newcomer meets first, reads values where they
carry the meaning (states, causes, privilege classes, event lists), and says None otherwise."""

from __future__ import annotations

import pytest

from ami_console.lessons.explain import EVENTS, HEADERS, explain
from ami_console.lessons.model import load_lessons
from tests.lessons.wire import wire_observations


def test_the_catalogue_covers_about_forty_events_and_the_headers_a_newcomer_meets():
    assert len(EVENTS) >= 40
    for header in ("ActionID", "Uniqueid", "Linkedid", "Channel", "Context", "Exten", "Priority", "Response"):
        assert explain(header, kind="header"), header


@pytest.mark.parametrize(
    ("name", "value", "start"),
    [
        ("ChannelState", "6", "6 = Up: answered"),
        ("ChannelState", "4", "4 = Ring: incoming"),
        ("Cause", "17", "17 = user busy"),
        ("Cause", "16", "16 = normal clearing"),
        ("EventList", "start", "start: the answer is a list"),
        ("EventList", "Complete", "Complete: the list has ended"),
        ("DialStatus", "NOANSWER", "NOANSWER: nobody answered"),
        ("Event", "Newexten", "Newexten: A channel runs one dialplan step"),
    ],
)
def test_a_header_is_explained_with_its_value(name, value, start):
    text = explain(name, value, kind="header")
    assert text is not None and text.startswith(start), text


def test_privilege_classes_are_named_one_by_one():
    text = explain("Privilege", "call,all", kind="header") or ""
    assert text.splitlines()[:2] == ["call: calls: channels, dials, bridges, hangups", "all: every class"]


def test_a_value_it_cannot_read_still_gives_the_header_meaning():
    assert explain("ChannelState", "42", kind="header") == explain("ChannelState", kind="header")
    assert explain("Cause", "banana", kind="header") == explain("Cause", kind="header")


def test_names_are_found_in_any_case_and_unknown_ones_give_none():
    assert explain("newexten") == explain("Newexten") is not None
    assert explain("linkedid", kind="header") == explain("Linkedid", kind="header")
    assert explain("MadeUpEvent") is None
    assert "ListItems" in (explain("QueueStatusComplete") or "") and explain("Complete") is None
    assert explain("X-Made-Up", "1", kind="header") is None
    assert explain("Error", kind="response") is not None and explain("Maybe", kind="response") is None
    assert explain("Newexten", kind="nonsense") is None


def test_every_event_a_lesson_waits_for_or_a_capture_of_a_call_holds_is_explained():
    lessons, _ = load_lessons()
    asked = {s.check.name for lesson in lessons for s in lesson.steps if s.check.kind in ("event", "list_item")}
    seen = {o.message.name for o in wire_observations("session1") if o.kind == "event" and o.message is not None}
    assert sorted(name for name in asked | seen if explain(name) is None) == []


def test_every_header_of_the_catalogue_has_words_with_and_without_a_value():
    for header in HEADERS:
        assert explain(header, kind="header")
        assert explain(header, "1", kind="header")
