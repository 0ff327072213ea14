"""The Calls view's actions: exactly the fields Asterisk 22 took in the captures."""

from __future__ import annotations

from ami_console.calls.actions import (
    blind_transfer,
    completions,
    hangup,
    originate,
    originate_application,
    queue_pause,
    redirect,
)
from ami_console.calls.dialplan import Dialplan
from ami_console.protocol import Message
from tests.captures import capture_messages, sent


def sent_actions(name: str) -> list[list[tuple[str, str]]]:
    """Each action the client sent in capture ``name``, without its ActionID."""
    blocks = sent(name).decode().split("\r\n\r\n")
    actions = []
    for block in blocks:
        if block.strip():
            pairs = [tuple(line.split(": ", 1)) for line in block.split("\r\n")]
            actions.append([(k, v) for k, v in pairs if k != "ActionID"])
    return actions


def test_redirect_is_the_captured_one() -> None:
    assert redirect("Local/300@demo-00000018;2", "demo", "100", 1) in sent_actions("call_redirect")


def test_redirect_with_the_peer_sends_it_to_the_same_place() -> None:
    assert redirect("A", "demo", "100", "start", extra_channel="B") == [
        ("Action", "Redirect"),
        ("Channel", "A"),
        ("Context", "demo"),
        ("Exten", "100"),
        ("Priority", "start"),
        ("ExtraChannel", "B"),
        ("ExtraContext", "demo"),
        ("ExtraExten", "100"),
        ("ExtraPriority", "start"),
    ]


def test_blind_transfer_is_the_captured_one() -> None:
    assert blind_transfer("Local/300@demo-0000001a;1", "demo", "100") in sent_actions("call_blind_transfer")


def test_queue_pause_and_unpause_are_the_captured_ones() -> None:
    actions = sent_actions("call_queue")
    assert queue_pause("support", "Local/300@demo", True, "lunch") in actions
    assert queue_pause("support", "Local/300@demo", False) in actions
    assert all(a[0] != ("Action", "QueueMemberPause") for a in [queue_pause("q", "i", True)])


def test_originate_application_is_the_captured_one() -> None:
    assert originate_application("Local/300@demo", "Wait", "10") in sent_actions("call_redirect")
    assert originate_application("Local/600@demo", "Wait", "8") in sent_actions("call_blind_transfer")


def test_originate_to_an_extension() -> None:
    assert originate("PJSIP/alice", "demo", "100", caller_id='"Console" <100>') == [
        ("Action", "Originate"),
        ("Channel", "PJSIP/alice"),
        ("Context", "demo"),
        ("Exten", "100"),
        ("Priority", "1"),
        ("CallerID", '"Console" <100>'),
        ("Async", "true"),
    ]
    assert ("Async", "true") not in originate("PJSIP/alice", "demo", "100", run_async=False)


def test_hangup() -> None:
    assert hangup("PJSIP/alice-00000001") == [("Action", "Hangup"), ("Channel", "PJSIP/alice-00000001")]
    assert hangup("PJSIP/alice-00000001", 17)[-1] == ("Cause", "17")


def test_completion_from_the_cached_dialplan() -> None:
    lists = capture_messages("dialplan_lists")
    dialplan = Dialplan()
    dialplan.update([m for m in lists if m.header("ActionID") == "d1"], "demo")
    include = Message(
        [("Event", "ListDialplan"), ("Context", "default"), ("IncludeContext", "demo"), ("Registrar", "x")]
    )
    dialplan.update([include], "default")
    assert completions(dialplan) == ["default", "demo"]
    assert completions(dialplan, prefix="DEF") == ["default"]
    assert completions(dialplan, "demo", prefix="9") == ["900", "950"]
    assert completions(dialplan, "default", prefix="5") == ["500"]  # through the include
    assert completions(dialplan, "demo", "100") == ["1", "2", "3", "4"]
    assert completions(dialplan, "nowhere", "100") == []
