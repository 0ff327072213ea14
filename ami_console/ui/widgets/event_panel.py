"""The events area: filter, counters, the log itself, and the details of one event.

The counters' line starts with how the filter read what was typed (``name or text:
NOANSWER``). The details of an event open beside the log on a wide screen and below it
otherwise, so the log keeps its details column. For a replayed file the status gives the
file's own rate and where the cursor is, not "PAUSED" (nothing arrives to pause).
"""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message as TextualMessage
from textual.widgets import Input, Static

from ami_console import clock
from ami_console.calls.trace import CallFilter, call_key
from ami_console.events.filter import EventFilter, FollowedCall
from ami_console.monitor.models import Models
from ami_console.protocol import Message
from ami_console.ui.plaintext import PlainText
from ami_console.ui.widgets.event_detail import EventDetail
from ami_console.ui.widgets.event_log import EventLog, column_titles

EXPORT_CHOICES = [
    ("jsonl-all", "JSON Lines: every event in the log (arrival times kept)"),
    ("raw-all", "Raw AMI text: every event in the log, as received"),
    ("jsonl-shown", "JSON Lines: only what the filter shows"),
    ("raw-shown", "Raw AMI text: only what the filter shows"),
]
FILTER_HINT = 'NOANSWER  alice,bob  Event=Hangup  !VarSet  Cause=17  Channel=PJSIP/bob  "two words"  (F6)'
DETAIL_BESIDE_FROM = 150  # columns: narrower, the details open below the log


class EventPanel(Vertical):
    ALLOW_MAXIMIZE = True  # F11 zooms it
    DEFAULT_CSS = """
    EventPanel { height: 1fr; }
    EventPanel #event-bar { height: 1; }
    EventPanel #event-filter-label { width: auto; padding: 0 0 0 1; color: $text-muted; }
    EventPanel #event-filter { width: 1fr; min-width: 16; border: none; height: 1; padding: 0 1; }
    EventPanel #event-filter:focus { border: none; background: $primary 20%; }
    EventPanel #event-status { width: auto; max-width: 75%; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    EventPanel #event-body { height: 1fr; }
    EventPanel.-narrow #event-body { layout: vertical; }
    EventPanel.-narrow EventDetail {
        width: 1fr; max-width: 100%; height: 55%; border-left: none; border-top: solid $primary;
    }
    EventPanel #event-counts { height: 1; color: $text-muted; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    EventPanel #event-columns { height: 1; color: $text-muted; text-style: bold; padding: 0 0; }
    EventPanel #new-events { display: none; height: 1; background: $warning; color: $background; padding: 0 1; }
    EventPanel #new-events.-shown { display: block; }
    """

    class FilterApplied(TextualMessage):
        """The log's filter changed (typed, or a call followed: ``call`` is its key)."""

        def __init__(self, text: str, event_filter: EventFilter, call: str | None = None) -> None:
            super().__init__()
            self.text, self.filter, self.call = text, event_filter, call

    def __init__(self, models: Models, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._followed: str | None = None  # the key of the call the log follows
        self.models = models
        self.store = models.store  # read under models.lock: the model thread fills it

    def compose(self) -> ComposeResult:
        with Horizontal(id="event-bar"):
            yield Static("Filter ›", id="event-filter-label")
            yield Input(placeholder=FILTER_HINT, id="event-filter")
            yield Static(id="event-status")
        yield Static(id="event-counts")
        yield Static(PlainText(column_titles(0), no_wrap=True, overflow="ellipsis"), id="event-columns")
        with Horizontal(id="event-body"):
            yield EventLog(self.models, id="event-log")
            yield EventDetail(id="event-detail")
        yield Static(id="new-events")

    @property
    def log_view(self) -> EventLog:
        return self.query_one(EventLog)

    @property
    def detail(self) -> EventDetail:
        return self.query_one(EventDetail)

    @property
    def filter_input(self) -> Input:
        return self.query_one("#event-filter", Input)

    def on_mount(self) -> None:
        self.set_interval(0.5, self.update_status)
        self.call_after_refresh(self.update_status)

    def clear(self) -> None:
        models = self.models

        def clear() -> None:
            models.store.clear()
            models.changes.reloaded = True

        models.run(clear)
        self.detail.hide()

    def toggle_pause(self) -> None:
        self.log_view.following = not self.log_view.following

    @on(Input.Changed, "#event-filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self._apply_filter(self._followed)

    def _apply_filter(self, call: str | None) -> None:
        """Filter the log by what is typed, and by the call followed (its key), on the model
        thread: a call filter learns from every event kept, which takes a while."""
        self._followed = call
        event_filter = EventFilter.parse(self.filter_input.value)
        models = self.models

        def apply() -> None:
            store = models.store
            followed: FollowedCall | None = CallFilter(call, store.entries) if call else None
            event_filter.call = followed
            store.set_filter(event_filter)
            models.changes.reloaded = True

        models.run(apply)
        self.post_message(self.FilterApplied(self.filter_input.value, event_filter, call))

    def follow(self, message: Message | None) -> None:
        """Narrow the log to the call of ``message`` (None: back to every call)."""
        key = call_key(message) if message is not None else None
        if message is not None and key is None:
            self.notify("This event belongs to no call (no Linkedid, Uniqueid or Channel).")
            return
        self._apply_filter(key)
        if key:
            self.notify(f"Following call {key}: press f (or Esc) in the log to see every call again.")

    @property
    def following_call(self) -> bool:
        return self._followed is not None

    @on(Input.Submitted, "#event-filter")
    def filter_submitted(self) -> None:
        self.log_view.focus()

    @on(EventLog.Selected)
    def show_detail(self, event: EventLog.Selected) -> None:
        self.detail.show(event.event)

    @on(EventLog.FollowingChanged)
    def following_changed(self) -> None:
        self.update_status()

    @on(EventLog.ColumnsChanged)
    def columns_changed(self, event: EventLog.ColumnsChanged) -> None:
        self.query_one("#event-columns", Static).update(PlainText(event.titles, no_wrap=True, overflow="ellipsis"))

    def on_resize(self) -> None:
        self.set_class(self.size.width < DETAIL_BESIDE_FROM, "-narrow")

    def update_status(self) -> None:
        with self.models.lock:
            self._update_status()

    def _update_status(self) -> None:
        store = self.store
        log = self.log_view
        # One line, cut with an ellipsis when the bar is narrow.
        status = PlainText(no_wrap=True, overflow="ellipsis")
        if self._followed is not None:
            status.append(f"call {self._followed} · ", style="bold magenta")
        status.append(f"{store.total:,} {'read' if store.replay else 'received'}", style="bold")
        if not store.filter.empty:
            status.append(f" · {len(store.view):,} match")
        if store.replay:
            rate = store.file_rate()  # how busy the PBX was, not how fast the file was read
            if rate is not None:
                status.append(f" · {rate:.1f}/s in the file")
        else:
            status.append(f" · {store.rate():.1f}/s")
        if store.passed_over:
            # Counted, never kept: they came faster than the console could take them in.
            status.append(f" · {store.passed_over:,} arrived faster than shown", style="yellow")
        if log.following and log.at_tail:
            status.append(" · following", style="green")
        elif store.replay:
            status.append(f" · row {log.cursor + 1:,} of {store.row_count:,}")
        else:
            status.append(" · PAUSED", style="bold yellow")
        self.query_one("#event-status", Static).update(status)
        counts = PlainText(no_wrap=True, overflow="ellipsis")
        reading = store.filter.explain()
        if reading:
            counts.append(f"filter: {reading}", style="italic")
            counts.append("  │  ")
        for name, count in store.counts.most_common(12):
            counts.append(name)
            counts.append(f" {count:,}  ", style="bold")
        self.query_one("#event-counts", Static).update(counts)
        marker = self.query_one("#new-events", Static)
        if not log.following and log.unseen:
            marker.update(f"▼ {log.unseen:,} new events: press End (or space) to follow the tail")
            marker.add_class("-shown")
        else:
            marker.remove_class("-shown")

    # -- export (x in the log) -------------------------------------------------------------
    @on(EventLog.ExportRequested)
    def export(self) -> None:
        """Ask where to write the log, and how much of it."""
        from ami_console.ui.screens.savefile import SaveFileScreen

        screen = SaveFileScreen(
            "Export the event log",
            Path.cwd() / f"ami-events-{clock.stamp('%Y%m%d-%H%M%S')}.jsonl",
            EXPORT_CHOICES,
            "Open it again with: ami-console --replay FILE",
        )
        self.app.push_screen(screen, self._export_to)

    def _export_to(self, choice: tuple[Path, str] | None) -> None:
        if choice is None:
            return
        from ami_console.events.export import write_jsonl, write_raw

        path, how = choice
        with self.models.lock:
            events = list(self.store.view if how.endswith("shown") else self.store.entries)
        if how.startswith("raw") and path.suffix == ".jsonl":
            path = path.with_suffix(".ami")
        try:
            count = (write_raw if how.startswith("raw") else write_jsonl)(path, events)
        except OSError as error:
            self.notify(f"Not exported: {error.strerror or error} ({path})", severity="error")
            return
        self.notify(f"Wrote {count:,} events to {path}")
