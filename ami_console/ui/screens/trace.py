"""The call trace of one call: per channel, the dialplan steps it walked, the variables it
set, what it dialled and how that ended, its bridges and its hangup, on a timeline.
It follows the call live while open.

| Key | Does |
|---|---|
| escape, q | close |
| c | copy the trace as text (as shown: per channel, or the timeline) |
| i | one interleaved timeline of all the call's channels, or back to per channel |
| ? | explain the kinds of event this call is made of, in plain words |
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from ami_console.calls.text import timeline_lines, timeline_text, trace_lines, trace_text
from ami_console.calls.trace import build_trace, select_call
from ami_console.monitor.models import Models
from ami_console.ui.plaintext import PlainText

STYLES = {
    "heading": "bold",
    "channel": "bold cyan",
    "role": "italic",
    "time": "dim",
    "where": "green",
    "note": "italic grey70",
    "good": "bold green",
    "bad": "bold red",
    "dim": "dim",
    "dialplan": "bold",
    "variable": "yellow",
    "state": "cyan",
    "dial": "magenta",
    "bridge": "blue",
    "user": "bright_yellow",
    "hangup": "red",
    "originate": "cyan",
    "record": "yellow",
    "hold": "bright_blue",
    "keys": "magenta",
    "transfer": "bold bright_cyan",
}


class CallTraceScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q", "close", "Close"),
        Binding("c", "copy", "Copy as text"),
        Binding("i", "interleave", "Timeline"),
        Binding("question_mark", "explain", "Explain"),
    ]

    DEFAULT_CSS = """
    CallTraceScreen { align: center middle; }
    CallTraceScreen VerticalScroll { width: 95%; height: 90%; border: round $primary; background: $surface; padding: 0 1; }
    """

    def __init__(self, models: Models, key: str) -> None:
        super().__init__()
        self.models = models
        self.key = key
        self._drawn: tuple[object, ...] = ()
        self.interleaved = False  # one timeline of every channel, rather than a section per channel

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = PlainText(f"Call trace · {self.key}")  # a str title is parsed as markup
            yield Static(id="trace")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.draw()
        self.set_interval(1, self.draw)  # the call may still be going on

    def _events(self) -> list:
        with self.models.lock:
            return list(self.models.store.entries)

    def _trace(self):
        return build_trace(select_call(self._events(), self.key), self.key)

    def draw(self) -> None:
        signature = (self.models.store.total, self.interleaved)  # nothing new: nothing to redo
        if signature == self._drawn:
            return
        self._drawn = signature
        text = PlainText(no_wrap=True)
        trace = self._trace()
        for line in timeline_lines(trace) if self.interleaved else trace_lines(trace):
            for part, style in line.segments:  # plain text with a style: no markup
                text.append(part, style=STYLES.get(style, ""))
            text.append("\n")
        self.query_one("#trace", Static).update(text)

    def action_copy(self) -> None:
        trace = self._trace()
        lines = timeline_text(trace) if self.interleaved else trace_text(trace)
        self.app.copy_to_clipboard("\n".join(lines) + "\n")
        self.notify("Copied the call trace.")

    def action_interleave(self) -> None:
        self.interleaved = not self.interleaved
        scroll = self.query_one(VerticalScroll)
        how = "timeline of all channels" if self.interleaved else "per channel"
        scroll.border_title = PlainText(f"Call trace · {self.key} · {how} (i)")
        self.draw()

    def action_explain(self) -> None:
        """What each kind of event in this call means (the trace has no cursor: all of them)."""
        from ami_console.events.timed import as_timed
        from ami_console.lessons.explain import explain
        from ami_console.ui.screens.explain import ExplainScreen

        events = select_call(self._events(), self.key)
        names = dict.fromkeys(as_timed(item)[1].name for item in events)
        known = [(name, explain(name, kind="event")) for name in names if name]
        parts = [f"{name}: {text}" for name, text in known if text]
        unknown = [name for name, text in known if not text]
        if unknown:
            parts.append(
                f"Not in ami-console's catalogue: {', '.join(unknown)} (? on one in the event log asks the server)."
            )
        self.app.push_screen(ExplainScreen(f"The events of call {self.key}", "\n\n".join(parts) or "No events."))

    def action_close(self) -> None:
        self.dismiss(None)
