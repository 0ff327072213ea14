"""The console: composer and response side by side, the live event log below.

The split between them moves from the keyboard and is remembered (``layout.json``); a
replay of a file has no server, so it has no composer and no response, only the log.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.events import Resize
from textual.geometry import Size
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, TabbedContent, TabPane

from ami_console.events.store import EventStore
from ami_console.files.history import History
from ami_console.files.layout import LOG_SHARE_STEP, LayoutFile, clamp_share
from ami_console.files.saved import SavedActions
from ami_console.files.transcript import Transcript
from ami_console.ui.screens.server_filters import ServerFilters, ServerFiltersScreen
from ami_console.ui.widgets.composer import Composer
from ami_console.ui.widgets.connection_header import ConnectionHeader
from ami_console.ui.widgets.event_log import EventLog, ExplainRequested
from ami_console.ui.widgets.lost_banner import LostBanner
from ami_console.ui.widgets.transcript_view import TranscriptView

# The rest is imported where first used: the console comes after the connection form, and
# its dialogs (with DataTable), the response (TextArea) and call tracing may never be used.
if TYPE_CHECKING:
    from ami_console.files.history import HistoryEntry
    from ami_console.files.saved import SavedAction
    from ami_console.lessons.model import Observation
    from ami_console.ui.widgets.calls_view import CallsView
    from ami_console.ui.widgets.event_panel import EventPanel
    from ami_console.ui.widgets.lesson_panel import LessonPanel
    from ami_console.ui.widgets.response_pane import ResponsePane

# The tabs whose opening a lesson may ask for, by the name lessons use (VIEWS).
TAB_VIEWS = {
    "tab-transcript": "transcript",
    "tab-calls": "calls",
    "tab-fields": "fields",
    "tab-list": "list",
    "tab-raw": "raw",
}

EXPORT_CHOICES = [
    ("jsonl-all", "JSON Lines: every event in the log (arrival times kept)"),
    ("raw-all", "Raw AMI text: every event in the log, as received"),
    ("jsonl-shown", "JSON Lines: only what the filter shows"),
    ("raw-shown", "Raw AMI text: only what the filter shows"),
]


class FittingFooter(Footer):
    """A footer that shows only the keys that fit whole: Textual's footer lets the last
    ones run under the command palette's hint, which leaves stray letters at 80 columns.
    The keys come in order (the focused panel's first), so the ones dropped are the last."""

    async def recompose(self) -> None:
        await super().recompose()
        self.fit()

    def on_resize(self, event: Resize) -> None:
        self.fit()

    def fit(self) -> None:
        size = Size(max(self.size.width, 1), 1)

        def width(widget: Widget) -> int:
            return widget.get_content_width(size, size) + widget.styles.gutter.width + widget.styles.margin.width

        keys = list(self.children)
        room = self.size.width - sum(width(key) for key in keys if key.has_class("-command-palette"))
        for key in keys:
            if not key.has_class("-command-palette"):
                room -= width(key)
                key.display = room >= 0


class BottomTabs(TabbedContent):
    ALLOW_MAXIMIZE = True  # F11 zooms the event log and the transcript with their tabs


class ConsoleScreen(Screen):
    # The footer shows the first of these that fit the width (F1 lists them all).
    BINDINGS = [
        Binding("ctrl+s", "send", "Send", priority=True),
        Binding("f5", "send", "Send", show=False),
        Binding("f1", "app.help", "Help"),
        Binding("f2", "focus_composer", "Action", show=False),
        Binding("f3", "focus_response", "Response", show=False),
        Binding("f4", "focus_events", "Events", show=False),
        Binding("f6", "focus_filter", "Filter"),
        Binding("f12", "focus_transcript", "Transcript", show=False),
        # ctrl+g: no F-key is left, Inputs do not take it, and terminals send it (BEL). In the
        # composer's fields it removes a row (that binding comes first there).
        Binding("ctrl+g", "focus_calls", "Calls"),
        Binding("f7", "older", "Older", show=False),
        Binding("f8", "newer", "Newer", show=False),
        Binding("f9", "pause", "Pause"),
        Binding("f11", "zoom", "Zoom"),
        Binding("ctrl+up", "split(1)", "Log taller", show=False, priority=True),
        Binding("ctrl+down", "split(-1)", "Log shorter", show=False, priority=True),
        Binding("ctrl+o", "history", "History"),
        Binding("ctrl+b", "saved", "Saved"),
        Binding("ctrl+r", "app.reconnect", "Reconnect"),
        Binding("ctrl+l", "clear_log", "Clear"),
        Binding("ctrl+f", "server_filters", "Server filter"),
        Binding("f10", "app.connection_form", "Connect…"),
        # ctrl+e: every F-key is taken; in Inputs it only duplicates End.
        Binding("ctrl+e", "lesson", "Lesson", priority=True),
        Binding("escape", "close_detail", "Close", show=False),
    ]

    # What a replay of a file cannot do: there is no server to send to.
    NEEDS_SERVER = frozenset(
        ("send", "focus_composer", "focus_response", "older", "newer", "history", "saved", "server_filters")
    )

    class ActionSubmitted(Message):
        """The user asked to send an action: the composed one, or one from the history."""

        def __init__(self, pairs: list[tuple[str, str]]) -> None:
            super().__init__()
            self.pairs = pairs

    def __init__(
        self,
        store: EventStore,
        transcript: Transcript,
        history: History,
        saved: SavedActions,
        server_filters: ServerFilters,
        *,
        replay: bool = False,
        layout_file: LayoutFile | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.transcript = transcript
        self.history = history
        self.saved = saved
        self.server_filters = server_filters
        self.replay = replay  # browsing a file: no composer, no response
        self.layout_file = layout_file or LayoutFile()
        self.log_share = self.layout_file.load_log_share()  # percent of the height for the log
        self._layout_warned = False
        self.lesson_panel: LessonPanel | None = None  # mounted on first use (ctrl+e, learn)

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
                yield EventPanel(self.store, id="events")
            with TabPane("Transcript", id="tab-transcript"):
                yield TranscriptView(self.transcript, id="transcript")
            with TabPane("Calls", id="tab-calls"):
                yield CallsView(self.app.calls, now=self.app.calls_now, id="calls")  # type: ignore[attr-defined]
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

    def on_mount(self) -> None:
        self.set_class(self.replay, "-replay")
        self._apply_split()
        if self.replay:
            self.set_focus(self.events.log_view)
        else:
            self.composer.picker.input.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (self.replay and action in self.NEEDS_SERVER or action == "lesson" and self.replay)

    # -- lessons -------------------------------------------------------------------------------
    @property
    def lesson_running(self) -> bool:
        panel = self.lesson_panel
        return panel is not None and panel.run is not None and not panel.run.finished

    def lesson_observed(self, observation: Observation) -> None:
        if self.lesson_panel is not None:
            self.lesson_panel.observe(observation)

    def open_lessons(self) -> None:
        """Mount the lesson panel (loading the lessons) and continue the first unfinished one."""
        if self.lesson_panel is not None:
            self.lesson_panel.remove_class("-hidden")
            return
        from ami_console.lessons.model import Progress, load_lessons
        from ami_console.ui.widgets.lesson_panel import LessonPanel

        app = self.app
        lessons, errors = load_lessons(app.lessons_folder)  # type: ignore[attr-defined]
        progress = Progress(app.lessons_progress or Progress.default_path())  # type: ignore[attr-defined]
        self.lesson_panel = LessonPanel(lessons, errors, progress, id="lesson-panel")
        self.mount(self.lesson_panel)
        self.lesson_panel.start_first_unfinished()
        for error in errors:
            self.notify(str(error), title="Lesson not loaded", severity="warning", timeout=10)

    def action_lesson(self) -> None:
        """ctrl+e: bring the lesson panel back, or go to it; from the panel, hide it."""
        panel = self.lesson_panel
        if panel is None:
            self.open_lessons()
            self.call_after_refresh(self._focus_lessons)
        elif panel.has_class("-hidden") or self.focused is not panel:
            panel.remove_class("-hidden")
            self.call_after_refresh(self._focus_lessons)
        else:
            panel.add_class("-hidden")
            if self.focused is panel:
                self.action_focus_composer()

    def _focus_lessons(self) -> None:
        if self.lesson_panel is not None:
            self.set_focus(self.lesson_panel)

    def on_lesson_panel_show_me_requested(self, event: LessonPanel.ShowMeRequested) -> None:
        self.call_later(self._show_me, event.rows)

    async def _show_me(self, rows: list[tuple[str, str]]) -> None:
        """Fill the composer with the step's action; never send it: the learner does."""
        action = rows[0][1] if rows and rows[0][0].lower() == "action" else ""
        fields = [(key, value, True) for key, value in rows if key.lower() not in ("action", "actionid")]
        await self.composer.load(action, fields)
        self.action_focus_composer()
        self.notify("The composer is filled: read it, then send it with ctrl+s.", title="Show me")

    def on_lesson_panel_list_requested(self) -> None:
        self.action_lessons_list()

    def action_lessons_list(self) -> None:
        from ami_console.ui.screens.lessons import LessonsScreen

        if self.lesson_panel is None:
            self.open_lessons()
        panel = self.lesson_panel
        assert panel is not None
        self.app.push_screen(LessonsScreen(panel.lessons, panel.errors, panel.progress), self._lesson_chosen)

    def _lesson_chosen(self, choice: tuple[str, bool] | None) -> None:
        if choice is not None and self.lesson_panel is not None:
            self.lesson_panel.remove_class("-hidden")
            self.lesson_panel.start(choice[0], restart=choice[1])

    def _view_opened(self, view: str) -> None:
        self.app.observe("view", text=view)  # type: ignore[attr-defined]

    @on(TabbedContent.TabActivated)
    def tab_activated(self, event: TabbedContent.TabActivated) -> None:
        view = TAB_VIEWS.get(event.pane.id or "")
        if view:
            self._view_opened(view)

    def on_event_panel_filter_applied(self, event: EventPanel.FilterApplied) -> None:
        self.app.observe("filter", text=event.text, filter=event.filter)  # type: ignore[attr-defined]
        if event.filter.call is not None:
            self._view_opened("follow")

    def on_explain_requested(self, event: ExplainRequested) -> None:
        self.app.explain_this(event.name, event.value, event.kind)  # type: ignore[attr-defined]

    # -- the split between the composer and the log --------------------------------------------
    def _apply_split(self) -> None:
        self.query_one("#top").styles.height = f"{100 - self.log_share}fr"
        self.query_one("#bottom").styles.height = f"{self.log_share}fr"

    def action_split(self, direction: int) -> None:
        """Give the log more (1) or less (-1) of the height, and remember it."""
        share = clamp_share(self.log_share + direction * LOG_SHARE_STEP)
        if share == self.log_share:
            return
        self.log_share = share
        self._apply_split()
        try:
            self.layout_file.save_log_share(share)
        except OSError as error:
            if not self._layout_warned:  # once: the split still moves, it is only not kept
                self._layout_warned = True
                self.notify(
                    f"The layout will not be remembered: {error.strerror or error} ({self.layout_file.path})",
                    severity="warning",
                )

    def action_send(self) -> None:
        problem = self.composer.problem()
        if not self.composer.picker.value:
            self.notify("Type an action name first.", severity="warning")
        elif problem is not None:
            self.notify(f"Not sent: {problem}", severity="error")
        else:
            self.post_message(self.ActionSubmitted(self.composer.pairs()))
            self.composer.sent()  # typing in the name now replaces it

    def _reveal(self, panel: Widget) -> None:
        """Unzoom before the focus goes to a panel the zoom hides (it would type unseen)."""
        zoomed = self.maximized
        if zoomed is not None and zoomed is not panel and zoomed not in panel.ancestors:
            self.minimize()

    def action_focus_composer(self) -> None:
        self._reveal(self.composer)
        self.composer.picker.input.focus()

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

    @property
    def calls(self) -> CallsView:
        from ami_console.ui.widgets.calls_view import CallsView

        return self.query_one(CallsView)

    def action_focus_calls(self) -> None:
        calls = self.calls
        self._reveal(calls)
        self.query_one("#bottom", TabbedContent).active = "tab-calls"
        self.set_focus(calls.list_view)

    def calls_changed(self) -> None:
        """Events changed calls (once per batch): the Calls tab follows (once it is there)."""
        for view in self.query("#calls"):
            view.calls_changed()  # type: ignore[attr-defined]

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
        panels = (bottom,) if self.replay else (self.composer, self.response, bottom)
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

        self._view_opened("history")
        self.app.push_screen(HistoryScreen(self.history.entries(), self.history.error or ""), self._history_chosen)

    async def _history_chosen(self, choice: tuple[str, HistoryEntry] | None) -> None:
        if choice is None:
            return
        how, entry = choice
        rows = [(k, v, True) for k, v in entry.fields if k.lower() not in ("action", "actionid")]
        if how == "send" and not entry.has_masked_values:
            self.post_message(self.ActionSubmitted([("Action", entry.action), *((k, v) for k, v, _ in rows)]))
            return
        await self.composer.load(entry.action, rows)
        if how == "send":
            self.notify("Loaded, not sent: it held a secret, stored masked. Type it, then ctrl+s.", severity="warning")

    # -- saved actions --------------------------------------------------------------------------
    def action_saved(self) -> None:
        from ami_console.ui.screens.saved import SavedScreen

        current = (self.composer.picker.value, self.composer.fields.snapshot())
        self._view_opened("saved")
        self.app.push_screen(SavedScreen(self.saved, current), self._saved_chosen)

    async def _saved_chosen(self, action: SavedAction | None) -> None:
        if action is not None:
            await self.composer.load(action.action, [(r.key, r.value, r.enabled) for r in action.fields])
            if action.description:
                self.notify(action.description, title=action.name, timeout=8)

    # -- following and tracing a call -------------------------------------------------------------
    @on(EventLog.FollowRequested)
    def follow_requested(self, event: EventLog.FollowRequested) -> None:
        self.action_focus_events()
        self.events.follow(event.message)

    @on(EventLog.TraceRequested)
    def trace_requested(self, event: EventLog.TraceRequested) -> None:
        from ami_console.calls.trace import call_key
        from ami_console.ui.screens.trace import CallTraceScreen

        key = call_key(event.message)
        if key is None:
            self.notify("This event belongs to no call.", severity="warning")
        else:
            self._view_opened("trace")
            self.app.push_screen(CallTraceScreen(self.store, key))

    # -- the Calls tab (handlers named for CallsView's messages: it loads after start-up) --------
    def on_calls_view_ladder_requested(self, event: CallsView.LadderRequested) -> None:
        from ami_console.ui.screens.ladder import LadderScreen

        self._view_opened("ladder")
        self.app.push_screen(LadderScreen(self.app.calls, event.key, self.store))  # type: ignore[attr-defined]

    def on_calls_view_trace_requested(self, event: CallsView.TraceRequested) -> None:
        from ami_console.ui.screens.trace import CallTraceScreen

        self._view_opened("trace")
        self.app.push_screen(CallTraceScreen(self.store, event.key))

    def on_calls_view_dialplan_requested(self, event: CallsView.DialplanRequested) -> None:
        from ami_console.ui.screens.dialplan import DialplanScreen

        self._view_opened("dialplan")
        self.app.push_screen(DialplanScreen(event.key, event.uniqueid, self.store))

    def on_calls_view_action_requested(self, event: CallsView.ActionRequested) -> None:
        """Confirm the action on the selected channel first; send it only on enter."""
        from ami_console.ui.screens.call_action import CallActionScreen

        app = self.app
        calls, dialplan = app.calls, app.dialplan  # type: ignore[attr-defined]
        call = calls.call_for(event.key) if event.key else None
        channel = call.channels.get(event.uniqueid) if call is not None else None
        if channel is None and event.kind != "originate":  # Originate is the one that needs no call
            self.notify("Select a call first: the action applies to the channel shown under the list.")
            return
        read_only = app.settings.read_only  # type: ignore[attr-defined]
        next_id = lambda: app.next_action_id  # type: ignore[attr-defined]  # noqa: E731
        screen = CallActionScreen(event.kind, call, channel, next_id=next_id, read_only=read_only, dialplan=dialplan)
        app.push_screen(screen, lambda fields: app.send_pairs(fields) if fields else None)  # type: ignore[attr-defined]

    # -- files ------------------------------------------------------------------------------------
    @on(EventLog.ExportRequested)
    def action_export(self) -> None:
        from ami_console.ui.screens.savefile import SaveFileScreen

        screen = SaveFileScreen(
            "Export the event log",
            Path.cwd() / f"ami-events-{_stamp()}.jsonl",
            EXPORT_CHOICES,
            "Open it again with: ami-console --replay FILE",
        )
        self.app.push_screen(screen, self._export_to)

    def _export_to(self, choice: tuple[Path, str] | None) -> None:
        if choice is None:
            return
        from ami_console.events.export import write_jsonl, write_raw

        path, how = choice
        events = list(self.store.view if how.endswith("shown") else self.store.entries)
        if how.startswith("raw") and path.suffix == ".jsonl":
            path = path.with_suffix(".ami")
        try:
            count = (write_raw if how.startswith("raw") else write_jsonl)(path, events)
        except OSError as error:
            self.notify(f"Not exported: {error.strerror or error} ({path})", severity="error")
            return
        self.notify(f"Wrote {count:,} events to {path}")

    @on(TranscriptView.SaveRequested)
    def action_save_transcript(self) -> None:
        from ami_console.ui.screens.savefile import SaveFileScreen

        screen = SaveFileScreen(
            "Save the transcript",
            Path.cwd() / f"ami-transcript-{_stamp()}.txt",
            help_text="The lines sent (>>) and received (<<), secrets masked.",
        )
        self.app.push_screen(screen, self._save_transcript_to)

    def _save_transcript_to(self, choice: tuple[Path, str] | None) -> None:
        if choice is None:
            return
        from ami_console.events.export import save_transcript

        try:
            count = save_transcript(choice[0], self.transcript.lines())
        except OSError as error:
            self.notify(f"Not saved: {error.strerror or error} ({choice[0]})", severity="error")
            return
        self.notify(f"Wrote {count:,} lines to {choice[0]}")

    # -- server-side filtering ----------------------------------------------------------------------
    def action_server_filters(self) -> None:
        self._view_opened("server_filters")
        self.app.push_screen(ServerFiltersScreen(self.server_filters))

    def server_filters_changed(self) -> None:
        """The state in force changed: the header and an open filters screen show it."""
        self.header.filters = self.server_filters.summary
        self.header.refresh()
        for screen in self.app.screen_stack:
            if isinstance(screen, ServerFiltersScreen):
                screen.refresh_state()


def _stamp() -> str:
    return time.strftime("%Y%m%d-%H%M%S", time.localtime(time.time()))
