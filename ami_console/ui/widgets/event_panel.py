"""The events area: filter, counters, the log itself, and the details of one event."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Static

from ami_console.calls.trace import CallFilter, call_key
from ami_console.events.filter import EventFilter, FollowedCall
from ami_console.events.store import EventStore
from ami_console.protocol import Message
from ami_console.ui.plaintext import PlainText
from ami_console.ui.widgets.event_detail import EventDetail
from ami_console.ui.widgets.event_log import COLUMN_TITLES, EventLog

FILTER_HINT = 'Hangup,New*  !VarSet  Channel=PJSIP/*  alice  "two words"  (F6)'


class EventPanel(Vertical):
    ALLOW_MAXIMIZE = True  # F11 zooms it
    DEFAULT_CSS = """
    EventPanel { height: 1fr; }
    EventPanel #event-bar { height: 1; }
    EventPanel #event-filter-label { width: auto; padding: 0 0 0 1; color: $text-muted; }
    EventPanel #event-filter { width: 1fr; border: none; height: 1; padding: 0 1; }
    EventPanel #event-filter:focus { border: none; background: $primary 20%; }
    EventPanel #event-status { width: auto; padding: 0 1; }
    EventPanel #event-counts { height: 1; color: $text-muted; padding: 0 1; }
    EventPanel #event-columns { height: 1; color: $text-muted; text-style: bold; padding: 0 0; }
    EventPanel #new-events { display: none; height: 1; background: $warning; color: $background; padding: 0 1; }
    EventPanel #new-events.-shown { display: block; }
    """

    def __init__(self, store: EventStore, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.store = store

    def compose(self) -> ComposeResult:
        with Horizontal(id="event-bar"):
            yield Static("Filter ›", id="event-filter-label")
            yield Input(placeholder=FILTER_HINT, id="event-filter")
            yield Static(id="event-status")
        yield Static(id="event-counts")
        yield Static(PlainText(COLUMN_TITLES), id="event-columns")
        with Horizontal():
            yield EventLog(self.store, id="event-log")
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
        self.store.clear()
        self.log_view.reload()
        self.detail.hide()
        self.update_status()

    def toggle_pause(self) -> None:
        self.log_view.following = not self.log_view.following

    @on(Input.Changed, "#event-filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self._apply_filter(self.store.filter.call)

    def _apply_filter(self, call: FollowedCall | None) -> None:
        event_filter = EventFilter.parse(self.filter_input.value)
        event_filter.call = call
        self.store.set_filter(event_filter)
        self.log_view.reload()
        self.update_status()

    def follow(self, message: Message | None) -> None:
        """Narrow the log to the call of ``message`` (None: back to every call)."""
        key = call_key(message) if message is not None else None
        if message is not None and key is None:
            self.notify("This event belongs to no call (no Linkedid, Uniqueid or Channel).", markup=False)
            return
        self._apply_filter(CallFilter(key, self.store.entries) if key else None)
        if key:
            self.notify(f"Following call {key}: press f (or Esc) in the log to see every call again.", markup=False)

    @property
    def following_call(self) -> bool:
        return self.store.filter.call is not None

    @on(Input.Submitted, "#event-filter")
    def filter_submitted(self) -> None:
        self.log_view.focus()

    @on(EventLog.Selected)
    def show_detail(self, event: EventLog.Selected) -> None:
        self.detail.show(event.event)

    @on(EventLog.FollowingChanged)
    def following_changed(self) -> None:
        self.update_status()

    def update_status(self) -> None:
        store = self.store
        log = self.log_view
        status = PlainText()
        if store.filter.call is not None:
            status.append(f"call {store.filter.call.key} · ", style="bold magenta")
        status.append(f"{store.total:,} received", style="bold")
        if not store.filter.empty:
            status.append(f" · {len(store.view):,} match")
        status.append(f" · {store.rate():.1f}/s")
        status.append(
            " · following" if log.following else " · PAUSED", style="green" if log.following else "bold yellow"
        )
        self.query_one("#event-status", Static).update(status)
        counts = PlainText(no_wrap=True, overflow="ellipsis")
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
