"""The live event log: one line per event, drawn only where it shows.

Like Toolong, it is a ScrollView over a bounded store and renders just the visible lines,
so 10,000 events in the log cost no more to draw than 40. It follows the tail; moving up
(keys or wheel) stops following, and a marker counts what arrived since.

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
"""

from __future__ import annotations

import time

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message as TextualMessage
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ami_console.events.store import EventStore, LoggedEvent
from ami_console.events.summary import category, summarize
from ami_console.protocol import Message
from ami_console.ui.plaintext import clean, fit

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
COLUMN_TITLES = "time         event                channel                          uniqueid         details"


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
        """Narrow the log to the call ``message`` belongs to (or, with None, stop)."""

        def __init__(self, message: Message | None) -> None:
            super().__init__()
            self.message = message

    class TraceRequested(TextualMessage):
        """Show the call trace of the call ``message`` belongs to."""

        def __init__(self, message: Message) -> None:
            super().__init__()
            self.message = message

    class ExportRequested(TextualMessage):
        """Write the log (all of it, or what the filter shows) to a file."""

    class FollowingChanged(TextualMessage):
        def __init__(self, following: bool) -> None:
            super().__init__()
            self.following = following

    def __init__(self, store: EventStore, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.store = store
        self.cursor = 0
        self.unseen = 0  # events that arrived while not following

    # -- feeding ------------------------------------------------------------------------
    def stored(self, added: int, dropped: int) -> None:
        """The store took a batch: ``added`` entries joined the view, ``dropped`` left its top."""
        self._resized(added, dropped)

    def reload(self) -> None:
        """Redraw after the store's view changed wholesale (filter, clear)."""
        self.unseen = 0
        self.cursor = min(self.cursor, max(0, len(self.store.view) - 1))
        self._resized(0, 0)
        if self.following:
            self._go_to_tail()

    def _resized(self, added: int, dropped: int) -> None:
        count = len(self.store.view)
        self.virtual_size = Size(self.size.width, count)
        if self.following:
            self._go_to_tail()
        else:
            self.unseen += added
            if dropped:  # keep the same events under the eyes
                self.cursor = max(0, self.cursor - dropped)
                self.scroll_to(y=max(0, self.scroll_y - dropped), animate=False, immediate=True)
        self.refresh()

    def _go_to_tail(self) -> None:
        self.cursor = max(0, len(self.store.view) - 1)
        self.unseen = 0
        self.scroll_to(
            y=max(0, len(self.store.view) - self.scrollable_content_region.height), animate=False, immediate=True
        )

    # -- drawing ------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_y) + y
        width = self.size.width
        view = self.store.view
        if index >= len(view):
            return Strip.blank(width, self.rich_style)
        entry = view[index]
        return self._line(entry, index == self.cursor, width)

    def _line(self, entry: LoggedEvent, selected: bool, width: int) -> Strip:
        message = entry.message
        name = message.name or "(not an event)"  # garbage from the server still shows
        channel, uniqueid, details = summarize(message)
        at = entry.at
        clock = (
            "--:--:--.---"
            if at is None
            else time.strftime("%H:%M:%S", time.localtime(at)) + f".{int(at * 1000) % 1000:03d}"
        )
        base = Style(bgcolor="grey30" if self.has_focus else "grey19") if selected else Style()
        # Segments are plain text: brackets in values stay as they are.
        segments = [
            Segment(clock + " ", base + Style(dim=True)),
            Segment(fit(name, 20) + " ", base + Style(color=COLOURS[category(name)], bold=True)),
            Segment(fit(channel, 32) + " ", base),
            Segment(fit(uniqueid, 16) + " ", base + Style(dim=True)),
            Segment(clean(details[:width]), base),  # a 1 MiB value: clean only what fits,
        ]
        return Strip(segments).crop_extend(0, width, base)

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, len(self.store.view))
        if self.following:
            self.call_after_refresh(self._go_to_tail)

    # -- moving -------------------------------------------------------------------------
    def _move_to(self, index: int) -> None:
        count = len(self.store.view)
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
        view = self.store.view
        if 0 <= self.cursor < len(view):
            self.post_message(self.Selected(view[self.cursor]))

    @property
    def current(self) -> LoggedEvent | None:
        view = self.store.view
        return view[self.cursor] if 0 <= self.cursor < len(view) else None

    def action_follow_call(self) -> None:
        if self.store.filter.call is not None:
            self.post_message(self.FollowRequested(None))
        elif (entry := self.current) is not None:
            self.post_message(self.FollowRequested(entry.message))

    def action_trace(self) -> None:
        if (entry := self.current) is not None:
            self.post_message(self.TraceRequested(entry.message))

    def action_copy(self) -> None:
        if (entry := self.current) is not None:
            self.app.copy_to_clipboard(entry.message.text())
            self.notify(f"Copied the {entry.message.name or 'message'} event.", markup=False)

    def action_export(self) -> None:
        self.post_message(self.ExportRequested())

    def watch_following(self, following: bool) -> None:
        if following:
            self._go_to_tail()
        self.post_message(self.FollowingChanged(following))
        self.refresh()

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self.following = False

    def on_click(self, event: events.Click) -> None:
        index = int(self.scroll_y) + event.y
        if 0 <= index < len(self.store.view):
            self.following = False
            self._move_to(index)
            if event.chain == 2:
                self.action_select()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
