"""The live event log: one line per event, drawn only where it shows.

Like Toolong, it is a ScrollView over a bounded store and renders just the visible lines,
so 10,000 events in the log cost no more to draw than 40. It follows the tail; moving up
(keys or wheel) stops following, and a marker counts what arrived since. Where the
connection was lost and made again, a dim rule across the log says so (the store's
markers). When narrow, the details column keeps its room: Uniqueid goes first, then the
channel column narrows.

| Key | Does |
|---|---|
| up/down, pageup/pagedown, home | move the cursor (stops following) |
| end | go to the newest event and follow again |
| space | pause or resume following |
| enter | show all headers of the event under the cursor |
| f | follow the call of the event under the cursor (again: every call) |
| t | the call trace of that call |
| c | copy the event (its wire text) |
| x | export the log to a file |
| delete | clear the log (every event kept and counted so far) |
| ? | explain the event under the cursor, in plain words |
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message as TextualMessage
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ami_console import clock
from ami_console.events.store import LoggedEvent, Marker
from ami_console.events.summary import category, summarize
from ami_console.monitor.models import Models
from ami_console.protocol import Message
from ami_console.ui.plaintext import fit

COLOURS = {
    "call": "cyan",
    "dialplan": "green",
    "dial": "magenta",
    "bridge": "blue",
    "hangup": "red",
    "cdr": "yellow",
    "queue": "bright_magenta",
    "security": "bright_red",
    "user": "bright_yellow",
    "other": "white",
}
CLOCK, NAME, CHANNEL, UNIQUEID = 12, 20, 32, 16  # column widths, a space after each
CHANNEL_NARROWEST = 16
DETAILS_WIDEST_WANTED = 30  # below this, Uniqueid gives its room, then the channel


class ExplainRequested(TextualMessage):
    """ "Explain this" (?) on an event name or a header: the console opens the popup."""

    def __init__(self, name: str, value: str | None = None, kind: str = "event") -> None:
        super().__init__()
        self.name, self.value, self.kind = name, value, kind


def column_widths(width: int) -> tuple[int, int, int]:
    """(channel, uniqueid, details) widths for a log ``width`` cells wide: the details tell
    what happened, so they keep their room before the Uniqueid does (0: not shown)."""
    channel, uniqueid = CHANNEL, UNIQUEID
    details = width - (CLOCK + 1) - (NAME + 1) - (channel + 1) - (uniqueid + 1)
    if details < DETAILS_WIDEST_WANTED:
        uniqueid, details = 0, details + UNIQUEID + 1
    if details < DETAILS_WIDEST_WANTED:
        narrower = min(DETAILS_WIDEST_WANTED - details, CHANNEL - CHANNEL_NARROWEST)
        channel, details = channel - narrower, details + narrower
    return channel, uniqueid, max(0, details)


def column_titles(width: int) -> str:
    channel, uniqueid, _ = column_widths(width)
    titles = f"{'time':{CLOCK + 1}}{'event':{NAME + 1}}{'channel':{channel + 1}}"
    return titles + (f"{'uniqueid':{uniqueid + 1}}" if uniqueid else "") + "details"


class EventLog(ScrollView, can_focus=True):
    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "top", "Oldest", show=False),
        Binding("end", "follow", "Follow"),
        Binding("space", "toggle_pause", "Pause/resume", show=False),
        Binding("enter", "select", "Details"),
        Binding("f", "follow_call", "Follow call"),
        Binding("t", "trace", "Trace"),
        Binding("c", "copy", "Copy", show=False),
        Binding("x", "export", "Export", show=False),
        Binding("delete", "clear", "Clear log", show=False),
        Binding("question_mark", "explain", "Explain"),
    ]

    DEFAULT_CSS = """
    EventLog { height: 1fr; background: $surface; overflow-x: hidden; }
    EventLog:focus { background-tint: $foreground 4%; }
    """

    following: reactive[bool] = reactive(True)

    class Selected(TextualMessage):
        """The user asked for the details of an event."""

        def __init__(self, event: LoggedEvent) -> None:
            super().__init__()
            self.event = event

    class FollowRequested(TextualMessage):
        """Narrow the log to the call ``message`` belongs to; with ``toggle``, while a call
        is followed, go back to every call instead."""

        def __init__(self, message: Message | None, toggle: bool = False) -> None:
            super().__init__()
            self.message, self.toggle = message, toggle

    class TraceRequested(TextualMessage):
        """Show the call trace of the call ``message`` belongs to."""

        def __init__(self, message: Message) -> None:
            super().__init__()
            self.message = message

    class ExportRequested(TextualMessage):
        """Write the log (all of it, or what the filter shows) to a file."""

    class ClearRequested(TextualMessage):
        """Forget every event kept and counted so far."""

    class FollowingChanged(TextualMessage):
        def __init__(self, following: bool) -> None:
            super().__init__()
            self.following = following

    class ColumnsChanged(TextualMessage):
        """The log's width changed which columns show: ``titles`` names them."""

        def __init__(self, titles: str) -> None:
            super().__init__()
            self.titles = titles

    def __init__(self, models: Models, *, id: str | None = None) -> None:
        super().__init__(id=id)
        # The model thread fills the store: rows are read under the models' lock, once a frame.
        self.store = models.store
        self.model_lock = models.lock
        self.cursor = 0
        self.unseen = 0  # events that arrived while not following
        self._titles = ""  # the column titles last told to the panel

    # -- feeding ------------------------------------------------------------------------
    def stored(self, added: int, dropped: int) -> None:
        """The store took a batch (or a marker): ``added`` rows joined, ``dropped`` left the top."""
        self._resized(added, dropped)

    def reload(self) -> None:
        """Redraw after the store's view changed wholesale (filter, clear)."""
        self.unseen = 0
        self.cursor = min(self.cursor, max(0, self.store.row_count - 1))
        self._resized(0, 0)
        if self.following:
            self._go_to_tail()

    def _resized(self, added: int, dropped: int) -> None:
        count = self.store.row_count
        self.virtual_size = Size(self.size.width, count)
        if self.following:
            self._go_to_tail()
        else:
            self.unseen += added
            if dropped:  # keep the same events under the eyes
                self.cursor = max(0, self.cursor - dropped)
                self.scroll_to(y=max(0, self.scroll_y - dropped), animate=False, immediate=True)
        self.refresh()

    def _follow_tail(self) -> None:
        if self.following:
            self._go_to_tail()

    def _go_to_tail(self) -> None:
        count = self.store.row_count
        self.cursor = max(0, count - 1)
        self.unseen = 0
        self.scroll_to(y=max(0, count - self.scrollable_content_region.height), animate=False, immediate=True)

    @property
    def at_tail(self) -> bool:
        """The cursor is on the newest row (or there is none)."""
        return self.cursor >= self.store.row_count - 1

    # -- drawing ------------------------------------------------------------------------
    def render_lines(self, crop: Region) -> list[Strip]:
        with self.model_lock:
            return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_y) + y
        width = self.size.width
        if index >= self.store.row_count:
            return Strip.blank(width, self.rich_style)
        entry = self.store.row(index)
        if isinstance(entry, Marker):
            return self._rule(entry.text, index == self.cursor, width)
        return self._line(entry, index == self.cursor, width)

    def _rule(self, text: str, selected: bool, width: int) -> Strip:
        """A marker: a dim rule across the log, its text in it."""
        style = Style(dim=True) + (Style(bgcolor="grey30" if self.has_focus else "grey19") if selected else Style())
        head = fit(f"──── {text} ", width)  # a long text is cut, with an ellipsis
        line = head.rstrip(" ") + " " if head.endswith(" ") else head
        line += "─" * (width - cell_len(line))
        return Strip([Segment(line, style)]).crop_extend(0, width, style)

    def _line(self, entry: LoggedEvent, selected: bool, width: int) -> Strip:
        message = entry.message
        name = message.name or "(not an event)"  # garbage from the server still shows
        channel, uniqueid, details = summarize(message)
        at = entry.at
        when = "--:--:--.---" if at is None else clock.stamp("%H:%M:%S", at) + f".{int(at * 1000) % 1000:03d}"
        base = Style(bgcolor="grey30" if self.has_focus else "grey19") if selected else Style()
        channel_width, uniqueid_width, details_width = column_widths(width)
        # Segments are plain text: brackets in values stay as they are.
        segments = [
            Segment(when + " ", base + Style(dim=True)),
            Segment(fit(name, NAME) + " ", base + Style(color=COLOURS[category(name)], bold=True)),
            Segment(fit(channel, channel_width) + " ", base),
        ]
        if uniqueid_width:
            segments.append(Segment(fit(uniqueid, uniqueid_width) + " ", base + Style(dim=True)))
        # A 1 MiB value: fit cleans only what shows, and a cut one ends in an ellipsis.
        segments.append(Segment(fit(details, details_width).rstrip(), base))
        return Strip(segments).crop_extend(0, width, base)

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, self.store.row_count)
        titles = column_titles(event.size.width)
        if titles != self._titles:
            self._titles = titles
            self.post_message(self.ColumnsChanged(titles))
        if self.following:
            # Still following when it runs: a key (home, up) may have stopped it in between.
            self.call_after_refresh(self._follow_tail)

    # -- moving -------------------------------------------------------------------------
    def _move_to(self, index: int) -> None:
        count = self.store.row_count
        if not count:
            return
        self.cursor = max(0, min(count - 1, index))
        height = self.scrollable_content_region.height
        if self.cursor < self.scroll_y:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= self.scroll_y + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)
        self.following = self.cursor == count - 1 and self.following
        self.refresh()

    def action_cursor(self, step: int) -> None:
        if step < 0:
            self.following = False
        self._move_to(self.cursor + step)

    def action_page(self, pages: int) -> None:
        if pages < 0:
            self.following = False
        self._move_to(self.cursor + pages * max(1, self.scrollable_content_region.height - 1))

    def action_top(self) -> None:
        self.following = False
        self._move_to(0)

    def action_follow(self) -> None:
        self.following = True

    def action_toggle_pause(self) -> None:
        self.following = not self.following

    def action_select(self) -> None:
        if (entry := self.current) is not None:
            self.post_message(self.Selected(entry))

    @property
    def current(self) -> LoggedEvent | None:
        """The event under the cursor (None on a marker, which is no event)."""
        with self.model_lock:
            if not 0 <= self.cursor < self.store.row_count:
                return None
            entry = self.store.row(self.cursor)
        return entry if isinstance(entry, LoggedEvent) else None

    def action_follow_call(self) -> None:
        """f: follow the call of the event under the cursor, or (while one is followed) stop."""
        entry = self.current
        self.post_message(self.FollowRequested(entry.message if entry is not None else None, toggle=True))

    def action_trace(self) -> None:
        if (entry := self.current) is not None:
            self.post_message(self.TraceRequested(entry.message))

    def action_explain(self) -> None:
        if (entry := self.current) is not None and entry.message.name:
            self.post_message(ExplainRequested(entry.message.name))

    def action_copy(self) -> None:
        if (entry := self.current) is not None:
            self.app.copy_to_clipboard(entry.message.text())
            self.notify(f"Copied the {entry.message.name or 'message'} event.")

    def action_export(self) -> None:
        self.post_message(self.ExportRequested())

    def action_clear(self) -> None:
        self.post_message(self.ClearRequested())

    def watch_following(self, following: bool) -> None:
        if following:
            self._go_to_tail()
        self.post_message(self.FollowingChanged(following))
        self.refresh()

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self.following = False

    def on_click(self, event: events.Click) -> None:
        index = int(self.scroll_y) + event.y
        if 0 <= index < self.store.row_count:
            self.following = False
            self._move_to(index)
            if event.chain == 2:
                self.action_select()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
