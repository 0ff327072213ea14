"""The console's connection: connecting, reconnecting with backoff, and sending.

One :class:`Connection` lives as long as the console. It logs in on a thread of its own
(the screen stays free; ``cancel`` stops it at any step), learns what the server says of
itself, seeds the calls from CoreShowChannels, and after a reconnect sends again the
event mask and filters set on the connection before (the server forgot them). It gives
every action its ActionID from one count that goes on across reconnections, so the
history of a day tells connections apart, and it is the one gate of ``--read-only``:
every action the console sends passes :meth:`Connection.send`.

What happens is told to a :class:`ConnectionListener` from the connection's threads;
answers reach the models in turn with the events (:meth:`Models.run`), and a request's
own handlers run there after them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from ami_console import clock
from ami_console.actiondocs import parse_list_commands, parse_list_privileges
from ami_console.files.history import History, HistoryEntry
from ami_console.files.profiles import ConnectionSettings
from ami_console.lessons.checks import Observation
from ami_console.monitor.models import Models
from ami_console.monitor.read_only import changes_pbx
from ami_console.monitor.server_filters import ServerFilters
from ami_console.monitor.transcript import Transcript
from ami_console.protocol import Fields, Message, serialize_action
from ami_console.session import Exchange, Session

__all__ = ["ConnectedInfo", "Connection", "ConnectionListener"]

RETRY_FIRST, RETRY_MOST = 1.0, 30.0  # seconds: the backoff doubles from the first to the most
RESEED_EVERY = 5.0  # seconds at least between two reads of the channels after events were missed

Handler = Callable[[Exchange], object]


@dataclass
class ConnectedInfo:
    greeting: str
    ami_version: str
    asterisk_version: str
    commands: dict[str, str]  # action name -> one-line description, from ListCommands
    privileges: dict[str, str]  # action name -> the write classes it needs, from ListCommands
    connected_at: float  # time.time()


class ConnectionListener(Protocol):
    """What the connection tells the screen; called from the connection's threads."""

    def connected(self, info: ConnectedInfo, again: bool) -> None: ...
    def connect_failed(self, error: str, again: bool) -> None: ...
    def lost(self, reason: str) -> None: ...
    def problem(self, text: str) -> None: ...


class Connection:
    def __init__(
        self,
        settings: ConnectionSettings,
        models: Models,
        listener: ConnectionListener,
        *,
        transcript: Transcript | None = None,
        history: History | None = None,
        server_filters: ServerFilters | None = None,
    ) -> None:
        self.settings = settings
        self.models = models
        self.listener = listener
        self.transcript = transcript if transcript is not None else Transcript()
        self.history = history if history is not None else History()
        self.server_filters = server_filters if server_filters is not None else ServerFilters(mask=settings.events)
        self.state = "idle"  # idle, connecting, connected, lost
        self.info: ConnectedInfo | None = None
        self.session: Session | None = None
        self.retry_at: float | None = None  # time.monotonic() of the next automatic reconnect
        self.retry_reason = ""
        self._retry_delay = 0.0
        self._next_id = 1  # the ActionID of the next action while no session numbers them
        self._attempt = 0  # counts connects: a late answer of an older one is ignored
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._calls_asked_at = 0.0
        self._history_warned = False

    # -- what the screen reads ----------------------------------------------------------------
    @property
    def connected(self) -> bool:
        return self.state == "connected"

    @property
    def next_action_id(self) -> str:
        """The ActionID the next action sent will carry (the composer's preview shows it)."""
        session = self.session
        return session.next_action_id if session is not None else str(self._next_id)

    # -- connecting ------------------------------------------------------------------------------
    def connect(self, settings: ConnectionSettings | None = None, *, again: bool = False) -> str | None:
        """Connect (again) in the background; the listener hears how it went. Returns why it
        cannot even start (a line break in the user name or secret), else None."""
        settings = settings or self.settings
        try:
            client = settings.client(
                action_id=int(self.next_action_id),
                debug_file=self.transcript,  # the greeting and login, masked by the client
            )
        except ValueError as error:
            return str(error)
        self.drop()
        with self._lock:
            self._attempt += 1
            attempt = self._attempt
            self.settings, self.state, self.retry_at = settings, "connecting", None
        stamp = clock.stamp("%H:%M:%S")
        self.transcript.write(f"--- connecting to {settings.address} as {settings.username} at {stamp}\n")
        session = Session(
            client,
            on_events=self.models.events_arrived,
            on_lost=lambda reason: self._lost(session, reason),
            on_problem=self.listener.problem,
            transcript=self.transcript,
            timeout=settings.timeout,
        )
        self.session = session
        thread = threading.Thread(target=self._connect, args=(session, attempt, again), name="ami-connect", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()
        return None

    def _current(self, attempt: int) -> bool:
        with self._lock:
            return attempt == self._attempt

    def _connect(self, session: Session, attempt: int, again: bool) -> None:
        try:
            info = self._log_in(session)
        except Exception as error:  # reported, never swallowed: the form says what happened
            info = f"Internal error while connecting ({type(error).__name__}: {error})"
        if not self._current(attempt):
            session.close(wait=None)
            return
        if isinstance(info, str):
            with self._lock:
                self.state = "lost" if again else "idle"
                self.session = None
            session.close(wait=None)
            self.listener.connect_failed(info, again)
            if again:
                self.schedule_retry(f"reconnecting failed: {info}")
            return
        with self._lock:
            self.info, self.state = info, "connected"
            self._retry_delay = 0.0
        self.listener.connected(info, again)

    def _log_in(self, session: Session) -> ConnectedInfo | str:
        """Log in and learn about the server. Returns the info, or the error in words."""
        if not session.connect():
            error = session.error or "Connection failed"
            if error == "Unknown Protocol" and session.client.refused_greeting:
                return f"{error}: {session.client.refused_greeting}"  # the form quotes it
            return error
        session.client.debug_file = None  # from here the session records whole messages itself
        core = session.send([("Action", "CoreSettings")], own=True)
        commands = session.send([("Action", "ListCommands")], own=True)
        core_answer, listed = core.wait(), commands.wait()
        if core_answer is None or listed is None:
            return "No answer to CoreSettings or ListCommands"
        greeting = session.client.greeting or ""
        ok = listed.header("Response") == "Success"
        return ConnectedInfo(
            greeting=greeting,
            ami_version=core_answer.header("AMIversion") or greeting.rpartition("/")[2],
            asterisk_version=core_answer.header("AsteriskVersion") or "",
            commands=parse_list_commands(listed) if ok else {},
            privileges=parse_list_privileges(listed) if ok else {},
            connected_at=clock.now(),
        )

    def begin(self, again: bool) -> str:
        """Start work on a connection just made (the screen calls it once told, so that
        every action goes out from one thread, in the order the preview counts): the
        server-side filtering starts afresh, or after a reconnect is sent again, and the
        calls are read. Returns what was re-applied, in words ("" if nothing)."""
        filters = self.server_filters
        with self.models.lock:
            mask, kept = filters.mask, list(filters.filters)
        first = self.settings.events or "on"
        self.models.run(lambda: filters.reset(first))
        if again:
            self.models.mark(f"connected again at {clock.stamp('%H:%M:%S')}")
        reapplied = self._reapply(mask if mask != first else "", kept) if again else ""
        self.seed_calls()
        return reapplied

    def _reapply(self, mask: str, filters: list[str]) -> str:
        """After a reconnect, send again the event mask and filters set before; what was sent, in words."""
        if mask:
            self.send([("Action", "Events"), ("EventMask", mask)], own=True)
        for value in filters:
            self.send([("Action", "Filter"), ("Operation", "Add"), ("Filter", value)], own=True)
        parts = ([f"the event mask ({mask})"] if mask else []) + (
            [f"{len(filters)} filter{'s' if len(filters) != 1 else ''}"] if filters else []
        )
        return " and ".join(parts)

    def cancel(self) -> None:
        """Stop a connect in progress (its result is ignored)."""
        with self._lock:
            self._attempt += 1
            connecting = self.state == "connecting"
            if connecting:
                self.state = "idle"
        if connecting:
            self.drop()

    def drop(self) -> None:
        """Close the connection without a word to the listener."""
        session, self.session = self.session, None
        if session is not None:
            self._next_id = max(self._next_id, int(session.next_action_id))
            session.close(wait=None)

    def _lost(self, session: Session, reason: str) -> None:
        with self._lock:
            if session is not self.session:
                return
            self.session, self.state = None, "lost"
            self._next_id = max(self._next_id, int(session.next_action_id))
        stamp = clock.stamp("%H:%M:%S")
        self.transcript.write(f"--- connection lost at {stamp}: {reason}\n")
        self.models.mark(f"connection lost at {stamp}: {reason}")
        self.listener.lost(reason)
        self.schedule_retry(reason)

    def close(self) -> None:
        """The console is closing: drop everything and wait (briefly) for the threads."""
        self.cancel()
        with self._lock:
            self._attempt += 1
        session, self.session = self.session, None
        if session is not None:
            session.close()
        for thread in self._threads:
            thread.join(2.0)

    # -- reconnecting by itself (ConnectionSettings.auto_reconnect) ----------------------------
    def schedule_retry(self, reason: str) -> None:
        if not self.settings.auto_reconnect or reason == "Logged off":
            return
        with self._lock:
            self._retry_delay = min(RETRY_MOST, self._retry_delay * 2 or RETRY_FIRST)
            self.retry_at = time.monotonic() + self._retry_delay
            self.retry_reason = reason

    def stop_retrying(self) -> None:
        with self._lock:
            self.retry_at, self._retry_delay = None, 0.0

    def tick(self) -> float | None:
        """Called every second: reconnects when it is time. Seconds to the next try, or None."""
        at = self.retry_at
        if at is None or self.state in ("connected", "connecting"):
            return None
        left = at - time.monotonic()
        if left > 0:
            return left
        self.connect(again=True)
        return None

    # -- sending ----------------------------------------------------------------------------------
    def send(
        self,
        pairs: Fields,
        *,
        own: bool = False,
        on_sent: Handler | None = None,
        on_answered: Handler | None = None,
        max_items: int | None = None,
        max_bytes: int | None = None,
    ) -> Exchange | str:
        """Send an action on the current connection; its exchange, or why it was refused.

        ``own``: the console asks for itself (marked in the transcript, not the user's
        history, never a lesson's tick). ``on_sent`` runs once the bytes are written,
        ``on_answered`` once the answer (its list too) came; both on the model thread, in
        turn with the events, after the models took it in.
        """
        session = self.session
        if session is None or self.state != "connected":
            return "Not connected: press ctrl+r to reconnect."
        fields = list(pairs.items()) if hasattr(pairs, "items") else list(pairs)
        try:  # refused here, before it takes an ActionID
            serialize_action(fields, "0")
        except ValueError as error:
            return f"Not sent: {error}"
        refusal = changes_pbx(fields) if self.settings.read_only else None
        if refusal is not None:
            return refusal
        models, username, server = self.models, self.settings.username, self.settings.address

        def sent(exchange: Exchange) -> None:
            def work() -> None:
                self._note_sent(exchange, username)
                if on_sent is not None:
                    on_sent(exchange)

            models.run(work)

        def answered(exchange: Exchange) -> None:
            def work() -> None:
                self._note_answered(exchange, server, username)
                if on_answered is not None:
                    on_answered(exchange)

            models.run(work)

        return session.send(fields, own=own, on_sent=sent, on_done=answered, max_items=max_items, max_bytes=max_bytes)

    # On the model thread, under its lock:
    def _note_sent(self, exchange: Exchange, username: str) -> None:
        if not exchange.own:  # only what crossed the wire, and only the user's own
            fields = tuple(exchange.request)
            self.models._observe(Observation("sent", action=exchange.action, fields=fields, user=username))

    def _note_answered(self, exchange: Exchange, server: str, username: str) -> None:
        models = self.models
        if self.server_filters.note(exchange.action, exchange.request, exchange.response):
            models.changes.filters = True
        if exchange.own:
            return
        if exchange.sent:
            items = tuple(exchange.items)
            observation = Observation(
                "answered", action=exchange.action, message=exchange.response, items=items, user=username
            )
            models._observe(observation)
            if not self.history.add(HistoryEntry.of(exchange, server, username)) and not self._history_warned:
                self._history_warned = True  # once: a read-only disk would say it on every action
                models.changes.problem(self.history.error or "The history could not be written.")

    # -- the calls -----------------------------------------------------------------------------------
    def seed_calls(self) -> None:
        """Ask for the channels up now (read-only): calls up before the console connected,
        or while it was away, are listed too. The model says what to ask (one list:
        CoreShowChannels names each channel's bridge, so no bridge needs asking about)."""
        from ami_console.calls.live import LiveCalls

        asked = self._calls_asked_at = clock.now()
        models = self.models

        def seed(exchange: Exchange) -> None:
            if exchange.response is not None and exchange.response.header("Response") == "Success":
                models.calls.seed_channels(exchange.items, clock.now(), since=asked)
                models.changes.calls = True

        for request in LiveCalls.seed_requests():
            self.send(request, own=True, on_answered=seed)

    def reseed_calls(self) -> bool:
        """Events were passed over: read the channels again, at most every few seconds."""
        if self.connected and clock.now() - self._calls_asked_at >= RESEED_EVERY:
            self.seed_calls()
            return True
        return False


def answer_text(response: Message | None) -> str:
    """What an answer's Message header says, or why there is none."""
    return response.header("Message", "") if response is not None else "no answer"
