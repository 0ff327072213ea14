"""The bare client against servers that misbehave: each fault ends in a clear error within
the client's timeout, with no hang, no traceback, and no socket or thread left behind.

test_client.py already covers a close in the middle of a response, a reset, an oversized
message, a garbage message, a silent greeting, an unanswered Login and a stalled event
list; these are the rest. Every test checks that each socket it opened was closed by the
time it ends (conftest.py checks threads), and measures how long the client took.
"""

from __future__ import annotations

import random
import threading

import pytest

from ami_console.client import AMIClient
from ami_console.protocol import Message, Parser
from ami_console.transport import Transport
from tests.amiserver import GREETING, SLACK, Conn, ScriptedServer, answer_pings, sockets_all_closed, within


def client(server: ScriptedServer, **options) -> AMIClient:
    options.setdefault("timeout", 5)
    return AMIClient(username="admin", secret="adminpass", host=server.address, **options)


def parse(data: bytes) -> list[Message]:
    parser = Parser()
    parser.receive_data(data)
    messages = []
    while (message := parser.next_message()) is not None:
        messages.append(message)
    return messages


# -- a slow server ---------------------------------------------------------------------------------
EVENTS = (
    b"Event: Newchannel\r\nPrivilege: call,all\r\nChannel: PJSIP/alice-00000001\r\n"
    b"CallerIDName: Zo\xc3\xab \xf0\x9f\x93\x9e\r\nUniqueid: 1795660004.1\r\n\r\n"
    b"Event: Newexten\r\nChannel: PJSIP/alice-00000001\r\nApplication: Dial\r\n"
    b"AppData: PJSIP/bob,30,[tT]\r\n\r\n"
)


def test_a_server_writing_one_byte_at_a_time_is_read_right(monkeypatch):
    def trickle(conn: Conn) -> None:
        conn.send_slowly(GREETING, 0.0005)
        login = conn.read_message()
        conn.send_slowly(conn.answer(login, "Response: Success\nMessage: Authentication accepted"), 0.0005)
        request = conn.read_message()
        conn.send_slowly(EVENTS + conn.answer(request, "Response: Success\nPing: Pong"), 0.0005)
        conn.wait_closed()

    reads: list[int] = []
    real_recv = Transport.recv

    def counting_recv(self, timeout):
        data = real_recv(self, timeout)
        if data:
            reads.append(len(data))
        return data

    monkeypatch.setattr(Transport, "recv", counting_recv)
    events: list[Message] = []
    with sockets_all_closed(), ScriptedServer(trickle) as server:
        ami = client(server, event_callback=events.append)
        with within(5):  # the client's timeout; the whole trickle takes well under a second
            assert ami.connect(), ami.error
            response = ami.action(Action="Ping")
        assert dict(response) == {"Response": "Success", "ActionID": "2", "Ping": "Pong"}
        assert [e.fields for e in events] == [m.fields for m in parse(EVENTS)]
        assert events[0]["CallerIDName"] == "Zoë 📞"  # characters cut in pieces, put together
        ami.close()
        assert server.conns[0].wait_closed()
    assert len(reads) > sum(reads) / 4  # the client really saw the bytes a few at a time


def test_a_server_trickling_slower_than_the_timeout_cannot_hold_the_client():
    done = threading.Event()

    def endless(conn: Conn) -> None:
        conn.login()
        conn.read_message()
        conn.trickle(b"Response: Success\r\nActionID: 2\r\nOutput: " + b"x" * 500, done)  # never ends

    with sockets_all_closed(), ScriptedServer(endless) as server:
        ami = client(server, timeout=0.5)
        assert ami.connect(), ami.error
        with within(0.5 + SLACK):
            response = ami.action(Action="Command", Command="core show channels")
        assert response["Message"] == "Timed out after 0.5 s waiting for a response"
        ami.close()
        done.set()


def test_a_greeting_trickling_slower_than_the_timeout():
    done = threading.Event()

    def endless_greeting(conn: Conn) -> None:
        conn.trickle(b"Asterisk Call Manager" + b" " * 500, done)

    with sockets_all_closed(), ScriptedServer(endless_greeting) as server:
        ami = client(server, timeout=0.5)
        with within(0.5 + SLACK):
            assert ami.connect() is False
        assert ami.error == "Timed out after 0.5 s waiting for the greeting"
        assert not ami.connected
        done.set()


# -- a server that stops answering -------------------------------------------------------------------
@pytest.mark.parametrize(
    "auth, script, error",
    [
        ("plain", [b"Asterisk Call Man"], "Timed out after 0.5 s waiting for the greeting"),
        ("md5", [GREETING], "Login failed: Timed out after 0.5 s waiting for a response"),
        (
            "plain",
            [GREETING, b"Response: Success\r\nActionID: 1\r\nMessage: Authentica"],
            "Login failed: Timed out after 0.5 s waiting for a response",
        ),
    ],
    ids=["in-the-greeting", "md5-challenge-unanswered", "half-a-login-answer"],
)
def test_a_server_that_stops_answering_while_we_connect(auth, script, error):
    def stall(conn: Conn) -> None:
        """Send the script's pieces, reading the client's request after the greeting."""
        for data in script:
            conn.send(data)
            if data is not GREETING:
                break
            conn.read_message()  # the first request
        conn.wait_closed()

    with sockets_all_closed(), ScriptedServer(stall) as server:
        ami = client(server, timeout=0.5, auth=auth)
        with within(0.5 + SLACK):
            assert ami.connect() is False
        assert ami.error == error
        assert not ami.connected
        assert server.conns[0].wait_closed()  # the client hung up


def test_a_server_that_stops_in_the_middle_of_a_response_and_resumes_later():
    resume = threading.Event()

    def pause(conn: Conn) -> None:
        conn.login()
        first = conn.read_message()
        whole = conn.answer(first, "Response: Success\nMessage: at last")
        conn.send(whole[:25])
        resume.wait(5)
        conn.send(whole[25:])
        second = conn.read_message()
        conn.reply(second, "Response: Success\nPing: Pong")
        conn.wait_closed()

    late: list[Message] = []
    with sockets_all_closed(), ScriptedServer(pause) as server:
        ami = client(server, timeout=0.5, event_callback=late.append)
        assert ami.connect(), ami.error
        with within(0.5 + SLACK):
            response = ami.action(Action="Command", Command="core show channels")
        assert dict(response) == {
            "Response": "Error",
            "ActionID": "2",
            "Message": "Timed out after 0.5 s waiting for a response",
        }
        assert ami.connected  # the server may still answer: the connection stays usable
        resume.set()
        assert ami.action(Action="Ping")["Ping"] == "Pong"
        # The half received before the timeout was kept and completed, not lost or mangled.
        assert [dict(m) for m in late] == [{"Response": "Success", "ActionID": "2", "Message": "at last"}]
        ami.close()


def test_a_server_that_stops_reading_cannot_block_a_send():
    release = threading.Event()

    def hung(conn: Conn) -> None:
        conn.login()
        release.wait(10)  # reads nothing more: our writes fill its buffers, then block

    with sockets_all_closed(), ScriptedServer(hung, rcvbuf=4096) as server:
        ami = client(server, timeout=0.5)
        assert ami.connect(), ami.error
        with within(0.5 + SLACK):
            response = ami.action(Action="UserEvent", UserEvent="Big", Data="x" * (16 * 2**20))
        assert dict(response) == {"Response": "Error", "Message": "Writing to socket failed: timed out"}
        assert ami.error == "Writing to socket failed: timed out"
        assert not ami.connected  # half an action went out: the stream cannot be trusted
        release.set()


# -- the server going away -------------------------------------------------------------------------------
SHUTDOWN = b"Event: Shutdown\r\nPrivilege: system,all\r\nShutdown: Cleanly\r\nRestart: True\r\n\r\n"


def test_a_server_restarting_while_we_are_connected():
    going_down = threading.Event()

    def old(conn: Conn) -> None:
        conn.login()
        going_down.wait(5)
        conn.send(SHUTDOWN)
        conn.close()

    with sockets_all_closed():
        with ScriptedServer(old) as server:
            port = server.port
            ami = client(server)
            assert ami.connect(), ami.error
            got: list[Message] = []
            reader = threading.Thread(target=lambda: got.extend([ami.read_response(), ami.read_response()]))
            reader.start()  # blocked in read_response() with no timeout, as a reader thread is
            with within(SLACK):
                going_down.set()
                reader.join(SLACK)
            assert not reader.is_alive()
        shutdown, error = got
        assert shutdown.name == "Shutdown" and shutdown["Restart"] == "True"
        assert error["Response"] == "Error"
        assert error["Message"] == "Reading from socket failed: connection closed by Asterisk"
        assert ami.error == error["Message"] and not ami.connected
        # While it is down: refused at once, not a wait for the timeout.
        with within(SLACK):
            assert ami.connect() is False
        assert ami.error == "Connection failed: Connection refused"
        # Back up on the same port: the same client connects again.
        with ScriptedServer(answer_pings, port=port) as restarted:
            assert ami.connect(), ami.error
            assert ami.action(Action="Ping")["Ping"] == "Pong"
            assert ami.error is None
            ami.close()
            assert restarted.conns[0].wait_closed()


@pytest.mark.parametrize("how", ["close", "reset", "close-mid-event"])
def test_a_reader_blocked_without_timeout_wakes_when_the_server_goes(how):
    go = threading.Event()

    def vanish(conn: Conn) -> None:
        conn.login()
        go.wait(5)
        if how == "reset":
            conn.reset()
            return
        if how == "close-mid-event":
            conn.send(b"Event: Hangup\r\nChannel: PJSIP/al")
        conn.close()

    with sockets_all_closed(), ScriptedServer(vanish) as server:
        ami = client(server)
        assert ami.connect(), ami.error
        got: list[Message] = []
        reader = threading.Thread(target=lambda: got.append(ami.read_response()))
        reader.start()
        with within(SLACK):
            go.set()
            reader.join(SLACK)
        assert not reader.is_alive()
        assert got[0]["Response"] == "Error"
        expected = {
            "close": "Reading from socket failed: connection closed by Asterisk",
            "reset": "Reading from socket failed: Connection reset by peer",
            "close-mid-event": ("Reading from socket failed: connection closed by Asterisk in the middle of a message"),
        }[how]
        assert got[0]["Message"] == ami.error == expected
        assert not ami.connected


# -- failed logins ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("auth", ["plain", "md5"])
def test_a_failed_login_answered_and_closed_in_one_go(auth):
    """Asterisk answers a bad login and hangs up; both may arrive in the same read."""

    def refuse(conn: Conn) -> None:
        conn.send(GREETING)
        request = conn.read_message()
        if auth == "md5":
            conn.reply(request, "Response: Success\nChallenge: 970802021")
            request = conn.read_message()
        conn.send(conn.answer(request, "Response: Error\nMessage: Authentication failed"))
        conn.close()

    with sockets_all_closed(), ScriptedServer(refuse) as server:
        ami = client(server, auth=auth)
        with within(SLACK):
            assert ami.connect() is False
        assert ami.error == "Login failed: Authentication failed"  # Asterisk's words, not the close
        assert not ami.connected


def test_after_a_failed_login_and_close_connect_can_succeed_again():
    attempts: list[int] = []

    def second_time_lucky(conn: Conn) -> None:
        attempts.append(1)
        conn.send(GREETING)
        request = conn.read_message()
        if len(attempts) == 1:
            conn.reply(request, "Response: Error\nMessage: Authentication failed")
            conn.close()
            return
        conn.reply(request, "Response: Success\nMessage: Authentication accepted")
        ping = conn.read_message()
        conn.reply(ping, "Response: Success\nPing: Pong")
        conn.wait_closed()

    with sockets_all_closed(), ScriptedServer(second_time_lucky) as server:
        ami = client(server)
        assert ami.connect() is False
        assert ami.error == "Login failed: Authentication failed"
        assert ami.connect() is True and ami.error is None
        assert ami.greeting == "Asterisk Call Manager/11.0.0"
        assert ami.action(Action="Ping")["Ping"] == "Pong"
        ami.close()


# -- garbage ------------------------------------------------------------------------------------------------
def noise(size: int, seed: int) -> bytes:
    """Random bytes, much of them invalid UTF-8, ending with a blank line."""
    return random.Random(seed).randbytes(size) + b"\r\n\r\n"


def test_bursts_of_non_utf8_bytes_between_events():
    one = b"Event: Newchannel\r\nChannel: PJSIP/alice-00000001\r\nCallerIDName: Zo\xc3\xab\r\n\r\n"
    two = b"Event: Hangup\r\nChannel: PJSIP/alice-00000001\r\nCause-txt: Normal Clearing\r\n\r\n"
    burst = one + noise(60_000, 1) + two + noise(30_000, 2) + b"\xff\xfe\xc3(: \x80\r\n\r\n"

    def spew(conn: Conn) -> None:
        conn.login()
        request = conn.read_message()
        conn.send(burst)
        conn.reply(request, "Response: Success\nPing: Pong")
        conn.wait_closed()

    others: list[Message] = []
    with sockets_all_closed(), ScriptedServer(spew) as server:
        ami = client(server, event_callback=others.append)
        assert ami.connect(), ami.error
        with within(SLACK):
            response = ami.action(Action="Ping")
        assert dict(response) == {"Response": "Success", "ActionID": "2", "Ping": "Pong"}
        assert ami.error is None and ami.connected
        # Everything in the burst came through, in order, cut where a parser given it
        # whole cuts it, however the reads split it.
        assert [m.raw for m in others] == [m.raw for m in parse(burst)]
        named = [m for m in others if m.name in ("Newchannel", "Hangup")]
        assert [m.fields for m in named] == [parse(one)[0].fields, parse(two)[0].fields]
        assert named[0]["CallerIDName"] == "Zoë"
        garbage = [m for m in others if m not in named]
        assert garbage and all("\ufffd" in "".join(m.lines) for m in garbage)
        ami.close()


@pytest.mark.parametrize(
    "first_bytes",
    [b"\xff\xfe\x00\x01 binary\r\n", b"\x16\x03\x01\x02\x00" + b"\x01" * 9000],
    ids=["non-utf8-line", "endless-binary-line"],
)
def test_binary_instead_of_a_greeting_is_refused_at_once(first_bytes):
    def binary(conn: Conn) -> None:
        conn.send(first_bytes)
        conn.wait_closed()

    with sockets_all_closed(), ScriptedServer(binary) as server:
        ami = client(server, timeout=5)
        with within(SLACK):  # well before the 5 s timeout: no need to wait for a line end
            assert ami.connect() is False
        assert ami.error == "Unknown Protocol"
        assert not ami.connected
        assert server.conns[0].wait_closed()
