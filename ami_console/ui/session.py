"""One AMI connection driven from worker threads, for the console.

The blocking :class:`AMIClient` does the talking. Here, one thread reads everything
(responses, event-list items and events) and routes it: responses and list items go to
the exchange that is waiting for them, events are handed on in batches. Other threads
send. Nothing here knows about Textual: the app passes a :class:`Listener` whose methods
post messages to the UI, and a ``cancelled`` callable that every loop checks.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from ami_console.actiondocs import parse_list_commands, parse_list_privileges
from ami_console.client import AMIClient
from ami_console.files.history import HistoryEntry
from ami_console.files.profiles import ConnectionSettings
from ami_console.files.transcript import Transcript
from ami_console.protocol import EventList, Fields, Message, action_fields, mask_secrets, serialize_action

__all__ = ["ConnectedInfo", "Exchange", "Listener", "Session"]

BATCH_SIZE = 500  # events handed to the UI at once, at most
BATCH_INTERVAL = 0.05  # seconds an event may wait for its batch
POLL = 0.05  # how often the reader looks for cancellation and overdue answers
# An event list ends at the action's timeout counted from when it was sent (a total
# deadline: a server dribbling items cannot keep it open), or at the client's bounds
# (AMIClient.max_list_items and max_list_bytes).


@dataclass
class Exchange:
    """An action sent from the console and what came back for it."""

    action_id: str
    request: list[tuple[str, str]]  # secrets masked
    sent_at: float  # time.perf_counter(), the clock for how long an answer took
    sent_wall: float  # time.time()
    response: Message | None = None
    finished_at: float | None = None
    deadline: float = 0.0  # time.monotonic() by which it must have ended, list items and all
    purpose: str = ""  # empty for the user's own actions; the console's own queries say why
    gathered: EventList | None = None  # the event list, once the response said it starts

    @property
    def items(self) -> list[Message]:
        """The event-list items, the Complete one included."""
        return self.gathered.items if self.gathered is not None else []

    @property
    def size(self) -> int:
        """Bytes held: the response and every list item as received."""
        listed = self.gathered.size if self.gathered is not None else 0
        return listed + (len(self.response.raw) if self.response is not None else 0)

    @property
    def action(self) -> str:
        return self.request[0][1] if self.request else ""

    @property
    def pending(self) -> bool:
        return self.finished_at is None

    @property
    def is_list(self) -> bool:
        return self.gathered is not None

    @property
    def elapsed(self) -> float | None:
        return None if self.finished_at is None else self.finished_at - self.sent_at

    def history_entry(self, server: str = "", username: str = "") -> HistoryEntry:
        """This exchange (finished or not) as the history keeps it, secrets masked there."""
        response = self.response
        elapsed = self.elapsed
        return HistoryEntry(
            at=self.sent_wall,
            fields=list(self.request),
            status=(response.header("Response") or response.name) if response is not None else "",
            server=server,
            username=username,
            response=response,
            elapsed_ms=None if elapsed is None else round(elapsed * 1000, 3),
            action_id=self.action_id,
            items=len(self.items),
        )

    @property
    def request_text(self) -> str:
        return serialize_action(self.request, self.action_id).decode()


@dataclass
class ConnectedInfo:
    greeting: str
    ami_version: str
    asterisk_version: str
    commands: dict[str, str]  # action name -> one-line description, from ListCommands
    privileges: dict[str, str]  # action name -> the write classes it needs, from ListCommands
    connected_at: float  # time.time()


class Listener(Protocol):
    """What the session tells the UI. Called from worker threads."""

    def events_received(self, events: list[Message]) -> None: ...
    def exchange_finished(self, exchange: Exchange) -> None: ...
    def connection_lost(self, reason: str) -> None: ...
    def problem(self, text: str) -> None: ...


class Session:
    def __init__(self, settings: ConnectionSettings, listener: Listener, transcript: Transcript | None = None) -> None:
        self.settings = settings
        self.listener = listener
        self.transcript = transcript if transcript is not None else Transcript()
        tls: bool | ssl.SSLContext = settings.tls
        if settings.tls and not settings.tls_verify:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            tls = context
        self._early_events: list[Message] = []
        self.client = AMIClient(
            username=settings.username,
            secret=settings.secret,
            host=settings.host,
            port=settings.port,
            timeout=settings.timeout,
            auth=settings.auth,
            events=settings.events or None,
            tls=tls,
            event_callback=self._early_events.append,
            debug_file=self.transcript,  # the greeting and login, masked by the client
        )
        # Pending exchanges, by ActionID. Senders add to it while the reader routes and
        # expires: every access holds ``_lock`` (an unguarded iteration once killed the reader).
        self.exchanges: dict[str, Exchange] = {}
        self._lock = threading.Lock()
        self._lists_open = 0  # exchanges whose list has started: only then do events need routing
        self._send_lock = threading.Lock()
        self._said_goodbye = False

    @property
    def next_action_id(self) -> str:
        return self.client.next_action_id

    # -- connecting (in a worker thread) ------------------------------------------------
    def connect(self) -> ConnectedInfo | str:
        """Log in and learn about the server. Returns the info, or the error in words."""
        if not self.client.connect():
            return self.client.error or "Connection failed"
        settings = self.client.action(Action="CoreSettings")
        commands = self.client.action(Action="ListCommands")
        # From here the reader records whole messages itself, decoding them only if shown.
        self.client.debug_file = None
        greeting = self.client.greeting or ""
        return ConnectedInfo(
            greeting=greeting,
            ami_version=settings.header("AMIversion") or greeting.rpartition("/")[2],
            asterisk_version=settings.header("AsteriskVersion") or "",
            commands=parse_list_commands(commands) if commands.header("Response") == "Success" else {},
            privileges=parse_list_privileges(commands) if commands.header("Response") == "Success" else {},
            connected_at=time.time(),
        )

    def cancel(self) -> None:
        """Stop a connect in progress, or drop the connection; wakes every waiting thread."""
        self.client.close()

    # -- sending (in a worker thread) ---------------------------------------------------
    def send(self, fields: Fields, purpose: str = "") -> Exchange:
        """Send an action; the reader completes the exchange. Raises ValueError if malformed."""
        pairs = action_fields(fields)
        with self._send_lock:
            # Registered before the bytes leave, so the reader can never see the answer
            # before the exchange waiting for it.
            exchange = Exchange(
                self.client.next_action_id,
                mask_secrets(pairs),
                time.perf_counter(),
                time.time(),
                deadline=time.monotonic() + self.settings.timeout,
                purpose=purpose,
            )
            with self._lock:
                self.exchanges[exchange.action_id] = exchange
            if pairs[0][1].lower() == "logoff":
                self._said_goodbye = True
            action_id = self.client.send_action(pairs)
            if action_id is not None:
                self.transcript.sent(exchange.request_text, own=bool(purpose))  # the console's own: marked
        if action_id is None:
            self._finish(exchange, self._made_up(self.client.error or "Not connected to Asterisk!", exchange))
        return exchange

    # -- reading (in one worker thread) ----------------------------------------------------
    def read_loop(self, cancelled: Callable[[], bool]) -> None:
        """Read until cancelled or the connection ends, routing everything that arrives.

        Never dies unseen: whatever ends it, every pending action is finished with an
        error, and unless cancelled the listener hears ``connection_lost`` with the reason
        (an unexpected error in here included, which also closes the connection).
        """
        batch = self._early_events
        self._early_events = []
        self.client.event_callback = None
        reason = ""
        try:
            reason = self._read(cancelled, batch)
        except Exception as error:  # a bug here must not leave a deaf console that looks alive
            reason = f"The console stopped reading after an internal error ({type(error).__name__}: {error})"
            self.client.close()
        finally:
            with self._lock:
                pending = list(self.exchanges.values())
            for exchange in pending:
                self._finish(exchange, self._made_up(reason or "Connection closed", exchange))
        if not cancelled():
            if self._said_goodbye and "closed by Asterisk" in reason:
                reason = "Logged off"
            self.listener.connection_lost(reason)

    def _read(self, cancelled: Callable[[], bool], batch: list[Message]) -> str:
        """The reading loop proper; returns why it ended ("" when cancelled)."""
        flushed = expired = time.monotonic()
        try:
            while not cancelled():
                message = self.client.read_response(timeout=POLL)
                now = time.monotonic()
                if message is not None and message.raw:
                    self.transcript.received(message)
                if message is not None and not message.raw:  # made up by the client: trouble
                    if not self.client.connected:
                        return message.header("Message") or "connection lost"
                    self.listener.problem(message.header("Message") or "")
                elif message is not None and not self._route(message):
                    batch.append(message)
                if batch and (len(batch) >= BATCH_SIZE or now - flushed >= BATCH_INTERVAL):
                    self.listener.events_received(batch)
                    batch, flushed = [], now
                if now - expired >= POLL:
                    self._expire(now)
                    expired = now
            return ""
        finally:
            if batch:
                self.listener.events_received(batch)

    def _route(self, message: Message) -> bool:
        """Give a response or list item to its exchange. False if it is an event for the log."""
        if message.is_event:
            # Only a list in progress claims events; the rest go to the log without their
            # other headers being read (a busy PBX sends thousands a second).
            if not self._lists_open:
                return False
            with self._lock:
                exchange = self.exchanges.get(message.action_id or "")
            if exchange is None or exchange.gathered is None or not exchange.gathered.add(message):
                return False
            if exchange.gathered.complete:
                self._finish(exchange, exchange.response)
            elif exchange.gathered.error is not None:
                self._finish(exchange, self._made_up(exchange.gathered.error, exchange))
            return True
        if message.header("Response") is None:
            return False  # neither event nor response: garbage, shown in the log as it is
        action_id = message.action_id
        with self._lock:
            exchange = self.exchanges.get(action_id) if action_id else self._oldest_pending()
            if exchange is None or exchange.response is not None:
                return False
            exchange.response = message
            if EventList.starts(message):
                client = self.client
                exchange.gathered = EventList(
                    exchange.action_id, max_items=client.max_list_items, max_bytes=client.max_list_bytes
                )
                self._lists_open += 1
                return True
        self._finish(exchange, message)
        return True

    def _oldest_pending(self) -> Exchange | None:  # with _lock held
        waiting = [e for e in self.exchanges.values() if e.response is None]
        return min(waiting, key=lambda e: int(e.action_id)) if waiting else None

    def _expire(self, now: float) -> None:
        with self._lock:
            overdue = [e for e in self.exchanges.values() if now > e.deadline]
        timeout = self.settings.timeout
        for exchange in overdue:
            if exchange.gathered is not None:  # the items that came are kept, and counted
                text = exchange.gathered.incomplete(f"timed out after {timeout:g} s")
            else:
                text = f"Timed out after {timeout:g} s waiting for a response"
            self._finish(exchange, self._made_up(text, exchange))

    def _finish(self, exchange: Exchange, response: Message | None) -> None:
        with self._lock:
            if self.exchanges.pop(exchange.action_id, None) is None:
                return
            if exchange.is_list:
                self._lists_open -= 1
        exchange.response = response
        exchange.finished_at = time.perf_counter()
        self.listener.exchange_finished(exchange)

    @staticmethod
    def _made_up(text: str, exchange: Exchange) -> Message:
        return Message([("Response", "Error"), ("ActionID", exchange.action_id), ("Message", text)])
