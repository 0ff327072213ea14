"""The console's session: one reader thread routing responses, list items and events."""

from __future__ import annotations

import threading
import time

from ami_console.files.profiles import ConnectionSettings
from ami_console.protocol import Message
from ami_console.ui.session import ConnectedInfo, Exchange, Session
from tests.amiserver import Conn, ScriptedServer
from tests.captures import capture_messages

SESSION1 = capture_messages("session1")


class Recorder:
    def __init__(self) -> None:
        self.events: list[Message] = []
        self.batches = 0
        self.finished: list[Exchange] = []
        self.lost: list[str] = []
        self.problems: list[str] = []

    def events_received(self, events: list[Message]) -> None:
        self.batches += 1
        self.events.extend(events)

    def exchange_finished(self, exchange: Exchange) -> None:
        self.finished.append(exchange)

    def connection_lost(self, reason: str) -> None:
        self.lost.append(reason)

    def problem(self, text: str) -> None:
        self.problems.append(text)


def wait_until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.005)


def answer_like(conn: Conn, request: Message, model: Message) -> None:
    lines = [line for line in model.lines if not line.lower().startswith("actionid:")]
    lines.insert(1, f"ActionID: {request.action_id}")
    conn.send("".join(line + "\r\n" for line in lines) + "\r\n")


def pbx(script):
    """A handler that logs in, answers the session's CoreSettings and ListCommands, then runs ``script``."""

    def handler(conn: Conn) -> None:
        conn.login(events="Event: FullyBooted\r\nPrivilege: system,all\r\nStatus: Fully Booted\r\n\r\n")
        answer_like(conn, conn.read_message(), SESSION1[4])  # CoreSettings
        answer_like(conn, conn.read_message(), SESSION1[5])  # ListCommands
        script(conn)

    return handler


class Running:
    """A connected session with its reader thread, stopped on exit."""

    def __init__(self, server: ScriptedServer, **settings) -> None:
        self.recorder = Recorder()
        options = {"host": "127.0.0.1", "port": server.port, "username": "admin", "secret": "x", "timeout": 5}
        self.session = Session(ConnectionSettings(**{**options, **settings}), self.recorder)
        self.stop = threading.Event()

    def __enter__(self) -> Running:
        self.info = self.session.connect()
        assert isinstance(self.info, ConnectedInfo), self.info
        self.thread = threading.Thread(target=self.session.read_loop, args=(self.stop.is_set,))
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop.set()
        self.session.cancel()
        self.thread.join(5)
        assert not self.thread.is_alive()


def test_connect_learns_versions_and_actions():
    with ScriptedServer(pbx(lambda conn: conn.wait_closed())) as server:
        with Running(server) as running:
            info = running.info
            assert (info.greeting, info.ami_version, info.asterisk_version) == (
                "Asterisk Call Manager/11.0.0",
                "11.0.0",
                "22.10.1",
            )
            assert info.commands["Originate"] == "Originate a call."
            # The event that came with the login reaches the log first.
            wait_until(lambda: running.recorder.events)
            assert running.recorder.events[0].name == "FullyBooted"


def test_connect_failure_is_returned_in_words():
    with ScriptedServer(lambda conn: (conn.send(b"SSH-2.0-x\r\n"), conn.wait_closed())) as server:
        session = Session(ConnectionSettings(host="127.0.0.1", port=server.port, username="a"), Recorder())
        assert session.connect() == "Unknown Protocol"


def test_responses_go_to_their_exchange_and_events_to_the_log():
    def script(conn: Conn) -> None:
        first = conn.read_message()
        second = conn.read_message()
        conn.send("Event: Newchannel\r\nChannel: PJSIP/alice-1\r\n\r\n")
        conn.reply(second, "Response: Success\nPing: Pong")
        conn.reply(first, "Response: Error\nMessage: Permission denied")
        conn.send(f"Event: OriginateResponse\r\nActionID: {first.action_id}\r\nResponse: Failure\r\n\r\n")
        conn.wait_closed()

    with ScriptedServer(pbx(script)) as server:
        with Running(server) as running:
            first = running.session.send([("Action", "Originate"), ("Channel", "PJSIP/alice")])
            second = running.session.send({"Action": "Ping"})
            recorder = running.recorder
            wait_until(lambda: len(recorder.finished) == 2)
            assert recorder.finished == [second, first]
            assert second.response["Ping"] == "Pong" and not second.pending and second.elapsed >= 0
            assert first.response["Message"] == "Permission denied"
            wait_until(lambda: any(e.name == "OriginateResponse" for e in recorder.events))
            assert [e.name for e in recorder.events] == ["FullyBooted", "Newchannel", "OriginateResponse"]


def test_event_list_items_belong_to_the_exchange_not_the_log():
    def script(conn: Conn) -> None:
        request = conn.read_message()
        aid = request.action_id
        conn.reply(request, "Response: Success\nEventList: start\nMessage: Channels will follow")
        conn.send(f"Event: CoreShowChannel\r\nActionID: {aid}\r\nChannel: A\r\n\r\n")
        conn.send("Event: Hangup\r\nChannel: B\r\n\r\n")
        conn.send(f"Event: CoreShowChannel\r\nActionID: {aid}\r\nChannel: C\r\n\r\n")
        conn.send(f"Event: CoreShowChannelsComplete\r\nActionID: {aid}\r\nEventList: Complete\r\nListItems: 2\r\n\r\n")
        conn.wait_closed()

    with ScriptedServer(pbx(script)) as server:
        with Running(server) as running:
            exchange = running.session.send({"Action": "CoreShowChannels"})
            wait_until(lambda: running.recorder.finished)
            assert exchange.is_list
            assert [m.header("Channel") for m in exchange.items] == ["A", "C", None]
            wait_until(lambda: len(running.recorder.events) == 2)
            assert [e.name for e in running.recorder.events] == ["FullyBooted", "Hangup"]


def test_a_response_without_action_id_answers_the_oldest_waiting_action():
    def script(conn: Conn) -> None:
        conn.read_message()
        conn.send("Response: Error\r\nMessage: Missing action in request\r\n\r\n")
        conn.wait_closed()

    with ScriptedServer(pbx(script)) as server:
        with Running(server) as running:
            exchange = running.session.send({"Action": "Ping"})
            wait_until(lambda: running.recorder.finished)
            assert exchange.response["Message"] == "Missing action in request"


def test_an_unanswered_action_times_out_but_the_session_lives_on():
    def script(conn: Conn) -> None:
        conn.read_message()  # never answered
        second = conn.read_message()
        conn.reply(second, "Response: Success\nPing: Pong")
        conn.wait_closed()

    with ScriptedServer(pbx(script)) as server:
        with Running(server, timeout=0.3) as running:
            exchange = running.session.send({"Action": "Command", "Command": "core show channels"})
            wait_until(lambda: running.recorder.finished, timeout=3)
            assert exchange.response["Message"] == "Timed out after 0.3 s waiting for a response"
            ping = running.session.send({"Action": "Ping"})
            wait_until(lambda: ping in running.recorder.finished)
            assert ping.response["Ping"] == "Pong"
            assert running.recorder.lost == []


def test_connection_lost_finishes_waiting_actions_and_says_why():
    def script(conn: Conn) -> None:
        conn.read_message()
        conn.close()

    with ScriptedServer(pbx(script)) as server:
        with Running(server) as running:
            exchange = running.session.send({"Action": "Ping"})
            wait_until(lambda: running.recorder.lost)
            assert running.recorder.lost == ["Reading from socket failed: connection closed by Asterisk"]
            assert exchange.response["Response"] == "Error" and not exchange.pending


def test_logoff_is_reported_as_logged_off():
    def script(conn: Conn) -> None:
        request = conn.read_message()
        conn.reply(request, "Response: Goodbye\nMessage: Thanks for all the fish.")
        conn.close()

    with ScriptedServer(pbx(script)) as server:
        with Running(server) as running:
            exchange = running.session.send({"Action": "Logoff"})
            wait_until(lambda: running.recorder.lost)
            assert exchange.response["Response"] == "Goodbye"
            assert running.recorder.lost == ["Logged off"]


def test_events_reach_the_listener_in_batches():
    def script(conn: Conn) -> None:
        burst = b"".join(f"Event: VarSet\r\nVariable: V{i}\r\n\r\n".encode() for i in range(5000))
        conn.send(burst)
        conn.wait_closed()

    with ScriptedServer(pbx(script)) as server:
        with Running(server) as running:
            wait_until(lambda: len(running.recorder.events) == 5001)
            assert running.recorder.batches <= 5001 / 100  # hundreds per batch, not one by one
            assert running.recorder.events[-1]["Variable"] == "V4999"


def test_an_oversized_message_is_reported_and_the_session_goes_on():
    def script(conn: Conn) -> None:
        conn.send(b"Event: Huge\r\nData: " + b"x" * 20000 + b"\r\n\r\n")
        conn.send(b"Event: After\r\n\r\n")
        conn.wait_closed()

    with ScriptedServer(pbx(script)) as server:
        running = Running(server)
        running.session.client.max_message_size = 4096
        with running:
            wait_until(lambda: any(e.name == "After" for e in running.recorder.events))
            assert running.recorder.problems == [
                "Protocol error: message larger than the 4096-byte limit; it was skipped"
            ]
