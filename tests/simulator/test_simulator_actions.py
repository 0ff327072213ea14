"""The simulated actions through the project's own AMIClient: every action the issue
lists, its event-list framing, and its errors."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from ami_console.client import AMIClient
from ami_console.simulator import Simulator
from tests.simulator.test_simulator_support import no_thread_leaks, pbx  # noqa: F401 (fixtures)


@pytest.fixture
def ami(pbx: Simulator) -> Iterator[AMIClient]:
    connection = AMIClient(username=pbx.username, secret=pbx.secret, host=pbx.address, timeout=5, events="off")
    assert connection.connect(), connection.error
    yield connection
    connection.disconnect()


def originate_wait(ami: AMIClient, pbx: Simulator, extension: str = "300") -> None:
    """A call to ``extension`` whose second half has reached its Wait(30)."""
    answer = ami.action(Action="Originate", Channel=f"Local/{extension}@demo", Application="Wait", Data="30")
    assert answer["Message"] == "Originate successfully queued"
    assert pbx.wait_until(lambda p: any(c["application"] == "Wait" and c["name"].endswith(";2") for c in p.channels()))


def test_ping_core_settings_and_status(ami: AMIClient, pbx: Simulator) -> None:
    assert ami.action(Action="Ping")["Ping"] == "Pong"
    settings = ami.action(Action="CoreSettings")
    assert (settings["AMIversion"], settings["AsteriskVersion"]) == ("11.0.0", "22.10.1")
    status = ami.action(Action="CoreStatus")
    assert status["CoreCurrentCalls"] == "0"
    originate_wait(ami, pbx)
    assert ami.action(Action="CoreStatus")["CoreCurrentCalls"] == "2"


def test_list_commands_names_every_simulated_action(ami: AMIClient) -> None:
    listed = ami.action(Action="ListCommands")
    for name in (
        "Ping",
        "CoreSettings",
        "CoreStatus",
        "ListCommands",
        "Command",
        "Events",
        "Filter",
        "Originate",
        "Hangup",
        "Redirect",
        "Getvar",
        "Setvar",
        "CoreShowChannels",
        "Status",
        "ShowDialPlan",
        "QueueStatus",
        "QueueSummary",
        "DBPut",
        "DBGet",
        "DBDel",
        "UserEvent",
        "ExtensionState",
        "Login",
        "Logoff",
        "Challenge",
    ):
        assert listed[name].endswith(")"), name
    assert listed["Originate"].endswith("  (Priv: originate,all)")


def test_command_output_is_one_output_header_per_line(ami: AMIClient, pbx: Simulator) -> None:
    version = ami.action(Action="Command", Command="core show version")
    assert version["Message"] == "Command output follows"
    assert version["Output"].startswith("Asterisk 22.10.1 built by ")
    originate_wait(ami, pbx)
    channels = ami.action(Action="Command", Command="core show channels")["Output"]
    assert channels[0].startswith("Channel" + " " * 57 + " Location")
    assert any(line.startswith("Local/300@demo-") and "Wait(30)" in line for line in channels)
    assert channels[-3:-1] == ["2 active channels", "1 active call"]
    uptime = ami.action(Action="Command", Command="core show uptime")["Output"]
    assert uptime[0].startswith("System uptime: ")
    dialplan = ami.action(Action="Command", Command="dialplan show demo")["Output"]
    assert dialplan[0] == "[ Context 'demo' created by 'pbx_config' ]"
    assert dialplan[-1] == "-= 10 extensions (27 priorities) in 1 context. =-"
    commands = ami.action(Action="Command", Command="manager show commands")["Output"]
    assert commands[0].split() == ["Action", "Synopsis"] and any(
        line.split()[0] == "Originate" for line in commands[2:]
    )
    ping = ami.action(Action="Command", Command="manager show command Ping")["Output"]
    assert ping[1] == "  -= Info about Manager Command 'Ping' =- " and "[Syntax]" in ping
    unknown = ami.action(Action="Command", Command="no such command")
    assert unknown["Response"] == "Error"
    assert (
        unknown["Output"]
        == "No such command 'no such command' (type 'core show help no such' for other possible commands)"
    )
    usage = ami.action(Action="Command", Command="manager show command")
    assert usage["Response"] == "Error" and usage["Output"][0].startswith("Usage: manager show command")
    assert ami.action(Action="Command")["Message"] == "No command provided"


def test_getvar_and_setvar(ami: AMIClient, pbx: Simulator) -> None:
    assert ami.action(Action="Setvar", Variable="GREETING", Value="hello")["Message"] == "Variable Set"
    assert ami.action(Action="Getvar", Variable="GREETING")["Value"] == "hello"
    assert ami.action(Action="Getvar", Variable="FOO", Channel="Local/nonexistent")["Message"] == "No such channel"
    originate_wait(ami, pbx)
    second = next(
        c["Channel"] for c in ami.action_list(Action="CoreShowChannels")[1][:-1] if c["Channel"].endswith(";2")
    )
    assert ami.action(Action="Getvar", Channel=second, Variable="CALLTYPE")["Value"] == "wait30"
    assert ami.action(Action="Getvar", Channel=second, Variable="CALLERID(num)")["Value"] == ""
    ami.action(Action="Setvar", Channel=second, Variable="MOOD", Value="good")
    assert ami.action(Action="Getvar", Channel=second, Variable="MOOD")["Value"] == "good"
    assert ami.action(Action="Getvar")["Message"] == "No variable specified"


def test_core_show_channels_and_status_lists(ami: AMIClient, pbx: Simulator) -> None:
    empty, items = ami.action_list(Action="CoreShowChannels")
    assert (empty["EventList"], empty["Message"]) == ("start", "Channels will follow")
    assert [(e.name, e["ListItems"]) for e in items] == [("CoreShowChannelsComplete", "0")]
    originate_wait(ami, pbx)
    response, items = ami.action_list(Action="CoreShowChannels")
    assert [e.name for e in items] == [
        "CoreShowChannel",
        "CoreShowChannel",
        "CoreShowChannelsComplete",
    ]
    first, second = items[0], items[1]
    assert (first["Application"], first["ApplicationData"]) == ("Wait", "30")
    assert second["Channel"] == first["Channel"][:-1] + "2" and second["Linkedid"] == first["Uniqueid"]
    response, statuses = ami.action_list(Action="Status", Variables="CALLTYPE")
    assert response["Message"] == "Channel status will follow"
    assert [s.name for s in statuses] == ["Status", "Status", "StatusComplete"]
    assert statuses[-1]["Items"] == "2" and statuses[1]["Variable"] == "CALLTYPE=wait30"
    assert ami.action(Action="Status", Channel="PJSIP/nobody-00000000")["Message"] == "No such channel"


def test_hangup_by_name_and_by_pattern(ami: AMIClient, pbx: Simulator) -> None:
    originate_wait(ami, pbx)
    first = pbx.channels()[0]["name"]
    assert ami.action(Action="Hangup", Channel=first)["Message"] == "Channel Hungup"
    assert pbx.wait_until(lambda p: not p.channels())
    assert ami.action(Action="Hangup", Channel=first)["Message"] == "No such channel"
    originate_wait(ami, pbx)
    response, items = ami.action_list(Action="Hangup", Channel="/^Local\\/300@demo-.*/")
    assert response["Message"] == "Channels hung up will follow"
    assert [e.name for e in items] == [
        "ChannelHungup",
        "ChannelHungup",
        "ChannelsHungupListComplete",
    ]
    assert pbx.wait_until(lambda p: not p.channels())
    assert (
        ami.action(Action="Hangup", Channel="/unclosed")["Message"]
        == "Regex format invalid, Channel param should be /regex/"
    )


def test_redirect_moves_a_channel_in_the_dialplan(ami: AMIClient, pbx: Simulator) -> None:
    originate_wait(ami, pbx)
    second = next(c["name"] for c in pbx.channels() if c["name"].endswith(";2"))
    ami.action(Action="Events", EventMask="on")
    answer = ami.action(Action="Redirect", Channel=second, Context="demo", Exten="200", Priority="1")
    assert answer["Message"] == "Redirect successful"
    assert pbx.wait_until(lambda p: any(c["exten"] == "200" and c["application"] == "Echo" for c in p.channels()))
    assert (
        ami.action(Action="Redirect", Channel="nope", Context="demo", Exten="1", Priority="1")["Message"]
        == "Channel does not exist: nope"
    )
    assert (
        ami.action(Action="Redirect", Channel=second, Context="demo", Exten="1")["Message"] == "Priority not specified"
    )


def test_show_dialplan_lists_contexts_and_includes(ami: AMIClient) -> None:
    response, items = ami.action_list(Action="ShowDialPlan")
    assert response["Message"] == "DialPlan list will follow"
    includes = {(e["Context"], e["IncludeContext"]) for e in items if "IncludeContext" in e}
    assert includes == {("default", "demo"), ("internal", "demo")}
    assert any(e.get("Priority") == "hint" and e["Application"] == "PJSIP/alice" for e in items)
    assert items[-1]["ListContexts"] == "5"
    assert ami.action(Action="ShowDialPlan", Context="nowhere")["Message"] == "Did not find context nowhere"


def test_queue_status_and_summary(ami: AMIClient) -> None:
    response, items = ami.action_list(Action="QueueStatus")
    assert [e.name for e in items] == ["QueueParams", "QueueMember", "QueueStatusComplete"]
    assert (items[1]["Name"], items[1]["Location"], items[1]["Status"]) == (
        "Agent300",
        "Local/300@demo",
        "1",
    )
    response, summary = ami.action_list(Action="QueueSummary", Queue="support")
    assert (summary[0]["LoggedIn"], summary[0]["Available"], summary[0]["Callers"]) == (
        "1",
        "1",
        "0",
    )


def test_astdb_put_get_del(ami: AMIClient) -> None:
    assert ami.action(Action="DBPut", Family="cf", Key="1001", Val="555")["Message"] == "Updated database successfully"
    response, items = ami.action_list(Action="DBGet", Family="cf", Key="1001")
    assert response["Message"] == "Result will follow"
    assert [(e.name, e.get("Val")) for e in items] == [
        ("DBGetResponse", "555"),
        ("DBGetComplete", None),
    ]
    assert items[1]["ListItems"] == "1"
    ami.action(Action="DBPut", Family="cf", Key="1002", Val="666")
    _, tree = ami.action_list(Action="DBGetTree", Family="cf")
    assert [e.get("Key") for e in tree] == ["1001", "1002", None]
    assert ami.action(Action="DBDel", Family="cf", Key="1001")["Message"] == "Key deleted successfully"
    assert ami.action(Action="DBGet", Family="cf", Key="1001")["Message"] == "Database entry not found"
    assert ami.action(Action="DBPut", Family="cf")["Message"] == "No key specified"


def test_user_event_reaches_other_sessions(ami: AMIClient, pbx: Simulator) -> None:
    seen = []
    listener = AMIClient(
        username="monitor",
        secret="monpass",
        host=pbx.address,
        timeout=5,
        event_callback=seen.append,
    )
    assert listener.connect()
    assert ami.action(Action="UserEvent", UserEvent="Lunch", Where="canteen")["Message"] == "Event Sent"
    listener.action(Action="Ping")
    event = next(e for e in seen if e.name == "UserEvent")
    assert (event["UserEvent"], event["Where"], event["Privilege"]) == (
        "Lunch",
        "canteen",
        "user,all",
    )
    listener.disconnect()


def test_extension_state_follows_the_phone(ami: AMIClient, pbx: Simulator) -> None:
    idle = ami.action(Action="ExtensionState", Exten="1002", Context="internal")
    assert (idle["Hint"], idle["Status"], idle["StatusText"]) == ("PJSIP/bob", "0", "Idle")
    pbx.place_call("alice", "1002", ring=1000)
    assert pbx.wait_until(
        lambda p: ami.action(Action="ExtensionState", Exten="1002", Context="internal")["StatusText"] == "Ringing"
    )
    none = ami.action(Action="ExtensionState", Exten="100", Context="demo")
    assert (none["Status"], none["StatusText"]) == ("-1", "Unknown")
    assert ami.action(Action="ExtensionState")["Message"] == "Extension not specified"


def test_originate_errors(ami: AMIClient) -> None:
    assert ami.action(Action="Originate")["Message"] == "Channel not specified"
    assert ami.action(Action="Originate", Channel="nochannel", Application="Wait")["Message"] == "Invalid channel"
    assert (
        ami.action(Action="Originate", Channel="Local/100@demo", Exten="999", Context="demo", Priority="1")["Message"]
        == "Extension does not exist."
    )
    assert (
        ami.action(Action="Originate", Channel="Local/100@demo", Exten="100")["Message"]
        == "Originate with 'Exten' requires 'Context' and 'Priority'"
    )
    assert ami.action(Action="Originate", Channel="SIP/old", Application="Wait")["Message"] == "Originate failed"
    assert ami.action(Action="Originate", Channel="Local/999@demo", Application="Wait")["Message"] == "Originate failed"


def test_every_action_is_documented_in_asterisks_sections(ami: AMIClient) -> None:
    names = [key for key, _ in ami.action(Action="ListCommands").fields[2:]]
    titles = [
        "[Synopsis]",
        "[Provided By]",
        "[Since]",
        "[Description]",
        "[Syntax]",
        "[Arguments]",
        "[Privilege]",
        "[See Also]",
        "[List Responses]",
        "[End List Responses]",
        "[Final Response]",
        "[End Final Response]",
    ]
    for name in names:
        output = ami.action(Action="Command", Command=f"manager show command {name}")["Output"]
        assert [line for line in output if line.startswith("[") and line.endswith("]")] == titles
        syntax = output[output.index("[Syntax]") + 1 : output.index("[Arguments]") - 1]
        assert syntax[:2] == [f"Action: {name}", "[ActionID:] <value>"], name
        assert all(re.fullmatch(r"(\[\w+:\]|\w+:) <value>", line) for line in syntax[1:]), name
