"""``--read-only``: the one list of actions let through, and why everything else is refused."""

from __future__ import annotations

import pytest

from ami_console.monitor.read_only import READ_ONLY_ACTIONS, changes_pbx


@pytest.mark.parametrize(
    "action",
    sorted(
        [
            "Ping",
            "ListCommands",
            "CoreSettings",
            "CoreStatus",
            "CoreShowChannels",
            "Status",
            "BridgeList",
            "BridgeInfo",
            "QueueStatus",
            "QueueSummary",
            "ShowDialPlan",
            "Getvar",
            "ExtensionState",
            "Events",
            "Filter",
            "Logoff",
            "Login",
            "Challenge",
        ]
    ),
)
def test_reading_actions_go_through(action: str) -> None:
    assert changes_pbx([("Action", action)]) is None
    assert changes_pbx({"action": action.upper()}) is None  # Asterisk reads names in any case


@pytest.mark.parametrize(
    "action",
    [
        "Hangup",
        "Redirect",
        "BlindTransfer",
        "Atxfer",
        "Originate",
        "QueuePause",
        "QueueAdd",
        "QueueRemove",
        "Setvar",
        "DBPut",
        "DBDel",
        "UserEvent",
        "Reload",
        "ModuleLoad",
        "MixMonitor",
        "PlayDTMF",
        "QueueMemberPause",  # not even an action: unknown names are refused too
        "SomeModuleAction",
    ],
)
def test_changing_actions_are_refused_with_a_message(action: str) -> None:
    refusal = changes_pbx([("Action", action), ("Channel", "PJSIP/alice-00000001")])
    assert refusal == (
        f"Read-only: {action} changes the PBX; not sent. "
        "Start without --read-only (or turn read-only off in the profile) to send it."
    )


@pytest.mark.parametrize(
    ("command", "allowed"),
    [
        ("core show channels", True),
        ("dialplan show demo", True),
        ("dialplan show 100@demo", True),
        ("pjsip show endpoints", True),
        ("queue show support", True),
        ("manager show command Originate", True),
        ("core show channel Local/300@demo-00000018;2", True),  # ";" is no separator in the CLI
        ("CORE SHOW channels", True),  # Asterisk matches CLI words in any case
        ("  core   show  channels ", True),
        ("core show\tchannels", False),  # strict: no control characters at all
        ("show channels", True),
        ("core reload", False),
        ("channel request hangup all", False),
        ("dialplan reload", False),
        ("module unload app_queue.so", False),
        ("core stop now", False),
        ("database put a b c", False),
        ("queue pause member Local/300@demo", False),
        ("core", False),
        ("", False),
        ("   ", False),
        ('core "show" channels', False),  # quotes regroup words in Asterisk's CLI parser
        ("core\\ show channels", False),  # so do backslashes
        ("!rm show x", False),  # not a CLI word
        ("core show\x1b[2J channels", False),
    ],
)
def test_command_only_with_a_cli_show_command(command: str, allowed: bool) -> None:
    refusal = changes_pbx([("Action", "Command"), ("Command", command)])
    assert (refusal is None) is allowed
    if not allowed:
        assert refusal is not None and refusal.startswith("Read-only: Command ") and "\x1b" not in refusal


def test_every_command_header_must_be_a_show_command() -> None:
    fields = [("Action", "Command"), ("Command", "core show channels"), ("command", "core reload")]
    assert changes_pbx(fields) is not None
    assert changes_pbx([("Action", "Command")]) is not None


@pytest.mark.parametrize(
    ("fields", "allowed"),
    [
        ([("Action", "Getvar"), ("Variable", "CALLTYPE")], True),
        ([("Action", "Getvar"), ("Channel", "Local/1@d-1;2"), ("Variable", "CHANNEL(state)")], False),
        ([("Action", "Getvar"), ("Variable", "DB_DELETE(family/key)")], False),
        ([("Action", "Getvar"), ("Variable", "X"), ("Variable", "SHELL(id)")], False),
        ([("Action", "Status"), ("Variables", "CALLTYPE,FOO")], True),
        ([("Action", "Status"), ("Variables", "CALLTYPE,SHELL(id)")], False),
    ],
)
def test_reading_a_function_may_act_so_it_is_refused(fields: list[tuple[str, str]], allowed: bool) -> None:
    """Asterisk reads a name ending in ")" by calling the dialplan function; DB_DELETE deletes,
    SHELL runs a program, CURL fetches a URL: not read-only."""
    assert (changes_pbx(fields) is None) is allowed


def test_the_action_asterisk_reads_is_the_one_checked() -> None:
    # The client puts the first Action header first and sends the others as plain fields.
    assert changes_pbx([("Channel", "x"), ("Action", "Hangup"), ("Action", "Ping")]) is not None
    assert changes_pbx([("Action", " Ping ")]) is None
    # The client refuses these itself: nothing is sent, so read-only has nothing to add.
    assert changes_pbx([("Channel", "x")]) is None
    assert changes_pbx([("Action", "Hangup"), ("Channel", "a\r\nAction: Ping")]) is None


def test_the_list_is_the_documented_one() -> None:
    assert "command" in READ_ONLY_ACTIONS and "hangup" not in READ_ONLY_ACTIONS
    assert all(name == name.lower() for name in READ_ONLY_ACTIONS)
