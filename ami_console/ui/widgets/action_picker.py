"""The action name, with completion from the server's own ListCommands.

Typing filters the known actions (names starting with what was typed come first, then
names containing it) and shows each one's one-line description. up/down move in the
list, enter or tab takes the highlighted action, escape closes the list. Every change of
the name is told to the composer (:class:`ActionPicker.Edited`), enter or not: what the
composer shows and sends always belongs to the name in the field.
"""

from __future__ import annotations

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ami_console.ui.plaintext import clean
from ami_console.ui.widgets.field_row import ComposerInput

MAX_SHOWN = 8


class ActionPicker(Vertical):
    BINDINGS = [
        Binding("down", "move(1)", "Next action", show=False),
        Binding("up", "move(-1)", "Previous action", show=False),
        Binding("escape", "close", "Close list", show=False),
    ]

    DEFAULT_CSS = """
    ActionPicker { height: auto; }
    ActionPicker #action-row { height: 1; }
    ActionPicker #action-label { width: 8; text-style: bold; }
    ActionPicker #action-name { border: none; height: 1; padding: 0 1; background: $boost; width: 1fr; }
    ActionPicker #action-name:focus { border: none; background: $primary 30%; }
    ActionPicker OptionList { display: none; max-height: 10; border: none; margin: 0 1; }
    ActionPicker.-open OptionList { display: block; }
    """

    class Edited(Message):
        """The name in the field changed (typed, pasted, or set)."""

    class Chosen(Message):
        """An action name was picked (from the list, or typed and confirmed)."""

        def __init__(self, action: str) -> None:
            super().__init__()
            self.action = action

    def __init__(self, actions: dict[str, str], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.actions = dict(actions)
        self._matches: list[str] = []

    def compose(self) -> ComposeResult:
        with Horizontal(id="action-row"):
            yield Static("Action", id="action-label")
            yield ComposerInput(placeholder="type to search, e.g. Originate", id="action-name")
        yield OptionList(id="action-options")

    @property
    def input(self) -> Input:
        return self.query_one("#action-name", Input)

    @property
    def options(self) -> OptionList:
        return self.query_one(OptionList)

    @property
    def value(self) -> str:
        return self.input.value.strip()

    def set_value(self, name: str) -> None:
        with self.input.prevent(Input.Changed):
            self.input.value = name
            self.input.cursor_position = len(name)
        self.remove_class("-open")
        self.post_message(self.Edited())

    def select_all(self) -> None:
        """Focus the name with its text selected: what is typed next replaces it."""
        self.screen.set_focus(self.input)
        self.input.select_all()

    def set_actions(self, actions: dict[str, str]) -> None:
        self.actions = dict(actions)

    def known(self, name: str) -> str | None:
        """The server's spelling of an action it lists, typed in any case; else None."""
        lowered = name.lower()
        return next((known for known in self.actions if known.lower() == lowered), None)

    def canonical(self, name: str) -> str:
        """The server's spelling of an action typed in any case."""
        return self.known(name) or name

    def ambiguous(self, name: str) -> bool:
        """Whether a longer action name starts with ``name`` (``DBGet``, ``DBGetTree``):
        the user may still be typing."""
        lowered = name.lower()
        return any(known.lower().startswith(lowered) and len(known) > len(name) for known in self.actions)

    @on(Input.Changed, "#action-name")
    def typed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Edited())
        typed = event.value.strip().lower()
        starts = sorted(n for n in self.actions if n.lower().startswith(typed))
        inside = sorted(n for n in self.actions if typed in n.lower() and n not in starts)
        self._matches = (starts + inside)[:50]
        exact = len(self._matches) == 1 and self._matches[0].lower() == typed
        options = self.options
        options.clear_options()
        for name in self._matches:
            # One line per action: a long description is cut with an ellipsis.
            prompt = Text(clean(name), style="bold", no_wrap=True, overflow="ellipsis")
            prompt.append("  " + clean(self.actions[name]), style="dim")
            options.add_option(Option(prompt, id=name))
        if self._matches and typed and not exact and self.input.has_focus:
            options.highlighted = 0
            self.add_class("-open")
        else:
            self.remove_class("-open")

    def pending_choice(self) -> str | None:
        """What enter would pick: the highlighted action if the list is open, else what was typed."""
        if self.has_class("-open") and self.options.highlighted is not None:
            return self._matches[self.options.highlighted]
        return self.canonical(self.value) if self.value else None

    @property
    def list_open(self) -> bool:
        return self.has_class("-open")

    @on(OptionList.OptionSelected)
    def clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.set_value(str(event.option.id))
        self.post_message(self.Chosen(str(event.option.id)))

    def action_move(self, step: int) -> None:
        if not self.has_class("-open"):
            return
        count = len(self._matches)
        current = self.options.highlighted or 0
        self.options.highlighted = (current + step) % count

    def action_close(self) -> None:
        self.remove_class("-open")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # With the list closed, these keys belong to whoever is next in line.
        if action in ("move", "close"):
            return self.has_class("-open")
        return True

    def on_mount(self) -> None:
        self.options.can_focus = False

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        if event.widget is self.input:
            self.remove_class("-open")
