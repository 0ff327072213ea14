"""The dialplan one channel walks, shown as a debugger shows source.

The listing of the context the channel is in (ShowDialPlan, cached in the app's
:class:`~ami_console.calls.dialplan.Dialplan`, with the contexts it includes), the
priority it runs now marked ▶ and highlighted, the ones it ran marked ✓ with their time,
the variables it set beside them, the jumps it took (Goto, GotoIf, Gosub) under the line
it left from. It follows the channel live, into other contexts too (their listings are
fetched as it gets there). A replay has no server: it shows the steps the events record.

| Key | Does |
|---|---|
| escape, q | close |
| r | fetch the listing again (the dialplan may have been reloaded) |
| c | copy what is shown as text |
"""

from __future__ import annotations

import re
from collections.abc import Callable

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from ami_console.calls.dialplan import ChannelPath, ContextListing, FetchBudget, ListingRequest, debugger_lines
from ami_console.monitor.models import Models
from ami_console.ui.plaintext import PlainText

REDRAW_EVERY = 0.3  # seconds: the channel may take several steps a second; the pane follows at most this often

STYLES = {
    "header": "bold",
    "current": "bold black on yellow",  # the debugger's current line
    "executed": "green",
    "not-run": "",
    "branch": "magenta",
    "variable": "dim yellow",
    "note": "italic",
    "expected": "bold red",
}

# A listing line: its marker, then "'700' =>" where an extension starts, then "3. Hangup()".
_PRIORITY_LINE = re.compile(r"^..(?:'(?P<exten>[^']*)' =>)?\s+(?P<priority>\d+)\. ")
_CONTEXT_LINE = re.compile(r"^\[ Context '(?P<context>[^']*)'")


def mark_expected(lines: list[tuple[str, str]], step: str) -> list[tuple[str, str]]:
    """``lines`` with a line under the priority ``step`` ("demo,700,3") names, saying a
    dialplan test expected the call there (the path it took is marked ✓ above and below)."""
    context, _, rest = step.partition(",")
    exten, _, priority = rest.partition(",")
    marked: list[tuple[str, str]] = []
    here_context = here_exten = ""
    shown = False
    for line, kind in lines:
        marked.append((line, kind))
        if found := _CONTEXT_LINE.match(line):
            here_context = found["context"]
        elif found := _PRIORITY_LINE.match(line):
            here_exten = found["exten"] if found["exten"] is not None else here_exten
            if (here_context, here_exten, found["priority"]) == (context, exten, priority):
                marked.append((f"   ▲ the test expected the call here ({step})", "expected"))
                shown = True
    if not shown:  # a step the listing has not (a priority taken out, another context)
        marked.append((f"▲ the test expected the call at {step}, which is not in this listing", "expected"))
    return marked


class DialplanScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q", "close", "Close"),
        Binding("r", "refresh_listing", "Refresh"),
        Binding("c", "copy", "Copy as text"),
    ]

    DEFAULT_CSS = """
    DialplanScreen { align: center middle; }
    DialplanScreen VerticalScroll { width: 98%; height: 92%; border: round $primary; background: $surface; padding: 0 1; }
    DialplanScreen #dialplan-note { color: $text-muted; height: auto; }
    """

    def __init__(
        self,
        models: Models,
        key: str,
        uniqueid: str,
        fetch: Callable[[ListingRequest], object] | None = None,
        expected: tuple[str, list[str]] | None = None,
    ) -> None:
        super().__init__()
        # A failed dialplan test: the step it expected, and what it said (expected beside taken).
        self.expected = expected
        # The log keeps the VarSet events the calls model leaves out: the variables come from it.
        self.models = models
        self.fetch = fetch  # asks the server for a listing (None: no server, a replay)
        self.key = key
        self.uniqueid = uniqueid
        self.path = ChannelPath(uniqueid=uniqueid)
        self.lines: list[tuple[str, str]] = []
        # The pane asks for a bounded number of listings, lazily, only those needed to show
        # where the channel runs: a hostile dialplan cannot make it flood the server.
        self.budget = FetchBudget()
        self._drawn: tuple[object, ...] = ()
        self._follow_current = True  # scroll to the current line when it moves

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialplan-scroll") as scroll:
            scroll.border_title = PlainText(f"Dialplan · call {self.key}")
            yield Static(id="dialplan-note")
            yield Static(id="dialplan")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.redraw()
        self.set_interval(REDRAW_EVERY, self.redraw)

    def redraw(self) -> None:
        """Draw again if the channel moved or a listing came (read under the models' lock)."""
        with self.models.lock:
            self.draw()

    def on_resize(self, event: events.Resize) -> None:
        self._drawn = ()
        self.call_after_refresh(self.redraw)

    @property
    def _replay(self) -> bool:
        return self.fetch is None

    def _events(self) -> list:
        call = self.models.calls.call_for(self.key)
        return list(call.events) if call is not None else []

    def _where(self) -> str:
        """The context the channel is in now (its last step's, else what the model knows)."""
        if self.path.current is not None:
            return self.path.current.context
        call = self.models.calls.call_for(self.key)
        chan = call.channels.get(self.uniqueid) if call is not None else None
        return chan.context if chan is not None else ""

    def _listing(self, context: str) -> ContextListing | None:
        """The listing of where the channel runs (the context, or the one its extension is
        in), asking the server for what is missing, within the pane's budget."""
        if not context or self._replay:
            return None
        current = self.path.current
        exten = current.exten if current is not None and current.context == context else ""
        dialplan = self.models.dialplan
        fetch = self.fetch
        if fetch is not None:
            for request in self.budget.take(dialplan, context, exten):
                self.call_later(fetch, request)  # not from inside the lock the drawing holds
        return dialplan.listing_for(context, exten)

    @property
    def width(self) -> int:
        return max(40, self.query_one("#dialplan-scroll").scrollable_content_region.width - 1)

    def draw(self) -> None:
        events_ = self._events()
        last = events_[-1] if events_ else None
        context = self._where()
        signature = (len(events_), id(last), self.width, context)
        if signature == self._drawn:
            return
        self._drawn = signature
        self.path = ChannelPath.from_events(self.models.store.entries, uniqueid=self.uniqueid)
        if not self.path.steps:  # the log was cleared (ctrl+l): the model still has the steps
            self.path = ChannelPath.from_events(events_, uniqueid=self.uniqueid)
        context = self._where()
        listing = self._listing(context)
        self.lines = debugger_lines(listing, self.path, self.width, self.models.dialplan, notes=[self.budget.note()])
        if self.expected is not None and self.expected[0]:
            self.lines = mark_expected(self.lines, self.expected[0])
        self._show_note(context, listing)
        text = PlainText(no_wrap=True)
        current = None
        for index, (line, kind) in enumerate(self.lines):
            text.append(line.ljust(self.width) if kind == "current" else line, style=STYLES.get(kind, ""))
            text.append("\n")
            if kind == "current":
                current = index
        self.query_one("#dialplan", Static).update(text)
        if current is not None and self._follow_current:
            self.call_after_refresh(self._scroll_to_line, current)

    def _scroll_to_line(self, index: int) -> None:
        scroll = self.query_one("#dialplan-scroll", VerticalScroll)
        note = self.query_one("#dialplan-note").outer_size.height
        top = note + index - scroll.scrollable_content_region.height // 2
        scroll.scroll_to(y=max(0, top), animate=False)

    def _show_note(self, context: str, listing: ContextListing | None) -> None:
        call = self.models.calls.call_for(self.key)
        chan = call.channels.get(self.uniqueid) if call is not None else None
        note = PlainText(no_wrap=True, overflow="ellipsis")
        note.append(chan.name if chan is not None and chan.name else self.uniqueid or "(no channel)", style="bold cyan")
        if context:
            note.append(f" · in {context}")
        if self._replay:
            note.append(" · a replay: no server to list the dialplan")
        elif error := self.models.dialplan.error(context):
            note.append(f" · not listed: {error}", style="yellow")
        elif listing is None and context:
            note.append(" · asking the server for the listing…", style="italic")
        note.append("   r refreshes the listing", style="dim")
        for said in self.expected[1] if self.expected is not None else []:
            note.append(f"\n{said}", style="bold red")
        self.query_one("#dialplan-note", Static).update(note)

    def action_refresh_listing(self) -> None:
        with self.models.lock:
            dialplan = self.models.dialplan
            for context in [self._where(), *self.path.contexts()]:
                dialplan.forget(context)
            self.budget.reset()
            self._drawn = ()
            self.draw()

    def action_copy(self) -> None:
        self.app.copy_to_clipboard("\n".join(line.rstrip() for line, _ in self.lines) + "\n")
        self.notify("Copied the dialplan view.")

    def action_close(self) -> None:
        self.dismiss(None)
