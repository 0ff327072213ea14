"""The action composer: the action name, its fields, its documentation, and a preview of
the exact bytes that will go out (with the ActionID the client will give it, secrets
masked). A line break in a value is refused here, before anything is sent.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from ami_console.actiondocs import COMMON_ACTIONS, ActionDoc
from ami_console.protocol import action_fields, mask_secrets, serialize_action
from ami_console.ui.plaintext import clean
from ami_console.ui.widgets.action_picker import ActionPicker
from ami_console.ui.widgets.fields_editor import FieldsEditor

MAX_LISTED = 60  # parameter names listed in the help line


class Composer(VerticalScroll):
    ALLOW_MAXIMIZE = True  # F11 zooms it
    # Priority bindings run before the next key is delivered: what is typed right after
    # enter goes into the first field, not into the action name.
    BINDINGS = [
        Binding("enter", "choose_action", "Choose action", show=False, priority=True),
        Binding("tab", "choose_action", "Choose action", show=False, priority=True),
    ]

    DEFAULT_CSS = """
    Composer { border: round $primary-darken-1; border-title-align: left; padding: 0 1; }
    Composer:focus-within { border: round $primary; }
    Composer #synopsis { color: $text-muted; height: auto; max-height: 3; }
    Composer .section { color: $text-muted; text-style: bold; margin-top: 1; height: 1; }
    Composer #param-help { color: $text-muted; height: auto; max-height: 3; }
    Composer #preview { height: auto; background: $boost; padding: 0 1; }
    Composer #preview.-invalid { color: $error; }
    """

    class DocsRequested(Message):
        """The composer would like the server's documentation of an action."""

        def __init__(self, action: str) -> None:
            super().__init__()
            self.action = action

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Action"
        self.next_action_id = "1"
        self.docs: dict[str, ActionDoc | None] = {}  # from `manager show command`, per server
        self.descriptions: dict[str, str] = dict(COMMON_ACTIONS)

    def compose(self) -> ComposeResult:
        yield ActionPicker(self.descriptions, id="action-picker")
        yield Static(id="synopsis")
        yield Static("Fields   ^n add · ^y duplicate · ^t on/off · ^g remove", classes="section")
        yield FieldsEditor(id="fields")
        yield Static(id="param-help")
        yield Static("Will send  (ctrl+s)", classes="section")
        yield Static(id="preview")

    @property
    def picker(self) -> ActionPicker:
        return self.query_one(ActionPicker)

    @property
    def fields(self) -> FieldsEditor:
        return self.query_one(FieldsEditor)

    async def on_mount(self) -> None:
        await self.fields.load([])
        self.update_preview()

    # -- what the app tells us ------------------------------------------------------------
    def set_actions(self, descriptions: dict[str, str]) -> None:
        self.descriptions = dict(descriptions) or dict(COMMON_ACTIONS)
        self.picker.set_actions(self.descriptions)

    async def set_doc(self, action: str, doc: ActionDoc | None) -> None:
        """The server's documentation of ``action`` arrived."""
        self.docs[action] = doc
        if self.picker.value.lower() == action.lower():
            fields = self.fields
            focused = self.screen.focused
            focus = focused is not None and (focused is self.picker.input or fields in focused.ancestors)
            await fields.set_doc(doc, fresh=fields.untouched, focus=focus and fields.untouched)
            self._show_synopsis(action)

    def set_next_action_id(self, action_id: str) -> None:
        self.next_action_id = action_id
        self.update_preview()

    async def load(self, action: str, rows: list[tuple[str, str, bool]]) -> None:
        """Fill the composer (from history or a saved action)."""
        self.picker.set_value(action)
        self.fields.doc = self.docs.get(action)
        await self.fields.load(rows)
        self._show_synopsis(action)
        if action not in self.docs:
            self.post_message(self.DocsRequested(action))

    # -- what the user does ---------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "choose_action":
            return self.picker.input.has_focus
        return True

    async def action_choose_action(self) -> None:
        name = self.picker.pending_choice()
        if name:
            self.picker.set_value(name)
            await self._choose(name)

    @on(ActionPicker.Chosen)
    async def action_clicked(self, event: ActionPicker.Chosen) -> None:
        event.stop()
        await self._choose(event.action)

    async def _choose(self, name: str) -> None:
        await self.fields.set_doc(self.docs.get(name), fresh=True, focus=True)
        self._show_synopsis(name)
        if name not in self.docs:
            self.post_message(self.DocsRequested(name))
        self.update_preview()

    @on(FieldsEditor.Changed)
    def fields_changed(self) -> None:
        self.update_preview()

    @on(FieldsEditor.RowFocused)
    def row_focused(self, event: FieldsEditor.RowFocused) -> None:
        help_text = Text()
        doc = self.fields.doc
        if doc is not None:
            parameter = next((p for p in doc.parameters if p.name.lower() == event.key.lower()), None)
            if parameter is not None:
                help_text.append(parameter.name, style="bold")
                help_text.append(" (required) " if parameter.required else " (optional) ")
                help_text.append(clean(parameter.doc))
            else:
                # The help shows three lines at most: a few dozen names fill them.
                names = [p.name + ("*" if p.required else "") for p in doc.parameters[:MAX_LISTED]]
                more = len(doc.parameters) - len(names)
                help_text.append("Parameters: " + "  ".join(names) + (f"  … {more} more" if more > 0 else ""))
        self.query_one("#param-help", Static).update(help_text)

    def _show_synopsis(self, action: str) -> None:
        doc = self.docs.get(action)
        text = (doc.synopsis if doc and doc.synopsis else "") or self.descriptions.get(action, "")
        if not text and action and action not in self.descriptions:
            text = "Not an action this server lists; it will answer with an error if it does not know it."
        self.query_one("#synopsis", Static).update(Text(clean(text)))

    # -- the wire text ---------------------------------------------------------------------
    def pairs(self) -> list[tuple[str, str]]:
        """The action to send, as (key, value) pairs, Action first."""
        return [("Action", self.picker.value), *self.fields.pairs()]

    def problem(self) -> str | None:
        """Why the action cannot be sent as it stands, or None."""
        try:
            pairs = action_fields(self.pairs())
        except ValueError as error:
            return str(error)
        if any(key.lower() == "actionid" for key, _ in pairs):
            return "Remove the ActionID row: the client gives every action its own ActionID."
        return None

    def update_preview(self) -> None:
        preview = self.query_one("#preview", Static)
        key = (self.picker.value, tuple(self.fields.pairs()), self.next_action_id)
        if key == getattr(self, "_previewed", None):
            return  # nothing on the wire changed (a row typed in but switched off, say)
        self._previewed = key
        if not self.picker.value:
            preview.set_class(False, "-invalid")
            preview.update(Text("Type an action name above, then fill in its fields.", style="dim"))
            return
        problem = self.problem()
        preview.set_class(problem is not None, "-invalid")
        if problem is not None:
            preview.update(Text(f"Cannot send: {problem}"))
            return
        wire = serialize_action(mask_secrets(action_fields(self.pairs())), self.next_action_id).decode()
        text = Text()
        for line in wire.split("\r\n")[:-1]:
            text.append(clean(line))
            text.append("\\r\\n\n", style="dim")
        text.rstrip()
        preview.update(text)
