"""The action composer: the action name, its fields, its documentation, and a preview of
the exact bytes that will go out (with the ActionID the client will give it, secrets
masked). A line break in a value is refused here, before anything is sent.

One rule holds it together: the preview and the sender read the same value,
:meth:`Composer.composed`, built from the name in the field at that moment (enter or
not) and the rows switched on. The hints (description, parameter help, required marks)
are likewise always those of the name in the field.

| Key | Does |
|---|---|
| enter, tab (in the name) | take the action: rows it takes stay, its required ones are added |
| ctrl+z | bring back the rows (and name) a choice, paste, load or ctrl+d removed |
| ctrl+c (nothing selected) | copy the action as ``Key: Value`` lines, without ActionID |
| paste ``Key: Value`` lines | fill the name and the rows (ActionID lines left out) |
"""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.geometry import Size
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from ami_console.actiondocs import COMMON_ACTIONS, ActionDoc, is_refusal, parse_action_doc
from ami_console.monitor.composing import Composed, DocCache, parse_pasted_action, rows_for
from ami_console.monitor.read_only import changes_pbx
from ami_console.printable import plural
from ami_console.protocol import Message as AMIMessage
from ami_console.protocol import action_fields
from ami_console.ui.plaintext import clean, wire_preview
from ami_console.ui.widgets.action_picker import ActionPicker
from ami_console.ui.widgets.field_row import ComposerInput
from ami_console.ui.widgets.fields_editor import MAX_TEMPLATE_ROWS, FieldsEditor

MAX_LISTED = 60  # parameter names listed in the help line
MAX_UNDO = 20  # states ctrl+z can go back to
MAX_PREVIEW_LINES = 1000  # the preview shows the whole action (the composer scrolls)

Rows = list[tuple[str, str, bool]]


class Clamped(Widget):
    """Up to ``lines`` lines of text at the widget's width; text cut short ends in …."""

    DEFAULT_CSS = "Clamped { height: auto; }"

    def __init__(self, lines: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.text = Text()
        self._lines = lines

    def update(self, text: Text) -> None:
        if text == self.text:
            return
        # A new layout only when the height changes: laying the screen out again for each
        # key typed (the preview changes with every one) was most of a key's cost.
        width = self.content_size.width
        lines = len(self._fit(width).split()) if self.text and width else -1
        self.text = text
        self.refresh(layout=not width or lines != (len(self._fit(width).split()) if text else 0))

    def _fit(self, width: int) -> Text:
        width = max(width, 2)
        lines = list(self.text.wrap(self.app.console, width))
        if len(lines) > self._lines:
            lines = lines[: self._lines]
            last = lines[-1]
            last.rstrip()
            last.truncate(width - 1)
            last.append("…")
        return Text("\n").join(lines)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._fit(width).split()) if self.text else 0

    def render(self) -> Text:
        return self._fit(self.content_size.width)


class Composer(VerticalScroll):
    ALLOW_MAXIMIZE = True  # F11 zooms it
    # Priority bindings run before the next key is delivered: what is typed right after
    # enter goes into the first field, not into the action name.
    BINDINGS = [
        Binding("enter", "choose_action", "Choose action", show=False, priority=True),
        Binding("tab", "choose_action", "Choose action", show=False, priority=True),
        Binding("ctrl+z", "undo", "Undo", show=False),
        # Reached only with nothing selected: an input copies its selection first.
        Binding("ctrl+c", "copy_block", "Copy action", show=False),
    ]

    DEFAULT_CSS = """
    Composer { border: round $primary-darken-1; border-title-align: left; padding: 0 1; }
    Composer:focus-within { border: round $primary; }
    Composer #synopsis { color: $text-muted; }
    Composer .section {
        color: $text-muted; text-style: bold; margin-top: 1; height: 1; text-wrap: nowrap; text-overflow: ellipsis;
    }
    Composer #param-help { color: $text-muted; }
    Composer #preview { height: auto; background: $boost; padding: 0 1; }
    Composer #preview.-invalid { color: $error; }
    Composer #read-only-hint { color: $warning; text-style: bold; }
    """

    class DocsRequested(Message):
        """The composer would like the server's documentation of an action."""

        def __init__(self, action: str) -> None:
            super().__init__()
            self.action = action

    class DocsAnswered(Message):
        """The answer to a :class:`DocsRequested` came (``response`` None: none came)."""

        def __init__(self, action: str, response: AMIMessage | None) -> None:
            super().__init__()
            self.action, self.response = action, response

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Action"
        self.next_action_id = "1"
        self.read_only = False  # the app refuses what changes the PBX: say so before ctrl+s
        # From `manager show command`, per server: the app clears it on every login.
        self.docs = DocCache()
        self.descriptions: dict[str, str] = dict(COMMON_ACTIONS)
        self._listed = False  # the descriptions are the server's ListCommands, not ours
        self._chosen = ""  # the action the rows were made for (chosen, loaded or pasted)
        # The rows dropped for an action whose documentation was on its way: laid out
        # again as it says, once it comes (unless the user changed something first).
        self._provisional: Rows | None = None
        # One change of the name and rows at a time: enter (run by the app), a name typed
        # whole and documentation arriving (run here) may otherwise lay rows out at once.
        self._editing = asyncio.Lock()
        self._undo: list[tuple[str, Rows]] = []

    def compose(self) -> ComposeResult:
        yield ActionPicker(self.descriptions, id="action-picker")
        yield Clamped(3, id="synopsis")
        yield Static("Fields   ^n add · ^y duplicate · ^t on/off · ^d remove · ^z undo", classes="section")
        yield FieldsEditor(id="fields")
        yield Clamped(3, id="param-help")
        yield Static("Will send  (ctrl+s)", classes="section")
        yield Clamped(2, id="read-only-hint")
        yield Clamped(MAX_PREVIEW_LINES, id="preview")

    @property
    def picker(self) -> ActionPicker:
        return self.query_one(ActionPicker)

    @property
    def fields(self) -> FieldsEditor:
        return self.query_one(FieldsEditor)

    @property
    def synopsis(self) -> str:
        """The description line as it stands (uncut)."""
        return self.query_one("#synopsis", Clamped).text.plain

    @property
    def param_help(self) -> str:
        """The parameter help line as it stands (uncut)."""
        return self.query_one("#param-help", Clamped).text.plain

    async def on_mount(self) -> None:
        await self.fields.load([])
        self.refresh_all()

    # -- the one composed action ----------------------------------------------------------
    def composed(self) -> Composed:
        """The action the name field and the switched-on rows make right now."""
        name = self.picker.value
        pairs = [("Action", name), *self.fields.pairs()]
        if not name:
            return Composed(tuple(pairs), "Type an action name first.")
        try:
            checked = action_fields(pairs)
        except ValueError as error:
            return Composed(tuple(pairs), str(error))
        if any(key.lower() == "actionid" for key, _ in checked):
            return Composed(tuple(checked), "Remove the ActionID row: the client gives every action its own ActionID.")
        return Composed(tuple(checked), None)

    def pairs(self) -> list[tuple[str, str]]:
        """The action to send, as (key, value) pairs, Action first."""
        return list(self.composed().pairs)

    def problem(self) -> str | None:
        """Why the action cannot be sent as it stands, or None."""
        return self.composed().problem

    # -- what the app tells us ------------------------------------------------------------
    def set_actions(self, descriptions: dict[str, str]) -> None:
        self._listed = bool(descriptions)
        self.descriptions = dict(descriptions) or dict(COMMON_ACTIONS)
        self.picker.set_actions(self.descriptions)
        self.refresh_all()

    @on(DocsAnswered)
    async def docs_answered(self, event: DocsAnswered) -> None:
        """The answer to a DocsRequested query arrived."""
        event.stop()
        action, response = event.action, event.response
        if is_refusal(response):
            # A user without the command privilege: every further query would be refused
            # too, and each refusal is a security event on the PBX.
            self.docs.refused = True
            self.docs[action] = None
            self.refresh_all()
            return
        output = response.headers("Output") if response is not None else []
        await self.set_doc(action, parse_action_doc(action, output))

    async def set_doc(self, action: str, doc: ActionDoc | None) -> None:
        """The server's documentation of ``action`` arrived."""
        async with self._editing:
            self.docs[action] = doc
            fields = self.fields
            if self.picker.value.lower() != action.lower():
                return
            if self._chosen.lower() == action.lower() and fields.untouched:
                # The rows were only offered (no value typed), or dropped for want of this
                # documentation: lay them out for the action, from what they were before.
                focused = self.screen.focused
                focus = focused is not None and (focused is self.picker.input or fields in focused.ancestors)
                fields.doc = doc
                before, self._provisional = self._provisional, None
                if before is None or doc is None:  # offered rows; or no documentation: the drop stands
                    before = fields.snapshot()
                kept, removed = rows_for(doc, before, MAX_TEMPLATE_ROWS)
                self._say_removed(action, removed)
                await fields.load(kept, focus=focus, template=not any(value for _, value, _ in kept))
            self.refresh_all()

    def set_next_action_id(self, action_id: str) -> None:
        self.next_action_id = action_id
        self.update_preview()

    async def load(self, action: str, rows: Rows) -> None:
        """Fill the composer (from history or a saved action); ctrl+z brings back what was there."""
        async with self._editing:
            await self._replace(action, rows, focus=False)

    async def take_for_sending(self) -> list[tuple[str, str]] | None:
        """The action to send now: exactly what the preview shows. None (and why, said)
        when it cannot go."""
        async with self._editing:
            if not self.picker.value:
                self.notify("Type an action name first.", severity="warning")
                return None
            composed = self.composed()
            if composed.problem is not None:
                self.notify(f"Not sent: {composed.problem}", severity="error")
                return None
            if self.picker.input.has_focus:  # typing in the name now replaces it
                self.picker.input.select_all()
            return list(composed.pairs)

    # -- what the user does ---------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "choose_action":
            return self.picker.input.has_focus
        return True

    async def action_choose_action(self) -> None:
        async with self._editing:
            name = self.picker.pending_choice()
            if name:
                self.picker.set_value(name)
                await self._choose(name)

    @on(ActionPicker.Chosen)
    async def action_clicked(self, event: ActionPicker.Chosen) -> None:
        async with self._editing:
            event.stop()
            await self._choose(event.action)

    async def _choose(self, name: str, focus: bool = True) -> None:
        """Take ``name``: keep the rows it takes, add its required ones, focus the first.

        However the name changed (chosen, typed whole over another action, pasted), the same
        rule: the rows the action takes stay and its required ones are added; the rest go
        (ctrl+z brings them back). With no documentation of what ``name`` takes, the rows
        made for the action before it go; if the documentation is on its way, they come
        back as it says once it comes. Rows typed before any action was chosen stay."""
        self.refresh_all()
        before = self.fields.snapshot()
        doc = self.docs.get(name)
        kept: Rows
        removed: Rows
        self._provisional = None
        if doc is None and self._chosen and self._chosen.lower() != name.lower():
            kept, removed = [], [row for row in before if row[0].strip()]
            if self.docs.pending(name):
                self._provisional = before
        else:
            kept, removed = rows_for(doc, before, MAX_TEMPLATE_ROWS)
        if removed:
            self._remember(self._chosen, before)
        if self._provisional is None:  # else said once the documentation comes
            self._say_removed(name, removed)
        self._chosen = name
        if kept == before:
            if focus:
                self._focus_first_row()
        else:
            await self.fields.load(kept, focus=focus, template=not any(value for _, value, _ in kept))
        self.refresh_all()

    def _say_removed(self, name: str, removed: Rows) -> None:
        lost = [key for key, value, _ in removed if value]
        if lost:
            them = "it" if len(lost) == 1 else "them"
            self.notify(f"{name} does not take {', '.join(lost)}: removed (ctrl+z brings {them} back).")

    def _focus_first_row(self) -> None:
        rows = self.fields.rows
        if rows:
            rows[0].take_focus(value=bool(rows[0].key))

    async def _replace(self, action: str, rows: Rows, focus: bool = True) -> None:
        """Put ``action`` and ``rows`` in place of what is there (which ctrl+z brings back)."""
        before = self.fields.snapshot()
        if self.picker.value or any(key or value for key, value, _ in before):
            self._remember(self.picker.value, before)
        self.picker.set_value(action)
        self._chosen, self._provisional = action, None
        self.fields.doc = self.docs.get(action)
        await self.fields.load(rows, focus=focus)
        self.refresh_all()

    def _remember(self, action: str, rows: Rows) -> None:
        self._undo = [*self._undo, (action, rows)][-MAX_UNDO:]

    async def action_undo(self) -> None:
        async with self._editing:
            if not self._undo:
                self.notify("Nothing to undo.", severity="warning")
                return
            action, rows = self._undo.pop()
            self.picker.set_value(action)
            self._chosen, self._provisional = action, None
            self.fields.doc = self.docs.get(action)
            await self.fields.load(rows, focus=True)
            self.refresh_all()
            self.notify(f"Back to {action or 'the empty composer'} with {plural(len(rows), 'row')}.")

    @on(FieldsEditor.RowRemoving)
    def row_removing(self, event: FieldsEditor.RowRemoving) -> None:
        self._remember(self.picker.value, event.rows)

    def action_copy_block(self) -> None:
        composed = self.composed()
        if composed.problem is not None:
            self.notify(f"Not copied: {composed.problem}", severity="warning")
            return
        self.app.copy_to_clipboard(composed.block())
        self.notify(
            f"Copied {composed.pairs[0][1]} as AMI lines, without ActionID (paste them back anywhere here).",
        )

    @on(ComposerInput.BlockPasted)
    async def block_pasted(self, event: ComposerInput.BlockPasted) -> None:
        async with self._editing:
            event.stop()
            pasted = event.pasted
            rows = [(key, value, True) for key, value in pasted.rows]
            if pasted.action is not None:
                await self._replace(pasted.action, rows)
                said = f"Pasted {pasted.action} with {plural(len(rows), 'row')}."
            else:
                # Lines without an Action line are headers for the action being composed.
                current = self.fields.snapshot()
                at = next((i for i, row in enumerate(self.fields.rows) if row.has_focus_within), len(current) - 1)
                blank = 0 <= at < len(current) and current[at] == ("", "", True)
                await self.fields.load(current[: at + (0 if blank else 1)] + rows + current[at + 1 :], focus=True)
                said = f"Pasted {plural(len(rows), 'row')}."
            if pasted.action_ids:
                said += " Left out the ActionID line: the console gives every action its own."
            if pasted.more:
                said += " Only the first action was taken."
            self.notify(said)

    def on_paste(self, event: events.Paste) -> None:
        # Reached when no input of the composer has the focus (its own inputs handle theirs).
        event.stop()
        pasted = parse_pasted_action(event.text)
        if pasted is not None:
            self.post_message(ComposerInput.BlockPasted(pasted))

    @on(ActionPicker.Edited)
    async def name_edited(self, event: ActionPicker.Edited) -> None:
        async with self._editing:
            event.stop()
            name = self.picker.value
            known = self.picker.known(name)
            # A name typed whole over another action takes its rows at once, so the rows and
            # the preview never show the old action's (what ctrl+s sends is what they show);
            # one still being typed (DBGet on the way to DBGetTree) waits for enter or tab.
            if self._typed_over(name) and known is not None:
                self.refresh_all()  # asks the server what it takes, first
                await self._choose(known, focus=False)
                return
            self.refresh_all()

    def _typed_over(self, name: str) -> bool:
        """``name`` is a whole action typed over the one the rows were made for."""
        known = self.picker.known(name)
        return bool(
            known and self._chosen and known.lower() != self._chosen.lower() and not self.picker.ambiguous(name)
        )

    @on(FieldsEditor.Changed)
    def fields_changed(self) -> None:
        self.refresh_all()

    @on(FieldsEditor.RowFocused)
    def row_focused(self) -> None:
        self.refresh_all()

    # -- the hints and the preview: always of the name in the field ---------------------
    def refresh_all(self) -> None:
        name = self.picker.value
        known = self.picker.known(name)
        self.fields.use_doc(self.docs.get(known or name) if name else None)
        # A name still being typed (DBGet on the way to DBGetTree) is not asked about.
        if known and (not self.picker.ambiguous(name) or known.lower() == self._chosen.lower()):
            self._ask(known)
        self._show_synopsis(name, known)
        self._show_param_help(known or name)
        self.update_preview()

    def _ask(self, action: str) -> None:
        """Ask the server about ``action`` (once; not when this user may not run Command)."""
        if self._may_query() and self.docs.ask(action):
            self.post_message(self.DocsRequested(action))

    def _may_query(self) -> bool:
        # The server's list holds only what this user may send: without Command, a query
        # would only be refused (and raise a security event).
        return not self.docs.refused and (not self._listed or self.picker.known("Command") is not None)

    def _show_synopsis(self, name: str, known: str | None) -> None:
        doc = self.docs.get(known or name) if name else None
        builtin = next((text for key, text in COMMON_ACTIONS.items() if key.lower() == name.lower()), None)
        if not name:
            text = ""
        elif known:
            text = (doc.synopsis if doc else "") or self.descriptions.get(known, "")
        elif builtin is not None and self._listed:
            text = f"{builtin} Not allowed for this user: the server does not list it for them."
        elif self.picker.ambiguous(name):
            text = ""  # still being typed: the list below shows the choices
        else:
            text = "Not an action this server lists; it will answer with an error if it does not know it."
        self.query_one("#synopsis", Clamped).update(Text(clean(text)))

    def _show_param_help(self, name: str) -> None:
        help_text = Text()
        doc = self.docs.get(name) if name else None
        key = self.fields.current_key
        if not name:
            pass
        elif doc is not None and not doc.parameters:
            help_text.append(f"{clean(doc.name)} takes no parameters.")
        elif doc is not None:
            parameter = next((p for p in doc.parameters if p.name.lower() == key.lower()), None)
            if parameter is not None:
                help_text.append(parameter.name, style="bold")
                help_text.append(" (required) " if parameter.required else " (optional) ")
                help_text.append(clean(parameter.doc))
            else:
                names = [p.name + ("*" if p.required else "") for p in doc.parameters[:MAX_LISTED]]
                more = len(doc.parameters) - len(names)
                help_text.append("Parameters: " + "  ".join(names) + (f"  … {more} more" if more > 0 else ""))
        elif self.picker.known(name) and not self._may_query():
            help_text.append(
                "No parameter help: it comes from `manager show command`, which this user may not run "
                "(it needs the command privilege). The description above is the server's list or the console's own."
            )
        elif self.picker.known(name) and self.docs.pending(name):
            help_text.append(f"Asking the server about {clean(name)}'s parameters…")
        self.query_one("#param-help", Clamped).update(help_text)

    @property
    def preview_text(self) -> str:
        """The preview as it stands, unwrapped (each wire line ends in a shown \\r\\n)."""
        return self.query_one("#preview", Clamped).text.plain.replace("\n↪ ", "")

    @property
    def read_only_hint(self) -> str:
        """Why the app would refuse the action as it stands (read-only), or ""."""
        return self.query_one("#read-only-hint", Clamped).text.plain

    def update_preview(self) -> None:
        preview = self.query_one("#preview", Clamped)
        composed = self.composed()
        width = preview.content_size.width
        key = (composed, self.next_action_id, self.read_only, width)
        if key == getattr(self, "_previewed", None):
            return  # nothing on the wire changed (a row typed in but switched off, say)
        self._previewed = key
        refusal = changes_pbx(list(composed.pairs)) if self.read_only and self.picker.value else None
        self.query_one("#read-only-hint", Clamped).update(Text(clean(refusal or "")))
        self._refusal_shown = bool(refusal)
        self._say_what_is_below()
        if not self.picker.value:
            preview.set_class(False, "-invalid")
            preview.update(Text("Type an action name above, then fill in its fields.", style="dim"))
            return
        preview.set_class(composed.problem is not None, "-invalid")
        if composed.problem is not None:
            preview.update(Text(f"Cannot send: {composed.problem}"))
            return
        preview.update(wire_preview(composed.wire(self.next_action_id), width))

    def on_resize(self) -> None:
        self.update_preview()
        self.call_after_refresh(self._say_what_is_below)

    def _say_what_is_below(self) -> None:
        """The border says what the composer's height hides: the read-only refusal (at
        80x24 it can sit below the fold), or that the preview is further down."""
        if getattr(self, "_refusal_shown", False):
            self.border_subtitle = "read-only: ctrl+s refuses it"
        elif self.max_scroll_y > 0 and self.scroll_y < self.max_scroll_y:
            self.border_subtitle = "↓ Will send below · F11 shows it all"
        else:
            self.border_subtitle = ""

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._say_what_is_below()
