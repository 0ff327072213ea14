"""A table whose columns are as wide as their content from the moment its rows arrive."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable

from ami_console.ui.plaintext import clean

Cell = Text | str


class SizedTable(DataTable):
    """Textual's DataTable widens auto-width columns on its next idle, without redrawing the
    lines it drew in between: if the screen draws first, the header (or every line) keeps
    the old widths, values cut short, until something else redraws it. Here each fill gives
    every column a fixed width, measured before any line can be drawn."""

    def fill(self, columns: Sequence[str], rows: Iterable[Sequence[Cell]]) -> None:
        """Replace every column and row: ``columns`` are AMI names (shown as plain text)."""
        rows = [tuple(row) for row in rows]
        self.clear(columns=True)
        for index, name in enumerate(columns):
            label = Text(clean(name))
            width = max([label.cell_len, *(_cell_width(row[index]) for row in rows)])
            self.add_column(label, width=width)
        self.add_rows(rows)


def _cell_width(cell: Cell) -> int:
    return cell.cell_len if isinstance(cell, Text) else cell_len(cell)
