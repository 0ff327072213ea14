"""The Calls tab: the calls up on the PBX now, one row each, kept current from events.

It draws :class:`ami_console.calls.live.LiveCalls` (the models' ``calls``, kept current
on the model thread and read here under the models' lock): who called
whom, the state in words, the application running now, the channels, a duration that
ticks. Ended calls stay dimmed for the model's grace period, then go to the "recent"
section below the live ones. The event log's filter language narrows the rows (a call
matches when one of its channels does). Like the event log it is a ScrollView that draws
only the lines that show, so 500 calls cost no more to draw than 20; the rows are
rebuilt at most a few times a second (and once a second for the durations), only while
the tab shows.

| Key | Does |
|---|---|
| up/down, pageup/pagedown, home/end | move the cursor |
| left/right | choose the channel of the call the actions apply to |
| enter | the call's ladder |
| t | the call trace (per channel, or one timeline) |
| d | the dialplan the chosen channel walks, as a debugger shows source |
| s | sort by duration, state, or start |
| / | go to the filter (F6 does too) |
| h, r, b, o, p | hang up, redirect, blind transfer, originate, pause a queue member: ask first |

On a server older than Asterisk 12 (:func:`ami_console.calls.servers.calls_unsupported`) the
tab says why it cannot follow calls there, shows no rows, and its keys are off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.style import Style
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.geometry import Size
from textual.message import Message as TextualMessage
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Input, Static

from ami_console.events.filter import EventFilter
from ami_console.monitor.models import Models
from ami_console.ui.keys import say_why_unavailable
from ami_console.ui.plaintext import PlainText, fit

if TYPE_CHECKING:  # the console imports this module at start-up; the model comes with the first event
    from ami_console.calls.live import Call, CallRow, ChannelState

FILTER_HINT = 'alice  Channel=PJSIP/bob  support  "in queue"  Event=Hangup  (F6)'
SORTS = ("duration", "state", "started")
ACTIONS = ("hangup", "redirect", "transfer", "originate", "pause")
REBUILD_EVERY = 0.25  # seconds: events change calls in bursts; the rows follow at most this often
DURATION, CHANNELS = 8, 2
RECENT = "recent"  # the section of an entry: "live" (up, or ended within the grace) or "recent"

STATE_STYLES = {
    0: Style(color="yellow", bold=True),  # ringing
    1: Style(color="magenta"),  # in queue
    2: Style(color="cyan"),  # on hold
    3: Style(color="green"),  # bridged
    4: Style(color="green"),  # up
}


def column_widths(width: int) -> tuple[int, int, int, int]:
    """(caller, dialled, state, application) widths for a list ``width`` cells wide: the
    state tells most, so the caller and the application narrow before it does."""
    caller, dialled, app = 26, 10, 16
    fixed = 2 + DURATION + 1 + CHANNELS + 1  # the cursor's mark, then the numbers at the right
    state = width - fixed - (caller + 1) - (dialled + 1) - (app + 1)
    if state < 26:
        give = min(26 - state, 14)
        caller, app, state = caller - give * 4 // 7, app - (give - give * 4 // 7), state + give
    elif state > 50:  # wide: the application's data and a long caller ID show whole first
        more_app = min(state - 50, 14)
        more_caller = min(state - 50 - more_app, 10)
        app, caller, state = app + more_app, caller + more_caller, state - more_app - more_caller
    return caller, dialled, max(8, state), app


def column_titles(width: int) -> str:
    caller, dialled, state, app = column_widths(width)
    return (
        f"  {fit('caller', caller)} {fit('dialled', dialled)} {fit('state', state)} "
        f"{fit('application', app)} {'ch':>{CHANNELS}} {'duration':>{DURATION}}"
    )


def duration_text(seconds: float | None) -> str:
    """``0:07``, ``12:03``, ``1:02:03``; "" when unknown."""
    if seconds is None:
        return ""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class CallsList(ScrollView, can_focus=True):
    """The rows of the Calls tab (drawn by line; :class:`CallsView` decides what they are)."""

    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "cursor(-1000000)", "First", show=False),
        Binding("end", "cursor(1000000)", "Last", show=False),
    ]

    DEFAULT_CSS = """
    /* The scrollbar's room is kept whether it shows or not: the last column is never cut. */
    CallsList { height: 1fr; background: $surface; overflow-x: hidden; scrollbar-gutter: stable; }
    CallsList:focus { background-tint: $foreground 4%; }
    """

    class Moved(TextualMessage):
        """The cursor moved to another row."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.entries: list[tuple[str, CallRow | None]] = []  # (section, row); a None row is a heading
        self.cursor = 0

    def show(self, entries: list[tuple[str, CallRow | None]], cursor: int) -> None:
        self.entries = entries
        self.cursor = self._on_a_call(cursor, 1)
        self.virtual_size = Size(self.size.width, len(entries))
        self._keep_in_view()
        self.refresh()

    @property
    def current(self) -> CallRow | None:
        if 0 <= self.cursor < len(self.entries):
            return self.entries[self.cursor][1]
        return None

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_y) + y
        width = self.scrollable_content_region.width
        if index >= len(self.entries):
            return Strip.blank(width, self.rich_style)
        section, row = self.entries[index]
        selected = index == self.cursor
        base = Style(bgcolor="grey30" if self.has_focus else "grey19") if selected else Style()
        if row is None:  # the heading of the recent section
            text = f"── {section} " + "─" * width
            return Strip([Segment(text[:width], base + Style(dim=True, bold=True))]).crop_extend(0, width, base)
        caller, dialled, state, app = column_widths(width)
        ended = row.ended is not None
        dim = Style(dim=True) if ended else Style()
        state_style = Style() if ended else STATE_STYLES.get(row.rank, Style())
        segments = [
            Segment("▶ " if selected else "  ", base + Style(bold=True)),
            Segment(fit(row.caller or "(unknown)", caller) + " ", base + dim + Style(bold=not ended)),
            Segment(fit(row.dialled, dialled) + " ", base + dim),
            Segment(fit(row.state, state) + " ", base + dim + state_style),
            Segment(fit(row.application, app) + " ", base + dim),
            Segment(f"{row.channels:>{CHANNELS}} {duration_text(row.duration):>{DURATION}}", base + dim),
        ]
        return Strip(segments).crop_extend(0, width, base)

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, len(self.entries))

    def _keep_in_view(self) -> None:
        height = max(1, self.scrollable_content_region.height)
        if self.cursor < self.scroll_y:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= self.scroll_y + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def _on_a_call(self, index: int, direction: int) -> int:
        """``index`` within the rows; on a heading, the call past it (``direction``) or before."""
        entries = self.entries
        index = max(0, min(len(entries) - 1, index))
        if entries and entries[index][1] is None:  # a heading is never the cursor's row
            for step in (direction, -direction):
                if 0 <= index + step < len(entries) and entries[index + step][1] is not None:
                    return index + step
        return index

    def move_to(self, index: int, direction: int = 1) -> None:
        if not self.entries:
            return
        self.cursor = self._on_a_call(index, direction)
        self._keep_in_view()
        self.refresh()
        self.post_message(self.Moved())

    def action_cursor(self, step: int) -> None:
        self.move_to(self.cursor + step, 1 if step > 0 else -1)

    def action_page(self, pages: int) -> None:
        self.move_to(self.cursor + pages * max(1, self.scrollable_content_region.height - 1), pages)

    def on_click(self, event: events.Click) -> None:
        self.move_to(int(self.scroll_y) + event.y)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()


class CallsView(Vertical):
    """The Calls tab: a filter, the rows, and the channel the actions apply to."""

    ALLOW_MAXIMIZE = True
    BINDINGS = [
        Binding("enter", "ladder", "Ladder"),
        Binding("d", "dialplan", "Dialplan"),
        Binding("t", "trace", "Trace"),
        Binding("h", "act('hangup')", "Hang up"),
        Binding("s", "sort", "Sort"),
        Binding("left", "channel(-1)", "Channel", show=False),
        Binding("right", "channel(1)", "Channel", show=False),
        Binding("r", "act('redirect')", "Redirect", show=False),
        Binding("b", "act('transfer')", "Transfer", show=False),
        Binding("o", "act('originate')", "Originate", show=False),
        Binding("p", "act('pause')", "Pause member", show=False),
        Binding("slash", "focus_filter", "Filter", show=False),
        Binding("w", "record_test", "Write test", show=False),
    ]

    DEFAULT_CSS = """
    CallsView { height: 1fr; }
    CallsView #calls-bar { height: 1; }
    CallsView #calls-filter-label { width: auto; padding: 0 0 0 1; color: $text-muted; }
    CallsView #calls-filter { width: 1fr; min-width: 16; border: none; height: 1; padding: 0 1; }
    CallsView #calls-filter:focus { border: none; background: $primary 20%; }
    CallsView #calls-status { width: auto; max-width: 60%; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    CallsView #calls-columns { height: 1; color: $text-muted; text-style: bold; }
    CallsView #calls-channel { height: 1; color: $text-muted; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    CallsView #calls-unsupported { display: none; height: auto; padding: 1 2; color: $warning; }
    CallsView.-unsupported #calls-unsupported { display: block; }
    CallsView.-unsupported #calls-bar, CallsView.-unsupported #calls-columns, CallsView.-unsupported #calls-channel {
        display: none;
    }
    """

    class LadderRequested(TextualMessage):
        """Show the ladder of call ``key``."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    class TraceRequested(TextualMessage):
        """Show the call trace of call ``key``."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    class DialplanRequested(TextualMessage):
        """Show the dialplan channel ``uniqueid`` of call ``key`` walks."""

        def __init__(self, key: str, uniqueid: str) -> None:
            super().__init__()
            self.key, self.uniqueid = key, uniqueid

    class ActionRequested(TextualMessage):
        """The user asked for an action that changes the PBX (``kind``: one of :data:`ACTIONS`)
        on channel ``uniqueid`` of call ``key`` (both "" when no call is selected): the
        console confirms it before anything is sent."""

        def __init__(self, kind: str, key: str, uniqueid: str) -> None:
            super().__init__()
            self.kind, self.key, self.uniqueid = kind, key, uniqueid

    def __init__(self, models: Models, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.models = models
        self.now = models.now  # a replay's clock is the file's
        self.sort_by = SORTS[0]
        self.filter = EventFilter()
        self._channel = 0  # the index, among the selected call's channels, of the one actions apply to
        self.cannot_change = ""  # why actions that change the PBX cannot be sent here (replay, read-only)
        self._selected = ""  # the key of the call under the cursor, kept across rebuilds
        self._dirty = True
        self._live_count = 0
        self._recent_count = 0
        self._evicted = 0
        self._channel_chosen = False  # left/right chose the channel: d opens on it
        self.unsupported: str | None = None  # why this server's calls cannot be followed
        # What the status and channel lines show: under a storm the rows are rebuilt a few
        # times a second, and a line updated lays the screen out again (the status's width
        # follows its text), so a line is updated only when its text changed.
        self._shown_lines: dict[str, object] = {}

    def compose(self) -> ComposeResult:
        yield Static(id="calls-unsupported")
        with Horizontal(id="calls-bar"):
            yield Static("Filter ›", id="calls-filter-label")
            yield Input(placeholder=FILTER_HINT, id="calls-filter")
            yield Static(id="calls-status")
        yield Static(id="calls-columns")
        yield CallsList(id="calls-list")
        yield Static(id="calls-channel")

    @property
    def list_view(self) -> CallsList:
        return self.query_one(CallsList)

    @property
    def filter_input(self) -> Input:
        return self.query_one("#calls-filter", Input)

    def on_mount(self) -> None:
        self.set_interval(1, self._tick)  # durations and queue waits count up
        self.set_interval(REBUILD_EVERY, self._rebuild_if_changed)

    def server_speaks(self, ami_version: str) -> None:
        """The server connected to speaks AMI ``ami_version``: before Asterisk 12 the tab
        says it cannot follow calls there instead of drawing a wrong picture."""
        from ami_console.calls.servers import calls_unsupported  # the model loads after start-up

        self.unsupported = calls_unsupported(ami_version)
        self.set_class(self.unsupported is not None, "-unsupported")
        self.query_one("#calls-unsupported", Static).update(PlainText(self.unsupported or ""))
        self.refresh_bindings()
        self._dirty = True

    # -- what the rows are --------------------------------------------------------------
    def calls_changed(self) -> None:
        """Events changed some calls: the rows follow within :data:`REBUILD_EVERY`."""
        self._dirty = True

    def _tick(self) -> None:
        self._dirty = True
        self._rebuild_if_changed()

    def _rebuild_if_changed(self) -> None:
        if self._dirty and self._shown():
            self.rebuild()

    def _shown(self) -> bool:
        # A hidden tab is not redrawn: at 500 calls the rows cost milliseconds, for no one.
        return self.is_mounted and all(node.display for node in self.ancestors_with_self if hasattr(node, "display"))

    def on_show(self) -> None:
        self.rebuild()

    def rebuild(self) -> None:
        """Make the rows again from the model (sorted, filtered), the cursor kept on its call."""
        self._dirty = False
        if self.unsupported is not None:
            self.list_view.show([], 0)
            return
        now = self.now()
        flt = self.filter
        with self.models.lock:
            calls = self.models.calls
            live = calls.rows(now, by=self.sort_by, flt=flt)
            if flt.empty:
                recent = calls.recent_rows(now)
            else:
                recent = [c.row(now) for c in reversed(calls.recent) if c.matches(flt, now)]
            # A call joined into an older one takes that one's key: the cursor follows it.
            found = calls.call_for(self._selected) if self._selected else None
            evicted = calls.evicted
        entries: list[tuple[str, CallRow | None]] = [("live", row) for row in live]
        if recent:
            entries.append((f"{RECENT}: {len(recent)} ended", None))
            entries += [(RECENT, row) for row in recent]
        selected = found.key if found is not None else self._selected
        self._live_count, self._recent_count, self._evicted = len(live), len(recent), evicted
        view = self.list_view
        cursor = next((i for i, (_, row) in enumerate(entries) if row is not None and row.key == selected), None)
        view.show(entries, view.cursor if cursor is None else cursor)
        self._selection_moved()
        self._update_status()

    def _update_status(self) -> None:
        status = PlainText(no_wrap=True, overflow="ellipsis")
        status.append(f"{self._live_count:,} call{'' if self._live_count == 1 else 's'}", style="bold")
        if self._recent_count:
            status.append(f" · {self._recent_count:,} recent")
        status.append(f" · sort: {self.sort_by} (s)")
        if self._evicted:  # a flood of calls: the oldest quiet ones were let go to stay bounded
            status.append(f" · {self._evicted:,} calls not shown (too many at once)", style="yellow")
        if not self.filter.empty:
            status.append(f" · filter: {self.filter.explain()}", style="italic")
        self._show_line("#calls-status", status)

    def _show_line(self, selector: str, line: PlainText, *, layout: bool = True) -> None:
        """Update a one-line Static, unless it shows that already."""
        said = (line.plain, tuple(line.spans))
        if self._shown_lines.get(selector) != said:
            self._shown_lines[selector] = said
            self.query_one(selector, Static).update(line, layout=layout)

    # -- the selection --------------------------------------------------------------------
    @property
    def selected_call(self) -> Call | None:
        row = self.list_view.current
        if row is None:
            return None
        with self.models.lock:
            return self.models.calls.call_for(row.key)

    @property
    def selected_key(self) -> str:
        """The Linkedid of the call under the cursor ("" when none)."""
        row = self.list_view.current
        return row.key if row is not None else ""

    @property
    def selected_channel(self) -> ChannelState | None:
        """The channel of the selected call the actions apply to (left/right choose it)."""
        call = self.selected_call
        if call is None or not call.channels:
            return None
        chans = call.ordered()
        live = [c for c in chans if not c.hung_up]
        return (live or chans)[self._channel % len(live or chans)]

    @property
    def selected_uniqueid(self) -> str:
        chan = self.selected_channel
        return chan.uniqueid if chan is not None else ""

    @on(CallsList.Moved)
    def _selection_moved(self) -> None:
        key = self.selected_key
        if key != self._selected:
            self._selected, self._channel, self._channel_chosen = key, 0, False
        self._show_channel()

    def _show_channel(self) -> None:
        with self.models.lock:
            self._show_channel_line()

    def _show_channel_line(self) -> None:
        line = PlainText(no_wrap=True, overflow="ellipsis")
        call, chan = self.selected_call, self.selected_channel
        if call is None or chan is None:
            line.append("No call selected." if self._live_count or self._recent_count else "No calls.")
        else:
            live = [c for c in call.ordered() if not c.hung_up] or call.ordered()
            index = self._channel % len(live)
            line.append(f"channel {index + 1} of {len(live)} (←/→): ", style="bold" if len(live) > 1 else "")
            line.append(chan.name or chan.uniqueid, style="bold cyan")
            facts = [chan.state, ",".join(p for p in (chan.context, chan.exten, chan.priority) if p), chan.doing]
            if chan.queue:
                facts.append(f"queue {chan.queue}")
            if chan.agent:
                facts.append(f"member {chan.agent}")
            if chan.hung_up:
                facts.append(f"hung up {chan.cause_txt or chan.cause}".rstrip())
            for fact in facts:
                if fact:
                    line.append(" · ")
                    line.append(fact)
        self._show_line("#calls-channel", line, layout=False)  # one line, as wide as the tab: its size stays

    def action_channel(self, step: int) -> None:
        self._channel += step
        self._channel_chosen = True
        self._show_channel()

    # -- sorting and filtering ------------------------------------------------------------
    def action_sort(self) -> None:
        self.sort_by = SORTS[(SORTS.index(self.sort_by) + 1) % len(SORTS)]
        self.notify(f"Calls sorted by {self.sort_by}.", timeout=2)
        self.rebuild()

    @on(Input.Changed, "#calls-filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.filter = EventFilter.parse(event.value)
        self.rebuild()

    @on(Input.Submitted, "#calls-filter")
    def filter_submitted(self) -> None:
        self.list_view.focus()

    def action_focus_filter(self) -> None:
        self.filter_input.focus()

    def on_resize(self) -> None:
        self.call_after_refresh(self._show_titles)

    def _show_titles(self) -> None:
        # The rows' width, without the scrollbar's room: titles stand over their columns.
        width = self.list_view.scrollable_content_region.width
        self.query_one("#calls-columns", Static).update(PlainText(column_titles(width), no_wrap=True))

    # -- what the keys ask for --------------------------------------------------------------
    def _need_call(self) -> str:
        key = self.selected_key
        if not key:
            self.notify("No call selected.", severity="warning")
        return key

    def action_ladder(self) -> None:
        if key := self._need_call():
            self.post_message(self.LadderRequested(key))

    def action_trace(self) -> None:
        if key := self._need_call():
            self.post_message(self.TraceRequested(key))

    def action_dialplan(self) -> None:
        """The dialplan of the channel chosen with left/right; else of the one that runs
        the call's dialplan (a Local originate's ;2 half, not its ;1)."""
        if not (key := self._need_call()):
            return
        uniqueid = self.selected_uniqueid
        if not self._channel_chosen:
            with self.models.lock:
                call = self.models.calls.call_for(key)
                runs = call.dialplan_channel() if call is not None else None
                uniqueid = runs.uniqueid if runs is not None else uniqueid
        self.post_message(self.DialplanRequested(key, uniqueid))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.unsupported is not None:
            return False  # an Asterisk before 12: the tab says why, its keys are not offered
        if action == "act" and self.cannot_change:
            return None  # shown greyed; the key says why
        return True

    def on_key(self, event: events.Key) -> None:
        if self.cannot_change and self.unsupported is None:
            say_why_unavailable(self, event, self.cannot_change)

    class TestRecorded(TextualMessage):
        """A scenario that expects what the selected call did, to be written to the tests folder."""

        def __init__(self, key: str, text: str) -> None:
            super().__init__()
            self.key = key
            self.text = text

    def action_record_test(self) -> None:
        """Write a dialplan test from the selected call (live or replayed)."""
        from ami_console.scenarios.recording import scenario_from_call

        if not (key := self._need_call()):
            return
        with self.models.lock:
            call = self.models.calls.call_for(key)
            text = scenario_from_call(call) if call is not None else ""
        if text:
            self.post_message(self.TestRecorded(key, text))

    def action_act(self, kind: str) -> None:
        # Originate needs no call; the others are refused by the handler when none is selected.
        self.post_message(self.ActionRequested(kind, self.selected_key, self.selected_uniqueid))
