"""The ladder of one call (like sngrep's call flow, for channels): one lifeline per
channel across the top, time going down, arrows for dial, answer, bridge, transfer,
queue and agent, the applications each channel ran on its lifeline, the hangups with
their causes. It follows the call live while open and fits the width of the screen.

| Key | Does |
|---|---|
| escape, q | close |
| c | copy the ladder as text |
| x | export it to a file (text or SVG) |
| t | the call trace (per channel, or one timeline) |
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from ami_console import clock
from ami_console.calls.ladder import build_ladder, ladder_lines, ladder_svg, ladder_text
from ami_console.calls.trace import select_call
from ami_console.events.timed import EventLike
from ami_console.monitor.models import Models
from ami_console.ui.plaintext import PlainText

REDRAW_EVERY = 0.3  # seconds: a busy call changes many times a second; the ladder follows at most this often
EXPORT_CHOICES = [("text", "Text: the ladder as drawn (box characters)"), ("svg", "SVG: a picture of the text")]


class LadderScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q", "close", "Close"),
        Binding("c", "copy", "Copy as text"),
        Binding("x", "export", "Export"),
        Binding("t", "trace", "Trace"),
    ]

    DEFAULT_CSS = """
    LadderScreen { align: center middle; }
    LadderScreen VerticalScroll { width: 98%; height: 92%; border: round $primary; background: $surface; padding: 0 1; }
    LadderScreen #ladder { width: auto; }
    """

    def __init__(self, models: Models, key: str, server: str = "") -> None:
        super().__init__()
        self.models = models  # the call's events, or the log's when the model no longer has the call
        self.key = key
        self.server = server  # named in an export's header
        self._drawn: tuple[object, ...] = ()
        self.lines: list[str] = []

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="ladder-scroll") as scroll:
            scroll.border_title = PlainText(f"Ladder · call {self.key}")  # a str title is parsed as markup
            yield Static(id="ladder")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.draw()
        self.set_interval(REDRAW_EVERY, self.draw)  # the call may still be going on

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self.draw)

    def _events(self) -> Sequence[EventLike]:
        with self.models.lock:
            call = self.models.calls.call_for(self.key)
            events = list(call.events) if call is not None else None
            entries = list(self.models.store.entries) if events is None else []
        return events if events is not None else select_call(entries, self.key)

    @property
    def width(self) -> int:
        scroll = self.query_one("#ladder-scroll")
        return max(40, scroll.scrollable_content_region.width - 1)

    def draw(self) -> None:
        """Build the ladder again if the call has new events or the width changed."""
        events_ = self._events()
        last = events_[-1] if events_ else None
        signature = (len(events_), id(last), self.width)
        if signature == self._drawn:
            return
        self._drawn = signature
        ladder = build_ladder(events_)
        self.lines = ladder_lines(ladder, self.width)
        text = PlainText(no_wrap=True)
        for index, line in enumerate(self.lines):
            style = "bold cyan" if index == 0 else ""
            if ladder.first_hangup and index == len(self.lines) - 1:
                style = "italic"
            text.append(line, style=style)
            text.append("\n")
        self.query_one("#ladder", Static).update(text)

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(ladder_text(self._events(), self.width, key=self.key, server=self.server))
        self.notify("Copied the ladder.")

    def action_export(self) -> None:
        from ami_console.ui.screens.savefile import SaveFileScreen

        stamp = clock.stamp("%Y%m%d-%H%M%S")
        screen = SaveFileScreen("Export the ladder", Path.cwd() / f"ami-ladder-{stamp}.txt", EXPORT_CHOICES)
        self.app.push_screen(screen, self._export_to)

    def _export_to(self, choice: tuple[Path, str] | None) -> None:
        if choice is None:
            return
        path, how = choice
        if how == "svg" and path.suffix == ".txt":
            path = path.with_suffix(".svg")
        events_ = self._events()
        title = f"call {self.key}"
        if how == "svg":
            content = ladder_svg(events_, self.width, title, key=self.key, server=self.server)
        else:
            content = ladder_text(events_, self.width, key=self.key, server=self.server)
        try:
            path.write_text(content, encoding="utf-8")
        except OSError as error:
            self.notify(f"Not exported: {error.strerror or error} ({path})", severity="error")
            return
        self.notify(f"Wrote the ladder to {path}")

    def action_trace(self) -> None:
        from ami_console.ui.screens.trace import CallTraceScreen

        self.app.push_screen(CallTraceScreen(self.models, self.key))

    def action_close(self) -> None:
        self.dismiss(None)
