"""The threaded session: one reader routing responses, list items and events; sends that
never block and go out in order; a connection that never dies unseen."""

from __future__ import annotations

import random
import threading

from ami_console.client import AMIClient
from ami_console.protocol import Message
from ami_console.session import Exchange, Session
from tests.amiserver import Conn, ScriptedServer
from tests.captures import capture_messages
from tests.waiting import wait_until

SESSION1 = capture_messages("session1")


class Recorder:
    """What a session told its callbacks."""

    def __init__(self) -> None:
        self.events: list[Message] = []
        self.batches = 0
        self.finished: list[Exchange] = []
        self.sent: list[Exchange] = []
        self.lost: list[str] = []
        self.problems: list[str] = []
        self.order: list[str] = []  # "events", "sent <id>", "done <id>", as called

    def events_received(self, events: list[Message]) -> None:
        self.batches += 1
        self.events.extend(events)
        self.order.append("events")

    def exchange_sent(self, exchange: Exchange) -> None:
        self.sent.append(exchange)
        self.order.append(f"sent {exchange.action_id}")

    def exchange_finished(self, exchange: Exchange) -> None:
        self.finished.append(exchange)
        self.order.append(f"done {exchange.action_id}")


def answer_like(conn: Conn, request: Message, model: Message) -> None:
    lines = [line for line in model.lines if not line.lower().startswith("actionid:")]
    lines.insert(1, f"ActionID: {request.action_id}")
    conn.send("".join(line + "\r\n" for line in lines) + "\r\n")


def pbx(script):
    """A handler that logs in (with one event on the way), then runs ``script``."""

    def handler(conn: Conn) -> None:
        conn.login(events="Event: FullyBooted\r\nPrivilege: system,all\r\nStatus: Fully Booted\r\n\r\n")
        script(conn)

    return handler


class Running:
    """A connected session, closed on exit; every callback recorded."""

    def __init__(self, server: ScriptedServer, timeout: float = 5) -> None:
        self.recorder = Recorder()
        client = AMIClient(username="admin", secret="x", host="127.0.0.1", port=server.port, timeout=timeout)
        self.session = Session(
            client,
            on_events=self.recorder.events_received,
            on_lost=self.recorder.lost.append,
            on_problem=self.recorder.problems.append,
        )

    def send(self, fields, **options) -> Exchange:
        recorder = self.recorder
        return self.session.send(fields, on_sent=recorder.exchange_sent, on_done=recorder.exchange_finished, **options)

    def __enter__(self) -> Running:
        assert self.session.connect(), self.session.error
        return self

    def __exit__(self, *exc_info) -> None:
        self.session.close()
        assert not any(t.is_alive() for t in self.session._threads)


def test_the_event_that_came_with_the_login_is_handed_on_first():
    with ScriptedServer(pbx(lambda conn: conn.wait_closed())) as server:
        with Running(server) as running:
            wait_until(lambda: running.recorder.events)
            assert running.recorder.events[0].name == "FullyBooted"


def test_a_failed_connect_says_why():
    with ScriptedServer(lambda conn: (conn.send(b"SSH-2.0-x\r\n"), conn.wait_closed())) as server:
        session = Session(AMIClient(username="a", secret="x", host="127.0.0.1", port=server.port))
        assert not session.connect()
        assert session.error == "Unknown Protocol"


def test_responses_go_to_their_exchange_and_events_to_the_callback_in_order():
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
            first = running.send([("Action", "Originate"), ("Channel", "PJSIP/alice")])
            second = running.send({"Action": "Ping"})
            recorder = running.recorder
            wait_until(lambda: len(recorder.finished) == 2)
            assert recorder.finished == [second, first]
            assert second.response["Ping"] == "Pong" and not second.pending and second.elapsed >= 0
            assert first.response["Message"] == "Permission denied"
            wait_until(lambda: any(e.name == "OriginateResponse" for e in recorder.events))
            assert [e.name for e in recorder.events] == ["FullyBooted", "Newchannel", "OriginateResponse"]
            # One ordered stream: the Newchannel that came before the answers was handed on
            # before them, and each action was announced sent before it was done.
            order = recorder.order
            assert order.index(f"sent {first.action_id}") < order.index(f"done {first.action_id}")
            assert order.index("events", 1) < order.index(f"done {second.action_id}")


def test_action_ids_come_at_once_and_in_order_and_the_action_waits_for_its_answer():
    def script(conn: Conn) -> None:
        while (request := conn.read_message()) is not None:
            conn.reply(request, f"Response: Success\nEcho: {request['Action']}")

    with ScriptedServer(pbx(script)) as server:
        with Running(server) as running:
            session = running.session
            first_id = int(session.next_action_id)
            exchanges = [session.send({"Action": f"A{i}"}) for i in range(5)]
            assert [e.action_id for e in exchanges] == [str(first_id + i) for i in range(5)]
            assert session.next_action_id == str(first_id + 5)
            assert session.action(Action="Ping")["Echo"] == "Ping"  # the seed's action(), from any thread
            assert [e.wait(5)["Echo"] for e in exchanges] == [f"A{i}" for i in range(5)]


def test_event_list_items_belong_to_the_exchange_not_the_callback():
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
            exchange = running.send({"Action": "CoreShowChannels"})
            wait_until(lambda: running.recorder.finished)
            assert exchange.is_list
            assert [m.header("Channel") for m in exchange.items] == ["A", "C", None]
            wait_until(lambda: len(running.recorder.events) == 2)
            assert [e.name for e in running.recorder.events] == ["FullyBooted", "Hangup"]


def test_a_list_can_be_bounded_tighter_than_the_client():
    def script(conn: Conn) -> None:
        request = conn.read_message()
        conn.reply(request, "Response: Success\nEventList: start\nMessage: Channels will follow")
        conn.send(conn.answer(request, "Event: CoreShowChannel\nChannel: A") * 50)
        conn.wait_closed()

    with ScriptedServer(pbx(script)) as server:
        with Running(server) as running:
            exchange = running.send({"Action": "CoreShowChannels"}, max_items=10)
            wait_until(lambda: not exchange.pending)
            assert len(exchange.items) == 10
            assert exchange.response["Message"] == "Event list incomplete: over the 10-item limit, 10 items received"


def test_a_response_without_action_id_answers_the_oldest_waiting_action():
    def script(conn: Conn) -> None:
        conn.read_message()
        conn.send("Response: Error\r\nMessage: Missing action in request\r\n\r\n")
        conn.wait_closed()

    with ScriptedServer(pbx(script)) as server:
        with Running(server) as running:
            exchange = running.send({"Action": "Ping"})
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
            exchange = running.send({"Action": "Command", "Command": "core show channels"})
            wait_until(lambda: running.recorder.finished, timeout=3)
            assert exchange.response["Message"] == "Timed out after 0.3 s waiting for a response"
            ping = running.send({"Action": "Ping"})
            wait_until(lambda: ping in running.recorder.finished)
            assert ping.response["Ping"] == "Pong"
            assert running.recorder.lost == []


def test_connection_lost_finishes_waiting_actions_and_says_why():
    def script(conn: Conn) -> None:
        conn.read_message()
        conn.close()

    with ScriptedServer(pbx(script)) as server:
        with Running(server) as running:
            exchange = running.send({"Action": "Ping"})
            wait_until(lambda: running.recorder.lost)
            assert running.recorder.lost == ["Reading from socket failed: connection closed by Asterisk"]
            assert exchange.response["Response"] == "Error" and not exchange.pending
            # After that, an action is refused at once with the same reason, never queued.
            late = running.send({"Action": "Ping"})
            assert not late.pending and not late.sent
            assert late.response["Message"] == running.recorder.lost[0]


def test_an_action_that_never_left_is_never_announced_as_sent():
    def script(conn: Conn) -> None:
        conn.close()

    with ScriptedServer(pbx(script)) as server:
        with Running(server) as running:
            wait_until(lambda: running.recorder.lost)
            exchange = running.send({"Action": "Ping"})
            assert running.recorder.finished == [exchange]
            assert running.recorder.sent == [] and not exchange.sent


def test_logoff_is_reported_as_logged_off():
    def script(conn: Conn) -> None:
        request = conn.read_message()
        conn.reply(request, "Response: Goodbye\nMessage: Thanks for all the fish.")
        conn.close()

    with ScriptedServer(pbx(script)) as server:
        with Running(server) as running:
            exchange = running.send({"Action": "Logoff"})
            wait_until(lambda: running.recorder.lost)
            assert exchange.response["Response"] == "Goodbye"
            assert running.recorder.lost == ["Logged off"]


def test_events_reach_the_callback_in_batches():
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
        running.session.client._parser.max_message_size = 4096
        with running:
            wait_until(lambda: any(e.name == "After" for e in running.recorder.events))
            assert running.recorder.problems == [
                "Protocol error: message larger than the 4096-byte limit; it was skipped"
            ]


def test_actions_waiting_to_be_written_are_bounded_in_bytes():
    """A server that stops reading: the writer blocks, and what waits behind it is refused
    past the bound instead of growing memory."""
    release = threading.Event()

    def script(conn: Conn) -> None:
        release.wait(10)  # reads nothing while the test fills the socket and the outbox

    with ScriptedServer(pbx(script)) as server:
        with Running(server, timeout=30) as running:
            running.session.max_outbox_bytes = 64 * 1024
            value = "x" * 8000
            refused = None
            for _ in range(2000):  # the socket's buffers take a few MB before the outbox fills
                exchange = running.send({"Action": "UserEvent", "UserEvent": "Fill", "Data": value})
                if not exchange.pending:
                    refused = exchange
                    break
            release.set()
            assert refused is not None, "nothing was ever refused: the outbox is not bounded"
            assert "bytes of actions are still waiting to be written" in refused.response["Message"]
            assert running.session._outbox_bytes <= 64 * 1024


# -- under load: the reader never dies unseen -----------------------------------------------
SENDERS = 4
SENDS_EACH = 60


def storm_and_slow_answers(conn: Conn) -> None:
    """Events as fast as the socket takes them, and every request answered late, from
    timers, so answers and events interleave and sends overlap the reader's work."""
    lock = threading.Lock()
    stop = threading.Event()

    def write(data: bytes) -> None:
        with lock:
            conn.send(data)

    def storm() -> None:
        seq = 0
        try:
            while not stop.is_set():
                seq += 1
                write(f"Event: Newexten\r\nChannel: PJSIP/alice-{seq:08x}\r\nUniqueid: 1.{seq}\r\n\r\n".encode() * 20)
        except OSError:
            pass

    def answer_later(request: Message) -> None:
        def answer() -> None:
            try:
                write(conn.answer(request, "Response: Success\nPing: Pong"))
            except OSError:
                pass

        timer = threading.Timer(random.uniform(0.0, 0.05), answer)
        timer.daemon = True
        timer.start()

    storm_thread = threading.Thread(target=storm)
    storm_thread.start()
    try:
        while (request := conn.read_message()) is not None:
            answer_later(request)
    finally:
        stop.set()
        storm_thread.join(5)


def test_a_storm_with_many_concurrent_slowly_answered_sends_keeps_the_reader_alive():
    with ScriptedServer(pbx(storm_and_slow_answers)) as server:
        with Running(server, timeout=5) as running:
            sent: list = []
            sent_lock = threading.Lock()

            def sender() -> None:
                for _ in range(SENDS_EACH):
                    exchange = running.send({"Action": "Ping"})
                    with sent_lock:
                        sent.append(exchange)

            threads = [threading.Thread(target=sender) for _ in range(SENDERS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(30)
            recorder = running.recorder
            wait_until(lambda: len(recorder.finished) == SENDERS * SENDS_EACH or recorder.lost, timeout=20)
            assert recorder.lost == []
            assert all(not e.pending and e.response["Ping"] == "Pong" for e in sent)
            assert len(recorder.events) > 1000  # the storm really ran alongside


def test_an_unexpected_error_in_the_reader_is_reported_and_ends_every_pending_action(monkeypatch):
    def boom(self: Session, message: Message) -> bool:
        raise RuntimeError("dictionary changed size during iteration")

    def script(conn: Conn) -> None:
        request = conn.read_message()  # never answered: the reader dies on the event below first
        conn.send("Event: Newchannel\r\nChannel: PJSIP/alice-1\r\n\r\n")
        conn.wait_closed()
        assert request is not None

    with ScriptedServer(pbx(script)) as server:
        with Running(server, timeout=30) as running:
            monkeypatch.setattr(Session, "_route", boom)
            exchange = running.send({"Action": "Ping"})
            wait_until(lambda: running.recorder.lost)
            reason = running.recorder.lost[0]
            assert "RuntimeError" in reason and "dictionary changed size" in reason
            assert not exchange.pending
            assert exchange.response["Response"] == "Error"
            assert "dictionary changed size" in exchange.response["Message"]
            assert not running.session.client.connected  # nothing left half alive


def test_an_error_in_a_handler_is_a_lost_connection_not_a_deaf_session():
    def script(conn: Conn) -> None:
        request = conn.read_message()
        conn.reply(request, "Response: Success\nPing: Pong")
        conn.wait_closed()

    def broken(exchange: Exchange) -> None:
        raise ValueError("handler bug")

    with ScriptedServer(pbx(script)) as server:
        with Running(server) as running:
            running.session.send({"Action": "Ping"}, on_done=broken)
            wait_until(lambda: running.recorder.lost)
            assert "ValueError: handler bug" in running.recorder.lost[0]


def endless_list(every: float):
    """Starts an event list and sends items, ``every`` seconds apart, until the client hangs up."""

    def script(conn: Conn) -> None:
        request = conn.read_message()
        conn.reply(request, "Response: Success\nEventList: start\nMessage: Channels will follow")
        item = conn.answer(request, "Event: CoreShowChannel\nChannel: PJSIP/alice-00000001") * 50
        stop = threading.Event()
        reader = threading.Thread(target=lambda: (conn.wait_closed(30), stop.set()))
        reader.start()
        try:
            while not stop.wait(every):
                conn.send(item)
        except OSError:
            pass
        reader.join(5)

    return script


def test_a_list_that_never_completes_ends_at_a_total_deadline_and_says_how_many_items_came():
    with ScriptedServer(pbx(endless_list(every=0.05))) as server:
        with Running(server, timeout=0.5) as running:
            exchange = running.send({"Action": "CoreShowChannels"})
            wait_until(lambda: not exchange.pending, timeout=0.5 + 3)  # items kept coming all along
            message = exchange.response["Message"]
            assert message.startswith("Event list incomplete: timed out after 0.5 s, ")
            assert len(exchange.items) > 1 and message.endswith(f" {len(exchange.items)} items received")
            assert running.recorder.lost == []


def test_a_fast_endless_list_ends_at_its_bound_in_items():
    with ScriptedServer(pbx(endless_list(every=0.0))) as server:
        with Running(server, timeout=30) as running:
            running.session.client.max_list_items = 2_000
            exchange = running.send({"Action": "CoreShowChannels"})
            wait_until(lambda: not exchange.pending, timeout=10)
            assert len(exchange.items) == 2_000
            assert (
                exchange.response["Message"] == "Event list incomplete: over the 2000-item limit, 2000 items received"
            )


def test_an_answer_read_before_the_writer_returns_still_counts_as_sent_and_in_order():
    """The reader may take the answer in before the writer thread hears that its write
    went out: the exchange is sent all the same, announced sent before it is done."""

    def script(conn: Conn) -> None:
        request = conn.read_message()
        conn.reply(request, "Response: Success\nPing: Pong")
        conn.wait_closed()

    with ScriptedServer(pbx(script)) as server:
        with Running(server) as running:
            client = running.session.client
            real_send = client._send
            seen_done_during_write: list[bool] = []

            def slow_to_return(pairs, deadline, action_id=None):
                result = real_send(pairs, deadline, action_id=action_id)
                # Hold the writer here until the reader has ended the exchange.
                wait_until(lambda: running.recorder.finished, what="the answer read first")
                seen_done_during_write.append(True)
                return result

            client._send = slow_to_return
            exchange = running.send({"Action": "Ping"})
            wait_until(lambda: seen_done_during_write, what="the writer to return")
            assert exchange.sent and exchange.response["Ping"] == "Pong"
            assert running.recorder.order[-2:] == [f"sent {exchange.action_id}", f"done {exchange.action_id}"]
