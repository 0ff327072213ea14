"""AMIClient against loopback servers that replay captures or follow small scripts."""

from __future__ import annotations

import hashlib
import io
import socket
import threading
import time

import pytest

from ami_console.client import AMIClient, AMIError
from ami_console.protocol import Message, Parser
from tests.amiserver import GREETING, Conn, ScriptedServer, answer_pings, replayer
from tests.captures import parse, received
from tests.waiting import wait_until


def parse_capture(name: str) -> tuple[Parser, list[Message]]:
    return parse([received(name)], greeting=True)


def client(server: ScriptedServer, **options) -> AMIClient:
    options.setdefault("timeout", 5)
    options.setdefault("secret", "adminpass")
    return AMIClient(username="admin", host=server.address, **options)


# -- constructor ---------------------------------------------------------------------------
@pytest.mark.parametrize("missing", ["username", "secret"])
def test_username_and_secret_are_required(missing):
    options = {"username": "admin", "secret": "x", missing: None}
    with pytest.raises(ValueError, match=f"^Required parameter '{missing}' not defined$"):
        AMIClient(**options)


@pytest.mark.parametrize(
    "host, port, expected",
    [
        ("localhost", 5038, ("localhost", 5038)),
        ("pbx.example.org:6000", 5038, ("pbx.example.org", 6000)),
        ("pbx.example.org", 7000, ("pbx.example.org", 7000)),
        ("[2001:db8::1]:5039", 5038, ("2001:db8::1", 5039)),
        ("[::1]", 5040, ("::1", 5040)),
        ("2001:db8::1", 5038, ("2001:db8::1", 5038)),
        ("192.0.2.7:5555", 5038, ("192.0.2.7", 5555)),
    ],
)
def test_host_forms(host, port, expected):
    ami = AMIClient(username="u", secret="s", host=host, port=port)
    assert (ami.host, ami.port) == expected


def test_defaults_follow_the_manual():
    ami = AMIClient(username="u", secret="s")
    assert (ami.host, ami.port, ami.next_action_id, ami.timeout) == ("localhost", 5038, "1", 10)
    assert ami.error is None and not ami.connected


def test_repr_never_shows_the_secret():
    ami = AMIClient(username="admin", secret="hunter2-very-secret")
    assert "hunter2" not in repr(ami) and "admin" in repr(ami)


# -- a whole session replayed from the capture ------------------------------------------------
def test_session_capture_connect_actions_events_and_action_ids():
    events: list[Message] = []
    with ScriptedServer(replayer("session1")) as server:
        ami = client(server, event_callback=events.append)
        assert ami.connect() is True and ami.error is None
        assert ami.greeting == "Asterisk Call Manager/11.0.0"
        ping = ami.action(Action="Ping")
        assert ping["Response"] == "Success" and ping["Ping"] == "Pong"
        assert ping["ActionID"] == "2"  # Login took 1; values are strings, as they arrive
        settings = ami.action({"Action": "CoreSettings"})
        assert settings["AsteriskVersion"] == "22.10.1" and settings["ActionID"] == "3"
        commands = ami.action(Action="ListCommands")
        assert "Originate" in commands and commands["ActionID"] == "4"
        version = ami.action(Action="Command", Command="core show version")
        assert version["Output"].startswith("Asterisk 22.10.1")
        originate = ami.action(
            Action="Originate",
            Channel="Local/100@demo",
            Application="Wait",
            Data="3",
            Async="true",
            CallerID='"AMI test" <1234>',
        )
        assert originate["Message"] == "Originate successfully queued"
        # Events that came before each response went to the callback, in order.
        assert [e.name for e in events[:2]] == ["FullyBooted", "SuccessfulAuth"]
        _, captured = parse_capture("session1")
        after = [m.name for m in captured[captured.index(originate) + 1 :]]
        rest = [ami.read_response(timeout=2) for _ in after]
        names = [m.name for m in rest]
        assert names == after
        assert names[:2] == ["Newchannel", "Newchannel"] and names[-1] == "DeviceStateChange"
        assert "OriginateResponse" in names and "Cdr" in names
        assert next(m for m in rest if m.name == "OriginateResponse")["ActionID"] == "6"
        assert all(m.name not in names for m in events[2:])  # read_response skips the callback
        ami.close()
    sent = server.conns[0].messages
    assert [m.header("Action") for m in sent] == [
        "Login",
        "Ping",
        "CoreSettings",
        "ListCommands",
        "Command",
        "Originate",
    ]
    assert sent[0].fields == [("Action", "Login"), ("ActionID", "1"), ("Username", "admin"), ("Secret", "adminpass")]
    assert sent[5].fields[:2] == [("Action", "Originate"), ("ActionID", "6")]


def test_action_id_starts_where_asked():
    with ScriptedServer(replayer("logoff")) as server:
        ami = client(server, action_id=100, events="off")
        assert ami.connect()
        assert ami.disconnect() is True and ami.error is None
    sent = server.conns[0].messages
    assert [m.action_id for m in sent] == ["100", "101"]
    assert sent[0]["Events"] == "off"
    assert not ami.connected


def test_connect_again_after_disconnect():
    with ScriptedServer(replayer("logoff")) as server:
        ami = client(server, events="off")
        assert ami.connect() and ami.disconnect()
        assert ami.connect() and ami.disconnect()
    assert len(server.conns) == 2


# -- login failures ----------------------------------------------------------------------------
@pytest.mark.parametrize("capture", ["failed_login", "failed_login_unknown_user"])
def test_failed_login_reports_asterisks_message_and_leaves_us_disconnected(capture):
    with ScriptedServer(replayer(capture)) as server:
        ami = client(server)
        assert ami.connect() is False
        assert ami.error == "Login failed: Authentication failed"
        assert not ami.connected
        response = ami.action(Action="Ping")
        assert dict(response) == {"Response": "Error", "Message": "Not connected to Asterisk!"}
        assert ami.error == "Not connected to Asterisk!"


def test_md5_challenge_login_sends_the_digest_never_the_secret():
    with ScriptedServer(replayer("challenge_login")) as server:
        ami = client(server, auth="md5")
        assert ami.connect(), ami.error
        assert ami.action(Action="Ping")["Ping"] == "Pong"
        assert ami.disconnect()
    challenge, login = server.conns[0].messages[:2]
    assert challenge.fields == [("Action", "Challenge"), ("ActionID", "1"), ("AuthType", "MD5")]
    assert login["AuthType"] == "MD5" and "Secret" not in login
    assert login["Key"] == hashlib.md5(b"970802021adminpass").hexdigest()
    assert login["Key"] == "cef290e58892af04c9132e700a031078"  # what the capture's client sent
    assert b"adminpass" not in bytes(server.conns[0].received)


def test_md5_login_with_a_wrong_key_fails():
    with ScriptedServer(replayer("challenge_login_bad")) as server:
        ami = client(server, auth="md5", secret="wrong")
        # The capture begins with a Challenge lacking AuthType; we always send it, so the
        # replay's first answer is the "Must specify AuthType" error.
        assert ami.connect() is False
        assert ami.error == "Login failed: Must specify AuthType"


def test_unknown_protocol():
    def ssh(conn: Conn) -> None:
        conn.send(b"SSH-2.0-OpenSSH_9.2p1\r\n")
        conn.wait_closed()

    with ScriptedServer(ssh) as server:
        ami = client(server)
        assert ami.connect() is False
        assert ami.error == "Unknown Protocol"
        assert not ami.connected


def test_connection_refused():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ami = AMIClient(username="a", secret="b", host=f"127.0.0.1:{port}", timeout=2)
    assert ami.connect() is False
    assert ami.error == "Connection failed: Connection refused"


def test_unknown_host():
    ami = AMIClient(username="a", secret="b", host="no-such-host.invalid", timeout=2)
    assert ami.connect() is False
    assert ami.error.startswith("Connection failed: unknown host")


def test_silent_server_times_out_waiting_for_the_greeting():
    with ScriptedServer(lambda conn: conn.wait_closed()) as server:
        ami = client(server, timeout=0.3)
        started = time.monotonic()
        assert ami.connect() is False
        assert time.monotonic() - started < 2
        assert ami.error == "Timed out after 0.3 s waiting for the greeting"


def test_server_that_greets_then_never_answers_login():
    def mute(conn: Conn) -> None:
        conn.send(GREETING)
        conn.wait_closed()

    with ScriptedServer(mute) as server:
        ami = client(server, timeout=0.3)
        assert ami.connect() is False
        assert ami.error == "Login failed: Timed out after 0.3 s waiting for a response"
        assert not ami.connected


def test_server_closing_right_after_the_greeting():
    def rude(conn: Conn) -> None:
        conn.send(GREETING)
        conn.read_message()
        conn.close()

    with ScriptedServer(rude) as server:
        ami = client(server)
        assert ami.connect() is False
        assert ami.error == "Login failed: Reading from socket failed: connection closed by Asterisk"


def test_context_manager_connects_and_logs_off():
    with ScriptedServer(replayer("logoff")) as server:
        with client(server, events="off") as ami:
            assert ami.connected
        assert not ami.connected
    assert [m.header("Action") for m in server.conns[0].messages] == ["Login", "Logoff"]


def test_context_manager_raises_when_it_cannot_connect():
    with ScriptedServer(replayer("failed_login")) as server:
        with pytest.raises(AMIError, match="^Login failed: Authentication failed$") as caught:
            with client(server, secret="wrongsecret"):
                pass
    assert "wrongsecret" not in str(caught.value)


def test_logoff_failed():
    def refuse_logoff(conn: Conn) -> None:
        conn.login()
        request = conn.read_message()
        conn.reply(request, "Response: Error\nMessage: Not today")
        conn.wait_closed()

    with ScriptedServer(refuse_logoff) as server:
        ami = client(server)
        assert ami.connect()
        assert ami.disconnect() is False
        assert ami.error == "Logoff failed: Not today"
        assert not ami.connected


# -- correlation ------------------------------------------------------------------------------
def test_a_response_with_another_action_id_is_never_this_actions_answer():
    def confused(conn: Conn) -> None:
        conn.login()
        request = conn.read_message()
        conn.send("Response: Success\r\nActionID: 999\r\nMessage: stale\r\n\r\n")
        conn.send("Event: Newchannel\r\nChannel: PJSIP/alice-00000001\r\n\r\n")
        conn.reply(request, "Response: Success\nPing: Pong")
        conn.wait_closed()

    others: list[Message] = []
    with ScriptedServer(confused) as server:
        ami = client(server, event_callback=others.append)
        assert ami.connect()
        response = ami.action(Action="Ping")
        assert response["Ping"] == "Pong" and response["ActionID"] == "2"
        assert [(m.name, m.action_id) for m in others] == [("Success", "999"), ("Newchannel", None)]
        ami.close()


def test_a_response_without_action_id_is_returned():
    """Asterisk answers a request it cannot parse without an ActionID (errors capture)."""

    def no_id(conn: Conn) -> None:
        conn.login()
        conn.read_message()
        conn.send(b"Response: Success\r\n")  # split in two writes, as captured
        conn.send(b"Ping: Pong\r\nTimestamp: 1795660056.652628\r\n\r\n")
        conn.wait_closed()

    with ScriptedServer(no_id) as server:
        ami = client(server)
        assert ami.connect()
        response = ami.action(Action="Ping")
        assert dict(response) == {"Response": "Success", "Ping": "Pong", "Timestamp": "1795660056.652628"}
        ami.close()


def test_an_event_carrying_response_and_our_action_id_is_not_the_response():
    def async_originate(conn: Conn) -> None:
        conn.login()
        request = conn.read_message()
        conn.send(f"Event: OriginateResponse\r\nActionID: {request.action_id}\r\nResponse: Failure\r\n\r\n")
        conn.reply(request, "Response: Success\nMessage: Originate successfully queued")
        conn.wait_closed()

    events: list[Message] = []
    with ScriptedServer(async_originate) as server:
        ami = client(server, event_callback=events.append)
        assert ami.connect()
        response = ami.action(Action="Originate", Channel="Local/999@demo", Application="Wait")
        assert response["Response"] == "Success"
        assert [e.name for e in events] == ["OriginateResponse"]
        ami.close()


# -- event lists ---------------------------------------------------------------------------------
def test_action_list_collects_the_items_of_each_list():
    with ScriptedServer(replayer("lists")) as server:
        ami = client(server, events="off")
        assert ami.connect()
        response, items = ami.action_list(Action="QueueStatus")
        assert response["EventList"] == "start"
        assert [m.name for m in items] == ["QueueParams", "QueueMember", "QueueStatusComplete"]
        assert items[-1]["ListItems"] == "2"
        _, summary = ami.action_list(Action="QueueSummary")
        assert [m.name for m in summary] == ["QueueSummary", "QueueSummaryComplete"]
        _, status = ami.action_list(Action="Status")
        assert [m.name for m in status] == ["StatusComplete"]
        _, dialplan = ami.action_list(Action="ShowDialPlan", Context="demo")
        assert len(dialplan) == 17 and dialplan[-1]["ListItems"] == "16"
        assert dialplan[5]["AppData"] == "CALLTYPE=echo"
        # A plain action through action_list: no list, no items.
        status, none = ami.action_list(Action="CoreStatus")
        assert status["CoreProcessedCalls"] == "7" and none == []
        ami.close()


def test_action_list_with_other_traffic_interleaved():
    def busy(conn: Conn) -> None:
        conn.login()
        request = conn.read_message()
        aid = request.action_id
        conn.send("Event: Newchannel\r\nChannel: A\r\n\r\n")
        conn.reply(request, "Response: Success\nEventList: Start\nMessage: Channels will follow")
        conn.send(f"Event: CoreShowChannel\r\nActionID: {aid}\r\nChannel: A\r\n\r\n")
        conn.send("Event: Hangup\r\nChannel: B\r\n\r\n")
        conn.send("Event: CoreShowChannel\r\nActionID: 77\r\nChannel: other\r\n\r\n")
        conn.send(f"Event: CoreShowChannelsComplete\r\nActionID: {aid}\r\nEventList: Complete\r\nListItems: 1\r\n\r\n")
        conn.wait_closed()

    others: list[Message] = []
    with ScriptedServer(busy) as server:
        ami = client(server, event_callback=others.append)
        assert ami.connect()
        response, items = ami.action_list(Action="CoreShowChannels")
        assert [m.name for m in items] == ["CoreShowChannel", "CoreShowChannelsComplete"]
        assert [m.name for m in others] == ["Newchannel", "Hangup", "CoreShowChannel"]
        ami.close()


def test_action_list_error_response_has_no_items():
    def denied(conn: Conn) -> None:
        conn.login()
        request = conn.read_message()
        conn.reply(request, "Response: Error\nMessage: Permission denied")
        conn.wait_closed()

    with ScriptedServer(denied) as server:
        ami = client(server)
        assert ami.connect()
        response, items = ami.action_list(Action="CoreShowChannels")
        assert response["Message"] == "Permission denied" and items == []
        assert ami.error is None  # an Error response from Asterisk is not a client error
        ami.close()


def test_action_list_that_stalls_returns_what_arrived_and_a_timeout():
    def stall(conn: Conn) -> None:
        conn.login()
        request = conn.read_message()
        conn.reply(request, "Response: Success\nEventList: start")
        conn.send(f"Event: CoreShowChannel\r\nActionID: {request.action_id}\r\n\r\n")
        conn.wait_closed()

    with ScriptedServer(stall) as server:
        ami = client(server, timeout=0.3)
        assert ami.connect()
        response, items = ami.action_list(Action="CoreShowChannels")
        assert response["Message"] == "Event list incomplete: timed out after 0.3 s, 1 item received"
        assert response["ActionID"] == "2"
        assert [m.name for m in items] == ["CoreShowChannel"]
        ami.close()


# -- timeouts and failures ---------------------------------------------------------------------------
def test_read_response_timeout_returns_none_and_the_connection_stays_usable():
    def slow(conn: Conn) -> None:
        conn.login()
        request = conn.read_message()
        conn.reply(request, "Response: Success\nPing: Pong")
        conn.wait_closed()

    with ScriptedServer(slow) as server:
        ami = client(server)
        assert ami.connect()
        started = time.monotonic()
        assert ami.read_response(timeout=0.2) is None
        assert 0.15 < time.monotonic() - started < 2
        assert ami.error is None and ami.connected
        assert ami.action(Action="Ping")["Ping"] == "Pong"
        ami.close()


def test_action_timeout_gives_a_made_up_error_and_a_late_answer_goes_to_the_callback():
    release = threading.Event()

    def late(conn: Conn) -> None:
        conn.login()
        first = conn.read_message()
        release.wait(5)
        conn.reply(first, "Response: Success\nMessage: late")
        second = conn.read_message()
        conn.reply(second, "Response: Success\nPing: Pong")
        conn.wait_closed()

    others: list[Message] = []
    with ScriptedServer(late) as server:
        ami = client(server, timeout=0.3, event_callback=others.append)
        assert ami.connect()
        started = time.monotonic()
        response = ami.action(Action="Command", Command="core show channels")
        assert time.monotonic() - started < 2
        assert dict(response) == {
            "Response": "Error",
            "ActionID": "2",
            "Message": "Timed out after 0.3 s waiting for a response",
        }
        assert ami.error == "Timed out after 0.3 s waiting for a response"
        assert response.raw == b""  # made up by the client, not received
        release.set()
        assert ami.action(Action="Ping")["Ping"] == "Pong"
        assert [(m["Message"], m.action_id) for m in others] == [("late", "2")]
        ami.close()


def test_peer_closing_mid_message():
    def half(conn: Conn) -> None:
        conn.login()
        conn.read_message()
        conn.send(b"Response: Success\r\nActionID: 2\r\nPing: Po")
        conn.close()

    with ScriptedServer(half) as server:
        ami = client(server)
        assert ami.connect()
        response = ami.action(Action="Ping")
        assert response["Response"] == "Error"
        assert ami.error == ("Reading from socket failed: connection closed by Asterisk in the middle of a message")
        assert response["Message"] == ami.error
        assert not ami.connected
        assert ami.read_response()["Message"] == "Not connected to Asterisk!"
        assert ami.send_action(Action="Ping") is None and ami.error == "Not connected to Asterisk!"


def test_peer_reset():
    def reset(conn: Conn) -> None:
        conn.login()
        conn.read_message()
        conn.reset()

    with ScriptedServer(reset) as server:
        ami = client(server)
        assert ami.connect()
        response = ami.action(Action="Ping")
        assert response["Response"] == "Error"
        assert ami.error.startswith("Reading from socket failed: ")
        assert not ami.connected


def test_writing_to_a_dead_socket():
    with ScriptedServer(lambda conn: (conn.login(), conn.wait_closed())) as server:
        ami = client(server)
        assert ami.connect()
        ami._transport._sock.shutdown(socket.SHUT_WR)  # the write side is gone
        response = ami.action(Action="Ping")
        assert dict(response) == {"Response": "Error", "Message": "Writing to socket failed: Broken pipe"}
        assert ami.error == "Writing to socket failed: Broken pipe"
        assert not ami.connected


def test_an_oversized_message_is_skipped_with_a_clear_error():
    def huge(conn: Conn) -> None:
        conn.login()
        request = conn.read_message()
        conn.send(b"Event: Huge\r\nData: " + b"x" * 50000 + b"\r\n\r\n")
        conn.reply(request, "Response: Success\nPing: Pong")
        conn.wait_closed()

    with ScriptedServer(huge) as server:
        ami = client(server, max_message_size=4096)
        assert ami.connect()
        ami.send_action(Action="Ping")
        error = ami.read_response(timeout=2)
        assert error["Response"] == "Error"
        assert error["Message"] == "Protocol error: message larger than the 4096-byte limit; it was skipped"
        assert ami.read_response(timeout=2)["Ping"] == "Pong"  # nothing else lost
        ami.close()


def test_garbage_and_non_utf8_bytes_do_not_break_the_stream():
    def garbage(conn: Conn) -> None:
        conn.login()
        request = conn.read_message()
        conn.send(b"\x00\xff\xfe garbage without colon\r\n\xc3\x28: bad\r\n\r\n")
        conn.reply(request, "Response: Success\nName: caf\xe9")
        conn.wait_closed()

    others: list[Message] = []
    with ScriptedServer(garbage) as server:
        ami = client(server, event_callback=others.append)
        assert ami.connect()
        response = ami.action(Action="Ping")
        assert response["Response"] == "Success" and response["Name"] == "café"
        assert len(others) == 1 and others[0].lines[0].endswith("garbage without colon")
        ami.close()


def test_legacy_command_output_is_read_as_output_lines():
    def asterisk13(conn: Conn) -> None:
        conn.send(b"Asterisk Call Manager/2.10.6\r\n")
        login = conn.read_message()
        conn.reply(login, "Response: Success\nMessage: Authentication accepted")
        command = conn.read_message()
        conn.send(
            f"Response: Follows\r\nPrivilege: Command\r\nActionID: {command.action_id}\r\n"
            "Asterisk 13.38.3 built by root\n\nUptime: 5 minutes\n--END COMMAND--\r\n\r\n"
        )
        conn.wait_closed()

    with ScriptedServer(asterisk13) as server:
        ami = client(server)
        assert ami.connect()
        response = ami.action(Action="Command", Command="core show version")
        assert response["Output"] == ["Asterisk 13.38.3 built by root", "", "Uptime: 5 minutes"]
        ami.close()


# -- threads ---------------------------------------------------------------------------------------
def test_send_from_one_thread_while_another_reads():
    with ScriptedServer(answer_pings) as server:
        ami = client(server)
        assert ami.connect()
        answered: list[str] = []

        def reader() -> None:
            while len(answered) < 200:
                message = ami.read_response(timeout=5)
                if message is None or message["Response"] == "Error":
                    return
                answered.append(message.action_id)

        thread = threading.Thread(target=reader)
        thread.start()
        sent: list[str] = []
        lock = threading.Lock()

        def sender() -> None:
            for _ in range(50):
                action_id = ami.send_action(Action="Ping")
                with lock:
                    sent.append(action_id)

        senders = [threading.Thread(target=sender) for _ in range(4)]
        for s in senders:
            s.start()
        for s in senders:
            s.join(10)
        thread.join(10)
        assert len(sent) == len(set(sent)) == 200  # ActionIDs never repeat
        assert sorted(answered, key=int) == sorted(sent, key=int)
        ami.close()
    # Every request arrived whole: writes never interleave.
    assert len(server.conns[0].messages) == 201


def test_close_wakes_a_blocked_reader_at_once():
    with ScriptedServer(lambda conn: (conn.login(), conn.wait_closed())) as server:
        ami = client(server)
        assert ami.connect()
        results: list[Message] = []
        reader = threading.Thread(target=lambda: results.append(ami.read_response()))
        reader.start()
        time.sleep(0.05)  # let the reader block; correctness does not depend on it
        started = time.monotonic()
        ami.close()
        reader.join(2)
        assert not reader.is_alive() and time.monotonic() - started < 1
        assert results[0]["Response"] == "Error"
        assert results[0]["Message"].startswith("Reading from socket failed: connection closed")
        assert server.conns[0].wait_closed()


# -- IPv6 --------------------------------------------------------------------------------------------
def test_ipv6_loopback():
    with ScriptedServer(replayer("logoff"), host="::1") as server:
        assert server.address.startswith("[::1]:")
        ami = client(server, events="off")
        assert ami.connect(), ami.error
        assert ami.disconnect()
        bare = AMIClient(username="admin", secret="adminpass", host="::1", port=server.port, events="off")
        assert bare.connect(), bare.error
        assert bare.disconnect()


# -- the debug transcript -------------------------------------------------------------------------------
def test_debug_transcript_prefixes_lines_and_masks_the_secret():
    transcript = io.StringIO()
    with ScriptedServer(replayer("logoff")) as server:
        ami = client(server, debug_file=transcript, events="off")
        assert ami.connect() and ami.disconnect()
    text = transcript.getvalue()
    assert "adminpass" not in text
    assert text.splitlines()[:8] == [
        "<< Asterisk Call Manager/11.0.0",
        ">> Action: Login",
        ">> ActionID: 1",
        ">> Username: admin",
        ">> Secret: ********",
        ">> Events: off",
        ">> ",
        "<< Response: Success",
    ]
    assert "<< Message: Thanks for all the fish." in text


def test_debug_transcript_masks_the_md5_key(capsys):
    with ScriptedServer(replayer("challenge_login")) as server:
        ami = client(server, auth="md5", debug=True)
        assert ami.connect() and ami.action(Action="Ping") and ami.disconnect()
    err = capsys.readouterr().err
    assert ">> Key: ********" in err
    assert "cef290e58892af04c9132e700a031078" not in err and "adminpass" not in err
    assert "<< Challenge: 970802021" in err


# -- refusing malformed actions -------------------------------------------------------------------------
def test_line_breaks_are_refused_before_anything_is_sent():
    with ScriptedServer(lambda conn: (conn.login(), conn.wait_closed())) as server:
        ami = client(server)
        assert ami.connect()
        before = ami.next_action_id
        with pytest.raises(ValueError, match="Value of 'Command' holds a line break"):
            ami.action(Action="Command", Command="core show version\r\nAction: Originate")
        with pytest.raises(ValueError, match="Required parameter 'Action' not defined"):
            ami.send_action(Command="x")
        with pytest.raises(ValueError, match="ActionID"):
            ami.send_action(Action="Ping", ActionID="mine")
        assert ami.next_action_id == before  # nothing consumed
        ami.close()
        assert server.conns[0].wait_closed()
    assert [m.header("Action") for m in server.conns[0].messages] == ["Login"]


def test_pairs_keep_repeated_headers_in_order():
    def record(conn: Conn) -> None:
        conn.login()
        while (request := conn.read_message()) is not None:
            conn.reply(request, "Response: Success\nMessage: Originate successfully queued")

    with ScriptedServer(record) as server:
        ami = client(server)
        assert ami.connect()
        ami.action(
            [
                ("Action", "Originate"),
                ("Channel", "Local/100@demo"),
                ("Variable", "A=1"),
                ("Application", "Wait"),
                ("Variable", "B=[2]"),
            ]
        )
        ami.action({"Action": "Originate", "Variable": ["C=3", "D=4"]})
        ami.close()
    first, second = server.conns[0].messages[1:]
    assert first.fields == [
        ("Action", "Originate"),
        ("ActionID", "2"),
        ("Channel", "Local/100@demo"),
        ("Variable", "A=1"),
        ("Application", "Wait"),
        ("Variable", "B=[2]"),
    ]
    assert second.fields == [("Action", "Originate"), ("ActionID", "3"), ("Variable", "C=3"), ("Variable", "D=4")]


# -- cancelling a connect from another thread -------------------------------------------------------------
def _connect_in_thread(ami: AMIClient) -> tuple[threading.Thread, list]:
    outcome: list = []
    thread = threading.Thread(target=lambda: outcome.append((ami.connect(), ami.error)))
    thread.start()
    return thread, outcome


def test_close_stops_a_connect_stuck_in_the_tcp_handshake():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)  # a full accept queue: further SYNs go unanswered
        port = listener.getsockname()[1]
        fillers = [socket.socket() for _ in range(4)]
        for filler in fillers:
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
        try:
            ami = AMIClient(username="a", secret="b", host=f"127.0.0.1:{port}", timeout=30)
            thread, outcome = _connect_in_thread(ami)
            time.sleep(0.2)  # let it reach the handshake; the result does not depend on it
            started = time.monotonic()
            ami.close()
            thread.join(2)
            assert not thread.is_alive() and time.monotonic() - started < 1
            assert outcome[0][0] is False
        finally:
            for filler in fillers:
                filler.close()


def test_close_stops_a_connect_waiting_for_a_silent_server():
    with ScriptedServer(lambda conn: conn.wait_closed()) as server:
        ami = client(server, timeout=30)
        thread, outcome = _connect_in_thread(ami)
        wait_until(lambda: server.conns)
        started = time.monotonic()
        ami.close()
        thread.join(2)
        assert not thread.is_alive() and time.monotonic() - started < 1
        assert outcome == [(False, "Connection failed: cancelled")]
