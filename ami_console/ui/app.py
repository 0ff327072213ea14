"""The ami-console App: it makes the models and the connection, composes the screens,
hands each the models it shows, and carries what the connection's threads say to them.

Nothing here follows events or answers: the models do that on their own thread
(:mod:`ami_console.monitor`), and the screens read them when told they changed.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events, on, work
from textual.app import App, SystemCommand
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import get_current_worker

from ami_console.events.store import DEFAULT_CAPACITY, DEFAULT_MAX_BYTES, EventStore
from ami_console.files.profiles import ConnectionSettings, Profiles
from ami_console.monitor.models import Models
from ami_console.monitor.transcript import Transcript
from ami_console.printable import clean, clean_lines
from ami_console.ui.keys import KeyGate
from ami_console.ui.screens.connect import ConnectScreen

if TYPE_CHECKING:  # made on first use: the connection form shows without them
    from ami_console.files.history import History
    from ami_console.files.saved import SavedActions
    from ami_console.monitor.connection import ConnectedInfo, Connection
    from ami_console.monitor.models import Changes
    from ami_console.ui.screens.console import ConsoleScreen


class _Listener:
    """The connection's listener: what its threads say becomes a message to the app."""

    def __init__(self, app: AMIConsoleApp) -> None:
        self.app = app

    def connected(self, info: ConnectedInfo, again: bool) -> None:
        self.app.post_message(AMIConsoleApp.Connected(info, again))

    def connect_failed(self, error: str, again: bool) -> None:
        self.app.post_message(AMIConsoleApp.ConnectFailed(error, again))

    def lost(self, reason: str) -> None:
        self.app.post_message(AMIConsoleApp.ConnectionLost(reason))

    def problem(self, text: str) -> None:
        self.app.post_message(AMIConsoleApp.ProblemReported(text))


class AMIConsoleApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "ami-console"

    class Connected(Message):
        def __init__(self, info: ConnectedInfo, again: bool) -> None:
            super().__init__()
            self.info, self.again = info, again

    class ConnectFailed(Message):
        def __init__(self, error: str, again: bool) -> None:
            super().__init__()
            self.error, self.again = error, again

    class ConnectionLost(Message):
        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason

    class ProblemReported(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class ModelsChanged(Message):
        """The models changed (at most one such message waits at a time)."""

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
        demo_address: str | None = None,
    ) -> None:
        super().__init__()
        settings = settings or ConnectionSettings()
        self.autoconnect = autoconnect
        self.replay = replay  # an exported log to browse offline, instead of a server
        self.profiles = profiles or Profiles()
        self.keys = KeyGate(self)
        self.transcript = Transcript()  # kept across reconnections, like the log
        self.models = Models(
            EventStore(log_capacity, log_bytes), replay=replay is not None, on_changed=self._models_changed
        )
        self._settings, self._history = settings, history
        self._connection: Connection | None = None
        self._console_screen: ConsoleScreen | None = None
        self._console_parts = (saved, note, lessons, lessons_progress, learn, demo_address)
        self.connect_screen = ConnectScreen(settings, self.profiles, hint)
        self._frozen = False

    @property
    def console_screen(self) -> ConsoleScreen:
        """The console, made (and its modules imported) on first use: the connection form
        is drawn first, without it."""
        if self._console_screen is None:
            from ami_console.files.saved import SavedActions
            from ami_console.ui.screens.console import ConsoleScreen, LessonSource

            saved, note, lessons, progress, learn, demo_address = self._console_parts
            self._console_screen = ConsoleScreen(
                self.models,
                self.connection,
                saved or SavedActions(),
                replay=self.replay,
                note=note,
                lessons=LessonSource(lessons, progress, open_at_connect=learn, demo_address=demo_address),
            )
        return self._console_screen

    @property
    def connection(self) -> Connection:
        """The connection, made (and the client's modules imported) on first use: the
        connection form is drawn first, without them."""
        if self._connection is None:
            from ami_console.files.history import History
            from ami_console.monitor.connection import Connection
            from ami_console.monitor.server_filters import ServerFilters

            settings = self._settings
            self._connection = Connection(
                settings,
                self.models,
                _Listener(self),
                transcript=self.transcript,
                history=self._history or History(),
                server_filters=ServerFilters(mask=settings.events or "on"),
            )
        return self._connection

    @property
    def settings(self) -> ConnectionSettings:
        return self._settings if self._connection is None else self._connection.settings

    @property
    def connected(self) -> bool:
        """Connected, and the console shows it (the screen has heard)."""
        connection, screen = self._connection, self._console_screen
        return connection is not None and connection.connected and screen is not None and screen.shows_connected

    async def on_mount(self) -> None:
        self.models.start()
        if self.replay is not None:
            await self.push_screen(self.console_screen)
            self.console_screen.replay_reading(self.replay)
            self._read_replay(self.replay)
            return
        await self.push_screen(self.connect_screen)
        self.set_interval(1, self._tick)
        if self.autoconnect:
            self._connect(self.settings)

    # -- keys: one at a time, each to where the focus is when it is taken -------------------
    async def on_event(self, event: events.Event) -> None:
        if await self.keys.hold(event):
            return
        await super().on_event(event)

    # -- the models ----------------------------------------------------------------------------
    def _models_changed(self) -> None:  # the model thread
        self.post_message(self.ModelsChanged())

    @on(ModelsChanged)
    def models_changed(self) -> None:
        if not self.is_running:
            return
        changes: Changes = self.models.take_changes()
        if changes.calls_gap and self.connection.reseed_calls():
            changes.problem("Events came faster than the console could follow: the calls were read again.")
        self.console_screen.models_changed(changes)
        for text in changes.problems:
            self.notify(text, severity="warning")

    # -- replaying an exported log -----------------------------------------------------------
    @work(thread=True, exit_on_error=False, group="replay")
    def _read_replay(self, path: Path) -> None:
        """Read the file as the live console receives: in bounded batches, in the
        background, never faster than the models take them, stopped at once on quit."""
        from ami_console.events.replay import stream_events

        worker = get_current_worker()
        inbox = self.models.inbox
        screen = self.console_screen
        try:
            for batch in stream_events(path, cancelled=lambda: worker.is_cancelled):
                # Wait while the models are behind: a file must not be passed over as a storm is.
                while inbox.waiting_bytes > inbox.max_bytes // 2 and not worker.is_cancelled:
                    time.sleep(0.01)
                if worker.is_cancelled:
                    return
                if batch.events:
                    self.models.events_read([m for _, m in batch.events], [at for at, _ in batch.events])
                summary = str(batch.summary) if batch.summary is not None else None
                self.call_from_thread(screen.replay_progress, batch.fraction, summary)
        except OSError as error:
            self.call_from_thread(screen.replay_failed, error.strerror or str(error))

    # -- connecting ---------------------------------------------------------------------------
    @on(ConnectScreen.ConnectRequested)
    def connect_requested(self, event: ConnectScreen.ConnectRequested) -> None:
        self.connection.stop_retrying()
        self._connect(event.settings)

    def _connect(self, settings: ConnectionSettings, again: bool = False) -> None:
        error = self.connection.connect(settings, again=again)
        if error is not None:  # a line break in the user name or secret
            self.connect_screen.show_error(error)
            return
        if self.screen is self.connect_screen:
            self.connect_screen.set_busy(True)
        if self._console_screen is not None:  # one not made yet shows no connection anyway
            self._console_screen.connecting()

    @on(ConnectScreen.CancelRequested)
    def cancel_connect(self) -> None:
        if self.connection.state == "connecting":
            self.connection.cancel()
            self.connect_screen.set_busy(False)
            self.connect_screen.show_error("Cancelled: not connected.")

    @on(Connected)
    async def connected_ok(self, event: Connected) -> None:
        if not self.is_running or not self.connection.connected:
            return
        if self.screen is self.connect_screen:
            self.connect_screen.set_busy(False)
            if self.console_screen.is_mounted:
                await self.pop_screen()  # the form was opened over the console
            else:
                await self.switch_screen(self.console_screen)
        if not self._frozen:
            # Once the console is up, what exists now (Textual's screens, styles and
            # widgets) lives as long as the app: the collector need not walk it again in
            # each full collection while a storm comes and goes (those walks stopped the
            # screen for 230 ms at 30,000 events/s). Collected first, so no garbage is kept.
            self._frozen = True
            gc.collect()
            gc.freeze()
        reapplied = self.connection.begin(event.again)
        self.console_screen.connected(event.info)
        if reapplied:
            self.notify(f"Reconnected: re-applied {reapplied}.", title="Server-side filtering")

    @on(ConnectFailed)
    def connect_failed(self, event: ConnectFailed) -> None:
        if not self.is_running:
            return
        if self.screen is self.console_screen:
            self.console_screen.connect_failed(event.error)
        else:
            self.connect_screen.set_busy(False)
            self.connect_screen.show_error(event.error)

    @on(ConnectionLost)
    def connection_lost(self, event: ConnectionLost) -> None:
        if self.is_running:
            self.console_screen.lost(event.reason)

    @on(ProblemReported)
    def problem_reported(self, event: ProblemReported) -> None:
        self.notify(event.text, title="Protocol problem", severity="warning")

    def _tick(self) -> None:
        """Once a second: count down to the next automatic reconnect, on the banner."""
        left = self.connection.tick()
        if left is not None:
            self.console_screen.retry_in(self.connection.retry_reason, left)
        elif self.connection.state == "connecting" and self.screen is self.console_screen:
            self.console_screen.connecting()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reconnect":  # shown only when it can act
            return self.replay is None and self.connection.state in ("idle", "lost")
        return True

    def action_reconnect(self) -> None:
        if self.connection.state in ("idle", "lost"):
            self._connect(self.settings, again=True)

    def action_connection_form(self) -> None:
        """Open the connection form over the console, to connect elsewhere or as someone else."""
        self.connection.stop_retrying()
        if self.screen is self.console_screen:
            self.connect_screen = ConnectScreen(self.settings, self.profiles, self.connect_screen.hint)
            self.push_screen(self.connect_screen)

    # -- the rest -----------------------------------------------------------------------------
    def action_help(self) -> None:
        from ami_console.ui.screens.help import HelpScreen  # Markdown: loaded on first F1

        if not isinstance(self.screen, HelpScreen):
            self.console_screen.view_opened("help")
            self.push_screen(HelpScreen(self.connect_screen.hint))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Help: keys and AMI basics", "Show the help screen (F1)", self.action_help)
        if screen is self.console_screen:
            yield from self.console_screen.system_commands()
            yield SystemCommand(
                "Connection: reconnect", "Connect again with the same settings (ctrl+r)", self.action_reconnect
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
        self.shutdown()
        self.exit()

    def shutdown(self) -> None:
        """Drop the connection and stop every thread, so quitting never waits on the network."""
        for worker in self.workers:
            worker.cancel()
        if self._connection is not None:
            self._connection.close()
        self.models.stop()

    def on_unmount(self) -> None:
        self.shutdown()
