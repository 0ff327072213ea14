"""Every header of one event, in arrival order, repeated keys included."""

from __future__ import annotations

from ami_console import clock
from ami_console.events.store import LoggedEvent, shorten
from ami_console.ui.plaintext import plain
from ami_console.ui.widgets.event_log import ExplainRequested
from ami_console.ui.widgets.sized_table import SizedTable


class EventDetail(SizedTable):
    """``c`` copies the value under the cursor; ``?`` explains its header."""

    BINDINGS = [("c", "copy_value", "Copy value"), ("question_mark", "explain", "Explain")]

    DEFAULT_CSS = """
    EventDetail { width: 40%; max-width: 70; display: none; border-left: solid $primary; }
    EventDetail.-shown { display: block; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, fit_width=True)  # a long value ends in … (c copies it whole)

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self._values: list[str] = []  # each row's whole value, for copying
        self.zebra_stripes = True

    def show(self, entry: LoggedEvent) -> None:
        when = "an unknown time" if entry.at is None else clock.stamp("%H:%M:%S", entry.at)
        self.border_title = f"#{entry.seq} at {when}"
        pairs = [(plain(shorten(key, 64), "bold"), value) for key, value in entry.message.fields]
        self._keys = [key for key, _ in entry.message.fields]  # each row's header, for explaining
        # Lines without a colon are not fields, but they were sent.
        pairs += [(plain("(line)", "dim"), line) for line in entry.message.lines if ":" not in line]
        # Huge values are shown cut (drawing a megabyte freezes the screen); c copies them whole.
        self._values = [value for _, value in pairs]
        self.fill(("Header", "Value"), [(key, plain(shorten(value))) for key, value in pairs])
        self.add_class("-shown")

    def action_copy_value(self) -> None:
        if self.row_count:
            self.app.copy_to_clipboard(self._values[self.cursor_row])
            self.notify("Copied the value.")

    def action_explain(self) -> None:
        if 0 <= self.cursor_row < len(getattr(self, "_keys", [])):
            self.post_message(ExplainRequested(self._keys[self.cursor_row], self._values[self.cursor_row], "header"))

    def hide(self) -> None:
        self.remove_class("-shown")
