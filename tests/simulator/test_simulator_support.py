"""Shared helpers for the simulator's tests (no tests here): a raw AMI connection that
waits for conditions with deadlines, a fixture that fails a test leaving threads
behind, and the normalisation that lets two transcripts be compared field by field."""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from ami_console.protocol import Message, Parser
from ami_console.simulator import Simulator

FAST = dict(time_scale=0.05, auth_failure_delay=0.05, auth_timeout=5.0)


@pytest.fixture
def no_thread_leaks() -> Iterator[None]:
    """Every test must leave the same threads running as it found."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 5
    while (extra := set(threading.enumerate()) - before) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not extra, f"threads left behind: {extra}"


@contextlib.contextmanager
def running(*args: object, **options: object) -> Iterator[Simulator]:
    """A started simulator that must end without internal errors."""
    with Simulator(*args, **options) as simulator:  # type: ignore[arg-type]
        yield simulator
    assert simulator.errors == []


@pytest.fixture
def pbx(no_thread_leaks: None) -> Iterator[Simulator]:
    with running(**FAST) as simulator:
        yield simulator


class RawConnection:
    """A bare socket speaking AMI, for tests that need exact bytes and timings."""

    def __init__(self, address: tuple[str, int], *, greeting: bool = True) -> None:
        self.sock = socket.create_connection(address, timeout=5)
        self.parser = Parser(greeting=greeting)
        self.data = bytearray()
        self.messages: list[Message] = []
        self.eof = False

    def __enter__(self) -> RawConnection:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.sock.close()

    def send(self, data: bytes | str) -> None:
        self.sock.sendall(data.encode() if isinstance(data, str) else data)

    def _pump(self, deadline: float) -> bool:
        """Read once (up to the deadline); False when nothing more can come."""
        remaining = deadline - time.monotonic()
        if remaining <= 0 or self.eof:
            return False
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except TimeoutError:
            return False
        except OSError:
            chunk = b""
        if not chunk:
            self.eof = True
            return False
        self.data += chunk
        self.parser.receive_data(chunk)
        while (message := self.parser.next_message()) is not None:
            self.messages.append(message)
        return True

    def wait_for(self, condition: Callable[[RawConnection], bool], timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        while not condition(self):
            if not self._pump(deadline) and not condition(self):
                return condition(self)
        return True

    def wait_count(self, count: int, timeout: float = 5.0) -> bool:
        return self.wait_for(lambda c: len(c.messages) >= count, timeout)

    def wait_greeting(self, timeout: float = 5.0) -> str | None:
        self.wait_for(lambda c: c.parser.read_greeting() is not None or c.eof, timeout)
        greeting = self.parser.greeting
        return greeting.line if greeting else None

    def wait_eof(self, timeout: float = 5.0) -> bool:
        return self.wait_for(lambda c: c.eof, timeout)

    def request(self, text: str, timeout: float = 5.0) -> Message:
        """Send a request (CRLF added) and return the response with its ActionID."""
        action_id = re.search(r"(?im)^actionid:\s*(\S+)", text)
        self.send(text.replace("\n", "\r\n") + "\r\n\r\n")  # lines, then the blank line
        wanted = action_id.group(1) if action_id else None
        found: list[Message] = []

        def answered(conn: RawConnection) -> bool:
            found[:] = [m for m in conn.messages if m.is_response and m.action_id == wanted]
            return bool(found)

        assert self.wait_for(answered, timeout), f"no response to {text!r}"
        return found[-1]

    def login(self, username: str = "admin", secret: str = "adminpass", events: str = "") -> Message:
        extra = f"\nEvents: {events}" if events else ""
        response = self.request(f"Action: Login\nUsername: {username}\nSecret: {secret}{extra}\nActionID: login")
        assert response["Message"] == "Authentication accepted"
        return response


# -- comparing transcripts ---------------------------------------------------------------------
# Values that differ from one run (or one machine) to the next.
VOLATILE = {
    "Timestamp",
    "Uptime",
    "LastReload",
    "EventTV",
    "SessionTV",
    "SessionID",
    "LocalAddress",
    "RemoteAddress",
    "StartTime",
    "AnswerTime",
    "EndTime",
    "Duration",
    "BillableSeconds",
    "CoreStartupDate",
    "CoreStartupTime",
    "CoreReloadDate",
    "CoreReloadTime",
    "CoreProcessedCalls",
    "LoginTime",
    "Challenge",
    "Seconds",
}
ID_HEADERS = re.compile(r"(?i)^(Dest|LocalOne|LocalTwo)?(Uniqueid|Linkedid)$")
CHANNEL_SEQ = re.compile(r"-([0-9a-f]{8})(?=;[12]$|$)")


class Normaliser:
    """Replaces run-specific values by stable names given in order of first appearance,
    so ``1795660004.0`` in one transcript and ``1800000000.7`` in the other both read
    ``<id0>`` if they play the same part."""

    def __init__(self) -> None:
        self.ids: dict[str, str] = {}
        self.seqs: dict[str, str] = {}

    def _id(self, value: str) -> str:
        return self.ids.setdefault(value, f"<id{len(self.ids)}>")

    def value(self, key: str, value: str) -> str:
        if key in VOLATILE:
            return "<volatile>"
        if ID_HEADERS.match(key) or key == "UniqueID":
            return value if value in ("<unknown>", "none", "") else self._id(value)
        return CHANNEL_SEQ.sub(lambda m: "-" + self.seqs.setdefault(m.group(1), f"<seq{len(self.seqs)}>"), value)

    def message(self, message: Message) -> tuple[tuple[str, str], ...]:
        return tuple((key, self.value(key, value)) for key, value in message.fields)
