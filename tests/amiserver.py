"""A loopback AMI server for tests: each connection runs a scripted handler in a thread."""

from __future__ import annotations

import os
import re
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ami_console.protocol import Message, Parser
from tests.captures import Step, transcript

GREETING = b"Asterisk Call Manager/11.0.0\r\n"
SLACK = 3.0  # seconds a loaded CI machine may add to any wait


def socket_fds() -> set[int]:
    """The file descriptors of this process that are sockets (Linux)."""
    fds = set()
    for name in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{name}").startswith("socket:"):
                fds.add(int(name))
        except OSError:
            pass  # the descriptor listdir itself used
    return fds


@contextmanager
def sockets_all_closed() -> Iterator[None]:
    """Every socket opened inside the block is closed when it ends, while the client
    objects are still alive (so garbage collection cannot hide a leak)."""
    before = socket_fds()
    yield
    assert socket_fds() - before == set(), "a socket was left open"


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """The block takes less than ``seconds``."""
    started = time.monotonic()
    yield
    elapsed = time.monotonic() - started
    assert elapsed < seconds, f"took {elapsed:.2f} s, more than {seconds} s"


class Conn:
    """The server's side of one connection."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.parser = Parser()
        self.received = bytearray()
        self.messages: list[Message] = []

    def send(self, data: bytes | str) -> None:
        self.sock.sendall(data.encode() if isinstance(data, str) else data)

    def send_slowly(self, data: bytes | str, delay: float = 0.0) -> None:
        """Write one byte per write, ``delay`` apart; with TCP_NODELAY each goes out alone."""
        data = data.encode() if isinstance(data, str) else data
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i in range(len(data)):
            self.sock.sendall(data[i : i + 1])
            if delay:
                time.sleep(delay)

    def trickle(self, data: bytes, stop: threading.Event, every: float = 0.02) -> None:
        """A byte every ``every`` seconds, until ``stop`` is set or the client hangs up."""
        try:
            for byte in data:
                if stop.wait(every):
                    return
                self.send(bytes([byte]))
        except OSError:
            pass

    def read_message(self, timeout: float = 5.0) -> Message | None:
        """The next request, or None once the client has closed."""
        deadline = time.monotonic() + timeout
        while (message := self.parser.next_message()) is None:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data = self.sock.recv(65536)
            except OSError:
                return None
            if not data:
                return None
            self.received += data
            self.parser.receive_data(data)
        self.messages.append(message)
        return message

    @staticmethod
    def answer(request: Message, text: str) -> bytes:
        """``text`` (lines without the ActionID) as wire bytes answering ``request``."""
        lines = text.strip("\n").split("\n")
        if request.action_id is not None:
            lines.insert(1, f"ActionID: {request.action_id}")
        return ("".join(line + "\r\n" for line in lines) + "\r\n").encode()

    def reply(self, request: Message, text: str) -> None:
        """Send ``text`` (lines without the ActionID) as the answer to ``request``."""
        self.send(self.answer(request, text))

    def login(self, events: str = "") -> Message | None:
        """Greet, accept a plain Login, and return it."""
        self.send(GREETING)
        request = self.read_message()
        if request is not None:
            self.reply(request, "Response: Success\nMessage: Authentication accepted")
            if events:
                self.send(events)
        return request

    def wait_closed(self, timeout: float = 5.0) -> bool:
        """True once the client closes its end."""
        return self.read_message(timeout) is None

    def reset(self) -> None:
        """Close with a TCP reset instead of a clean FIN."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def answer_pings(conn: Conn) -> None:
    """A server that accepts the login and answers every request as a Ping."""
    conn.login()
    while (request := conn.read_message()) is not None:
        conn.reply(request, "Response: Success\nPing: Pong")


class ScriptedServer:
    """``with ScriptedServer(handler) as server:`` runs ``handler(conn)`` per connection.

    An exception raised in a handler is re-raised when the block exits, so a broken
    script fails the test rather than hanging it.

    ``port`` binds a given port (a server restarting where another was); ``tls`` serves
    TLS with that context (a failed handshake is kept in ``handshake_errors``, and the
    handler does not run); ``rcvbuf`` shrinks the receive buffer, so a server that stops
    reading stalls the client's writes soon.
    """

    def __init__(
        self,
        handler: Callable[[Conn], None],
        host: str = "127.0.0.1",
        port: int = 0,
        tls: ssl.SSLContext | None = None,
        rcvbuf: int | None = None,
    ) -> None:
        self.handler = handler
        self.tls = tls
        self.handshake_errors: list[BaseException] = []
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.listener = socket.socket(family, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if rcvbuf is not None:  # accepted sockets inherit it
            self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.listener.bind((host, port))
        self.listener.listen(8)
        self.listener.settimeout(0.05)
        self.host = host
        self.port = self.listener.getsockname()[1]
        self.conns: list[Conn] = []
        self.errors: list[BaseException] = []
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self._accepter = threading.Thread(target=self._accept, daemon=True)

    @property
    def address(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    def __enter__(self) -> ScriptedServer:
        self._accepter.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self.listener.close()
        self._accepter.join(5)
        for thread in self._threads:
            thread.join(5)
        for conn in self.conns:
            conn.close()
        if self.errors and exc_info[0] is None:
            raise self.errors[0]

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                sock, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            conn = Conn(sock)
            self.conns.append(conn)
            thread = threading.Thread(target=self._run, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _run(self, conn: Conn) -> None:
        if self.tls is not None:
            conn.sock.settimeout(5)
            try:
                conn.sock = self.tls.wrap_socket(conn.sock, server_side=True)
            except (ssl.SSLError, OSError) as exc:
                self.handshake_errors.append(exc)
                conn.close()
                return
        try:
            self.handler(conn)
        except BaseException as exc:  # noqa: BLE001 - reported by __exit__
            self.errors.append(exc)


def replayer(name: str) -> Callable[[Conn], None]:
    """A handler that plays a capture back: it waits for each request the capture's
    client sent and answers with the bytes Asterisk sent, with the client's own
    ActionIDs in place of the captured ones."""
    steps: list[Step] = transcript(name)

    def handler(conn: Conn) -> None:
        ids: dict[bytes, bytes] = {}
        for step in steps:
            if step.kind == "sent":
                captured = Parser()
                captured.receive_data(step.data)
                while (original := captured.next_message()) is not None:
                    request = conn.read_message()
                    if request is None:
                        return
                    if original.action_id and request.action_id:
                        ids[original.action_id.encode()] = request.action_id.encode()
            elif step.kind == "recv":
                data = step.data
                for old, new in ids.items():
                    data = re.sub(rb"(ActionID: )" + re.escape(old) + rb"\r\n", rb"\g<1>" + new + rb"\r\n", data)
                conn.send(data)
            elif step.kind == "eof":
                conn.close()
                return
        conn.wait_closed()

    return handler


class MemoryTLS:
    """The server's side of TLS run by hand over a :class:`Conn`'s plain socket, through
    memory buffers, so a test can put any part of an encrypted record on the wire."""

    def __init__(self, conn: Conn, context: ssl.SSLContext) -> None:
        self.conn = conn
        self.incoming, self.outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.tls = context.wrap_bio(self.incoming, self.outgoing, server_side=True)
        self.parser = Parser()

    def handshake(self) -> bool:
        """Complete the handshake; False if the client went away or failed it."""
        while True:
            try:
                self.tls.do_handshake()
                self.conn.send(self.outgoing.read())
                return True
            except ssl.SSLWantReadError:
                self.conn.send(self.outgoing.read())
                if not self._fill():
                    return False
            except ssl.SSLError:
                return False

    def record(self, data: bytes) -> bytes:
        """``data`` encrypted: the bytes that carry it on the wire."""
        self.tls.write(data)
        return self.outgoing.read()

    def send(self, data: bytes) -> None:
        self.conn.send(self.record(data))

    def read_message(self) -> Message | None:
        """The next request, decrypted; None once the client has gone."""
        while (message := self.parser.next_message()) is None:
            try:
                self.parser.receive_data(self.tls.read(65536))
            except ssl.SSLWantReadError:
                if not self._fill():
                    return None
            except ssl.SSLError:
                return None
        return message

    def _fill(self, timeout: float = 5.0) -> bool:
        self.conn.sock.settimeout(timeout)
        try:
            data = self.conn.sock.recv(65536)
        except OSError:
            return False
        if not data:
            return False
        self.incoming.write(data)
        return True
