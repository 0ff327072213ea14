"""Asterisk's limits on the demo PBX: one client, authenticated or not, cannot freeze it,
grow its memory for good, or hold up what the others receive.

Asterisk's defaults (manager.conf): ``authlimit = 50`` connections waiting to log in,
``authtimeout = 30`` seconds to log in, ``writetimeout = 100`` ms for a write, after which
the connection is dropped; requests are read through a 1024-byte line buffer.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import tracemalloc
from collections.abc import Iterator

import pytest

from ami_console.simulator import Simulator
from ami_console.simulator.standalone import build_parser
from tests.simulator.test_simulator_support import FAST, RawConnection, no_thread_leaks, running  # noqa: F401 (fixtures)

MIB = 1024 * 1024
GREETING = b"Asterisk Call Manager/11.0.0\r\n"
MISSING_ACTION = b"Response: Error\r\nMessage: Missing action in request\r\n\r\n"
LOGIN = b"Action: Login\r\nUsername: admin\r\nSecret: adminpass\r\nActionID: login\r\n\r\n"


class Flood:
    """A client that sends ``data`` from one thread and (unless ``reads`` is False) reads
    every answer from another, counting the bytes."""

    def __init__(self, address: tuple[str, int], data: bytes, *, reads: bool = True) -> None:
        self.sock = socket.socket()
        if not reads:  # a small window, so the server meets a full socket soon
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.settimeout(30)
        self.sock.connect(address)
        self.received = 0
        self.threads = [threading.Thread(target=self._send, args=(data,))]
        if reads:
            self.threads.append(threading.Thread(target=self._read))

    def _send(self, data: bytes) -> None:
        with contextlib.suppress(OSError):  # the server may drop us: that is allowed
            self.sock.sendall(data)

    def _read(self) -> None:
        with contextlib.suppress(OSError):
            while chunk := self.sock.recv(1 << 16):
                self.received += len(chunk)

    @contextlib.contextmanager
    def running(self) -> Iterator[Flood]:
        for thread in self.threads:
            thread.start()
        try:
            yield self
        finally:
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_RDWR)  # ends both threads at once
            for thread in self.threads:
                thread.join(30)
            self.sock.close()


def flood_bytes_in(pbx: Simulator) -> int:
    """How much of the flood the server has taken in (the newest connection's log)."""
    logs = pbx.session_logs()
    return len(logs[-1].raw) if logs and not logs[-1].username else 0


# -- floods ----------------------------------------------------------------------------------
def test_a_blank_line_flood_does_not_hold_up_another_clients_ping(no_thread_leaks: None) -> None:
    with running(**FAST) as pbx:
        address = (pbx.host, pbx.port)
        with RawConnection(address) as watcher, RawConnection(address) as other:
            watcher.login()  # every event class, security included
            other.login(events="off")
            with Flood(address, b"\n" * MIB).running() as flood:
                assert pbx.wait_until(lambda p: flood_bytes_in(p) > 0, timeout=10)
                for number in range(5):
                    started = time.monotonic()
                    other.request(f"Action: Ping\nActionID: p{number}", timeout=30)
                    # A bound against a freeze, not a speed figure: it took seconds before.
                    assert time.monotonic() - started < 1.0
                # Each blank line is answered, as the errors capture shows Asterisk does.
                assert pbx.wait_until(lambda p: flood.received > 1000 * len(MISSING_ACTION), 10)
            # Bare blank lines are not broadcast as a RequestBadFormat each to every listener.
            watcher.request("Action: Ping\nActionID: sync", timeout=30)
            assert not [m for m in watcher.messages if m.name == "RequestBadFormat"]


def test_a_flood_is_answered_line_by_line_in_linear_time(no_thread_leaks: None) -> None:
    lines = 64 * 1024
    with running(**FAST) as pbx, Flood((pbx.host, pbx.port), b"\r\n" * lines).running() as flood:
        expected = len(GREETING) + lines * len(MISSING_ACTION)
        # Generous: well under a second here; quadratic work would take minutes.
        assert pbx.wait_until(lambda p: flood.received >= expected, timeout=30)
        assert flood.received == expected


def test_a_flood_from_a_client_that_never_reads_is_dropped_and_its_memory_freed(
    no_thread_leaks: None,
) -> None:
    tracemalloc.start()
    try:
        with running(**FAST, record_limit=64 * 1024) as pbx:
            address = (pbx.host, pbx.port)
            with RawConnection(address) as other:
                other.login(events="off")
                baseline, _ = tracemalloc.get_traced_memory()
                tracemalloc.reset_peak()
                with Flood(address, b"\n" * (256 * 1024), reads=False).running():
                    assert pbx.wait_until(lambda p: flood_bytes_in(p) > 0, timeout=10)
                    # Its answers pile up unread: it is dropped, as Asterisk drops a
                    # connection whose write times out.
                    assert pbx.wait_until(lambda p: p.session_count == 1, timeout=10)
                    current, peak = tracemalloc.get_traced_memory()
                assert other.request("Action: Ping\nActionID: after")["Ping"] == "Pong"
                # What it sent is logged within record_limit: blank requests count too.
                flood_log = pbx.session_logs()[-1]
                assert flood_log.truncated and len(flood_log.requests) < 64 * 1024 // 256
    finally:
        tracemalloc.stop()
    # Buffers stay bounded while it lasts (a quarter MiB of blank lines used to take
    # tens of MiB), and what it held is given back.
    assert peak - baseline < 8 * MIB
    assert current - baseline < 1 * MIB


# -- authlimit and authtimeout -----------------------------------------------------------------
def test_the_51st_connection_waiting_to_log_in_is_closed_at_once(no_thread_leaks: None) -> None:
    with running(**FAST) as pbx, contextlib.ExitStack() as stack:
        address = (pbx.host, pbx.port)
        waiting = [stack.enter_context(RawConnection(address)) for _ in range(50)]
        assert all(conn.wait_greeting() is not None for conn in waiting)
        with RawConnection(address) as refused:
            assert refused.wait_eof(timeout=5)
            assert refused.data == b""  # closed before the greeting, as Asterisk does
        waiting[0].login(events="off")  # one fewer waiting: room for one more
        with RawConnection(address) as admitted:
            assert admitted.wait_greeting() == "Asterisk Call Manager/11.0.0"
            with RawConnection(address) as refused:
                assert refused.wait_eof(timeout=5) and refused.data == b""


def test_the_auth_limit_is_an_option(no_thread_leaks: None) -> None:
    with running(**FAST, auth_limit=1) as pbx:
        address = (pbx.host, pbx.port)
        with RawConnection(address) as first, RawConnection(address) as second:
            assert first.wait_greeting() is not None
            assert second.wait_eof(timeout=5) and second.data == b""
    assert build_parser().parse_args(["--auth-limit", "7"]).auth_limit == 7
    with pytest.raises(ValueError):
        Simulator(auth_limit=0)


def test_talking_does_not_postpone_the_auth_timeout(no_thread_leaks: None) -> None:
    options = FAST | {"auth_timeout": 0.5}
    with running(**options) as pbx, RawConnection((pbx.host, pbx.port)) as conn:
        started = time.monotonic()
        answers = 0
        while not conn.eof and time.monotonic() - started < 5:
            conn.send(f"Action: Ping\r\nActionID: {answers}\r\n\r\n")
            answers += conn.wait_for(lambda c, n=answers: len(c.messages) > n or c.eof, 1)
        assert conn.eof and 0.4 <= time.monotonic() - started < 3
        # Closed without a word, as in the auth_timeout capture.
        denied = b"Response: Error\r\nActionID: %d\r\nMessage: Permission denied\r\n\r\n"
        assert conn.data == GREETING + b"".join(denied % n for n in range(len(conn.messages)))


# -- slow readers ------------------------------------------------------------------------------
def test_a_client_that_never_reads_does_not_hold_up_the_storm(no_thread_leaks: None) -> None:
    with running(**FAST) as pbx:  # Asterisk's writetimeout: 100 ms
        address = (pbx.host, pbx.port)
        stuck = socket.socket()
        stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        with contextlib.closing(stuck), RawConnection(address) as reader:
            stuck.settimeout(5)
            stuck.connect(address)
            stuck.sendall(LOGIN)  # every event, never read
            reader.login()
            assert pbx.wait_until(lambda p: sum(log.username == "admin" for log in p.session_logs()) == 2, 5)
            pbx.start_storm()  # as fast as the clients read
            try:
                # The storm used to wait for the stuck client (10 s) before anyone got more.
                assert reader.wait_for(lambda c: len(c.messages) >= 20_000, timeout=6), len(reader.messages)
                assert pbx.wait_until(lambda p: p.session_count == 1, timeout=5)  # dropped
            finally:
                pbx.stop_storm()  # a storm with nobody to pace it would hog the loop
