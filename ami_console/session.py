"""One AMI connection shared by many threads: the threaded session.

The blocking :class:`~ami_console.client.AMIClient` answers one caller at a time. A
:class:`Session` wraps a connected client so that any number of threads can send at
once while one reader thread takes in everything the server says and routes it:

- a response (and the items of its event list) goes to the :class:`Exchange` waiting for
  it, found by ActionID; the exchange's ``on_done`` handler is called, or a thread blocked
  in :meth:`Exchange.wait` wakes;
- events go to ``on_events`` in batches, in the order they came. Events that arrived
  before a response are handed on before that response's handler runs, so a consumer
  sees one ordered stream;
- when the connection ends, for whatever reason (the server closed it, a socket error,
  a bug in a handler), every pending exchange ends with that reason and ``on_lost`` is
  called once. A session never goes deaf without saying so.

Sending never blocks the caller: :meth:`Session.send` gives the action its ActionID at
once and a writer thread puts the bytes on the wire in the order they were sent. The
bytes waiting are bounded (:attr:`Session.max_outbox_bytes`): past it, an action is
refused, not queued. ``on_sent`` is called only once the bytes were written.

Example::

    client = AMIClient(username="admin", secret="...", host="pbx")
    session = Session(client, on_events=lambda events: print(len(events), "events"))
    if not session.connect():
        raise SystemExit(session.error)
    print(session.action(Action="Ping")["Response"])  # blocking, from any thread
    session.close()

Handlers run on the session's threads: keep them short, and hand work to your own
thread or event loop (a console posts a message to its UI thread).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ami_console import clock
from ami_console.client import AMIClient
from ami_console.protocol import EventList, Fields, Message, action_fields, mask_secrets, serialize_action

__all__ = ["Exchange", "Session", "TranscriptSink"]

BATCH_SIZE = 500  # events handed on at once, at most
BATCH_INTERVAL = 0.05  # seconds an event may wait for its batch
POLL = 0.05  # how often the reader looks for cancellation and overdue answers
MAX_OUTBOX_BYTES = 4 * 1024 * 1024  # bytes of actions waiting to be written
MAX_PENDING = 10_000  # exchanges waiting for an answer


class TranscriptSink(Protocol):
    """Where a session records the traffic (secrets already masked)."""

    def sent(self, wire_text: str, own: bool = False) -> None: ...
    def received(self, message: Message) -> None: ...
    def write(self, text: str) -> object: ...


@dataclass(eq=False)
class Exchange:
    """One action sent on a :class:`Session`, and what came back for it."""

    action_id: str
    request: list[tuple[str, str]]  # as sent, secrets masked
    own: bool = False  # a query the program made for itself, not one its user asked for
    sent_wall: float = 0.0  # time.time() when it was handed to the session
    sent_at: float = 0.0  # time.perf_counter() then: the clock for how long an answer took
    deadline: float = 0.0  # time.monotonic() by which it must have ended, list items and all
    response: Message | None = None
    finished_at: float | None = None  # time.perf_counter()
    sent: bool = False  # the bytes were written to the connection
    gathered: EventList | None = None  # the event list, once the response said it starts
    on_sent: Callable[[Exchange], Any] | None = field(default=None, repr=False)
    on_done: Callable[[Exchange], Any] | None = field(default=None, repr=False)
    max_items: int | None = None  # bounds of its event list (None: the client's)
    max_bytes: int | None = None
    _done: threading.Event = field(default_factory=threading.Event, repr=False)
    _announced: bool = field(default=False, repr=False)

    @property
    def action(self) -> str:
        return self.request[0][1] if self.request else ""

    @property
    def items(self) -> list[Message]:
        """The event-list items, the Complete one included."""
        return self.gathered.items if self.gathered is not None else []

    @property
    def is_list(self) -> bool:
        return self.gathered is not None

    @property
    def pending(self) -> bool:
        return self.finished_at is None

    @property
    def elapsed(self) -> float | None:
        """Seconds from the send to the end of the answer (None while pending)."""
        return None if self.finished_at is None else self.finished_at - self.sent_at

    @property
    def size(self) -> int:
        """Bytes held: the response and every list item as received."""
        listed = self.gathered.size if self.gathered is not None else 0
        return listed + (len(self.response.raw) if self.response is not None else 0)

    @property
    def request_text(self) -> str:
        """The action as it went on the wire, secrets masked."""
        return serialize_action(self.request, self.action_id).decode()

    def wait(self, timeout: float | None = None) -> Message | None:
        """Block until the exchange ends (its list too); the response, or None on timeout."""
        return self.response if self._done.wait(timeout) else None


def _made_up(text: str, action_id: str) -> Message:
    """An Error response the session writes itself (the connection failed, a timeout)."""
    return Message([("Response", "Error"), ("ActionID", action_id), ("Message", text)])


class Session:
    """A connected :class:`AMIClient` shared by threads; see the module's documentation.

    ``on_events(list[Message])``, ``on_lost(reason)`` and ``on_problem(text)`` are called
    from the reader thread. ``timeout`` is how long an action may wait for its answer
    (its whole event list included); by default the client's.
    """

    max_outbox_bytes = MAX_OUTBOX_BYTES
    max_pending = MAX_PENDING

    def __init__(
        self,
        client: AMIClient,
        *,
        on_events: Callable[[list[Message]], Any] | None = None,
        on_lost: Callable[[str], Any] | None = None,
        on_problem: Callable[[str], Any] | None = None,
        transcript: TranscriptSink | None = None,
        timeout: float | None = None,
    ) -> None:
        self.client = client
        self.on_events = on_events
        self.on_lost = on_lost
        self.on_problem = on_problem
        self.transcript = transcript
        self.timeout = client.timeout if timeout is None else timeout
        self.error: str | None = None
        self._early: list[Message] = []  # events read while logging in
        self._next_id = 0
        self._lock = threading.Lock()  # guards the counters, the outbox and the pending exchanges
        self._pending: dict[str, Exchange] = {}
        self._lists_open = 0  # exchanges whose list has started: only then do events need routing
        self._outbox: deque[tuple[Exchange, list[tuple[str, str]], int]] = deque()
        self._outbox_bytes = 0
        self._wake_writer = threading.Condition(self._lock)
        self._announce_lock = threading.Lock()
        self._closed = threading.Event()
        self._threads: list[threading.Thread] = []
        self._said_goodbye = False
        self._lost_reason: str | None = None

    # -- connecting -----------------------------------------------------------------------
    def connect(self) -> bool:
        """Log in (if the client is not connected yet) and start the reader and writer
        threads. False on failure, with the reason in ``error``."""
        if not self.client.connected:
            self.client.event_callback = self._early.append
            if not self.client.connect():
                self.error = self.client.error or "Connection failed"
                return False
        self.start()
        return True

    def start(self) -> None:
        """Start the threads over a client already connected (and logged in)."""
        with self._lock:
            if self._threads:
                return
            self._next_id = int(self.client.next_action_id)
            self.client.event_callback = None
            self._threads = [
                threading.Thread(target=self._read_loop, name="ami-reader", daemon=True),
                threading.Thread(target=self._write_loop, name="ami-writer", daemon=True),
            ]
        for thread in self._threads:
            thread.start()

    @property
    def connected(self) -> bool:
        return self.client.connected and not self._closed.is_set()

    @property
    def next_action_id(self) -> str:
        """The ActionID the next :meth:`send` will give."""
        with self._lock:
            return str(self._next_id or self.client.next_action_id)

    def close(self, wait: float | None = 2.0) -> None:
        """Drop the connection (no Logoff), end every pending exchange, stop the threads.
        ``on_lost`` is not called: the caller knows. Waits up to ``wait`` seconds for the
        threads to end (None: no wait)."""
        self._closed.set()
        self.client.close()
        with self._lock:
            self._wake_writer.notify_all()
        if wait is not None:
            me = threading.current_thread()
            for thread in self._threads:
                if thread is not me:
                    thread.join(wait)

    # -- sending --------------------------------------------------------------------------
    def send(
        self,
        fields: Fields,
        *,
        on_sent: Callable[[Exchange], Any] | None = None,
        on_done: Callable[[Exchange], Any] | None = None,
        own: bool = False,
        max_items: int | None = None,
        max_bytes: int | None = None,
    ) -> Exchange:
        """Queue an action and return its exchange at once (ActionID given).

        Raises ValueError for a malformed action (nothing sent, no ActionID used). When the
        action cannot go (not connected, too much waiting), the exchange ends at once with
        an Error response saying why, and ``on_done`` is called. ``max_items`` and
        ``max_bytes`` bound its event list, within the client's own bounds.
        """
        pairs = action_fields(fields)
        if any(key.lower() == "actionid" for key, _ in pairs):
            raise ValueError("Do not pass an ActionID: the session assigns one to every action")
        size = len(serialize_action(pairs, "0", encoding=self.client.encoding))  # raises if unencodable
        now = time.monotonic()
        with self._lock:
            self._next_id = self._next_id or int(self.client.next_action_id)
            exchange = Exchange(
                str(self._next_id),
                mask_secrets(pairs),
                own=own,
                sent_wall=clock.now(),
                sent_at=clock.counter(),
                deadline=now + self.timeout,
                on_sent=on_sent,
                on_done=on_done,
                max_items=max_items,
                max_bytes=max_bytes,
            )
            self._next_id += 1
            refusal = self._refusal(size)
            if refusal is None:
                # Registered before the bytes leave: the reader never sees an answer first.
                self._pending[exchange.action_id] = exchange
                self._outbox.append((exchange, pairs, size))
                self._outbox_bytes += size
                self._wake_writer.notify()
                if pairs[0][1].lower() == "logoff":
                    self._said_goodbye = True
        if refusal is not None:
            self._end(exchange, _made_up(refusal, exchange.action_id), registered=False)
        return exchange

    def _refusal(self, size: int) -> str | None:  # with _lock held
        if self._lost_reason is not None:
            return self._lost_reason
        if self._closed.is_set() or not self.client.connected:
            return self.client.error or "Not connected to Asterisk!"
        if self._outbox and self._outbox_bytes + size > self.max_outbox_bytes:
            return f"Not sent: {self._outbox_bytes:,} bytes of actions are still waiting to be written"
        if len(self._pending) >= self.max_pending:
            return f"Not sent: {len(self._pending):,} actions are still waiting for their answers"
        return None

    def action(self, fields: Fields | None = None, /, **kwargs: Any) -> Message:
        """Send an action and wait for its response (its list gathered): the seed's
        ``action``, from any thread. The list's items are in ``send(...).items``."""
        pairs = list(action_fields(fields)) if fields is not None else []
        pairs += [(key, str(value)) for key, value in kwargs.items()]
        exchange = self.send(pairs)
        exchange.wait()
        assert exchange.response is not None  # an ended exchange always has one
        return exchange.response

    def _write_loop(self) -> None:
        try:
            while True:
                with self._lock:
                    while not self._outbox and not self._closed.is_set() and self._lost_reason is None:
                        self._wake_writer.wait(POLL)
                    if self._closed.is_set() or self._lost_reason is not None:
                        return
                    exchange, pairs, size = self._outbox.popleft()
                    self._outbox_bytes -= size
                if exchange.finished_at is not None:
                    continue  # ended while it waited (timed out, connection lost)
                transcript = self.transcript
                if transcript is not None:  # before the bytes go: the answer may be read first
                    transcript.sent(exchange.request_text, own=exchange.own)
                action_id = self.client._send(pairs, exchange.deadline, action_id=exchange.action_id)
                if action_id is None:
                    reason = self.client.error or "Writing to socket failed"
                    if transcript is not None:
                        transcript.write(f"--- ActionID {exchange.action_id} not sent: {reason}\n")
                    self._end(exchange, _made_up(reason, exchange.action_id))
                    continue
                exchange.sent = True
                self._announce(exchange)
        except Exception as error:  # a bug must not leave actions queued forever
            self._lose(f"The session stopped writing after an internal error ({type(error).__name__}: {error})")

    def _announce(self, exchange: Exchange) -> None:
        """Call ``on_sent`` once, before ``on_done`` whichever thread gets there first."""
        with self._announce_lock:
            if exchange._announced or not exchange.sent:
                return
            exchange._announced = True
            if exchange.on_sent is not None:
                exchange.on_sent(exchange)

    # -- reading (one thread) ---------------------------------------------------------------
    def _read_loop(self) -> None:
        batch, self._early = self._early, []
        reason = ""
        try:
            reason = self._read(batch)
        except Exception as error:  # a bug here must not leave a deaf session that looks alive
            reason = f"The session stopped reading after an internal error ({type(error).__name__}: {error})"
        self._lose(reason or "Connection closed")

    def _lose(self, reason: str) -> None:
        """The connection is gone: end what waits, tell ``on_lost`` (unless closed by us)."""
        with self._lock:
            if self._lost_reason is not None:
                return
            if self._said_goodbye and "closed by Asterisk" in reason:
                reason = "Logged off"
            self._lost_reason = reason
            pending = list(self._pending.values())
            self._wake_writer.notify_all()
        self.client.close()
        for exchange in sorted(pending, key=lambda e: int(e.action_id)):
            self._end(exchange, _made_up(reason, exchange.action_id))
        if not self._closed.is_set() and self.on_lost is not None:
            self.on_lost(reason)

    def _read(self, batch: list[Message]) -> str:
        """The reading loop proper; returns why it ended ("" when closed)."""
        flushed = expired = time.monotonic()
        client, transcript = self.client, self.transcript
        try:
            while not self._closed.is_set():
                message = client.read_response(timeout=POLL)
                now = time.monotonic()
                if message is not None:
                    if not message.raw:  # made up by the client: trouble
                        if not client.connected:
                            return message.header("Message") or "connection lost"
                        if self.on_problem is not None:
                            self.on_problem(message.header("Message") or "")
                    else:
                        if transcript is not None:
                            transcript.received(message)
                        finished = self._route(message)
                        if finished is False:
                            batch.append(message)
                        elif isinstance(finished, tuple):  # an exchange ended: what came before goes first
                            self._flush(batch)
                            batch = []
                            self._end(*finished)
                if batch and (len(batch) >= BATCH_SIZE or now - flushed >= BATCH_INTERVAL):
                    self._flush(batch)
                    batch, flushed = [], now
                if now - expired >= POLL:
                    self._flush(batch)
                    batch = []
                    self._expire(now)
                    expired = now
            return ""
        finally:
            self._flush(batch)

    def _flush(self, batch: list[Message]) -> None:
        if batch and self.on_events is not None:
            self.on_events(batch)

    def _route(self, message: Message) -> tuple[Exchange, Message] | bool:
        """Give a response or list item to its exchange. False: an event for ``on_events``;
        True: taken; a pair: that exchange ended with that response."""
        if message.is_event:
            # Only a list in progress claims events; the rest are handed on without their
            # other headers being read (a busy PBX sends thousands a second).
            if not self._lists_open:
                return False
            with self._lock:
                exchange = self._pending.get(message.action_id or "")
            gathered = exchange.gathered if exchange is not None else None
            if exchange is None or gathered is None or not gathered.add(message):
                return False
            if gathered.complete:
                return exchange, exchange.response or message
            if gathered.error is not None:
                return exchange, _made_up(gathered.error, exchange.action_id)
            return True
        if message.header("Response") is None:
            return False  # neither event nor response: garbage, handed on as it is
        action_id = message.action_id
        with self._lock:
            exchange = self._pending.get(action_id) if action_id else self._oldest_waiting()
            if exchange is None or exchange.response is not None:
                return False
            exchange.response = message
            exchange.sent = True  # an answer came: it went out, whether or not the writer has said so yet
            if EventList.starts(message):
                client = self.client
                most = min(exchange.max_items or client.max_list_items, client.max_list_items)
                most_bytes = min(exchange.max_bytes or client.max_list_bytes, client.max_list_bytes)
                exchange.gathered = EventList(
                    exchange.action_id, max_items=most, max_bytes=most_bytes, response=message
                )
                self._lists_open += 1
                return True
        return exchange, message

    def _oldest_waiting(self) -> Exchange | None:  # with _lock held
        waiting = [e for e in self._pending.values() if e.response is None and e.sent]
        return min(waiting, key=lambda e: int(e.action_id)) if waiting else None

    def _expire(self, now: float) -> None:
        with self._lock:
            overdue = [e for e in self._pending.values() if now > e.deadline]
        for exchange in overdue:
            if exchange.gathered is not None:  # the items that came are kept, and counted
                text = exchange.gathered.incomplete(f"timed out after {self.timeout:g} s")
            else:
                text = f"Timed out after {self.timeout:g} s waiting for a response"
            self._end(exchange, _made_up(text, exchange.action_id))

    def _end(self, exchange: Exchange, response: Message, registered: bool = True) -> None:
        """End ``exchange`` with ``response`` (once), then call its handlers."""
        with self._lock:
            if registered:
                if self._pending.pop(exchange.action_id, None) is None:
                    return
                if exchange.gathered is not None:
                    self._lists_open -= 1
            exchange.response = response
            exchange.finished_at = clock.counter()
        self._announce(exchange)
        exchange._done.set()
        if exchange.on_done is not None:
            exchange.on_done(exchange)
