"""What the server sends this connection: its event mask (``Events``) and the filters
added with ``Filter``. On a busy PBX, an operator receives only what they watch.

| Key | Does |
|---|---|
| enter in "Events mask" | send ``Action: Events`` with that ``EventMask`` |
| enter in "Add filter" | send ``Action: Filter`` (``Operation: Add``) with that filter |
| escape | close |
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, Static

from ami_console.monitor.server_filters import ServerFilters
from ami_console.ui.plaintext import PlainText, clean

HELP = (
    "Events mask: on, off, or event classes such as system,call,dialplan,cdr (the user's read\n"
    "classes in manager.conf still apply). Filters are regular expressions over each event's\n"
    "lines: 'Event: Newchannel' keeps only those, '!Event: VarSet' drops those; once any\n"
    "keep-filter exists, only events it matches arrive. Filters last until you disconnect."
)


class ServerFiltersScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape", "close", "Close")]

    DEFAULT_CSS = """
    ServerFiltersScreen { align: center middle; }
    ServerFiltersScreen > Vertical { width: 100; height: auto; border: round $primary; background: $surface; padding: 1 2; }
    ServerFiltersScreen .row { height: 1; margin-top: 1; }
    ServerFiltersScreen Label { width: 14; text-style: bold; }
    ServerFiltersScreen Input, ServerFiltersScreen Input:focus { border: none; height: 1; width: 1fr; background: $boost; }
    ServerFiltersScreen #filters-help { color: $text-muted; margin-top: 1; }
    """

    def __init__(
        self,
        state: ServerFilters,
        lock: AbstractContextManager[object],
        *,
        send: Callable[[list[tuple[str, str]]], object],
    ) -> None:
        super().__init__()
        self.state = state  # read under ``lock``: the answers change it on the model thread
        self.model_lock = lock
        self.send = send

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Server-side filtering (this connection)"
            yield Static(id="filters-state")
            with Horizontal(classes="row"):
                yield Label("Events mask")
                yield Input(placeholder="on, off, system,call,...", id="mask")
            with Horizontal(classes="row"):
                yield Label("Add filter")
                yield Input(placeholder="Event: Newchannel   or   !Event: VarSet", id="filter")
            yield Static(HELP, id="filters-help", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.refresh_state()
        self.set_focus(self.query_one("#mask", Input))

    def refresh_state(self) -> None:
        with self.model_lock:
            mask, filters, last = self.state.mask, list(self.state.filters), self.state.last
        text = PlainText()
        text.append("In force: ", style="bold")
        text.append(f"Events {clean(mask)}")
        if filters:
            text.append("\nFilters added:")
            for number, value in enumerate(filters, 1):
                text.append(f"\n  {number}. {clean(value)}")
        else:
            text.append("\nNo filters: every event the mask lets through arrives.")
        if last:
            text.append(f"\nThe server said: {clean(last)}", style="italic")
        self.query_one("#filters-state", Static).update(text)

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if not value:
            return
        if event.input.id == "mask":
            self.send([("Action", "Events"), ("EventMask", value)])
        else:
            self.send([("Action", "Filter"), ("Operation", "Add"), ("Filter", value)])
        event.input.value = ""

    def action_close(self) -> None:
        self.dismiss(None)
