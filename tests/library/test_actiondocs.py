"""What the server says about its actions: ListCommands and manager show command, parsed."""

from __future__ import annotations

from ami_console.actiondocs import COMMON_ACTIONS, is_refusal, parse_action_doc, parse_list_commands
from ami_console.protocol import Message
from tests.captures import capture_messages


# -- what the server says about its actions ------------------------------------------------
def test_list_commands_of_real_asterisk():
    commands = parse_list_commands(capture_messages("session1")[5])
    assert commands["Originate"] == "Originate a call."
    assert commands["Ping"] == "Keepalive command."
    assert "ActionID" not in commands and "Response" not in commands
    assert len(commands) > 80


def test_manager_show_command_of_real_asterisk():
    output = capture_messages("manager_show_command")[1].headers("Output")
    doc = parse_action_doc("Originate", output)
    assert doc.synopsis == "Originate a call."
    assert doc.description.startswith("Generates an outgoing call to a <Extension>/<Context>/<Priority>")
    names = [p.name for p in doc.parameters]
    assert names[:3] == ["Channel", "Exten", "Context"] and "ActionID" not in names
    assert [p.name for p in doc.required] == ["Channel"]
    variable = next(p for p in doc.parameters if p.name == "Variable")
    assert variable.doc == "Channel variable to set, multiple Variable: headers are allowed."
    predial = next(p for p in doc.parameters if p.name == "PreDialGoSub")
    assert predial.doc.endswith("before start the outgoing extension")


def test_unknown_command_output_gives_no_doc():
    unknown = capture_messages("manager_show_command")[2]
    assert parse_action_doc("NoSuch", unknown.headers("Output")) is None


def test_common_actions_stand_in_before_login():
    assert {"Ping", "Originate", "Command", "Hangup", "CoreShowChannels"} <= set(COMMON_ACTIONS)


def test_a_refusal_is_recognised_by_asterisks_words():
    refused = Message([("Response", "Error"), ("ActionID", "3"), ("Message", "Permission denied")])
    other = Message([("Response", "Error"), ("Message", "Invalid/unknown command: manager")])
    assert is_refusal(refused) and not is_refusal(other) and not is_refusal(None)
