"""Every Asterisk an operator runs: the client against transcripts in older versions' shapes.

Asterisk before 13 answers many lists (QueueStatus, Status, Agents, DBGet...) with a plain
``Response: Success`` whose Message says the list "will follow", and no ``EventList: start``;
before 14 it answers Command with ``Response: Follows`` and raw CLI text. The transcripts in
tests/fixtures/legacy/ (see its README) imitate 1.4, 1.8, 11, 12 and today's FAXStats.
"""

from __future__ import annotations

import re
from contextlib import closing
from pathlib import Path

import pytest

from ami_console.client import AMIClient
from ami_console.protocol import EventList, Message
from tests.amiserver import Conn, ScriptedServer
from tests.captures import parse
from tests.library.test_protocol import shape

LEGACY = Path(__file__).parent.parent / "fixtures" / "legacy"
_SECTION = re.compile(rb"^=== (.+)\n", re.MULTILINE)


def sections(name: str) -> list[tuple[str, bytes]]:
    """The (name, bytes) sections of transcript ``name``, comments left out."""
    parts = _SECTION.split((LEGACY / f"{name}.txt").read_bytes())
    return [(marker.decode(), body) for marker, body in zip(parts[1::2], parts[2::2])]


def legacy_server(name: str):
    """A handler that greets as the transcript does and answers each request in turn."""
    steps = sections(name)

    def handler(conn: Conn) -> None:
        for marker, body in steps:
            if marker != "greeting":
                request = conn.read_message()
                if request is None:
                    return
                assert (request.header("Action") or "").lower() == marker.lower(), (marker, request)
                body = body.replace(b"{ActionID}", (request.action_id or "").encode())
            conn.send(body)
        conn.wait_closed()

    return handler


def connect(server: ScriptedServer, events: list[Message]) -> AMIClient:
    ami = AMIClient(username="admin", secret="adminpass", host=server.address, timeout=5, event_callback=events.append)
    assert ami.connect(), ami.error
    return ami


def names(messages: list[Message]) -> list[str]:
    return [message.name for message in messages]


# -- the rule, in the protocol ------------------------------------------------------------------
def response(text: str) -> Message:
    return Message.from_raw(text.replace("\n", "\r\n").encode() + b"\r\n")


@pytest.mark.parametrize(
    "text, starts",
    [
        ("Response: Success\nActionID: 2\nEventList: start\nMessage: Channels will follow\n", True),
        ("Response: Success\nEventList: Start\nMessage: FAXSessionsEntry event list will follow\n", True),
        ("Response: Success\nActionID: 2\nMessage: Queue status will follow\n", True),  # 1.4 to 12
        ("Response: Success\nMessage: Result will follow\n", True),  # DBGet, 1.4 to 12
        ("Response: Success\nMessage: FAXStats event will follow\n", True),  # 13 to today
        ("Response: Success\nMessage: IAX Peer status list will follow\n", True),  # raw, 1.6 to 12
        ("Response: Success\nMessage: Command output follows\nOutput: x\n", False),  # 14+: output inside
        ("Response: Error\nMessage: Queue status will follow\n", False),
        ("Response: Success\nMessage: Endpoint found, will qualify\n", False),
        ("Response: Success\nPing: Pong\n", False),
        ("Response: Follows\nPrivilege: Command\n", False),
    ],
)
def test_a_list_is_recognised_as_every_version_announces_it(text, starts):
    assert EventList.starts(response(text)) is starts


def item(name: str, action_id: str = "7") -> Message:
    return Message.from_raw(f"Event: {name}\r\nActionID: {action_id}\r\n\r\n".encode())


def test_a_legacy_list_ends_with_its_complete_event():
    gathered = EventList("7", response=response("Response: Success\nActionID: 7\nMessage: Agents will follow\n"))
    assert gathered.add(item("Agents")) and not gathered.done
    assert not gathered.add(item("Agents", "8"))
    assert gathered.add(item("AgentsComplete")) and gathered.complete


@pytest.mark.parametrize(
    "said, event", [("Result will follow", "DBGetResponse"), ("FAXStats event will follow", "FAXStats")]
)
def test_some_answers_are_followed_by_one_event_alone(said, event):
    gathered = EventList("7", response=response(f"Response: Success\nActionID: 7\nMessage: {said}\n"))
    assert gathered.add(item(event)) and gathered.complete
    # With EventList: start (DBGet from 13 on) the list runs to its Complete event.
    modern = EventList("7", response=response(f"Response: Success\nEventList: start\nMessage: {said}\n"))
    assert modern.add(item(event)) and not modern.done


@pytest.mark.parametrize("name", ["asterisk-1.4", "asterisk-1.8", "asterisk-11", "asterisk-12"])
def test_each_transcript_parses_the_same_whole_and_byte_by_byte(name):
    data = b"".join(body for marker, body in sections(name) if marker != "greeting")
    _, whole = parse([data])
    _, bytewise = parse([data[i : i + 1] for i in range(len(data))])
    assert shape(bytewise) == shape(whole)
    assert all(message.name for message in whole)


# -- the client against each version ------------------------------------------------------------
def test_asterisk_1_4_lists_without_eventlist_pong_and_raw_command_output():
    events: list[Message] = []
    with ScriptedServer(legacy_server("asterisk-1.4")) as server, closing(connect(server, events)) as ami:
        assert ami.greeting == "Asterisk Call Manager/1.0"
        assert dict(ami.action(Action="Ping")) == {"Response": "Pong", "ActionID": "2"}
        answer, items = ami.action_list(Action="QueueStatus")
        assert answer["Message"] == "Queue status will follow"
        assert names(items) == ["QueueParams", "QueueMember", "QueueEntry", "QueueStatusComplete"]
        assert names(events) == ["Newchannel"]  # not the list's: to the callback, in order
        _, items = ami.action_list(Action="Status")
        assert names(items) == ["Status", "StatusComplete"] and items[0]["State"] == "Up"
        _, items = ami.action_list(Action="SIPpeers")
        assert names(items) == ["PeerEntry", "PeerEntry", "PeerlistComplete"]
        assert items[-1]["ListItems"] == "2"
        _, items = ami.action_list(Action="DBGet", Family="cidname", Key="100")
        assert names(items) == ["DBGetResponse"] and items[0]["Val"] == "Alice"
        output = ami.action(Action="Command", Command="core show uptime")
        assert output["Response"] == "Follows" and output["ActionID"] == "7"
        assert output["Output"] == [
            "System uptime: 2 hours, 5 minutes, 3 seconds",
            "Last reload: 1 hour, 2 minutes, 40 seconds",
            "",
            "Channel              Location             State   Application(Data)",
            "SIP/bob-08196f60     500@demo:2           Up      Queue(support)",
        ]
        assert ami.disconnect() and ami.error is None
        assert names(events) == ["Newchannel"]  # nothing of any list leaked


def test_asterisk_1_8_both_kinds_of_list_and_dbget_complete_after_its_one_event():
    events: list[Message] = []
    with ScriptedServer(legacy_server("asterisk-1.8")) as server, closing(connect(server, events)) as ami:
        assert ami.greeting == "Asterisk Call Manager/1.1"
        assert ami.action(Action="Ping")["Ping"] == "Pong"
        _, items = ami.action_list(Action="QueueSummary")
        assert names(items) == ["QueueSummary", "QueueSummary", "QueueSummaryComplete"]
        _, items = ami.action_list(Action="SIPpeers")
        assert names(items) == ["PeerEntry", "PeerlistComplete"]
        _, items = ami.action_list(Action="DBGet", Family="cidname", Key="100")
        assert names(items) == ["DBGetResponse"]
        _, items = ami.action_list(Action="CoreShowChannels")
        assert names(items) == ["CoreShowChannelsComplete"]
        # 1.8 to 12 follow DBGet's one event with a DBGetComplete: it came as an event.
        assert names(events) == ["FullyBooted", "DBGetComplete"]
        output = ami.action(Action="Command", Command="core show version")
        assert output.headers("Output") == [
            "Asterisk 1.8.32.3 built by root @ pbx on a x86_64 running Linux on 2015-04-10 12:30:00 UTC"
        ]
        assert ami.disconnect()


def test_asterisk_11_status_voicemail_users_and_command_output_with_blank_lines():
    events: list[Message] = []
    with ScriptedServer(legacy_server("asterisk-11")) as server, closing(connect(server, events)) as ami:
        _, items = ami.action_list(Action="QueueStatus")
        assert names(items) == ["QueueParams", "QueueMember", "QueueStatusComplete"]
        _, items = ami.action_list(Action="Status")
        assert names(items) == ["Status", "StatusComplete"] and items[-1]["Items"] == "1"
        _, items = ami.action_list(Action="VoicemailUsersList")
        assert names(items) == ["VoicemailUserEntry", "VoicemailUserEntryComplete"]
        assert items[0].raw.startswith(b"ActionID: ") and items[0]["NewMessageCount"] == "2"
        output = ami.action(Action="Command", Command="dialplan show demo")
        assert output["Output"][3:] == ["", "-= 1 extension (2 priorities) in 1 context. =-"]
        assert ami.disconnect() and events == []


def test_asterisk_12_bridge_list_and_agents_with_a_bare_lf_header():
    events: list[Message] = []
    with ScriptedServer(legacy_server("asterisk-12")) as server, closing(connect(server, events)) as ami:
        _, items = ami.action_list(Action="BridgeList")
        assert names(items) == ["BridgeListItem", "BridgeListComplete"]
        _, items = ami.action_list(Action="Agents")
        assert names(items) == ["Agents", "AgentsComplete"]
        assert (items[0]["CallStarted"], items[0]["LoggedInTime"]) == ("1417094500", "1417094000")
        assert ami.disconnect() and events == []


def test_faxstats_one_event_list_does_not_wait_for_a_complete():
    events: list[Message] = []
    with ScriptedServer(legacy_server("asterisk-22-faxstats")) as server, closing(connect(server, events)) as ami:
        answer, items = ami.action_list(Action="FAXStats")
        assert answer["Response"] == "Success" and names(items) == ["FAXStats"]
        assert items[0]["CompletedFAXes"] == "4"
        assert ami.action(Action="Ping")["Ping"] == "Pong"
        assert ami.disconnect() and events == []
