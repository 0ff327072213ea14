"""A table whose columns are as wide as their content from the moment its rows arrive."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.widgets import DataTable

from ami_console.ui.plaintext import clean

Cell = Text | str
NARROWEST_LAST = 12  # a squeezed last column keeps at least this much


class SizedTable(DataTable):
    """Textual's DataTable widens auto-width columns on its next idle, without redrawing the
    lines it drew in between: if the screen draws first, the header (or every line) keeps
    the old widths, values cut short, until something else redraws it. Here each fill gives
    every column a fixed width, measured before any line can be drawn.

    With ``fit_width``, the last column (a header's value) is narrowed to what the table
    shows, and a value cut there ends in ``…``, as everywhere else a value is cut;
    copying takes the whole value."""

    def __init__(self, *args: object, fit_width: bool = False, **options: object) -> None:
        super().__init__(*args, **options)  # type: ignore[arg-type]
        self.fit_width = fit_width
        self._filled: tuple[Sequence[str], list[tuple[Cell, ...]]] = ((), [])

    def fill(self, columns: Sequence[str], rows: Iterable[Sequence[Cell]]) -> None:
        """Replace every column and row: ``columns`` are AMI names (shown as plain text)."""
        table = [tuple(row) for row in rows]
        self._filled = (columns, table)
        widths = [
            max([cell_len(clean(name)), *(_cell_width(row[index]) for row in table)])
            for index, name in enumerate(columns)
        ]
        room = self.scrollable_content_region.width
        if self.fit_width and widths and room:
            padding = 2 * self.cell_padding * len(widths)
            widths[-1] = max(NARROWEST_LAST, min(widths[-1], room - padding - sum(widths[:-1])))
            table = [(*row[:-1], _cut_with_ellipsis(row[-1])) for row in table]
        self.clear(columns=True)
        for name, width in zip(columns, widths, strict=True):
            self.add_column(Text(clean(name)), width=width)
        self.add_rows(table)

    def on_resize(self, event: events.Resize) -> None:
        if self.fit_width and self._filled[0]:
            cursor = self.cursor_row
            self.fill(*self._filled)
            if self.row_count:
                self.move_cursor(row=min(cursor, self.row_count - 1), animate=False)


def _cell_width(cell: Cell) -> int:
    return cell.cell_len if isinstance(cell, Text) else cell_len(cell)


def _cut_with_ellipsis(cell: Cell) -> Cell:
    if isinstance(cell, Text):
        cell = cell.copy()
        cell.no_wrap, cell.overflow = True, "ellipsis"
    return cell
