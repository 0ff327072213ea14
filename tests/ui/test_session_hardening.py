"""The session's reader never dies unseen: shared state is safe under load, and any
unexpected death is reported (connection lost, with the reason) and ends every pending action."""

from __future__ import annotations

import random
import threading

from ami_console.protocol import Message
from ami_console.ui.session import Session
from tests.amiserver import Conn, ScriptedServer
from tests.ui.test_session import Running, pbx, wait_until

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
                    exchange = running.session.send({"Action": "Ping"})
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
            assert running.thread.is_alive()
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
            exchange = running.session.send({"Action": "Ping"})
            wait_until(lambda: running.recorder.lost)
            reason = running.recorder.lost[0]
            assert "RuntimeError" in reason and "dictionary changed size" in reason
            assert not exchange.pending
            assert exchange.response["Response"] == "Error"
            assert "dictionary changed size" in exchange.response["Message"]
            assert not running.session.client.connected  # nothing left half alive


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
            exchange = running.session.send({"Action": "CoreShowChannels"})
            wait_until(lambda: not exchange.pending, timeout=0.5 + 3)  # items kept coming all along
            message = exchange.response["Message"]
            assert message.startswith("Event list incomplete: timed out after 0.5 s, ")
            assert len(exchange.items) > 1 and message.endswith(f" {len(exchange.items)} items received")
            assert running.recorder.lost == []


def test_a_fast_endless_list_ends_at_its_bound_in_items():
    with ScriptedServer(pbx(endless_list(every=0.0))) as server:
        with Running(server, timeout=30) as running:
            running.session.client.max_list_items = 2_000
            exchange = running.session.send({"Action": "CoreShowChannels"})
            wait_until(lambda: not exchange.pending, timeout=10)
            assert len(exchange.items) == 2_000
            assert (
                exchange.response["Message"] == "Event list incomplete: over the 2000-item limit, 2000 items received"
            )


def test_a_reader_worker_that_dies_is_shown_as_a_lost_connection_in_the_console(tmp_path, monkeypatch):
    """Even a death the session cannot catch itself (here: the whole read loop raises) is
    reported: banner with the reason, header lost, the app still running."""
    from ami_console.simulator import Simulator
    from tests.apphelpers import console, run, until

    def broken_read_loop(self: Session, cancelled) -> None:
        raise RuntimeError("reader bug")

    monkeypatch.setattr(Session, "read_loop", broken_read_loop)
    with Simulator(time_scale=0.02) as pbx:
        app = console(pbx, tmp_path)

        async def scenario(pilot) -> None:
            await until(
                pilot,
                lambda: app.screen is app.console_screen and not app.connected and app.session is None,
                what="the lost connection",
            )
            banner = app.console_screen.banner
            assert banner.has_class("-shown") and "RuntimeError: reader bug" in str(banner.render())
            assert app.console_screen.header.state == "lost"

        run(app, scenario)
        assert app._exception is None
