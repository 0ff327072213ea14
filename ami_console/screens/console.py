"""The console: composer and response side by side, the live event log below."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, TabbedContent, TabPane

from ..eventstore import EventStore
from ..transcript import Transcript
from ..widgets.composer import Composer
from ..widgets.connection_header import ConnectionHeader
from ..widgets.event_panel import EventPanel
from ..widgets.lost_banner import LostBanner
from ..widgets.response_pane import ResponsePane
from ..widgets.transcript_view import TranscriptView


class ConsoleScreen(Screen):
    BINDINGS = [
        Binding("ctrl+s", "send", "Send", priority=True),
        Binding("f5", "send", "Send", show=False),
        Binding("f1", "app.help", "Help"),
        Binding("f2", "focus_composer", "Action", show=False),
        Binding("f3", "focus_response", "Response", show=False),
        Binding("f4", "focus_events", "Events"),
        Binding("f6", "focus_filter", "Filter"),
        Binding("f12", "focus_transcript", "Transcript"),
        Binding("f7", "older", "Older", show=False),
        Binding("f8", "newer", "Newer", show=False),
        Binding("f9", "pause", "Pause"),
        Binding("f11", "zoom", "Zoom"),
        Binding("ctrl+l", "clear_log", "Clear"),
        Binding("ctrl+r", "app.reconnect", "Reconnect"),
        Binding("ctrl+o", "app.history", "History"),
        Binding("ctrl+b", "app.saved", "Saved"),
        Binding("ctrl+f", "app.server_filters", "Server filter"),
        Binding("f10", "app.connection_form", "Connect…"),
        Binding("escape", "close_detail", "Close", show=False),
    ]

    class ActionSubmitted(Message):
        """The user asked to send the composed action."""

        def __init__(self, pairs: list[tuple[str, str]]) -> None:
            super().__init__()
            self.pairs = pairs

    def __init__(self, store: EventStore, transcript: Transcript) -> None:
        super().__init__()
        self.store = store
        self.transcript = transcript

    def compose(self) -> ComposeResult:
        yield ConnectionHeader(id="header")
        yield LostBanner(id="lost-banner")
        with Horizontal(id="top"):
            yield Composer(id="composer")
            yield ResponsePane(id="response")
        with TabbedContent(id="bottom"):
            with TabPane("Events", id="tab-events"):
                yield EventPanel(self.store, id="events")
            with TabPane("Transcript", id="tab-transcript"):
                yield TranscriptView(self.transcript, id="transcript")
        yield Footer(compact=True)

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
        return self.query_one(ResponsePane)

    @property
    def events(self) -> EventPanel:
        return self.query_one(EventPanel)

    def on_mount(self) -> None:
        self.composer.picker.input.focus()

    def action_send(self) -> None:
        problem = self.composer.problem()
        if not self.composer.picker.value:
            self.notify("Type an action name first.", severity="warning", markup=False)
        elif problem is not None:
            self.notify(f"Not sent: {problem}", severity="error", markup=False)
        else:
            self.post_message(self.ActionSubmitted(self.composer.pairs()))

    def action_focus_composer(self) -> None:
        self.composer.picker.input.focus()

    def action_focus_response(self) -> None:
        self.response.focus_content()

    def action_focus_events(self) -> None:
        self.query_one("#bottom", TabbedContent).active = "tab-events"
        self.set_focus(self.events.log_view)

    def action_focus_transcript(self) -> None:
        self.query_one("#bottom", TabbedContent).active = "tab-transcript"
        self.set_focus(self.query_one(TranscriptView))

    def action_focus_filter(self) -> None:
        self.query_one("#bottom", TabbedContent).active = "tab-events"
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
        panels = (self.composer, self.response, self.events)
        panel = next((p for p in panels if focused is not None and (focused is p or p in focused.ancestors)), self.events)
        self.maximize(panel, container=False)

    def action_close_detail(self) -> None:
        events = self.events
        if events.detail.has_class("-shown"):
            events.detail.hide()
        elif events.following_call:
            events.follow(None)
