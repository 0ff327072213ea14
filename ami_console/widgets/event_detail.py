"""Every header of one event, in arrival order, repeated keys included."""

from __future__ import annotations

import time


from ..eventstore import LoggedEvent
from ..plaintext import plain
from .sized_table import SizedTable


class EventDetail(SizedTable):
    """``c`` copies the value under the cursor."""

    BINDINGS = [("c", "copy_value", "Copy value")]

    DEFAULT_CSS = """
    EventDetail { width: 45%; display: none; border-left: solid $primary; }
    EventDetail.-shown { display: block; }
    """

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True

    def show(self, entry: LoggedEvent) -> None:
        clock = "an unknown time" if entry.at is None else time.strftime("%H:%M:%S", time.localtime(entry.at))
        self.border_title = f"#{entry.seq} at {clock}"
        rows = [(plain(key, "bold"), plain(value)) for key, value in entry.message.fields]
        # Lines without a colon are not fields, but they were sent.
        rows += [(plain("(line)", "dim"), plain(line)) for line in entry.message.lines if ":" not in line]
        self.fill(("Header", "Value"), rows)
        self.add_class("-shown")

    def action_copy_value(self) -> None:
        if self.row_count:
            value = self.get_row_at(self.cursor_row)[1]
            self.app.copy_to_clipboard(value.plain)
            self.notify("Copied the value.", markup=False)

    def hide(self) -> None:
        self.remove_class("-shown")
