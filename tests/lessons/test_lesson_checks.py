"""Each kind of check, against what real Asterisk 22 sent (the captures): what must tick does,
and what only looks like it (a Ping answered with Error, an event of another name, a filter
that keeps everything) does not."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ami_console.events.filter import EventFilter
from ami_console.lessons.checks import Check, CheckProblem, Observation, parse_check
from ami_console.lessons.model import Lesson, LessonRun, Step, load_lessons
from ami_console.protocol import Message
from tests.lessons.wire import wire_observations

SESSION = wire_observations("session1")
ERRORS = wire_observations("errors")
MONITOR = wire_observations("monitor_user", user="monitor")
LISTS = wire_observations("lists")
CHANNELS = wire_observations("coreshowchannels")
EVENTS_OFF = wire_observations("events_off")


def passing(table: dict, observations: list[Observation]) -> list[Observation]:
    check = parse_check(table)
    return [obs for obs in observations if check.passes(obs)]


def answered(observations: list[Observation], action: str) -> list[Observation]:
    return [o for o in observations if o.kind == "answered" and o.action == action]


def events(observations: list[Observation], name: str) -> list[Observation]:
    return [o for o in observations if o.kind == "event" and o.message is not None and o.message.name == name]


# -- sent ------------------------------------------------------------------------------------
def test_a_ping_answered_success_ticks_and_one_answered_error_does_not():
    want = {"sent": "Ping", "response": "Success"}
    assert passing(want, SESSION) == answered(SESSION, "Ping")
    refused = ERRORS[1]  # a Ping before logging in: Permission denied
    assert refused.action == "Ping" and refused.message is not None and refused.message.name == "Error"
    assert passing(want, [refused]) == []


def test_an_action_sent_ticks_on_sending_and_its_answer_alone_does_not():
    sent = [o for o in SESSION if o.kind == "sent" and o.action == "Ping"]
    assert passing({"sent": "Ping"}, SESSION) == sent
    assert passing({"sent": "CoreSettings"}, sent) == []


def test_action_names_are_globs_in_any_case():
    lower = [o for o in ERRORS if o.kind == "answered" and o.action == "ping"]
    assert lower and passing({"sent": "Ping", "response": "success"}, lower) == lower
    error_answers = [o for o in ERRORS if o.kind == "answered" and o.message is not None and o.message.name == "Error"]
    assert passing({"sent": "*", "response": "Error"}, ERRORS) == error_answers


def test_a_response_header_with_a_value_ticks_only_when_it_is_like_that_value():
    command = answered(SESSION, "Command")
    assert passing({"sent": "Command", "response_header": "Output", "equals": "asterisk 22.*"}, SESSION) == command
    assert passing({"sent": "Command", "response_header": "Output", "equals": "Asterisk 13*"}, SESSION) == []
    logins = answered(ERRORS, "Login")  # Authentication accepted, then Already authenticated
    again = passing({"sent": "Login", "response_header": "Message", "equals": "Already authenticated"}, ERRORS)
    assert again == logins[1:]


def test_a_response_header_alone_ticks_when_the_answer_carries_it():
    assert passing({"sent": "Ping", "response_header": "Ping"}, SESSION) == answered(SESSION, "Ping")
    assert passing({"sent": "Ping", "response_header": "Output"}, SESSION) == []


def test_the_user_must_be_the_one_named():
    denied = {"sent": "Originate", "user": "monitor", "response_header": "Message", "equals": "Permission denied"}
    assert passing(denied, MONITOR) == answered(MONITOR, "Originate")
    as_admin = [replace(o, user="admin") for o in MONITOR]
    assert passing(denied, as_admin) == []


# -- event -----------------------------------------------------------------------------------
def test_an_event_ticks_by_name_and_header_and_another_name_does_not():
    born = events(SESSION, "Newchannel")
    assert born and passing({"event": "Newchannel"}, SESSION) == born
    assert passing({"event": "Newchannel", "header": "Channel", "matches": "local/100@demo*"}, SESSION) == born
    assert passing({"event": "Newchannel", "header": "Channel", "matches": "Local/300@demo*"}, SESSION) == []
    assert passing({"event": "Newchannel"}, events(SESSION, "Newexten")) == []
    foo = passing({"event": "VarSet", "header": "Variable", "matches": "FOO"}, SESSION)
    assert [o.message.header("Value") for o in foo if o.message is not None] == ["bar"]


def test_an_event_check_is_not_ticked_by_an_answer_nor_by_a_header_it_lacks():
    assert passing({"event": "Success"}, SESSION) == []  # the answers' name is their status
    assert passing({"event": "Newchannel", "header": "Variable"}, SESSION) == []


def test_the_security_event_of_a_refused_action():
    refused = passing({"event": "RequestNotAllowed", "header": "AccountID", "matches": "monitor"}, MONITOR)
    assert len(refused) == 2  # Originate, then Command
    assert passing({"event": "RequestNotAllowed", "header": "AccountID", "matches": "admin"}, MONITOR) == []


def test_the_events_mask_answers():
    off = passing({"sent": "Events", "response_header": "Events", "equals": "Off"}, EVENTS_OFF)
    on = passing({"sent": "Events", "response_header": "Events", "equals": "On"}, EVENTS_OFF)
    # off, then on, then system,call (On), then a mask Asterisk does not know: Off
    assert [o.message.action_id for o in off if o.message] == ["ev1", "ev5"]
    assert [o.message.action_id for o in on if o.message] == ["ev3", "ev4"]


# -- event lists ----------------------------------------------------------------------------
def test_a_list_item_ticks_on_the_answer_that_listed_it():
    assert passing({"list_item": "QueueMember"}, LISTS) == answered(LISTS, "QueueStatus")
    assert passing({"list_item": "QueueMember"}, answered(LISTS, "QueueSummary")) == []
    first = answered(CHANNELS, "CoreShowChannels")[0]  # during the call: its channels
    assert passing({"list_item": "CoreShowChannel"}, CHANNELS) == [first]


def test_a_list_completes_only_with_its_complete_event():
    lists = answered(CHANNELS, "CoreShowChannels")
    assert passing({"list_complete": "CoreShowChannels"}, CHANNELS) == lists  # the empty one too
    cut = replace(lists[0], items=lists[0].items[:-1])  # items without the Complete event
    assert passing({"list_complete": "CoreShowChannels"}, [cut]) == []
    assert passing({"list_complete": "QueueStatus"}, CHANNELS) == []


# -- the console's own observations ---------------------------------------------------------
NEWEXTEN_600 = {"Event": "Newexten", "Channel": "Local/600@demo-00000000;2"}
KEEPS_600 = {"filter_keeps": NEWEXTEN_600, "drops": {"Event": "Newexten", "Channel": "Local/300@demo-00000001;2"}}


def typed(text: str) -> Observation:
    return Observation("filter", text=text, filter=EventFilter.parse(text))


@pytest.mark.parametrize("text", ["Local/600@demo", "Channel=Local/600@demo", "600", "Event=Newexten Local/600"])
def test_a_filter_that_keeps_the_call_ticks(text):
    assert passing(KEEPS_600, [typed(text)])


@pytest.mark.parametrize("text", ["", "   ", "Newexten", "Local/300@demo", "Hangup Local/600@demo", "!Newexten"])
def test_a_filter_that_keeps_everything_or_the_wrong_events_does_not_tick(text):
    assert passing(KEEPS_600, [typed(text)]) == []


def test_a_filter_observation_without_a_parsed_filter_is_read_from_its_text():
    assert passing({"filter_keeps": NEWEXTEN_600}, [Observation("filter", text="Local/600@demo")])


def test_a_view_ticks_only_when_that_view_opens():
    assert passing({"view": "trace"}, [Observation("view", text="trace")])
    assert passing({"view": "trace"}, [Observation("view", text="transcript"), *SESSION]) == []


# -- the check table ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("table", "key", "words"),
    [
        ({"sent": "Ping", "colour": "red"}, "colour", "unknown check key"),
        ({}, "check", "names nothing"),
        ({"sent": "Ping", "event": "Newchannel"}, "event", "two checks"),
        ({"event": "Newchannel", "response": "Success"}, "response", "goes with 'sent'"),
        ({"sent": 3}, "sent", "must be text"),
        ({"view": "kitchen"}, "view", "unknown view"),
        ({"event": "VarSet", "matches": "A"}, "matches", "needs 'header'"),
        ({"sent": "Ping", "response": "Sucess"}, "response", "one of Success"),
        ({"filter_keeps": "Newexten"}, "filter_keeps", "table of headers"),
        ("Ping", "check", "must be a table"),
    ],
)
def test_a_check_table_that_cannot_be_used_names_its_key(table, key, words):
    with pytest.raises(CheckProblem) as caught:
        parse_check(table)
    assert caught.value.key == key and words in caught.value.problem


def test_every_check_says_what_it_waits_for_in_words():
    said = [
        Check("sent", "Ping", response="Success").describe(),
        Check("sent", "*", response="Error").describe(),
        Check("event", "VarSet", header="Variable", value="A").describe(),
        Check("view", "follow").describe(),
        Check("list_complete", "CoreShowChannels").describe(),
    ]
    assert said == [
        "Send Ping and get Success",
        "Send any action and get Error",
        "A VarSet event arrives with Variable like A",
        "Follow a call in the event log",
        "The CoreShowChannels event list arrives complete",
    ]


# -- a lesson in progress --------------------------------------------------------------------
def builtin(lesson_id: str) -> Lesson:
    lessons, errors = load_lessons()
    assert errors == []
    return next(lesson for lesson in lessons if lesson.id == lesson_id)


def test_the_events_lesson_is_walked_by_a_real_asterisk_session():
    run = LessonRun(builtin("events"))
    for obs in SESSION:
        run.observe(obs)
    assert run.finished


def test_events_seen_before_the_answer_that_caused_them_still_tick_the_next_steps():
    """The console may report an Originate's first events before its Success."""
    originate = answered(SESSION, "Originate")[0]
    at = SESSION.index(originate)
    shuffled = SESSION[: at - 1] + SESSION[at + 1 : at + 25] + [SESSION[at - 1], originate] + SESSION[at + 25 :]
    in_order, run = LessonRun(builtin("events")), LessonRun(builtin("events"))
    for obs in SESSION[: at + 25]:
        in_order.observe(obs)
    for obs in shuffled[: at + 25]:
        run.observe(obs)
    assert run.index == in_order.index >= 3  # Originate, Newchannel, and the dialplan's first steps
    for obs in shuffled[at + 25 :]:
        run.observe(obs)
    assert run.finished


def test_one_observation_ticks_one_step_and_what_came_before_a_step_is_not_used_twice():
    lesson = builtin("actions-and-responses")  # Ping and Success, then Ping with an ActionID
    run = LessonRun(lesson)
    ping = answered(SESSION, "Ping")[0]
    assert run.observe(ping) and run.index == 1
    assert not run.observe(Observation("event", message=Message([("Event", "FullyBooted")])))
    assert run.observe(ping) and run.index == 2


def test_only_what_was_seen_while_the_ticked_step_waited_counts_for_the_next():
    step = Step("Ping.", Check("sent", "Ping", response="Success"), "")
    event = Step("Event.", Check("event", "FullyBooted"), "")
    run = LessonRun(Lesson("t", "T", "", (event, step, event), None, 1))
    booted = Observation("event", message=Message([("Event", "FullyBooted")]))
    ping = answered(SESSION, "Ping")[0]
    assert run.observe(booted) and run.index == 1
    assert not run.observe(booted)  # seen while the Ping step waits...
    assert run.observe(ping) and run.finished  # ...so it ticks the step after it at once
    run.restart()
    assert run.index == 0 and not run.finished


def test_a_run_starts_where_the_progress_left_it_and_never_past_its_end():
    lesson = builtin("events")
    assert LessonRun(lesson, 2).index == 2
    assert LessonRun(lesson, 99).finished and LessonRun(lesson, 99).current is None
    assert not LessonRun(lesson, 99).observe(SESSION[0])
