"""Asks where to write a file (an export of the event log, or the transcript) and how.

Returns ``(path, choice)`` or None; the caller writes the file and reports the outcome.
"""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, RadioButton, RadioSet, Static

from ami_console.ui.plaintext import PlainText


class SaveFileScreen(ModalScreen[tuple[Path, str] | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    DEFAULT_CSS = """
    SaveFileScreen { align: center middle; }
    SaveFileScreen > Vertical { width: 90; height: auto; border: round $primary; background: $surface; padding: 1 2; }
    SaveFileScreen RadioSet { width: 100%; margin-top: 1; }
    SaveFileScreen #save-help { color: $text-muted; margin-top: 1; }
    """

    def __init__(
        self, title: str, path: Path, choices: list[tuple[str, str]] | None = None, help_text: str = ""
    ) -> None:
        super().__init__()
        self.title_text = title
        self.path = path
        self.choices = choices or []  # (value, label)
        self.help_text = help_text

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = PlainText(self.title_text)
            yield Input(str(self.path), id="save-path")
            if self.choices:
                with RadioSet(id="save-choice"):
                    for index, (value, label) in enumerate(self.choices):
                        yield RadioButton(label, value=index == 0, id=f"choice-{value}")
            yield Static(PlainText(self.help_text + "\nenter writes the file, escape cancels."), id="save-help")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#save-path", Input))

    @on(Input.Submitted, "#save-path")
    def chosen(self, event: Input.Submitted) -> None:
        choice = ""
        if self.choices:
            pressed = self.query_one(RadioSet).pressed_button
            choice = (pressed.id or "").removeprefix("choice-") if pressed else self.choices[0][0]
        self.dismiss((Path(event.value).expanduser(), choice))

    def action_cancel(self) -> None:
        self.dismiss(None)
