"""Saved actions: readable TOML files in a folder of their own (a starter set comes with
ami-console). Pick one to load it into the composer; save the composer as a new one.

| Key | Does |
|---|---|
| enter | load the action into the composer |
| s | save what the composer holds, under a name (and a note) |
| r | rename the highlighted action |
| delete | delete the highlighted action (press it twice) |
| escape | close |
"""

from __future__ import annotations

from rich.cells import cell_len
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.events import Resize
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Input, Static

from ami_console.files.history import key_fields
from ami_console.files.saved import FieldRow, SavedAction, SavedActionError, SavedActions
from ami_console.ui.plaintext import PlainText, clean, fit, plain
from ami_console.ui.widgets.sized_table import SizedTable


class SavedScreen(ModalScreen[SavedAction | None]):
    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("enter", "load", "Load", priority=True),
        Binding("s", "ask('save')", "Save composer"),
        Binding("r", "ask('rename')", "Rename"),
        Binding("delete", "delete", "Delete"),
    ]

    DEFAULT_CSS = """
    SavedScreen { align: center middle; }
    SavedScreen > Vertical { width: 95%; height: 85%; border: round $primary; background: $surface; }
    SavedScreen DataTable { height: 1fr; }
    SavedScreen #saved-about { height: auto; max-height: 10; padding: 0 1; color: $text-muted; }
    SavedScreen #saved-name { display: none; border: none; height: 1; margin: 0 1; }
    SavedScreen #saved-name.-shown { display: block; }
    SavedScreen #saved-note { height: auto; padding: 0 1; }
    """

    def __init__(self, saved: SavedActions, composer: tuple[str, list[tuple[str, str, bool]]]) -> None:
        super().__init__()
        self.saved = saved
        self.composer = composer  # (action, rows) as the composer holds them now
        self.actions: list[SavedAction] = []
        self.asking = ""  # "save" or "rename" while the name field is open
        self.armed_delete: SavedAction | None = None

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = PlainText(f"Saved actions · {self.saved.folder}")
            yield SizedTable(id="saved-table", cursor_type="row", zebra_stripes=True)
            yield Static(id="saved-about")
            yield Input(id="saved-name")
            yield Static(id="saved-note")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.refill()

    def refill(self, select: str = "") -> None:
        self.actions = self.saved.list()
        self.draw_table()
        if select:
            index = next((i for i, a in enumerate(self.actions) if a.name == select), 0)
            self.query_one(SizedTable).move_cursor(row=index)
        self.set_focus(self.query_one(SizedTable))
        if self.saved.problems:
            self.say("Could not read: " + "; ".join(self.saved.problems), bad=True)

    def on_resize(self, event: Resize) -> None:
        self.call_after_refresh(self.draw_table)  # once the table has its new width

    def draw_table(self) -> None:
        """The table, as wide as the box: long names and fields are cut with an ellipsis
        (rather than run off the right edge, with the starter mark after them)."""
        table = self.query_one(SizedTable)
        row = table.cursor_row
        # Each column has a cell's padding either side; the scroll bar takes 2.
        room = max((table.size.width or self.size.width) - 2 - 2 * 4, 30)
        names = [clean(a.name) for a in self.actions]
        actions = [clean(a.action) for a in self.actions]
        fields = [key_fields([(r.key, r.value) for r in a.fields if r.enabled]) for a in self.actions]
        kind = len("starter")
        name_width = min(max(map(cell_len, names), default=4), room * 2 // 5)
        action_width = min(max(map(cell_len, actions), default=6), room // 5)
        fields_width = max(room - name_width - action_width - kind, 6)
        rows = [
            (
                plain(fit(name, name_width), "bold"),
                plain(fit(action_name, action_width)),
                PlainText("starter", style="dim italic") if action.starter else PlainText("yours"),
                plain(fit(field_text, fields_width) if field_text else ""),
            )
            for action, name, action_name, field_text in zip(self.actions, names, actions, fields, strict=True)
        ]
        # Every column titled: an empty title let "Fields" stand over the starter marks.
        table.fill(("Name", "Action", "Kind", "Fields"), rows)
        if self.actions:
            table.move_cursor(row=min(row, len(self.actions) - 1))

    @property
    def highlighted(self) -> SavedAction | None:
        table = self.query_one(DataTable)
        return self.actions[table.cursor_row] if self.actions and table.row_count else None

    @on(DataTable.RowHighlighted)
    def show_about(self) -> None:
        action = self.highlighted
        about = self.query_one("#saved-about", Static)
        if action is None:
            about.update("")
            return
        text = PlainText(clean(action.description) or "No note.")
        text.append("\n")
        for key, value in action.pairs():
            text.append(f"{clean(key)}: {clean(value)}\n", style="dim")
        about.update(text)

    def say(self, message: str, bad: bool = False) -> None:
        self.query_one("#saved-note", Static).update(PlainText(clean(message), style="bold red" if bad else "green"))

    # -- load --------------------------------------------------------------------------------
    def action_load(self) -> None:
        if self.asking:
            self.finish_asking()
        elif (action := self.highlighted) is not None:
            self.dismiss(action)

    # -- save and rename -----------------------------------------------------------------------
    def action_ask(self, what: str) -> None:
        if what == "rename" and (self.highlighted is None or self.highlighted.starter):
            self.say("Starter actions cannot be renamed: load one and save it under your own name.", bad=True)
            return
        if what == "save" and not self.composer[0]:
            self.say("The composer holds no action to save.", bad=True)
            return
        self.asking = what
        name = self.query_one("#saved-name", Input)
        name.placeholder = (
            "a name for the composer's action, then enter" if what == "save" else "the new name, then enter"
        )
        name.value = "" if what == "save" or self.highlighted is None else self.highlighted.name
        name.add_class("-shown")
        self.set_focus(name)

    def finish_asking(self) -> None:
        name_input = self.query_one("#saved-name", Input)
        name, what = name_input.value.strip(), self.asking
        try:
            if what == "save":
                action, rows = self.composer
                fields = [FieldRow(k, v, e) for k, v, e in rows]
                saved = self.saved.save(SavedAction(name, action, fields))
                self.say(f"Saved {saved.name!r} in {saved.path} (secret values are left empty).")
            elif self.highlighted is not None:
                saved = self.saved.rename(self.highlighted, name)
                self.say(f"Renamed to {saved.name!r}.")
        except SavedActionError as error:
            self.say(str(error), bad=True)
            return
        self.asking = ""
        name_input.remove_class("-shown")
        self.refill(select=saved.name)

    def action_close(self) -> None:
        if self.asking:
            self.asking = ""
            self.query_one("#saved-name", Input).remove_class("-shown")
            self.set_focus(self.query_one(DataTable))
        else:
            self.dismiss(None)

    # -- delete --------------------------------------------------------------------------------
    def action_delete(self) -> None:
        action = self.highlighted
        if action is None or self.asking:
            return
        if self.armed_delete is not action:
            self.armed_delete = action
            self.say(f"Press delete again to delete {action.name!r}.", bad=True)
            return
        try:
            self.saved.delete(action)
        except SavedActionError as error:
            self.say(str(error), bad=True)
            return
        self.armed_delete = None
        self.say(f"Deleted {action.name!r}.")
        self.refill()
