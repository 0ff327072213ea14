"""One (key, value) row of the fields editor, which can be switched off without deleting it."""

from __future__ import annotations

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.suggester import Suggester
from textual.widgets import Input, Static

from ami_console.monitor.composing import PastedAction, parse_pasted_action

SECRET_KEYS = {"secret", "key"}


class ComposerInput(Input):
    """An input of the composer: a pasted block of ``Key: Value`` lines fills the whole
    composer (the composer hears :class:`BlockPasted`); other text is pasted here."""

    class BlockPasted(Message):
        def __init__(self, pasted: PastedAction) -> None:
            super().__init__()
            self.pasted = pasted

    def _on_paste(self, event: events.Paste) -> None:
        pasted = parse_pasted_action(event.text)
        if pasted is not None:
            event.prevent_default()  # Input's own handler would insert the first line here
            event.stop()
            self.post_message(self.BlockPasted(pasted))

    def _on_blur(self, event: events.Blur) -> None:
        # Left, it shows its beginning (``Local/100@de``, not ``cal/100@demo``): the end
        # was only in view for the cursor.
        super()._on_blur(event)
        self.scroll_to(x=0, animate=False, immediate=True)

    def action_paste(self) -> None:
        # ctrl+v pastes the console's own clipboard (what ctrl+c copied): the same rules.
        self.post_message(events.Paste(self.app.clipboard))


class KeyInput(ComposerInput):
    """A row's key: tab takes the completion shown, then moves on (as the right arrow
    takes it), so a typed prefix never goes out by mistake."""

    BINDINGS = [Binding("tab", "accept_and_next", "Complete", show=False)]

    def action_accept_and_next(self) -> None:
        if len(self._suggestion) > len(self.value):
            self.value = self._suggestion
            self.cursor_position = len(self.value)
        self.screen.focus_next()


class FieldRow(Horizontal):
    DEFAULT_CSS = """
    FieldRow { height: 1; margin: 0 0 0 0; }
    FieldRow .toggle { width: 3; color: $success; }
    FieldRow.-off .toggle { color: $text-disabled; }
    FieldRow.-off Input { text-style: strike; color: $text-disabled; }
    FieldRow Input { border: none; height: 1; padding: 0 1; background: $boost; }
    FieldRow Input:focus { border: none; background: $primary 30%; }
    FieldRow .key { width: 2fr; max-width: 20; min-width: 8; margin-right: 1; }
    FieldRow .value { width: 3fr; }
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
        self._required = False
        self.set_class(not enabled, "-off")

    def compose(self) -> ComposeResult:
        yield Static("✓" if self.enabled else "✗", classes="toggle")
        yield KeyInput(self._key, placeholder="Key", classes="key", suggester=self._suggester, select_on_focus=False)
        yield ComposerInput(
            self._value,
            placeholder="Value",
            classes="value",
            password=self._key.lower() in SECRET_KEYS,
            select_on_focus=False,
        )
        yield Static(_mark(self._required), classes="mark")

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

    # Both may come while the row is still being mounted: its inputs then take them as made.
    def set_suggester(self, suggester: Suggester | None) -> None:
        self._suggester = suggester
        for key_input in self.query(".key").results(Input):
            key_input.suggester = suggester

    def mark(self, required: bool) -> None:
        if required != self._required:
            self._required = required
            for mark in self.query(".mark").results(Static):
                mark.update(_mark(required))

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


def _mark(required: bool) -> Text | str:
    return Text("*", style="bold") if required else ""
