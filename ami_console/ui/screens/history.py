"""Every action sent, this session and before: pick one to load it into the composer, or
send it again at once. Typing searches at once (the search field has the focus); the
arrows move in the list meanwhile.

| Key | Does |
|---|---|
| typing | search: action, field or value |
| up/down, pageup/pagedown | move in the list |
| enter | load the action into the composer |
| ctrl+s | send it again now |
| escape | close |
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Input, Static

from ami_console import clock
from ami_console.files.history import HistoryEntry
from ami_console.ui.plaintext import PlainText, plain
from ami_console.ui.widgets.response_pane import STATUS_STYLES
from ami_console.ui.widgets.sized_table import SizedTable


def _when(at: float) -> str:
    today = clock.stamp("%Y-%m-%d")
    day = clock.stamp("%Y-%m-%d", at)
    return clock.stamp("%H:%M:%S" if day == today else "%Y-%m-%d %H:%M", at)


class HistoryScreen(ModalScreen[tuple[str, HistoryEntry] | None]):
    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("enter", "choose('load')", "Load", priority=True),
        Binding("ctrl+s", "choose('send')", "Send again", priority=True),
        Binding("up", "move('cursor_up')", "Up", show=False),
        Binding("down", "move('cursor_down')", "Down", show=False),
        Binding("pageup", "move('page_up')", "Page up", show=False),
        Binding("pagedown", "move('page_down')", "Page down", show=False),
    ]

    DEFAULT_CSS = """
    HistoryScreen { align: center middle; }
    HistoryScreen > Vertical { width: 95%; height: 85%; border: round $primary; background: $surface; }
    HistoryScreen #history-search { border: none; height: 1; margin: 0 1; }
    HistoryScreen #history-note { height: 1; color: $text-muted; padding: 0 1; }
    """

    def __init__(self, entries: list[HistoryEntry], problem: str = "") -> None:
        super().__init__()
        self.entries = list(reversed(entries))  # newest first
        self.shown: list[HistoryEntry] = []
        self.problem = problem

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "History"
            yield Input(placeholder="search: action, field or value", id="history-search")
            yield SizedTable(id="history-table", cursor_type="row", zebra_stripes=True)
            yield Static(
                PlainText(self.problem or f"{len(self.entries):,} actions · secrets are stored masked"),
                id="history-note",
            )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.fill("")
        self.set_focus(self.query_one("#history-search", Input))

    def action_move(self, how: str) -> None:
        """The arrows move in the list while typing goes to the search."""
        getattr(self.query_one(SizedTable), f"action_{how}")()

    def fill(self, needle: str) -> None:
        needle = needle.lower()
        self.shown = [
            e for e in self.entries if not needle or needle in " ".join(f"{k}: {v}" for k, v in e.fields).lower()
        ]
        rows = []
        for entry in self.shown:
            status = PlainText(entry.status or "no answer", style=STATUS_STYLES.get(entry.status, "dim"))
            elapsed = "" if entry.elapsed_ms is None else f"{entry.elapsed_ms:.0f}"
            rows.append(
                (
                    _when(entry.at),
                    plain(entry.server),
                    plain(entry.action, "bold"),
                    plain(entry.key_fields),
                    status,
                    elapsed,
                )
            )
        self.query_one(SizedTable).fill(("When", "Server", "Action", "Key fields", "Status", "ms"), rows)

    @on(Input.Changed, "#history-search")
    def search(self, event: Input.Changed) -> None:
        self.fill(event.value)

    @on(DataTable.RowSelected)
    def picked(self) -> None:
        self.action_choose("load")

    def action_choose(self, how: str) -> None:
        table = self.query_one(DataTable)
        if self.shown and table.row_count:
            self.dismiss((how, self.shown[table.cursor_row]))

    def action_close(self) -> None:
        self.dismiss(None)
