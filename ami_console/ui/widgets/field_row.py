"""One (key, value) row of the fields editor, which can be switched off without deleting it."""

from __future__ import annotations

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.suggester import Suggester
from textual.widgets import Input, Static

SECRET_KEYS = {"secret", "key"}


class FieldRow(Horizontal):
    DEFAULT_CSS = """
    FieldRow { height: 1; margin: 0 0 0 0; }
    FieldRow .toggle { width: 3; color: $success; }
    FieldRow.-off .toggle { color: $text-disabled; }
    FieldRow.-off Input { text-style: strike; color: $text-disabled; }
    FieldRow Input { border: none; height: 1; padding: 0 1; background: $boost; }
    FieldRow Input:focus { border: none; background: $primary 30%; }
    FieldRow .key { width: 20; margin-right: 1; }
    FieldRow .value { width: 1fr; }
    FieldRow .mark { width: 2; color: $warning; padding-left: 1; }
    """

    class Toggled(Message):
        pass

    def __init__(
        self,
        key: str = "",
        value: str = "",
        enabled: bool = True,
        suggester: Suggester | None = None,
    ) -> None:
        super().__init__()
        self._key, self._value, self.enabled = key, value, enabled
        # The editor's one suggester for the action's parameter names, shared by every row.
        self._suggester = suggester
        self.set_class(not enabled, "-off")

    def compose(self) -> ComposeResult:
        yield Static("✓" if self.enabled else "✗", classes="toggle")
        yield Input(self._key, placeholder="Key", classes="key", suggester=self._suggester, select_on_focus=False)
        yield Input(
            self._value,
            placeholder="Value",
            classes="value",
            password=self._key.lower() in SECRET_KEYS,
            select_on_focus=False,
        )
        yield Static("", classes="mark")

    def take_focus(self, value: bool = False) -> None:
        """Focus the key (or the value) now. Widget.focus() would wait for the queue, and
        keys typed meanwhile would land in the old place."""
        self.screen.set_focus(self.value_input if value else self.key_input)

    @property
    def key_input(self) -> Input:
        return self.query_one(".key", Input)

    @property
    def value_input(self) -> Input:
        return self.query_one(".value", Input)

    # The row's state lives here, not in the inputs, so it can be read before they exist.
    @property
    def key(self) -> str:
        return self._key.strip()

    @property
    def value(self) -> str:
        return self._value

    def set_suggester(self, suggester: Suggester | None) -> None:
        self._suggester = suggester
        self.key_input.suggester = suggester

    def mark(self, required: bool) -> None:
        if required != getattr(self, "_required", None):
            self._required = required
            self.query_one(".mark", Static).update(Text("*", style="bold") if required else "")

    def toggle(self) -> None:
        self.enabled = not self.enabled
        self.set_class(not self.enabled, "-off")
        self.query_one(".toggle", Static).update("✓" if self.enabled else "✗")
        self.post_message(self.Toggled())

    @on(Input.Changed, ".key")
    def key_changed(self, event: Input.Changed) -> None:
        self._key = event.value
        self.value_input.password = event.value.strip().lower() in SECRET_KEYS

    @on(Input.Changed, ".value")
    def value_changed(self, event: Input.Changed) -> None:
        self._value = event.value

    def on_click(self, event: events.Click) -> None:
        if event.widget is not None and event.widget.has_class("toggle"):
            self.toggle()
