"""The action's fields: rows of (key, value); the same key may appear many times.

| Key | Does |
|---|---|
| ctrl+n | add a row below the current one |
| ctrl+y | duplicate the current row (another ``Variable``, say) |
| ctrl+t | switch the current row off or on (kept, but not sent) |
| ctrl+d | remove the current row (the Delete key still deletes a character) |
"""

from __future__ import annotations

import asyncio

from textual import on
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widgets import Input

from ami_console.actiondocs import ActionDoc
from ami_console.ui.widgets.field_row import FieldRow

# Rows offered for an action's required parameters. Real actions require a few (the
# editor shows 12 rows at once); a server documenting thousands must not make the
# composer mount thousands of rows. The rest are still offered as completions.
MAX_TEMPLATE_ROWS = 10


KEY_MIN, KEY_MAX = 8, 22  # the key column's bounds, in cells
ROW_FIXED = 6  # a row's cells beside key and value: the on/off mark, the required mark, a gap


class FieldsEditor(VerticalScroll):
    # Priority bindings run before the next key is delivered, so text typed right after
    # ctrl+n lands in the new row, not in the one that had the focus.
    BINDINGS = [
        Binding("ctrl+n", "add_row", "Add field", priority=True, show=False),
        Binding("ctrl+y", "duplicate_row", "Duplicate", priority=True, show=False),
        Binding("ctrl+t", "toggle_row", "On/off", priority=True, show=False),
        Binding("ctrl+d", "remove_row", "Remove", priority=True, show=False),
    ]

    DEFAULT_CSS = """
    FieldsEditor { height: auto; max-height: 12; }
    """

    class Changed(Message):
        """Rows were added, removed, switched or edited."""

    class RowFocused(Message):
        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    class RowRemoving(Message):
        """A row is about to be removed (ctrl+d): ``rows`` are all of them before (for undo)."""

        def __init__(self, rows: list[tuple[str, str, bool]]) -> None:
            super().__init__()
            self.rows = rows

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._doc: ActionDoc | None = None
        self._suggester: SuggestFromList | None = None  # the doc's parameter names, for every row
        self._loaded: list[tuple[str, str, bool]] = []  # the rows as last loaded
        self._template = False  # the rows are a documented action's required parameters
        self._loading = asyncio.Lock()

    @property
    def doc(self) -> ActionDoc | None:
        """The action's documentation: its parameters complete the keys."""
        return self._doc

    @doc.setter
    def doc(self, doc: ActionDoc | None) -> None:
        self._doc = doc
        names = [p.name for p in doc.parameters] if doc else []
        self._suggester = SuggestFromList(names, case_sensitive=False) if names else None

    # -- reading -------------------------------------------------------------------------
    @property
    def rows(self) -> list[FieldRow]:
        return list(self.query(FieldRow))

    def pairs(self) -> list[tuple[str, str]]:
        """What goes on the wire: switched-on rows with a key, in row order."""
        return [(row.key, row.value) for row in self.rows if row.enabled and row.key]

    def snapshot(self) -> list[tuple[str, str, bool]]:
        return [(row.key, row.value, row.enabled) for row in self.rows]

    @property
    def current_key(self) -> str:
        """The key of the row being edited (the last row if none has the focus)."""
        current = self._current()
        return current.key if current is not None else ""

    # -- writing -------------------------------------------------------------------------
    async def load(self, rows: list[tuple[str, str, bool]], focus: bool = False, template: bool = False) -> None:
        """Replace every row. With ``focus``, the first row takes the focus (its value if
        the key is filled in). ``template``: the rows only offer an action's parameters.
        One load at a time: a name typed whole and enter right after both load rows, and
        the second must not find the first one's rows half mounted."""
        async with self._loading:
            self._template = template
            await self.remove_children()
            new_rows = [FieldRow(k, v, e, self._suggester) for k, v, e in rows] or [FieldRow(suggester=self._suggester)]
            await self.mount_all(new_rows)
            self._loaded = self.snapshot()
            self._refresh_marks()
            self.call_after_refresh(self._fit_keys)  # once laid out: the key column's room is known
            if focus:
                new_rows[0].take_focus(value=bool(new_rows[0].key))
            self.post_message(self.Changed())

    @property
    def untouched(self) -> bool:
        """The rows are an untouched template: safe to replace them."""
        return self._template and self.snapshot() == self._loaded

    def use_doc(self, doc: ActionDoc | None) -> None:
        """Complete keys and mark required rows from ``doc`` (the rows stay as they are)."""
        if doc is self._doc:
            return
        self.doc = doc
        for row in self.rows:
            row.set_suggester(self._suggester)
        self._refresh_marks()

    async def set_doc(self, doc: ActionDoc | None, fresh: bool = True, focus: bool = False) -> None:
        """Offer ``doc``'s parameters; with ``fresh``, start over from its required ones."""
        if fresh:
            self.doc = doc
            required = doc.required[:MAX_TEMPLATE_ROWS] if doc else []
            await self.load([(p.name, "", True) for p in required], focus=focus, template=True)
        else:
            self.use_doc(doc)

    def _refresh_marks(self) -> None:
        required = {p.name.lower() for p in self.doc.required} if self.doc else set()
        for row in self.rows:
            row.mark(row.key.lower() in required)

    def _fit_keys(self) -> None:
        """The key column as wide as the longest key (``Application``, not ``Applica``),
        within bounds: at most three fifths of the row, so the values stay readable."""
        keys = list(self.query("FieldRow > .key").results(Input))  # rows composed so far
        longest = max((len(key.value) for key in keys), default=0)
        room = max(KEY_MIN, (self.scrollable_content_region.width - ROW_FIXED) * 3 // 5)
        width = max(KEY_MIN, min(longest + 3, KEY_MAX, room))  # +3: the padding, and the cursor past the end
        for key in keys:
            if key.styles.width is None or key.styles.width.value != width:
                key.styles.width = width

    def on_resize(self) -> None:
        self._fit_keys()

    # -- the current row -------------------------------------------------------------------
    def _current(self) -> FieldRow | None:
        focused = self.screen.focused
        for node in [focused, *focused.ancestors] if focused is not None else []:
            if node is self:
                break
            if isinstance(node, FieldRow):
                return node
        rows = self.rows
        return rows[-1] if rows else None

    async def _insert(self, row: FieldRow, after: FieldRow | None, focus_value: bool = False) -> None:
        await (self.mount(row) if after is None else self.mount(row, after=after))
        self.call_after_refresh(self._fit_keys)
        row.take_focus(value=focus_value)
        self.post_message(self.Changed())

    async def action_add_row(self) -> None:
        await self._insert(FieldRow(suggester=self._suggester), self._current())

    async def action_duplicate_row(self) -> None:
        current = self._current()
        if current is None:
            return await self.action_add_row()
        copy = FieldRow(current.key, current.value, current.enabled, self._suggester)
        await self._insert(copy, current, focus_value=True)

    def action_toggle_row(self) -> None:
        current = self._current()
        if current is not None:
            current.toggle()

    async def action_remove_row(self) -> None:
        current = self._current()
        if current is None:
            return
        rows = self.rows
        index = rows.index(current)
        self.post_message(self.RowRemoving(self.snapshot()))
        await current.remove()
        rest = self.rows
        if rest:
            rest[min(index, len(rest) - 1)].take_focus()
        else:
            await self._insert(FieldRow(suggester=self._suggester), None)
        self.post_message(self.Changed())

    # -- changes -------------------------------------------------------------------------
    @on(Input.Changed)
    def edited(self, event: Input.Changed) -> None:
        if event.input.has_class("key"):
            self._refresh_marks()
            self._fit_keys()
        self.post_message(self.Changed())

    @on(FieldRow.Toggled)
    def toggled(self) -> None:
        self.post_message(self.Changed())

    def on_descendant_focus(self) -> None:
        current = self._current()
        self.post_message(self.RowFocused(current.key if current else ""))
