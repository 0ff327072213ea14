"""The ami-console App: screens, key bindings, and the routing between the UI and the
:class:`Session` that runs the blocking client in worker threads.

Workers never touch widgets: they post messages (below), and the handlers here decide
which widget hears about it.
"""

from __future__ import annotations

import gc
import queue
import threading
import time
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import App, SystemCommand
from textual.message import Message as TextualMessage
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import Worker, WorkerState, get_current_worker

from ami_console.actiondocs import changes_pbx, denied_in_words
from ami_console.events.store import DEFAULT_CAPACITY, DEFAULT_MAX_BYTES, EventStore
from ami_console.files.history import History
from ami_console.files.profiles import ConnectionSettings, Profiles
from ami_console.files.saved import SavedActions
from ami_console.files.transcript import Transcript
from ami_console.printable import clean, clean_lines
from ami_console.protocol import Message, serialize_action
from ami_console.ui.screens.connect import ConnectScreen, explain
from ami_console.ui.screens.console import ConsoleScreen
from ami_console.ui.screens.server_filters import ServerFilters, ServerFiltersScreen
from ami_console.ui.session import POLL, ConnectedInfo, Exchange, Session
from ami_console.ui.widgets.composer import Composer
from ami_console.ui.widgets.event_log import EventLog

if TYPE_CHECKING:  # the rest is imported where first used: start-up loads only the form's needs
    from ami_console.calls.dialplan import Dialplan
    from ami_console.calls.live import LiveCalls
    from ami_console.events.export import ReadResult

DOCS_PURPOSE = "docs:"
CALLS_FEED_BUDGET = 0.005  # seconds a batch of events may spend keeping the Calls model current
CALLS_RESEED_EVERY = 5.0  # seconds between rebuilds of the Calls model while it is behind
SERVER_PURPOSE = "server:"  # the console's own Events and Filter actions, from the filters screen
CALLS_PURPOSE = "calls:"  # the console's own reads for the Calls tab: channels, bridges, dialplan
EXPLAIN_PURPOSE = "explain:"  # manager show event, for "explain this" on an event the catalogue lacks


class _Bridge:
    """The session's listener: turns calls from worker threads into app messages.

    Events wait here for the app to take them, all at once, and at most one message
    says that some are waiting: in a storm the app's queue never fills with batches, so
    a key pressed meanwhile is handled next. While the app is slower than the storm, the
    oldest waiting events beyond what the log keeps (its capacity and byte bound, which
    would push them out at once) are counted by name and passed over.
    """

    def __init__(self, app: AMIConsoleApp, session: Session, most: int, most_bytes: int) -> None:
        self.app, self.session = app, session
        self.most, self.most_bytes = most, most_bytes
        self._lock = threading.Lock()
        self._waiting: deque[Message] = deque()
        self._waiting_bytes = 0
        self._passed_over: list[str] = []  # names of events passed over, oldest first
        self._posted = False

    def events_received(self, events: list[Message]) -> None:
        with self._lock:
            waiting = self._waiting
            waiting.extend(events)
            self._waiting_bytes += sum(len(message.raw) for message in events)
            while len(waiting) > self.most or (self._waiting_bytes > self.most_bytes and len(waiting) > 1):
                oldest = waiting.popleft()
                self._waiting_bytes -= len(oldest.raw)
                self._passed_over.append(oldest.name)
            if self._posted:
                return
            self._posted = True
        self.app.post_message(AMIConsoleApp.EventsArrived(self.session, self))

    def take(self) -> tuple[list[Message], list[str]]:
        """The events waiting, and the names of those passed over since the last take."""
        with self._lock:
            events, passed_over = list(self._waiting), self._passed_over
            self._waiting.clear()
            self._waiting_bytes, self._passed_over, self._posted = 0, [], False
        return events, passed_over

    def exchange_finished(self, exchange: Exchange) -> None:
        self.app.post_message(AMIConsoleApp.ExchangeFinished(self.session, exchange))

    def connection_lost(self, reason: str) -> None:
        self.app.post_message(AMIConsoleApp.ConnectionLost(self.session, reason))

    def problem(self, text: str) -> None:
        self.app.post_message(AMIConsoleApp.ProblemReported(self.session, text))


class AMIConsoleApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "ami-console"

    class _FromSession(TextualMessage):
        def __init__(self, session: Session) -> None:
            super().__init__()
            self.session = session

    class Connected(_FromSession):
        def __init__(self, session: Session, info: ConnectedInfo) -> None:
            super().__init__(session)
            self.info = info

    class ConnectFailed(_FromSession):
        def __init__(self, session: Session, error: str) -> None:
            super().__init__(session)
            self.error = error

    class EventsArrived(_FromSession):
        """Events are waiting in ``bridge`` (one such message at a time)."""

        def __init__(self, session: Session, bridge: _Bridge) -> None:
            super().__init__(session)
            self.bridge = bridge

    class ExchangeStarted(_FromSession):
        def __init__(self, session: Session, exchange: Exchange) -> None:
            super().__init__(session)
            self.exchange = exchange

    class ExchangeFinished(_FromSession):
        def __init__(self, session: Session, exchange: Exchange) -> None:
            super().__init__(session)
            self.exchange = exchange

    class ConnectionLost(_FromSession):
        def __init__(self, session: Session, reason: str) -> None:
            super().__init__(session)
            self.reason = reason

    class ProblemReported(_FromSession):
        def __init__(self, session: Session, text: str) -> None:
            super().__init__(session)
            self.text = text

    def __init__(
        self,
        settings: ConnectionSettings | None = None,
        *,
        autoconnect: bool = False,
        hint: str = "",
        note: str = "",
        profiles: Profiles | None = None,
        history: History | None = None,
        saved: SavedActions | None = None,
        log_capacity: int = DEFAULT_CAPACITY,
        log_bytes: int = DEFAULT_MAX_BYTES,
        replay: Path | None = None,
        learn: bool = False,
        lessons: Path | None = None,
        lessons_progress: Path | None = None,
    ) -> None:
        super().__init__()
        self.learn = learn  # open the lesson panel once connected
        self.lessons_folder = lessons  # a trainer's lessons; None: the built-in ones
        self.lessons_progress = lessons_progress  # None: lessons.json in the data directory
        self.settings = settings or ConnectionSettings()
        self.autoconnect = autoconnect
        self.replay = replay  # an exported log to browse offline, instead of a server
        self.hint = hint  # shown on the connection form
        self.note = note  # shown in the header once connected
        self.profiles = profiles or Profiles()
        self._history_warned = False
        self._again = False  # this connect is a reconnect: re-apply what ctrl+f set
        self._retry_delay = 0.0  # seconds before the next automatic reconnect (backoff)
        self._retry_at: float | None = None  # time.monotonic() of the next one, if one is due
        self._retry_reason = ""  # why the connection went, shown with the countdown
        self._outbox: queue.SimpleQueue[tuple[Session, list[tuple[str, str]], str]] = queue.SimpleQueue()
        self._next_id = 1  # the ActionID the next action sent will get (see send_pairs)
        self._info: ConnectedInfo | None = None  # what the server said of itself at login
        self.history = history or History()
        self.saved = saved or SavedActions()
        self.server_filters = ServerFilters(mask=self.settings.events or "on")
        self.store = EventStore(log_capacity, log_bytes)
        self.store.replay = replay is not None  # the status shows the file's rate, not the reading's
        self.transcript = Transcript()  # kept across reconnections, like the log
        self._calls: LiveCalls | None = None  # made on first use: the form needs none of it
        self._dialplan: Dialplan | None = None
        self._replay_clock: float | None = None  # a replay's "now": its last event's time
        self._calls_asked_at = 0.0  # when the channels were last asked for (see seed_channels)
        self.calls_behind = False  # events came faster than the Calls model could follow
        self.session: Session | None = None  # the one connected, or connecting
        self.connected = False
        self.console_screen = ConsoleScreen(
            self.store, self.transcript, self.history, self.saved, self.server_filters, replay=replay is not None
        )
        self.connect_screen = ConnectScreen(self.settings, self.profiles, hint)

    async def on_mount(self) -> None:
        if self.replay is not None:
            await self.push_screen(self.console_screen)
            self.console_screen.header.note = f"replaying {self.replay} (reading…)"
            self._read_replay(self.replay)
            return
        await self.push_screen(self.connect_screen)
        self.set_interval(1, self._tick_retry)
        if self.autoconnect:
            self.start_connect(self.settings)

    # -- replaying an exported log ---------------------------------------------------------
    class ReplayRead(TextualMessage):
        def __init__(self, result: ReadResult | None, error: str = "") -> None:
            super().__init__()
            self.result, self.error = result, error

    @work(thread=True, exit_on_error=False, group="replay")
    def _read_replay(self, path: Path) -> None:
        from ami_console.events.export import read_events

        try:
            self.post_message(self.ReplayRead(read_events(path)))
        except (OSError, ValueError) as error:
            self.post_message(self.ReplayRead(None, getattr(error, "strerror", None) or str(error)))

    @on(ReplayRead)
    def replay_read(self, event: ReplayRead) -> None:
        if not self.is_running:
            return
        header = self.console_screen.header
        if event.result is None:
            header.note = f"replay of {self.replay}"
            self.console_screen.banner.show(f"could not read {self.replay}: {event.error}")
        else:
            added, dropped = self.store.add_timed(event.result.events)
            self._feed_calls(event.result.events)
            for log in self.console_screen.query(EventLog):
                log.stored(added, dropped)
            header.note = f"replay of {self.replay}: {event.result.summary}"
        header.refresh()

    # -- connecting ---------------------------------------------------------------------------
    def _is_news(self, event: _FromSession) -> bool:
        # A session's threads report until they see they are cancelled: that can be after a
        # newer session replaced it, or while the app is closing and its screens are gone.
        return event.session is self.session and self.is_running

    @on(ConnectScreen.ConnectRequested)
    def connect_requested(self, event: ConnectScreen.ConnectRequested) -> None:
        self._again = False  # elsewhere, or as someone else: server-side filtering starts afresh
        self._stop_retrying()
        self.start_connect(event.settings)

    def start_connect(self, settings: ConnectionSettings) -> None:
        self.settings = settings
        if self.session is not None:
            self.session.cancel()
        try:
            session = Session(settings, listener=None, transcript=self.transcript)  # type: ignore[arg-type]
        except ValueError as error:  # a line break in the user name or secret
            self.connect_screen.show_error(str(error))
            return
        self.transcript.write(
            f"--- connecting to {settings.address} as {settings.username} at {time.strftime('%H:%M:%S', time.localtime(time.time()))}\n"
        )
        session.listener = _Bridge(self, session, self.store.capacity, self.store.max_bytes)
        self.session = session
        if self.screen is self.connect_screen:
            self.connect_screen.set_busy(True)
        if self.console_screen.is_mounted:
            self.console_screen.header.show("connecting", settings.address, settings.username)
        self._connect(session)

    @work(thread=True, exit_on_error=False, group="connect")
    def _connect(self, session: Session) -> None:
        result = session.connect()
        if get_current_worker().is_cancelled:
            session.cancel()
            return
        if isinstance(result, str):
            self.post_message(self.ConnectFailed(session, result))
        else:
            self.post_message(self.Connected(session, result))

    @on(ConnectScreen.CancelRequested)
    def cancel_connect(self) -> None:
        if self.session is not None and not self.connected:
            self.session.cancel()
            self.session = None  # its ConnectFailed, when it comes, is no news
            self.connect_screen.set_busy(False)
            self.connect_screen.show_error("Cancelled: not connected.")

    @on(Connected)
    async def connected_ok(self, event: Connected) -> None:
        if not self._is_news(event):
            return
        if self.screen is self.connect_screen:
            self.connect_screen.set_busy(False)
            if self.console_screen.is_mounted:
                await self.pop_screen()  # the form was opened over the console
            else:
                await self.switch_screen(self.console_screen)
        # What exists now (Textual's screens, styles and widgets) lives as long as the app:
        # the collector need not walk it again in each full collection while a storm comes
        # and goes (at 30,000 events/s those walks stopped the screen for 230 ms). They still
        # go when their last reference does; only a cycle among them would now stay.
        gc.freeze()
        state = self.server_filters
        mask, filters = state.mask, list(state.filters)
        if self.store.total or self.store.row_count:  # a reconnect: say where the log goes on
            self._mark_log(f"connected again at {time.strftime('%H:%M:%S', time.localtime(time.time()))}")
        self._show_connected(event.session, event.info)
        self._info = event.info
        self.connected = True
        self._read(event.session)
        self._outbox = queue.SimpleQueue()  # a new connection: nothing queued for the old one goes
        self._next_id = int(event.session.next_action_id)
        self.workers.cancel_group(self, "sender")
        self._send_loop(self._outbox)
        if self._again:  # the server forgot them with the old connection
            self._reapply(mask if mask != state.mask else "", filters)
        self._seed_calls()
        if self.learn:
            self.learn = False  # once: a reconnect keeps the panel as the learner left it
            self.console_screen.open_lessons()

    def _show_connected(self, session: Session, info: ConnectedInfo) -> None:
        console = self.console_screen
        console.header.note = self.note
        state = self.server_filters
        state.reset(session.settings.events or "on")  # what the server has now; re-applying rebuilds it
        self._stop_retrying()
        console.header.filters = state.summary
        console.header.show("connected", session.settings.address, session.settings.username, info)
        console.banner.hide()
        if info.commands:
            console.composer.set_actions(info.commands)
        console.composer.docs.clear()
        console.composer.set_next_action_id(session.next_action_id)
        console.header.read_only = console.composer.read_only = session.settings.read_only
        console.composer.update_preview()

    def _reapply(self, mask: str, filters: list[str]) -> None:
        """After a reconnect, send again the event mask and filters set with ctrl+f (the
        server forgot them with the old connection), and say so."""
        if mask:
            self.send_pairs([("Action", "Events"), ("EventMask", mask)], purpose=SERVER_PURPOSE + "mask")
        for value in filters:
            self.send_pairs(
                [("Action", "Filter"), ("Operation", "Add"), ("Filter", value)], purpose=SERVER_PURPOSE + "filter"
            )
        if mask or filters:
            parts = ([f"the event mask ({mask})"] if mask else []) + (
                [f"{len(filters)} filter{'s' if len(filters) != 1 else ''}"] if filters else []
            )
            self.notify(f"Reconnected: re-applied {' and '.join(parts)}.", title="Server-side filtering")

    @on(ConnectFailed)
    def connect_failed(self, event: ConnectFailed) -> None:
        if not self._is_news(event):
            return
        self.session = None
        if self.screen is self.console_screen:
            self.console_screen.header.show("lost")
            reason = f"reconnecting failed: {explain(event.error, event.session.settings)}"
            self.console_screen.banner.show(reason)
            self._retry_later(reason)
        else:
            self.connect_screen.set_busy(False)
            self.connect_screen.show_error(event.error)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reconnect":  # shown only when it can act
            return self.replay is None and not self.connected and self.session is None
        return True

    def action_reconnect(self) -> None:
        if not self.connected and (self.session is None):
            self._again = True
            self._retry_at = None
            self.start_connect(self.settings)

    # -- reconnecting by itself (ConnectionSettings.auto_reconnect) --------------------------
    RETRY_FIRST, RETRY_MOST = 1.0, 30.0  # seconds: the backoff doubles from the first to the most

    def _retry_later(self, reason: str) -> None:
        if not self.settings.auto_reconnect or self.replay is not None or reason == "Logged off":
            return
        self._retry_delay = min(self.RETRY_MOST, self._retry_delay * 2 or self.RETRY_FIRST)
        self._retry_at = time.monotonic() + self._retry_delay
        self._retry_reason = reason
        self._tick_retry()

    def _stop_retrying(self) -> None:
        self._retry_at = None
        self._retry_delay = 0.0

    def _tick_retry(self) -> None:
        """Once a second: count down to the next automatic reconnect, on the banner."""
        if self._retry_at is None or self.connected or self.session is not None:
            return
        left = self._retry_at - time.monotonic()
        if left <= 0:
            self._retry_at = None
            self.action_reconnect()
            return
        self.console_screen.banner.show(self._retry_reason, retry_in=left)

    def action_connection_form(self) -> None:
        """Open the connection form over the console, to connect elsewhere or as someone else."""
        self._stop_retrying()
        if self.screen is self.console_screen:
            self.connect_screen = ConnectScreen(self.settings, self.profiles, self.hint)
            self.push_screen(self.connect_screen)

    # -- reading ------------------------------------------------------------------------------
    @work(thread=True, exit_on_error=False, group="reader")
    def _read(self, session: Session) -> None:
        worker = get_current_worker()
        session.read_loop(cancelled=lambda: worker.is_cancelled)

    @on(EventsArrived)
    def events_arrived(self, event: EventsArrived) -> None:
        # The store is the app's: events are kept even before the log is on screen.
        events, passed_over = event.bridge.take()
        if passed_over:
            self.store.count_passed_over(passed_over)
        self._log_stored(*self.store.add(events))
        if self.console_screen.lesson_running:  # one check per batch: a storm costs nothing more
            for message in events:
                self.observe("event", message=message)
        now = time.time()
        self._feed_calls([(now, message) for message in events])

    def _mark_log(self, text: str) -> None:
        """A separator line in the event log (not an event: never counted, filtered or exported)."""
        self._log_stored(*self.store.add_marker(text))

    def _log_stored(self, added: int, dropped: int) -> None:
        for log in self.console_screen.query(EventLog):
            log.stored(added, dropped)

    @on(ConnectionLost)
    def connection_lost(self, event: ConnectionLost) -> None:
        if not self._is_news(event):
            return
        self.session = None
        self.connected = False
        now = time.strftime("%H:%M:%S", time.localtime(time.time()))
        self.transcript.write(f"--- connection lost at {now}: {event.reason}\n")
        self._mark_log(f"connection lost at {now}: {event.reason}")
        self.console_screen.header.show("lost")
        self.console_screen.banner.show(event.reason)
        self._retry_later(event.reason)

    @on(Worker.StateChanged)
    def worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that dies of an unexpected error is reported, never swallowed: the
        reader's death is a lost connection (its pending actions end with the reason),
        a connect's is a failed connect, any other is a notification."""
        if event.state is not WorkerState.ERROR or not self.is_running:
            return
        worker = event.worker
        what = f"{type(worker.error).__name__}: {worker.error}"
        session = self.session
        if worker.group == "reader" and session is not None:
            session.cancel()
            self.post_message(
                self.ConnectionLost(session, f"The console stopped reading after an internal error ({what})")
            )
        elif worker.group == "connect" and session is not None and not self.connected:
            session.cancel()
            self.post_message(self.ConnectFailed(session, f"Internal error while connecting ({what})"))
        else:
            self.notify(
                f"Internal error in the {worker.group or worker.name} worker: {what}",
                title="ami-console",
                severity="error",
            )

    @on(ProblemReported)
    def problem_reported(self, event: ProblemReported) -> None:
        self.notify(event.text, title="Protocol problem", severity="warning")

    # -- the calls model (the Calls tab, the ladder, the dialplan pane) -----------------------
    @property
    def calls(self) -> LiveCalls:
        """The Calls tab's model: fed every event, seeded at each connect."""
        if self._calls is None:
            from ami_console.calls.live import LiveCalls

            self._calls = LiveCalls()
        return self._calls

    @property
    def dialplan(self) -> Dialplan:
        """The contexts listed by ShowDialPlan so far, for the dialplan pane."""
        if self._dialplan is None:
            from ami_console.calls.dialplan import Dialplan

            self._dialplan = Dialplan()
        return self._dialplan

    def calls_now(self) -> float:
        """The Calls tab's clock: the wall clock, or in a replay the time of its last event."""
        if self.replay is not None:
            return self._replay_clock if self._replay_clock is not None else 0.0
        return time.time()

    def _feed_calls(self, events: list[tuple[float | None, Message]]) -> None:
        """Keep the Calls model current, within a time budget per batch.

        Every event fed is decoded and followed: at 30,000 events/s that alone would take
        the screen's whole time. Past the budget the model stops following events and is
        rebuilt from CoreShowChannels and BridgeList instead (at most every few seconds),
        until the storm is one it can follow again. A replay has all the time it needs.
        """
        live = self.replay is None
        if live and self.calls_behind:
            self._catch_up_calls()
            return
        changed = False
        deadline = time.perf_counter() + CALLS_FEED_BUDGET
        for index, (at, message) in enumerate(events):
            if message.is_event:
                changed = self.calls.feed(message, at) is not None or changed
            if at is not None and not live:
                self._replay_clock = max(self._replay_clock or at, at)
            if live and index % 64 == 63 and time.perf_counter() > deadline:
                self.calls_behind = True
                self._catch_up_calls()
                break
        if changed:  # once per batch, not per event
            self.console_screen.calls_changed()

    def _catch_up_calls(self) -> None:
        """While behind, ask for the lists again now and then; their answer rebuilds the model."""
        if self.connected and time.time() - self._calls_asked_at >= CALLS_RESEED_EVERY:
            self._seed_calls()

    def _seed_calls(self) -> None:
        """Ask for the channels and bridges up now: calls up before the console connected
        (or while it was away) are listed too. Read-only actions."""
        self._calls_asked_at = time.time()
        self.send_pairs([("Action", "CoreShowChannels")], purpose=CALLS_PURPOSE + "channels")
        self.send_pairs([("Action", "BridgeList")], purpose=CALLS_PURPOSE + "bridges")

    def fetch_dialplan(self, context: str) -> None:
        """Ask for one context's listing; open dialplan panes hear of it when it comes."""
        self.send_pairs(self.dialplan.request(context), purpose=CALLS_PURPOSE + "dialplan:" + context)

    def _calls_answered(self, exchange: Exchange) -> None:
        what = exchange.purpose.removeprefix(CALLS_PURPOSE)
        ok = exchange.response is not None and exchange.response.header("Response") == "Success"
        at = time.time()
        if what == "channels" and ok:
            self.calls.seed_channels(exchange.items, at, since=self._calls_asked_at)
            self.calls_behind = False  # followed from here; behind again if still over the budget
        elif what == "bridges" and ok:
            for item in exchange.items:
                if item.name == "BridgeListItem" and (bridge := item.header("BridgeUniqueid")):
                    query = [("Action", "BridgeInfo"), ("BridgeUniqueid", bridge)]
                    self.send_pairs(query, purpose=CALLS_PURPOSE + "bridge")
        elif what == "bridge" and ok:
            self.calls.seed_bridges(exchange.items, at)
        elif what.startswith("dialplan:"):
            context = what.removeprefix("dialplan:")
            if ok:
                self.dialplan.update(exchange.items, context)
                error = ""
            else:
                self.dialplan.forget(context)
                error = exchange.response.header("Message", "") if exchange.response is not None else "no answer"
            from ami_console.ui.screens.dialplan import DialplanScreen

            for screen in self.screen_stack:
                if isinstance(screen, DialplanScreen):
                    screen.listing_arrived(context, error)
            return
        self.console_screen.calls_changed()

    # -- sending ------------------------------------------------------------------------------
    @property
    def next_action_id(self) -> str:
        """The ActionID the next action sent will get (previews show it)."""
        return str(self._next_id)

    @on(ConsoleScreen.ActionSubmitted)
    def action_submitted(self, event: ConsoleScreen.ActionSubmitted) -> None:
        self.send_pairs(event.pairs)

    def send_pairs(self, pairs: list[tuple[str, str]], purpose: str = "", action: str = "") -> None:
        """Send an action (``action``, if given, goes first) on the current connection.

        Actions go out in the order they were asked for, through one sender thread, so the
        ActionID the composer's preview shows is the one its action gets, whatever the
        console itself (parameter help, filters) sends in between.
        """
        if self.replay is not None:
            self.notify("This is a replay of a file: there is no server to send to.", severity="error")
            return
        if self.session is None or not self.connected:
            self.notify("Not connected: press ctrl+r to reconnect.", severity="error")
            return
        pairs = [("Action", action), *pairs] if action else pairs
        try:  # refused here, before it takes an ActionID, rather than in the sender
            serialize_action(pairs, "0")
        except ValueError as error:
            self.notify(f"Not sent: {error}", severity="error")
            return
        # Every action passes here (the composer, history and saved replays, the Calls
        # tab, the console's own queries): the one gate of --read-only.
        refusal = changes_pbx(pairs) if self.settings.read_only else None
        if refusal is not None:
            self.notify(refusal, title="Read-only", severity="error", timeout=10)
            return
        self._outbox.put((self.session, pairs, purpose))
        self._next_id += 1
        self.console_screen.composer.set_next_action_id(str(self._next_id))

    @work(thread=True, exit_on_error=False, group="sender")
    def _send_loop(self, outbox: queue.SimpleQueue[tuple[Session, list[tuple[str, str]], str]]) -> None:
        worker = get_current_worker()
        while not worker.is_cancelled:
            try:
                session, pairs, purpose = outbox.get(timeout=POLL)
            except queue.Empty:
                continue
            try:
                exchange = session.send(pairs, purpose)
            except ValueError as error:  # checked before it was queued: only a bug gets here
                self.call_from_thread(self.notify, f"Not sent: {error}", severity="error")
                continue
            self.post_message(self.ExchangeStarted(session, exchange))

    @on(ExchangeStarted)
    def exchange_started(self, event: ExchangeStarted) -> None:
        if not self.is_running:
            return
        response = self.console_screen.response
        # The answer may have been routed before this message: then it is already shown.
        if not event.exchange.purpose and event.exchange not in response.history:
            response.add(event.exchange)
        if self._lesson_sees(event.exchange):  # here: the sender thread's send succeeded
            self.observe("sent", action=event.exchange.action, fields=tuple(event.exchange.request), user=self._user)

    @on(ExchangeFinished)
    async def exchange_finished(self, event: ExchangeFinished) -> None:
        if not self.is_running:
            return
        exchange = event.exchange
        if exchange.purpose.startswith(CALLS_PURPOSE):
            self._calls_answered(exchange)
            return
        if self._lesson_sees(exchange):
            items = tuple(exchange.items)
            self.observe("answered", action=exchange.action, message=exchange.response, items=items, user=self._user)
        if exchange.purpose.startswith(EXPLAIN_PURPOSE):
            self._server_explained(exchange)
            return
        if exchange.purpose.startswith(DOCS_PURPOSE):
            action = exchange.purpose.removeprefix(DOCS_PURPOSE)
            await self.console_screen.composer.docs_answered(action, exchange.response)
            return
        if self.server_filters.note(exchange.action, exchange.request, exchange.response):
            self.console_screen.server_filters_changed()
        if exchange.purpose:
            return
        response = self.console_screen.response
        if exchange not in response.history:
            response.add(exchange)
        response.finished(exchange)
        self.record(exchange)
        if exchange.response is not None and exchange.response.header("Message") == "Permission denied":
            privileges = self._info.privileges if self._info is not None else {}
            why = denied_in_words(exchange.action, event.session.settings.username, privileges)
            self.notify(why, title="Permission denied", severity="error", timeout=12)

    # -- lessons ------------------------------------------------------------------------------
    @property
    def _user(self) -> str:
        return self.session.settings.username if self.session is not None else self.settings.username

    def _lesson_sees(self, exchange: Exchange) -> bool:
        """The learner's own actions and the filters screen's count; the console's own reads
        (the Calls tab's CoreShowChannels at connect, parameter help) must not tick a step."""
        purpose = exchange.purpose
        return self.console_screen.lesson_running and (not purpose or purpose.startswith(SERVER_PURPOSE))

    def observe(self, kind: str, **what: object) -> None:
        """Tell the lesson running what just happened (nothing is built when none runs)."""
        if self.console_screen.lesson_running:
            from ami_console.lessons.model import Observation

            self.console_screen.lesson_observed(Observation(kind, **what))  # type: ignore[arg-type]

    def explain_this(self, name: str, value: str | None = None, kind: str = "event") -> None:
        """Open the "explain this" popup for an event name or a header (and its value)."""
        from ami_console.lessons.explain import explain
        from ami_console.ui.screens.explain import ExplainScreen

        text = explain(name, value, kind=kind)
        what = f"{'Event' if kind == 'event' else 'Header'} {name}"
        if text is not None:
            self.push_screen(ExplainScreen(what, text))
            return
        unknown = f"ami-console has no explanation of {what} yet."
        if kind != "event" or self.session is None or not self.connected:
            self.push_screen(ExplainScreen(what, unknown))
            return
        # Asterisk documents its events itself; a read-only CLI show command.
        self.push_screen(
            ExplainScreen(what, f"{unknown}\n\nAsking the server (manager show event {name})…", asking=name)
        )
        query = [("Action", "Command"), ("Command", f"manager show event {name}")]
        self.send_pairs(query, purpose=EXPLAIN_PURPOSE + name)

    def _server_explained(self, exchange: Exchange) -> None:
        from ami_console.ui.screens.explain import ExplainScreen

        name = exchange.purpose.removeprefix(EXPLAIN_PURPOSE)
        response = exchange.response
        output = "\n".join(response.headers("Output")) if response is not None else ""
        if response is None:
            said = "The server did not answer."
        elif output.strip():
            said = f"ami-console has no explanation of {name}. Asterisk's own documentation says:\n\n{output}"
        else:
            said = f"ami-console has no explanation of {name}, and the server said: {response.header('Message', 'nothing')}"
        for screen in self.screen_stack:
            if isinstance(screen, ExplainScreen):
                screen.server_said(name, said)

    @on(Composer.DocsRequested)
    def docs_requested(self, event: Composer.DocsRequested) -> None:
        if self.session is not None and self.connected:
            query = [("Action", "Command"), ("Command", f"manager show command {event.action}")]
            self.send_pairs(query, DOCS_PURPOSE + event.action)

    def record(self, exchange: Exchange) -> None:
        """Keep a finished action of the user's in the history (secrets masked there)."""
        settings = self.settings
        if not self.history.add(exchange.history_entry(settings.address, settings.username)):
            if not self._history_warned:
                self._history_warned = True  # once: a read-only disk would say it on every action
                self.notify(self.history.error or "The history could not be written.", severity="warning")

    @on(ServerFiltersScreen.ChangeRequested)
    def server_filters_change_requested(self, event: ServerFiltersScreen.ChangeRequested) -> None:
        if event.kind == "mask":
            pairs = [("Action", "Events"), ("EventMask", event.value)]
        else:
            pairs = [("Action", "Filter"), ("Operation", "Add"), ("Filter", event.value)]
        self.send_pairs(pairs, purpose=SERVER_PURPOSE + event.kind)

    # -- the rest -----------------------------------------------------------------------------
    def action_help(self) -> None:
        from ami_console.ui.screens.help import HelpScreen  # Markdown: loaded on first F1

        if not isinstance(self.screen, HelpScreen):
            self.observe("view", text="help")
            self.push_screen(HelpScreen(self.hint))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Help: keys and AMI basics", "Show the help screen (F1)", self.action_help)
        if screen is self.console_screen:
            console = self.console_screen
            yield SystemCommand("Action: send", "Send the composed action (ctrl+s)", console.action_send)
            yield SystemCommand("Events: clear the log", "Forget every event shown (ctrl+l)", console.action_clear_log)
            yield SystemCommand(
                "Events: pause or resume", "Stop or resume following new events (F9)", console.action_pause
            )
            yield SystemCommand("Events: filter", "Go to the event filter (F6)", console.action_focus_filter)
            yield SystemCommand("Response: older", "Show the previous response (F7)", console.action_older)
            yield SystemCommand("Response: newer", "Show the next response (F8)", console.action_newer)
            yield SystemCommand(
                "Connection: reconnect", "Connect again with the same settings (ctrl+r)", self.action_reconnect
            )
            yield SystemCommand(
                "Connection: server-side filtering",
                "Set the Events mask, add Filters (ctrl+f)",
                console.action_server_filters,
            )
            yield SystemCommand(
                "Action: history", "Every action sent; load or send one again (ctrl+o)", console.action_history
            )
            yield SystemCommand(
                "Action: saved actions", "Load, save, rename, delete saved actions (ctrl+b)", console.action_saved
            )
            yield SystemCommand(
                "Events: export the log",
                "Write the log to JSON Lines or raw AMI text (x in the log)",
                console.action_export,
            )
            yield SystemCommand(
                "Transcript: save to a file",
                "The lines sent and received, secrets masked",
                console.action_save_transcript,
            )
            yield SystemCommand(
                "Connection: open the form", "Connect elsewhere or as another user (F10)", self.action_connection_form
            )

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every notification is plain text, cleaned (its message and title often quote the
        server): ``markup`` is accepted, as Widget.notify passes it, and never honoured."""
        super().notify(clean_lines(message), title=clean(title), severity=severity, timeout=timeout, markup=False)

    async def action_quit(self) -> None:
        self.shutdown_session()
        self.exit()

    def shutdown_session(self) -> None:
        """Drop the connection and wake every worker, so quitting never waits on the network."""
        for worker in self.workers:
            worker.cancel()
        if self.session is not None:
            self.session.cancel()

    def on_unmount(self) -> None:
        self.shutdown_session()
