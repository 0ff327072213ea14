"""What the server sends this connection: its event mask (``Events``) and the filters
added with ``Filter``. On a busy PBX, an operator receives only what they watch.

| Key | Does |
|---|---|
| enter in "Events mask" | send ``Action: Events`` with that ``EventMask`` |
| enter in "Add filter" | send ``Action: Filter`` (``Operation: Add``) with that filter |
| escape | close |
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, Static

from ami_console.protocol import Message as AMIMessage
from ami_console.ui.plaintext import PlainText, clean

HELP = (
    "Events mask: on, off, or event classes such as system,call,dialplan,cdr (the user's read\n"
    "classes in manager.conf still apply). Filters are regular expressions over each event's\n"
    "lines: 'Event: Newchannel' keeps only those, '!Event: VarSet' drops those; once any\n"
    "keep-filter exists, only events it matches arrive. Filters last until you disconnect."
)


@dataclass
class ServerFilters:
    """The server-side filtering in force on the current connection."""

    mask: str = "on"
    filters: list[str] = field(default_factory=list)
    last: str = ""  # what the server said to the latest change

    def reset(self, mask: str) -> None:
        """A new connection starts with the mask sent at login and no filters."""
        self.mask, self.filters, self.last = mask, [], ""

    def note(self, action: str, request: list[tuple[str, str]], response: AMIMessage | None) -> bool:
        """Take in an Events or Filter action that finished (from the composer or the
        filters screen). True if it was one, and the state may have changed."""
        action = action.lower()
        if response is None or action not in ("events", "filter"):
            return False
        ok = response.header("Response") == "Success"
        sent = {k.lower(): v for k, v in request}
        if action == "events":
            answer = response.header("Events") or response.header("Message") or ""
            if ok:
                self.mask = sent.get("eventmask", "")
                if answer.lower() == "off" and self.mask.lower() != "off":
                    self.mask += " (the server turned events off: no class it knows)"
            self.last = f"Events: {answer}"
        else:
            if ok and sent.get("operation", "add").lower() == "add" and sent.get("filter"):
                self.filters.append(sent["filter"])
            self.last = f"Filter: {response.header('Response')} {response.header('Message') or ''}".strip()
        return True

    @property
    def summary(self) -> str:
        count = len(self.filters)
        return f"events {self.mask}" + (f" · {count} filter{'s' if count != 1 else ''}" if count else "")


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

    class ChangeRequested(Message):
        """Send an Events (``kind`` "mask") or Filter (``kind`` "filter") action."""

        def __init__(self, kind: str, value: str) -> None:
            super().__init__()
            self.kind, self.value = kind, value

    def __init__(self, state: ServerFilters) -> None:
        super().__init__()
        self.state = state

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
        state = self.state
        text = PlainText()
        text.append("In force: ", style="bold")
        text.append(f"Events {clean(state.mask)}")
        if state.filters:
            text.append("\nFilters added:")
            for number, value in enumerate(state.filters, 1):
                text.append(f"\n  {number}. {clean(value)}")
        else:
            text.append("\nNo filters: every event the mask lets through arrives.")
        if state.last:
            text.append(f"\nThe server said: {clean(state.last)}", style="italic")
        self.query_one("#filters-state", Static).update(text)

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if value:
            self.post_message(self.ChangeRequested("mask" if event.input.id == "mask" else "filter", value))
            event.input.value = ""

    def action_close(self) -> None:
        self.dismiss(None)
