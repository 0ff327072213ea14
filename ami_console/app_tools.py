"""The console's tools for debugging dialplans and teaching: history, saved actions,
following a call, call traces, exports, the transcript file and server-side filtering.

A mixin of :class:`~ami_console.app.AMIConsoleApp`: it routes what the tool screens and
widgets ask for, and keeps the history as actions finish.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from .calltrace import call_key
from .export import save_transcript, write_jsonl, write_raw
from .history import History, HistoryEntry, entry_from_exchange
from .saved import SavedAction, SavedActions
from .screens.history import HistoryScreen
from .screens.savefile import SaveFileScreen
from .screens.saved import SavedScreen
from .screens.server_filters import ServerFilters, ServerFiltersScreen
from .screens.trace import CallTraceScreen
from .session import Exchange
from .widgets.event_log import EventLog

if TYPE_CHECKING:
    from .app import AMIConsoleApp

SERVER_PURPOSE = "server:"
EXPORT_CHOICES = [
    ("jsonl-all", "JSON Lines: every event in the log (arrival times kept)"),
    ("raw-all", "Raw AMI text: every event in the log, as received"),
    ("jsonl-shown", "JSON Lines: only what the filter shows"),
    ("raw-shown", "Raw AMI text: only what the filter shows"),
]


def _stamp() -> str:
    return time.strftime("%Y%m%d-%H%M%S", time.localtime(time.time()))


class ToolsMixin:
    history: History
    saved: SavedActions
    server_filters: ServerFilters

    # -- history ------------------------------------------------------------------------------
    def record(self: AMIConsoleApp, exchange: Exchange) -> None:
        """Keep a finished action of the user's in the history (secrets masked there)."""
        settings = self.settings
        if not self.history.add(entry_from_exchange(exchange, settings.address, settings.username)):
            if not getattr(self, "_history_warned", False):
                self._history_warned = True
                self.notify(self.history.error, severity="warning", markup=False)

    def action_history(self: AMIConsoleApp) -> None:
        self.push_screen(HistoryScreen(self.history.entries(), self.history.error), self._history_chosen)

    async def _history_chosen(self: AMIConsoleApp, choice: tuple[str, HistoryEntry] | None) -> None:
        if choice is None:
            return
        how, entry = choice
        rows = [(k, v, True) for k, v in entry.fields if k.lower() not in ("action", "actionid")]
        if how == "send" and not entry.has_masked_values:
            self.send_pairs([(k, v) for k, v, _ in rows], action=entry.action)
            return
        await self.console_screen.composer.load(entry.action, rows)
        if how == "send":
            self.notify("Loaded, not sent: it held a secret, stored masked. Type it, then ctrl+s.",
                        severity="warning", markup=False)

    # -- saved actions --------------------------------------------------------------------------
    def action_saved(self: AMIConsoleApp) -> None:
        composer = self.console_screen.composer
        current = (composer.picker.value, composer.fields.snapshot())
        self.push_screen(SavedScreen(self.saved, current), self._saved_chosen)

    async def _saved_chosen(self: AMIConsoleApp, action: SavedAction | None) -> None:
        if action is not None:
            await self.console_screen.composer.load(action.action, [(r.key, r.value, r.enabled) for r in action.fields])
            if action.description:
                self.notify(action.description, title=action.name, markup=False, timeout=8)

    # -- following and tracing a call -------------------------------------------------------------
    # Handlers go by name: @on in a mixin is not seen by Textual (it reads the App's own class).
    def on_event_log_follow_requested(self: AMIConsoleApp, event: EventLog.FollowRequested) -> None:
        self.console_screen.action_focus_events()
        self.console_screen.events.follow(event.message)

    def on_event_log_trace_requested(self: AMIConsoleApp, event: EventLog.TraceRequested) -> None:
        key = call_key(event.message)
        if key is None:
            self.notify("This event belongs to no call.", severity="warning", markup=False)
        else:
            self.push_screen(CallTraceScreen(self.store, key))

    # -- files ------------------------------------------------------------------------------------
    def on_event_log_export_requested(self: AMIConsoleApp) -> None:
        self.action_export()

    def action_export(self: AMIConsoleApp) -> None:
        screen = SaveFileScreen("Export the event log", Path.cwd() / f"ami-events-{_stamp()}.jsonl", EXPORT_CHOICES,
                                "Open it again with: ami-console --replay FILE")
        self.push_screen(screen, self._export_to)

    def _export_to(self: AMIConsoleApp, choice: tuple[Path, str] | None) -> None:
        if choice is None:
            return
        path, how = choice
        events = list(self.store.view if how.endswith("shown") else self.store.entries)
        if how.startswith("raw") and path.suffix == ".jsonl":
            path = path.with_suffix(".ami")
        try:
            count = (write_raw if how.startswith("raw") else write_jsonl)(path, events)
        except OSError as error:
            self.notify(f"Not exported: {error.strerror or error} ({path})", severity="error", markup=False)
            return
        self.notify(f"Wrote {count:,} events to {path}", markup=False)

    def on_transcript_view_save_requested(self: AMIConsoleApp) -> None:
        self.action_save_transcript()

    def action_save_transcript(self: AMIConsoleApp) -> None:
        screen = SaveFileScreen("Save the transcript", Path.cwd() / f"ami-transcript-{_stamp()}.txt",
                                help_text="The lines sent (>>) and received (<<), secrets masked.")
        self.push_screen(screen, self._save_transcript_to)

    def _save_transcript_to(self: AMIConsoleApp, choice: tuple[Path, str] | None) -> None:
        if choice is None:
            return
        try:
            count = save_transcript(choice[0], self.transcript.lines())
        except OSError as error:
            self.notify(f"Not saved: {error.strerror or error} ({choice[0]})", severity="error", markup=False)
            return
        self.notify(f"Wrote {count:,} lines to {choice[0]}", markup=False)

    # -- server-side filtering ----------------------------------------------------------------------
    def action_server_filters(self: AMIConsoleApp) -> None:
        self.push_screen(ServerFiltersScreen(self.server_filters))

    def on_server_filters_screen_change_requested(
        self: AMIConsoleApp, event: ServerFiltersScreen.ChangeRequested
    ) -> None:
        if event.kind == "mask":
            pairs = [("Action", "Events"), ("EventMask", event.value)]
        else:
            pairs = [("Action", "Filter"), ("Operation", "Add"), ("Filter", event.value)]
        self.send_pairs(pairs, purpose=SERVER_PURPOSE + event.kind)

    def note_server_filtering(self: AMIConsoleApp, exchange: Exchange) -> None:
        """An Events or Filter action finished (from the composer or the filters screen)."""
        response = exchange.response
        action = exchange.action.lower()
        if response is None or action not in ("events", "filter"):
            return
        state = self.server_filters
        ok = response.header("Response") == "Success"
        request = dict((k.lower(), v) for k, v in exchange.request)
        if action == "events":
            answer = response.header("Events") or response.header("Message") or ""
            if ok:
                state.mask = request.get("eventmask", "")
                if answer.lower() == "off" and state.mask.lower() != "off":
                    state.mask += " (the server turned events off: no class it knows)"
            state.last = f"Events: {answer}"
        else:
            if ok and request.get("operation", "add").lower() == "add" and request.get("filter"):
                state.filters.append(request["filter"])
            state.last = f"Filter: {response.header('Response')} {response.header('Message') or ''}".strip()
        self.console_screen.header.filters = state.summary
        self.console_screen.header.refresh()
        for screen in self.screen_stack:
            if isinstance(screen, ServerFiltersScreen):
                screen.refresh_state()
