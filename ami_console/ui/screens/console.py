"""The console: composer and response side by side, the live event log below.

It is given the models it shows and the connection it sends on. The split between the
top and the log moves from the keyboard and is remembered (``layout.json``); a replay of
a file has no server, so it has no composer and no response, only the log.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal
from textual.events import Key
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import TabbedContent, TabPane

from ami_console.actiondocs import denied_in_words
from ami_console.files.layout import DEFAULT_LOG_SHARE, LOG_SHARE_STEP, LayoutFile, clamp_share
from ami_console.files.saved import SavedActions
from ami_console.lessons.checks import Observation
from ami_console.monitor.connection import ConnectedInfo, Connection
from ami_console.monitor.models import Changes, Models
from ami_console.session import Exchange
from ami_console.ui.keys import say_why_unavailable
from ami_console.ui.screens.connect import explain
from ami_console.ui.screens.console_calls import CallViews
from ami_console.ui.screens.console_lessons import Teaching
from ami_console.ui.screens.server_filters import ServerFiltersScreen
from ami_console.ui.widgets.composer import Composer
from ami_console.ui.widgets.connection_header import ConnectionHeader
from ami_console.ui.widgets.event_log import EventLog, ExplainRequested
from ami_console.ui.widgets.fitting_footer import FittingFooter
from ami_console.ui.widgets.lost_banner import LostBanner
from ami_console.ui.widgets.transcript_view import TranscriptView

# The rest is imported where first used: the console comes after the connection form, and
# its dialogs (with DataTable), the response (TextArea) and call tracing may never be used.
if TYPE_CHECKING:
    from ami_console.calls.dialplan import ListingRequest
    from ami_console.files.history import HistoryEntry
    from ami_console.files.saved import SavedAction
    from ami_console.ui.screens.tests import FailedCall
    from ami_console.ui.widgets.calls_view import CallsView
    from ami_console.ui.widgets.event_panel import EventPanel
    from ami_console.ui.widgets.lesson_panel import LessonPanel
    from ami_console.ui.widgets.response_pane import ResponsePane

NO_SERVER = "This is a replay of a file: there is no server to send to."
READ_ONLY = "Read-only (--read-only): actions that change the PBX are not sent. Start without it to act on calls."

# The tabs whose opening a lesson may ask for, by the name lessons use (VIEWS).
TAB_VIEWS = {
    "tab-transcript": "transcript",
    "tab-calls": "calls",
    "tab-fields": "fields",
    "tab-list": "list",
    "tab-raw": "raw",
}


@dataclass(frozen=True)
class LessonSource:
    """Where the lessons come from: a trainer's folder (None: the built-in ones), where
    progress is kept (None: the data directory), and whether to open them once connected."""

    folder: Path | None = None
    progress: Path | None = None
    open_at_connect: bool = False
    demo_address: str | None = None  # the demo PBX the console started, which lessons are written for


class BottomTabs(TabbedContent):
    ALLOW_MAXIMIZE = True  # F11 zooms the event log and the transcript with their tabs


class ConsoleScreen(Screen):
    # Below 100 columns the composer takes more of the width: it is typed in, the
    # response is read (and scrolls).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    # The footer shows the first of these that fit the width (F1 lists them all). None is
    # a priority binding: a key acts once every key typed before it has been taken in.
    BINDINGS = [
        Binding("ctrl+s", "send", "Send"),
        Binding("f5", "send", "Send", show=False),
        Binding("f1", "app.help", "Help"),
        Binding("f2", "focus_composer", "Action", show=False),
        Binding("f3", "focus_response", "Response", show=False),
        Binding("f4", "focus_events", "Events", show=False),
        Binding("f6", "focus_filter", "Filter"),
        Binding("f12", "focus_transcript", "Transcript", show=False),
        # ctrl+g: no F-key is left, no input takes it, and terminals send it (BEL).
        Binding("ctrl+g", "focus_calls", "Calls"),
        Binding("f7", "older", "Older", show=False),
        Binding("f8", "newer", "Newer", show=False),
        Binding("f9", "pause", "Pause"),
        Binding("f11", "zoom", "Zoom"),
        Binding("ctrl+up", "split(1)", "Log taller", show=False),
        Binding("ctrl+down", "split(-1)", "Log shorter", show=False),
        Binding("ctrl+shift+home", "split(0)", "Split as at first", show=False),
        Binding("ctrl+o", "history", "History"),
        Binding("ctrl+b", "saved", "Saved"),
        Binding("ctrl+r", "app.reconnect", "Reconnect"),
        Binding("ctrl+f", "server_filters", "Server filter"),
        Binding("f10", "app.connection_form", "Connect…"),
        # ctrl+l: every F-key is taken, and no input takes it (ctrl+e is End in an input).
        # Clearing the log, which it did, is the log's own key (delete).
        Binding("ctrl+l", "lesson", "Lesson"),
        # ctrl+\: every F-key and the free ctrl+letters are taken (the fields editor has ctrl+t).
        Binding("ctrl+backslash", "tests", "Tests"),
        Binding("escape", "close_detail", "Close", show=False),
    ]

    # What a replay of a file cannot do: there is no server to send to.
    NEEDS_SERVER = frozenset(
        ("send", "focus_composer", "focus_response", "older", "newer", "history", "saved", "server_filters", "tests")
    )

    class ActionSubmitted(Message):
        """The user asked to send an action: the composed one, or one from the history."""

        def __init__(self, pairs: list[tuple[str, str]]) -> None:
            super().__init__()
            self.pairs = pairs

    class ExchangeSent(Message):
        """An action of the user's crossed the wire."""

        def __init__(self, exchange: Exchange) -> None:
            super().__init__()
            self.exchange = exchange

    class ExchangeAnswered(Message):
        """An action of the user's ended: answered, or failed (why is in its response)."""

        def __init__(self, exchange: Exchange) -> None:
            super().__init__()
            self.exchange = exchange

    def __init__(
        self,
        models: Models,
        connection: Connection,
        saved: SavedActions,
        *,
        replay: Path | None = None,
        note: str = "",
        lessons: LessonSource | None = None,
        layout_file: LayoutFile | None = None,
    ) -> None:
        super().__init__()
        self.models = models
        self.connection = connection
        self.store = models.store
        self.transcript = connection.transcript
        self.history = connection.history
        self.saved = saved
        self.server_filters = connection.server_filters
        self.replay = replay  # browsing a file: no composer, no response
        self.note = note  # shown in the header once connected
        self.lessons = lessons or LessonSource()
        self.layout_file = layout_file or LayoutFile()
        self.layout_mode = "learn" if self.lessons.open_at_connect else "console"  # each its own split
        self.log_share = self.layout_file.load_log_share(self.layout_mode)  # percent of the height for the log
        self._layout_warned = False
        self.shows_connected = False  # the screen shows a connection made (header, composer)
        self.call_views = CallViews(self)
        self.teaching = Teaching(self)

    def compose(self) -> ComposeResult:
        from ami_console.ui.widgets.calls_view import CallsView
        from ami_console.ui.widgets.event_panel import EventPanel
        from ami_console.ui.widgets.response_pane import ResponsePane

        yield ConnectionHeader(id="header")
        yield LostBanner(id="lost-banner")
        with Horizontal(id="top"):
            yield Composer(id="composer")
            yield ResponsePane(id="response")
        with BottomTabs(id="bottom"):
            with TabPane("Events", id="tab-events"):
                yield EventPanel(self.models, id="events")
            with TabPane("Transcript", id="tab-transcript"):
                yield TranscriptView(self.transcript, id="transcript")
            with TabPane("Calls", id="tab-calls"):
                yield CallsView(self.models, id="calls")
        yield FittingFooter(compact=True)

    @property
    def header(self) -> ConnectionHeader:
        return self.query_one(ConnectionHeader)

    @property
    def banner(self) -> LostBanner:
        return self.query_one(LostBanner)

    @property
    def composer(self) -> Composer:
        return self.query_one(Composer)

    @property
    def response(self) -> ResponsePane:
        from ami_console.ui.widgets.response_pane import ResponsePane

        return self.query_one(ResponsePane)

    @property
    def events(self) -> EventPanel:
        from ami_console.ui.widgets.event_panel import EventPanel

        return self.query_one(EventPanel)

    @property
    def calls(self) -> CallsView:
        from ami_console.ui.widgets.calls_view import CallsView

        return self.query_one(CallsView)

    def on_mount(self) -> None:
        self.set_class(self.replay is not None, "-replay")
        if self.replay is not None:
            self.calls.cannot_change = NO_SERVER
        self._apply_split()
        if self.replay is not None:
            self.set_focus(self.events.log_view)
        elif self.lesson_panel is not None:  # ami-console learn: the lesson has it (see connected)
            self.set_focus(self.lesson_panel)
        else:
            self.composer.picker.input.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # A replay hides what needs a server (its keys say why): the footer keeps its room
        # for what a replay can do.
        return self.replay is None or not (action in self.NEEDS_SERVER or action == "lesson")

    def on_key(self, event: Key) -> None:
        if self.replay is not None:
            say_why_unavailable(self, event, NO_SERVER)

    # -- the connection, as the app hears of it ------------------------------------------------
    def connecting(self) -> None:
        self.shows_connected = False
        if self.is_mounted:
            settings = self.connection.settings
            self.header.show("connecting", settings.address, settings.username)

    def connected(self, info: ConnectedInfo) -> None:
        settings = self.connection.settings
        header = self.header
        header.note = self.note
        header.filters = self.server_filters.summary
        header.read_only = settings.read_only
        header.show("connected", settings.address, settings.username, info)
        self.banner.hide()
        self.calls.server_speaks(info.ami_version)
        composer = self.composer
        composer.docs.clear()  # a new session: what was asked of the old one is asked again
        composer.read_only = settings.read_only
        if info.commands:
            composer.set_actions(info.commands)  # redraws the hints
        else:
            composer.refresh_all()  # no status of the old session outlives it ("Asking…")
        self.calls.cannot_change = READ_ONLY if settings.read_only else ""
        composer.set_next_action_id(self.connection.next_action_id)
        self.teaching.connected_to(settings.address)
        if self.lessons.open_at_connect:
            self.lessons = replace(self.lessons, open_at_connect=False)  # once
            # ami-console learn starts on the lesson: the keys it names (h, s) work at once.
            self.open_lessons().focus_when_loaded = True
        self.shows_connected = True

    def connect_failed(self, error: str) -> None:
        self.shows_connected = False
        self.header.show("lost")
        reason = f"reconnecting failed: {explain(error, self.connection.settings)}"
        self.banner.show(reason, retry_in=self._retry_left())

    def lost(self, reason: str) -> None:
        self.shows_connected = False
        self.header.show("lost")
        self.banner.show(reason, retry_in=self._retry_left())

    def _retry_left(self) -> float | None:
        at = self.connection.retry_at
        return None if at is None else max(0.0, at - time.monotonic())

    def retry_in(self, reason: str, seconds: float) -> None:
        self.banner.show(reason, retry_in=seconds)

    # -- a replay ------------------------------------------------------------------------------
    def replay_reading(self, path: Path) -> None:
        self.header.note = f"replaying {path} (reading…)"
        self.header.refresh()

    def replay_progress(self, fraction: float, summary: str | None) -> None:
        """Part of the replay file was read (``summary``: all of it, and what it held)."""
        if not self.is_mounted:
            return
        read = summary if summary is not None else f"reading {fraction:.0%}…"
        self.header.note = f"replay of {self.replay}: {read}"
        self.header.refresh()

    def replay_failed(self, error: str) -> None:
        if self.is_mounted:
            self.header.note = f"replay of {self.replay}"
            self.banner.show(f"could not read {self.replay}: {error}")
            self.header.refresh()

    # -- the models changed ------------------------------------------------------------------------
    def models_changed(self, changes: Changes) -> None:
        if not self.is_mounted:
            return
        if changes.added or changes.dropped or changes.reloaded or changes.events:
            events = self.events
            if changes.reloaded:
                events.log_view.reload()
            else:
                events.log_view.stored(changes.added, changes.dropped)
            events.update_status()
        if changes.calls or changes.calls_gap:
            self.calls.calls_changed()
        if changes.filters:
            self.server_filters_changed()
        if changes.lesson_ticks and self.lesson_panel is not None:
            self.lesson_panel.ticked_now()
        if changes.dialplan:
            from ami_console.ui.screens.dialplan import DialplanScreen

            for screen in self.app.screen_stack:
                if isinstance(screen, DialplanScreen):
                    screen.redraw()

    # -- sending -------------------------------------------------------------------------------------
    def send(self, pairs: list[tuple[str, str]]) -> Exchange | None:
        """Send the user's action; the response pane shows it as it goes and comes back."""
        result = self.connection.send(
            pairs,
            on_sent=lambda exchange: self.post_message(self.ExchangeSent(exchange)),
            on_answered=lambda exchange: self.post_message(self.ExchangeAnswered(exchange)),
        )
        if isinstance(result, str):
            if self.replay is not None:
                result = NO_SERVER
            read_only = self.connection.settings.read_only and self.connection.connected
            self.notify(result, title="Read-only" if read_only else "", severity="error", timeout=10)
            return None
        if self.is_mounted:
            self.composer.set_next_action_id(self.connection.next_action_id)
        return result

    def ask(
        self,
        pairs: list[tuple[str, str]],
        answered: Callable[[Exchange], object],
        max_items: int | None = None,
        max_bytes: int | None = None,
    ) -> bool:
        """A query of the console's own (read-only, not the user's): ``answered`` runs on
        the model thread with the exchange once it ended. False when it could not go."""
        result = self.connection.send(pairs, own=True, on_answered=answered, max_items=max_items, max_bytes=max_bytes)
        if isinstance(result, str):
            return False
        if self.is_mounted:
            self.composer.set_next_action_id(self.connection.next_action_id)
        return True

    @on(ActionSubmitted)
    def action_submitted(self, event: ActionSubmitted) -> None:
        self.send(event.pairs)

    @on(ExchangeSent)
    def exchange_sent(self, event: ExchangeSent) -> None:
        response = self.response
        # The answer may have been shown already: both come from other threads.
        if event.exchange not in response.history:
            response.add(event.exchange)

    @on(ExchangeAnswered)
    def exchange_answered(self, event: ExchangeAnswered) -> None:
        exchange, response = event.exchange, self.response
        if exchange not in response.history:
            response.add(exchange)
        response.finished(exchange)
        answer = exchange.response
        if answer is not None and answer.header("Message") == "Permission denied":
            info = self.connection.info
            why = denied_in_words(exchange.action, self.connection.settings.username, info.privileges if info else {})
            response.explain(exchange, why)  # in place, with the answer: not a passing notice

    @on(Composer.DocsRequested)
    def docs_requested(self, event: Composer.DocsRequested) -> None:
        composer, action = self.composer, event.action
        query = [("Action", "Command"), ("Command", f"manager show command {action}")]
        if not self.ask(
            query, lambda exchange: composer.post_message(Composer.DocsAnswered(action, exchange.response))
        ):
            composer.post_message(Composer.DocsAnswered(action, None))  # not connected: none will come

    async def action_send(self) -> None:
        pairs = await self.composer.take_for_sending()
        if pairs is not None:
            self.send(pairs)

    def system_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand("Action: send", "Send the composed action (ctrl+s)", self.action_send)
        yield SystemCommand(
            "Events: clear the log", "Forget every event shown (delete in the log)", self.action_clear_log
        )
        yield SystemCommand(
            "Layout: the split as at first",
            "Composer and log as at first (ctrl+shift+home)",
            lambda: self.action_split(0),
        )
        yield SystemCommand("Events: pause or resume", "Stop or resume following new events (F9)", self.action_pause)
        yield SystemCommand("Events: filter", "Go to the event filter (F6)", self.action_focus_filter)
        yield SystemCommand("Response: older", "Show the previous response (F7)", self.action_older)
        yield SystemCommand("Response: newer", "Show the next response (F8)", self.action_newer)
        yield SystemCommand(
            "Connection: server-side filtering", "Set the Events mask, add Filters (ctrl+f)", self.action_server_filters
        )
        yield SystemCommand(
            "Action: history", "Every action sent; load or send one again (ctrl+o)", self.action_history
        )
        yield SystemCommand(
            "Action: saved actions", "Load, save, rename, delete saved actions (ctrl+b)", self.action_saved
        )
        yield SystemCommand(
            "Events: export the log", "Write the log to JSON Lines or raw AMI text (x in the log)", self.events.export
        )
        yield SystemCommand(
            "Transcript: save to a file",
            "The lines sent and received, secrets masked",
            self.query_one(TranscriptView).action_save,
        )

    # -- explain this, lessons (console_lessons.Teaching does them) -------------------------------
    def on_explain_requested(self, event: ExplainRequested) -> None:
        self.teaching.explain(event.name, event.value, event.kind)

    @property
    def lesson_panel(self) -> LessonPanel | None:
        return self.teaching.panel

    def view_opened(self, view: str) -> None:
        """A view opened: a lesson may have asked for it."""
        if self.models.lesson is not None:
            self.models.observe(Observation("view", text=view))

    def open_lessons(self) -> LessonPanel:
        return self.teaching.open()

    async def action_lesson(self) -> None:
        """ctrl+l: bring the lesson panel back, or go to it; from the panel, hide it."""
        await self.teaching.toggle()

    def on_lesson_panel_show_me_requested(self, event: LessonPanel.ShowMeRequested) -> None:
        self.call_later(self.teaching.show_me, event.rows)

    def action_lessons_list(self) -> None:
        self.teaching.open().action_list()

    @on(TabbedContent.TabActivated)
    def tab_activated(self, event: TabbedContent.TabActivated) -> None:
        view = TAB_VIEWS.get(event.pane.id or "")
        if view:
            self.view_opened(view)

    def on_event_panel_filter_applied(self, event: EventPanel.FilterApplied) -> None:
        if self.models.lesson is not None:
            self.models.observe(Observation("filter", text=event.text, filter=event.filter))
        if event.call is not None:
            self.view_opened("follow")

    # -- the split between the composer and the log --------------------------------------------
    def _apply_split(self) -> None:
        self.query_one("#top").styles.height = f"{100 - self.log_share}fr"
        self.query_one("#bottom").styles.height = f"{self.log_share}fr"

    def action_split(self, direction: int) -> None:
        """Give the log more (1) or less (-1) of the height (0: back to the default), and
        remember it for this mode (console or learn)."""
        share = clamp_share(self.log_share + direction * LOG_SHARE_STEP) if direction else DEFAULT_LOG_SHARE
        if share == self.log_share:
            return
        self.log_share = share
        self._apply_split()
        try:
            self.layout_file.save_log_share(share, self.layout_mode)
        except OSError as error:
            if not self._layout_warned:  # once: the split still moves, it is only not kept
                self._layout_warned = True
                self.notify(
                    f"The layout will not be remembered: {error.strerror or error} ({self.layout_file.path})",
                    severity="warning",
                )

    def _reveal(self, panel: Widget) -> None:
        """Unzoom before the focus goes to a panel the zoom hides (it would type unseen)."""
        zoomed = self.maximized
        if zoomed is not None and zoomed is not panel and zoomed not in panel.ancestors:
            self.minimize()

    def action_focus_composer(self) -> None:
        """F2, wherever the focus is: the action name, selected, so typing replaces it."""
        self._reveal(self.composer)
        self.set_focus(self.composer.picker.input)
        self.composer.picker.select_all()

    def action_focus_response(self) -> None:
        self._reveal(self.response)
        self.response.focus_content()

    def action_focus_events(self) -> None:
        self._reveal(self.events)
        self.query_one("#bottom", TabbedContent).active = "tab-events"
        self.set_focus(self.events.log_view)

    def action_focus_transcript(self) -> None:
        transcript = self.query_one(TranscriptView)
        self._reveal(transcript)
        self.query_one("#bottom", TabbedContent).active = "tab-transcript"
        self.set_focus(transcript)

    def action_focus_calls(self) -> None:
        calls = self.calls
        self._reveal(calls)
        self.query_one("#bottom", TabbedContent).active = "tab-calls"
        self.set_focus(calls.list_view)

    def action_focus_filter(self) -> None:
        """The filter of the tab that shows: the Calls tab's, else the event log's."""
        bottom = self.query_one("#bottom", TabbedContent)
        if bottom.active == "tab-calls":
            self._reveal(self.calls)
            self.set_focus(self.calls.filter_input)
            return
        self._reveal(self.events)
        bottom.active = "tab-events"
        self.set_focus(self.events.filter_input)

    def action_older(self) -> None:
        self.response.older()

    def action_newer(self) -> None:
        self.response.newer()

    def action_pause(self) -> None:
        self.events.toggle_pause()

    def action_clear_log(self) -> None:
        self.events.clear()

    def action_zoom(self) -> None:
        """Give the whole screen to the panel that has the focus, or give it back."""
        if self.maximized is not None:
            self.minimize()
            return
        focused = self.focused
        bottom = self.query_one("#bottom", TabbedContent)
        panels: tuple[Widget, ...] = (bottom,) if self.replay is not None else (self.composer, self.response, bottom)
        if self.lesson_panel is not None:
            panels += (self.lesson_panel,)
        panel = next((p for p in panels if focused is not None and (focused is p or p in focused.ancestors)), bottom)
        self.maximize(panel, container=False)

    def action_close_detail(self) -> None:
        events = self.events
        if events.detail.has_class("-shown"):
            events.detail.hide()
        elif events.following_call:
            events.follow(None)

    # -- history ------------------------------------------------------------------------------
    def action_history(self) -> None:
        from ami_console.ui.screens.history import HistoryScreen

        self.view_opened("history")
        self.app.push_screen(HistoryScreen(self.history.entries(), self.history.error or ""), self._history_chosen)

    async def _history_chosen(self, choice: tuple[str, HistoryEntry] | None) -> None:
        if choice is None:
            return
        how, entry = choice
        rows = [(k, v, True) for k, v in entry.fields if k.lower() not in ("action", "actionid")]
        if how == "send" and not entry.has_masked_values:
            self.send([("Action", entry.action), *((k, v) for k, v, _ in rows)])
            return
        await self.composer.load(entry.action, rows)
        if how == "send":
            self.notify("Loaded, not sent: it held a secret, stored masked. Type it, then ctrl+s.", severity="warning")

    # -- saved actions --------------------------------------------------------------------------
    def action_saved(self) -> None:
        from ami_console.ui.screens.saved import SavedScreen

        current = (self.composer.picker.value, self.composer.fields.snapshot())
        self.view_opened("saved")
        self.app.push_screen(SavedScreen(self.saved, current), self._saved_chosen)

    async def _saved_chosen(self, action: SavedAction | None) -> None:
        if action is not None:
            await self.composer.load(action.action, [(r.key, r.value, r.enabled) for r in action.fields])
            if action.description:
                self.notify(action.description, title=action.name, timeout=8)

    # -- following and tracing a call, the Calls tab (console_calls.CallViews does it) -----------
    @on(EventLog.ClearRequested)
    def clear_requested(self) -> None:
        self.action_clear_log()

    @on(EventLog.FollowRequested)
    def follow_requested(self, event: EventLog.FollowRequested) -> None:
        self.action_focus_events()
        events = self.events
        if event.toggle and events.following_call:
            events.follow(None)
        elif event.message is not None:
            events.follow(event.message)

    @on(EventLog.TraceRequested)
    def trace_requested(self, event: EventLog.TraceRequested) -> None:
        self.call_views.trace_event(event.message)

    # Named for CallsView's messages, not decorated with them: it loads after start-up.
    def on_calls_view_ladder_requested(self, event: CallsView.LadderRequested) -> None:
        self.call_views.ladder(event.key)

    def on_calls_view_trace_requested(self, event: CallsView.TraceRequested) -> None:
        self.call_views.trace(event.key)

    def on_calls_view_dialplan_requested(self, event: CallsView.DialplanRequested) -> None:
        self.call_views.dialplan(event.key, event.uniqueid)

    def on_calls_view_action_requested(self, event: CallsView.ActionRequested) -> None:
        self.call_views.confirm_action(event.kind, event.key, event.uniqueid)

    def fetch_dialplan(self, request: ListingRequest) -> bool:
        return self.call_views.fetch_dialplan(request)

    # -- server-side filtering ----------------------------------------------------------------------
    def action_tests(self) -> None:
        """The Tests view: the dialplan scenarios of the profile's tests folder."""
        from ami_console.ui.screens.tests import TestsScreen

        settings = self.connection.settings
        folder = Path(settings.tests_dir) if settings.tests_dir else None
        self.app.push_screen(TestsScreen(folder, settings), self._tests_closed)

    def _tests_closed(self, failed: FailedCall | None) -> None:
        if failed is not None:  # a failed scenario's call, in the dialplan pane, the expected step marked
            self.call_views.dialplan(failed.key, failed.uniqueid, expected=(failed.step, failed.said))

    def on_calls_view_test_recorded(self, event: CallsView.TestRecorded) -> None:
        """Write a scenario recorded from a call into the tests folder."""
        from ami_console.scenarios.recording import write_recorded

        folder = self.connection.settings.tests_dir
        try:
            path = write_recorded(Path(folder) if folder else None, event.key, event.text)
        except OSError as exc:
            self.notify(f"The test could not be written: {exc.strerror or exc}", severity="error")
            return
        self.notify(f"Wrote {path}: trim it, then run it (ctrl+\\).", title="Test recorded", timeout=8)

    def action_server_filters(self) -> None:
        self.view_opened("server_filters")
        self.app.push_screen(ServerFiltersScreen(self.server_filters, self.models.lock, send=self.send))

    def server_filters_changed(self) -> None:
        """The state in force changed: the header and an open filters screen show it."""
        with self.models.lock:
            self.header.filters = self.server_filters.summary
        self.header.refresh()
        for screen in self.app.screen_stack:
            if isinstance(screen, ServerFiltersScreen):
                screen.refresh_state()
