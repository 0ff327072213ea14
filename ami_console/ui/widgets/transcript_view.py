"""The transcript pane: every line sent (``>>``) and received (``<<``), secrets masked.

Newcomers learn the protocol by watching it. New lines are taken from the session's
:class:`Transcript` a few times a second, in one batch each time. The console's own
queries (parameter help) are dimmed and marked ``(console)``: they are not the user's.

| Key | Does |
|---|---|
| a | actions and their responses only (no events), or everything again |
| / | search (typing: the newest match; enter: the next older one; esc: close) |
| s | save the transcript to a file |
"""

from __future__ import annotations

from pathlib import Path

from rich.style import Style
from textual import on
from textual.binding import Binding
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Input, Log

from ami_console import clock
from ami_console.monitor.transcript import DEFAULT_LIMIT, OWN_MARK, Transcript

MAX_LINES = 20_000
MOST_PER_UPDATE = 300  # messages turned into lines at each update, the newest
OWN_STYLE = Style(dim=True)
FOUND_STYLE = Style(reverse=True)


class TranscriptSearch(Input):
    """The search line above the transcript, there while searching."""

    BINDINGS = [Binding("escape", "close", "Close search", show=False)]
    DEFAULT_CSS = """
    TranscriptSearch, TranscriptSearch:focus { height: 1; border: none; padding: 0 1; }
    """

    def __init__(self, view: TranscriptView) -> None:
        super().__init__(placeholder="search the transcript (enter: older match, esc: close)")
        self.view = view

    @on(Input.Changed)
    def search_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.view.find(event.value, from_newest=True)

    @on(Input.Submitted)
    def search_next(self, event: Input.Submitted) -> None:
        event.stop()
        self.view.find(event.value, from_newest=False)

    def action_close(self) -> None:
        self.view.close_search()


class TranscriptView(Log):
    BINDINGS = [
        Binding("s", "save", "Save transcript"),
        Binding("a", "toggle_actions_only", "Actions only"),
        Binding("slash", "search", "Search"),
    ]

    DEFAULT_CSS = """
    TranscriptView { height: 1fr; }
    """

    def __init__(self, transcript: Transcript, *, id: str | None = None) -> None:
        super().__init__(max_lines=MAX_LINES, id=id)
        self.transcript = transcript
        self._seen = 0
        self.actions_only = False
        self.found: int | None = None  # the line the search found

    def on_mount(self) -> None:
        self.set_interval(0.25, self.catch_up)
        self.catch_up()

    def action_save(self) -> None:
        """Ask where to write the transcript (secrets stay masked)."""
        from ami_console.ui.screens.savefile import SaveFileScreen

        screen = SaveFileScreen(
            "Save the transcript",
            Path.cwd() / f"ami-transcript-{clock.stamp('%Y%m%d-%H%M%S')}.txt",
            help_text="The lines sent (>>) and received (<<), secrets masked.",
        )
        self.app.push_screen(screen, self._save_to)

    def _save_to(self, choice: tuple[Path, str] | None) -> None:
        if choice is None:
            return
        from ami_console.events.export import save_transcript

        try:
            count = save_transcript(choice[0], self.transcript.lines())
        except OSError as error:
            self.notify(f"Not saved: {error.strerror or error} ({choice[0]})", severity="error")
            return
        self.notify(f"Wrote {count:,} lines to {choice[0]}")

    def catch_up(self) -> None:
        # Hidden behind the Events tab, it does nothing: decoding every message of a busy
        # PBX for no one would slow the whole console down.
        if self.parent is not None and not self.parent.display:
            return
        self._seen, lines = self.transcript.since(self._seen, MOST_PER_UPDATE, self.actions_only)
        if lines:
            self.write_lines(lines)

    def on_show(self) -> None:
        # Opened, it shows the newest lines (the Login just made, the last answer): what
        # arrived while hidden was written without scrolling.
        self.catch_up()
        self.scroll_end(animate=False, immediate=True)

    def action_toggle_actions_only(self) -> None:
        """Show the actions and their responses only, or everything again: the kept
        messages are read again, so nothing that went by is missing from either."""
        self.actions_only = not self.actions_only
        self.clear()
        self.found = None
        self._seen, lines = self.transcript.since(0, DEFAULT_LIMIT, self.actions_only)
        self.write_lines(lines)
        self.border_subtitle = "actions and responses only (a: everything)" if self.actions_only else ""
        self.notify(
            "Transcript: actions and their responses only." if self.actions_only else "Transcript: everything.",
        )

    # -- searching ----------------------------------------------------------------------
    @property
    def search_input(self) -> TranscriptSearch | None:
        return next(iter(self.screen.query(TranscriptSearch)), None)

    def action_search(self) -> None:
        search = self.search_input
        if search is None and isinstance(self.parent, Widget):
            search = TranscriptSearch(self)
            self.parent.mount(search, before=self)  # above the transcript, in its tab
        if search is not None:
            search.focus()

    def close_search(self) -> None:
        if (search := self.search_input) is not None:
            search.remove()
        self.found = None
        self.auto_scroll = True
        self.refresh()
        self.focus()

    def find(self, needle: str, from_newest: bool) -> None:
        """Show the newest line holding ``needle`` (any case), or the next older one."""
        if not needle:
            return
        needle = needle.lower()
        lines = self.lines
        start = len(lines) - 1 if from_newest or self.found is None else self.found - 1
        order = [*range(min(start, len(lines) - 1), -1, -1), *range(len(lines) - 1, start, -1)]  # wraps around
        found = next((i for i in order if needle in lines[i].lower()), None)
        if found is None:
            self.notify(f"Not found in the transcript: {needle}", severity="warning")
            return
        self.found = found
        self.auto_scroll = False  # new lines must not carry the match away
        self.scroll_to(y=max(0, found - self.scrollable_content_region.height // 2), animate=False)
        self.refresh()

    # -- drawing ------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        index = int(self.scroll_y) + y
        if index == self.found:
            return strip.apply_style(FOUND_STYLE)
        if index < len(self.lines) and self.lines[index].startswith(OWN_MARK):
            return strip.apply_style(OWN_STYLE)
        return strip
