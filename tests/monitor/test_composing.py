"""The composer's model: the rows an action keeps when chosen, an action pasted as text, and
what the composer asks the server about its actions."""

from __future__ import annotations

import pytest

from ami_console.actiondocs import ActionDoc, Parameter, parse_action_doc
from ami_console.monitor.composing import Composed, DocCache, parse_pasted_action, rows_for
from tests.captures import capture_messages


# -- what is kept when an action is chosen over the rows --------------------------------------
def _originate():
    return parse_action_doc("Originate", capture_messages("manager_show_command")[1].headers("Output"))


def test_choosing_an_action_keeps_the_rows_it_takes_and_adds_its_required_ones():
    hangup = ActionDoc("Hangup", parameters=[Parameter("Channel", True), Parameter("Cause", False)])
    rows = [("Exten", "100", True), ("Channel", "PJSIP/alice", True), ("", "", True), ("Variable", "A=1", False)]
    kept, removed = rows_for(hangup, rows)
    assert kept == [("Channel", "PJSIP/alice", True)]
    assert removed == [("Exten", "100", True), ("Variable", "A=1", False)]
    # Required parameters no row holds come first, then the rows kept, in their order.
    kept, removed = rows_for(_originate(), [("Variable", "A=1", True), ("exten", "100", True), ("Variable", "B", True)])
    assert kept == [("Channel", "", True), ("Variable", "A=1", True), ("exten", "100", True), ("Variable", "B", True)]
    assert removed == []


def test_with_no_documentation_every_row_with_a_key_stays():
    assert rows_for(None, [("Foo", "1", True), ("", "x", True), ("Bar", "", False)]) == (
        [("Foo", "1", True), ("Bar", "", False)],
        [],
    )


def test_an_action_taking_any_header_keeps_every_row():
    user_event = ActionDoc("UserEvent", parameters=[Parameter("UserEvent", True), Parameter("Header1", False)])
    kept, removed = rows_for(user_event, [("UserEvent", "Demo", True), ("Text", "hi", True)])
    assert kept == [("UserEvent", "Demo", True), ("Text", "hi", True)] and removed == []


# -- the background queries -------------------------------------------------------------------
def test_each_action_is_asked_about_once_and_nothing_after_a_refusal():
    cache = DocCache()
    assert cache.ask("Originate") and not cache.ask("originate")  # any case: one name
    assert cache.pending("Originate")
    cache["Originate"] = None  # a failure is remembered as well
    assert "ORIGINATE" in cache and cache.get("Originate") is None and not cache.ask("Originate")
    cache.refused = True
    assert not cache.ask("Hangup")
    cache.clear()  # a new session asks again
    assert cache.ask("Hangup") and cache.ask("Originate")


# -- an action pasted as text -----------------------------------------------------------------
@pytest.mark.parametrize("newline", ["\r\n", "\n"])
@pytest.mark.parametrize("trailing", ["", "\r\n", "\n\n"])
def test_a_pasted_block_gives_the_action_and_its_rows_in_order(newline, trailing):
    lines = ["Action: Originate", "ActionID: 42", "Channel: Local/100@demo", "Variable: A=1", "Variable: B=2  "]
    pasted = parse_pasted_action(newline.join(lines) + trailing)
    assert pasted.action == "Originate"
    assert pasted.rows == [("Channel", "Local/100@demo"), ("Variable", "A=1"), ("Variable", "B=2")]
    assert pasted.action_ids == 1 and not pasted.more


def test_a_paste_that_is_not_a_block_is_left_alone():
    assert parse_pasted_action("Action: Ping") is None  # one line: goes where the cursor is
    assert parse_pasted_action("hello\nworld") is None
    assert parse_pasted_action("Channel: x\n>> Action: Ping\n") is None
    assert parse_pasted_action("\n\n") is None


def test_a_block_without_an_action_line_gives_rows():
    pasted = parse_pasted_action("\nChannel: PJSIP/bob\nValue: a: b\n")
    assert pasted.action is None and pasted.rows == [("Channel", "PJSIP/bob"), ("Value", "a: b")]


def test_a_second_action_line_ends_the_action():
    pasted = parse_pasted_action("Action: Ping\r\nX: 1\r\n\r\nAction: Hangup\r\nChannel: a\r\n")
    assert pasted.action == "Ping" and pasted.rows == [("X", "1")] and pasted.more


def test_a_block_whose_line_feeds_the_terminal_turned_into_carriage_returns():
    # tmux and most terminals paste LF as CR: a CRLF block arrives as CR CR.
    pasted = parse_pasted_action("Action: Originate\r\rChannel: Local/1@demo\r\rData: 2\r\r\r\r")
    assert pasted.action == "Originate" and pasted.rows == [("Channel", "Local/1@demo"), ("Data", "2")]


# -- the action as composed -------------------------------------------------------------------
def test_the_preview_masks_secrets_and_a_block_pastes_back_to_the_same_action():
    composed = Composed((("Action", "Login"), ("Username", "admin"), ("Secret", "s3cret")), None)
    assert composed.wire("7") == "Action: Login\r\nActionID: 7\r\nUsername: admin\r\nSecret: ********\r\n\r\n"
    pasted = parse_pasted_action(
        Composed((("Action", "Originate"), ("Variable", "A=1"), ("Variable", "B=2")), None).block()
    )
    assert pasted.action == "Originate" and pasted.rows == [("Variable", "A=1"), ("Variable", "B=2")]
