"""One AMI connection: reading requests, running actions one at a time, writing replies
and events, and the bounds and faults around all of that.

As in Asterisk, a session never interleaves events with the output of an action: events
that happen while an action runs (a synchronous Originate that waits for an answer, a
Login) wait and follow its response.

Asterisk gives each connection a thread, so one client cannot hold up another; here they
share one event loop, and these bounds keep it that way:

* input: the socket is not read while ``MAX_PENDING_INPUT`` bytes wait to be parsed, and
  requests are parsed one at a time, yielding to the loop every few, so a flood costs
  its sender time, not the others;
* output: a request is not taken while the client's socket is full (Asterisk's thread
  blocks on the write, too), and a client that takes none of what waits for it during
  ``write_timeout`` is dropped, as Asterisk drops a connection whose write times out;
  past ``max_output_buffer`` unread bytes it is dropped at once.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..protocol import Message
from . import manager_events, wire
from .actions.dispatch import dispatch
from .faults import oversized_event
from .filters import EventFilter, passes
from .perms import User
from .reader import RequestReader, encode

if TYPE_CHECKING:
    from .server_core import ServerCore

GREETING = b"Asterisk Call Manager/11.0.0\r\n"
MAX_PENDING_INPUT = 64 * 1024  # past this, stop reading the socket until it is parsed
REQUESTS_PER_TURN = 32  # then let the other clients run: a turn stays around a millisecond


@dataclass
class SessionLog:
    """What one connection sent us: the raw bytes and the requests they made."""

    id: int
    remote: tuple[str, int]
    connected_at: float
    username: str = ""
    raw: bytearray = field(default_factory=bytearray)
    requests: list[Message] = field(default_factory=list)
    closed_at: float | None = None
    truncated: bool = False  # True once raw or requests stopped at ``record_limit``
    request_bytes: int = 0  # what the logged requests cost against ``record_limit``


class ManagerSession(asyncio.Protocol):
    def __init__(self, core: ServerCore, number: int) -> None:
        self.core = core
        self.pbx = core.pbx
        self.number = number
        self.transport: asyncio.Transport | None = None
        self.reader = RequestReader()
        self.ready = asyncio.Event()
        self.can_write = asyncio.Event()
        self.can_write.set()
        self.authenticated = False
        self.username = ""
        self.user: User | None = None
        self.readperm = 0
        self.writeperm = 0
        self.send_events = -1
        self.includes: list[EventFilter] = []
        self.excludes: list[EventFilter] = []
        self.challenge = ""
        self.login_time = 0.0
        self.busy = False
        self.closed = False
        self.pending: list[bytes] = []
        self.pending_size = 0
        self.fault_done = -1  # generation of the last one-shot fault applied here
        self.local = ("127.0.0.1", 0)
        self.remote = ("127.0.0.1", 0)
        self.log: SessionLog | None = None
        self._delayed: deque[tuple[float, bytes | None]] = deque()
        self._delayed_size = 0
        self._delay_timer: asyncio.TimerHandle | None = None
        self._out: list[bytes] = []
        self._out_size = 0
        self._written = 0  # bytes handed to the transport, to see whether any go out
        self._write_timer: asyncio.TimerHandle | None = None
        self._flush_scheduled = False
        self._auth_timer: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[None] | None = None

    # -- connection ----------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        if self.core.waiting_to_log_in() >= self.core.auth_limit:
            # Asterisk's authlimit: closed before the greeting, and never a session.
            self.closed = True
            transport.close()
            return
        self.local = transport.get_extra_info("sockname")[:2]
        self.remote = transport.get_extra_info("peername")[:2]
        transport.set_write_buffer_limits(high=self.core.high_water)
        self.log = self.core.open_log(self)
        self.pbx.sessions.add(self)
        loop = asyncio.get_running_loop()
        self._auth_timer = loop.call_later(self.core.auth_timeout, self._auth_timed_out)
        self._task = loop.create_task(self._serve())
        self.write(GREETING)

    def connection_lost(self, exc: Exception | None) -> None:
        self._shut()

    def data_received(self, data: bytes) -> None:
        self.core.record(self, data)
        self.reader.receive(data)
        self.ready.set()
        if self.reader.pending > MAX_PENDING_INPUT and self.transport is not None:
            self.transport.pause_reading()

    def pause_writing(self) -> None:
        self.can_write.clear()
        self._watch_writes()

    def resume_writing(self) -> None:
        self.can_write.set()

    def _watch_writes(self) -> None:
        """Drop the client if none of its waiting output goes out for ``write_timeout``."""
        if self._write_timer is None and self.transport is not None:
            loop = asyncio.get_running_loop()
            due = loop.time() + self.core.write_timeout
            self._write_timer = loop.call_at(due, self._check_writes, self._sent(), due)

    def _check_writes(self, mark: int, due: float) -> None:
        self._write_timer = None
        if self.transport is None or not self.transport.get_write_buffer_size():
            return  # everything went out
        # A timer this late means the whole process stood still (a long GC pause, the
        # machine busy): the client had no fair chance to read, so it gets another.
        stood_still = asyncio.get_running_loop().time() - due > self.core.write_timeout
        if self._sent() == mark and not stood_still:
            self.abort()
            return
        self._watch_writes()

    def _sent(self) -> int:
        assert self.transport is not None
        return self._written - self.transport.get_write_buffer_size()

    def close(self) -> None:
        """Close after everything already written has gone out."""
        if not self.closed:
            self.closed = True
            self._emit(None)

    def abort(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()
        self._shut()

    def _shut(self) -> None:
        self.closed = True
        self.pbx.sessions.discard(self)
        for timer in (self._auth_timer, self._delay_timer, self._write_timer):
            if timer is not None:
                timer.cancel()
        self._delayed.clear()
        self._out.clear()
        self.pending.clear()
        self.can_write.set()
        self.ready.set()
        if self._task is not None and self._task is not asyncio.current_task():
            self._task.cancel()
        self.core.close_log(self)

    def _auth_timed_out(self) -> None:
        if not self.authenticated:
            self.close()

    # -- requests -----------------------------------------------------------------------
    async def _serve(self) -> None:
        handled = 0
        while not self.closed:
            request = self.reader.next_request()
            if self.reader.pending <= MAX_PENDING_INPUT and self.transport is not None:
                self.transport.resume_reading()
            if request is None:
                self.ready.clear()
                await self.ready.wait()
                continue
            self.core.record_request(self, request)
            # Like Asterisk's thread blocked in a write: take no request while the client
            # does not read (the write timer drops it if that lasts).
            await self.can_write.wait()
            handled += 1
            if handled % REQUESTS_PER_TURN == 0:
                await asyncio.sleep(0)  # the other clients' turn
            if self.core.fault_kind == "silence" or self.closed:
                continue
            self.busy = True
            try:
                close = await dispatch(self, request)
            except Exception as exc:  # a bug: answer, keep serving, and let tests see it
                self.pbx.report(exc)
                self.write(wire.error(request, "Internal error in the simulator"))
                close = False
            finally:
                self.busy = False
            if close:
                self.close()
                return
            self._flush_pending()

    # -- events -------------------------------------------------------------------------
    def offer(self, event: wire.Event) -> None:
        """Send an event if this session may read it, asked for it and its filters pass."""
        if self.closed or not self.authenticated:
            return
        category = event.category
        if (self.readperm & category) != category or (self.send_events & category) != category:
            return
        if (self.includes or self.excludes) and not passes(self.includes, self.excludes, event.name, event.text):
            return
        self.deliver(event.encoded())

    def deliver(self, data: bytes) -> None:
        if self.core.fault_kind == "silence":
            return  # a hung server loses what it would have said
        if self.busy:
            self.pending.append(data)
            self.pending_size += len(data)
            if self.pending_size > self.core.max_output_buffer:
                self.abort()
            return
        self.write(data)

    def _flush_pending(self) -> None:
        pending, self.pending, self.pending_size = self.pending, [], 0
        if pending:
            self.write(b"".join(pending))

    # -- security events ------------------------------------------------------------------
    def security(self, name: str, specific: wire.Fields = (), *, account: str | None = None) -> None:
        family = "IPV6" if ":" in self.local[0] else "IPV4"
        session_tv = self.login_time if self.login_time else 0.0
        self.pbx.publish(
            manager_events.security_event(
                name,
                event_tv=wire.event_tv(time.time()),
                account=self.username if account is None else account,
                session_id=f"0x{id(self):x}",
                local=f"{family}/TCP/{self.local[0]}/{self.local[1]}",
                remote=f"{family}/TCP/{self.remote[0]}/{self.remote[1]}",
                session_tv=wire.event_tv(session_tv),
                specific=specific,
            )
        )

    # -- writing --------------------------------------------------------------------------
    def write(self, data: str | bytes) -> None:
        """Send bytes to the client, through the active fault if there is one."""
        if isinstance(data, str):
            data = encode(data)
        fault = self.core.fault
        if self.closed or self.transport is None or self.transport.is_closing():
            return
        if fault is not None:
            if fault.kind == "silence":
                return
            if fault.once and self.fault_done != fault.generation:
                self.fault_done = fault.generation
                if fault.kind == "drop":
                    cut = len(data) // 2 if fault.after is None else fault.after
                    self._emit(data[: max(0, min(cut, len(data)))])
                    self.close()
                    return
                self._emit(fault.data if fault.kind == "garbage" else oversized_event(fault.size))
        self._emit(data)

    def _emit(self, data: bytes | None) -> None:
        """Write now, or after the ``delay`` fault's pause (``None`` closes)."""
        delay = self.core.write_delay
        if delay <= 0 and not self._delayed:
            self._raw(data)
            return
        loop = asyncio.get_running_loop()
        when = loop.time() + max(0.0, delay)
        if self._delayed:
            when = max(when, self._delayed[-1][0])
        self._delayed.append((when, data))
        self._delayed_size += len(data or b"")
        if self._delayed_size > self.core.max_output_buffer:
            self.abort()
            return
        if self._delay_timer is None:
            self._delay_timer = loop.call_at(self._delayed[0][0], self._release_delayed)

    def _release_delayed(self) -> None:
        self._delay_timer = None
        loop = asyncio.get_running_loop()
        while self._delayed and self._delayed[0][0] <= loop.time():
            _, data = self._delayed.popleft()
            self._delayed_size -= len(data or b"")
            self._raw(data)
        if self._delayed:
            self._delay_timer = loop.call_at(self._delayed[0][0], self._release_delayed)

    def _raw(self, data: bytes | None) -> None:
        """Queue bytes for the socket; everything queued in one turn of the event loop
        goes out in one write (a storm would otherwise cost a system call per event)."""
        if data is None:
            self._flush_out()
            if self.transport is not None:
                self.transport.close()  # once the output is out: drop it if it never goes
                if self.transport.get_write_buffer_size():
                    self._watch_writes()
            return
        self._out.append(data)
        self._out_size += len(data)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush_out)
        if self._out_size > self.core.high_water:
            self._flush_out()

    def _flush_out(self) -> None:
        self._flush_scheduled = False
        transport = self.transport
        out, self._out, self._out_size = self._out, [], 0
        if not out or transport is None or transport.is_closing():
            return
        data = b"".join(out)
        self._written += len(data)
        transport.write(data)
        if transport.get_write_buffer_size() > self.core.max_output_buffer:
            self.abort()  # the client stopped reading: drop it rather than grow

    async def drain(self) -> None:
        """Wait until the client has read enough, or has been dropped for not reading
        (within ``write_timeout``, by :meth:`_check_writes`)."""
        await self.can_write.wait()
