"""AMI text on screen: always plain, never markup, never terminal control codes.

Values routinely hold ``[`` and ``]`` (``Dial(PJSIP/bob,30,[tT])``), which Rich and
Textual would read as markup, and a hostile or broken server can send escape sequences
(an OSC 52 writes the user's clipboard, ``ESC[2J`` blanks the screen). Everything that
shows text from the server or a file goes through here: :func:`clean` (from
:mod:`ami_console.printable`) is the one function that makes a string safe, and
:class:`PlainText` the one way such strings are put on screen (its every ``str`` goes
through :func:`clean`; it is never parsed as markup).
"""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.text import Text

from ami_console.printable import clean, clean_lines

__all__ = ["PlainText", "clean", "fit", "plain", "wire_preview"]


class PlainText(Text):
    """A Rich Text that shows every string given to it literally and safely.

    Line breaks are kept (a multi-line note stays multi-line); every other control
    character is made visible as U+FFFD. Use it, not ``Text``, wherever a string from
    the server or a file may be among the parts.
    """

    def __init__(self, text: str = "", style: str = "", **options: object) -> None:
        super().__init__(clean_lines(text), style, **options)  # type: ignore[arg-type]

    def append(self, text: str | Text, style: str | None = None) -> PlainText:  # type: ignore[override]
        super().append(clean_lines(text) if isinstance(text, str) else text, style)
        return self


def plain(value: str, style: str = "") -> Text:
    """A Rich Text that shows ``value`` literally, on one line."""
    return Text(clean(value), style=style, no_wrap=False)


def fit(value: str, width: int) -> str:
    """Exactly ``width`` cells: padded, or cut with an ellipsis (wide characters counted)."""
    value = clean(value[: 4 * width + 4])  # no more than can show (a value may be megabytes)
    if width <= 0:
        return ""
    if cell_len(value) <= width:
        return set_cell_size(value, width)
    return set_cell_size(value, width - 1) + "…"


def wire_preview(wire: str, width: int = 0) -> Text:
    """What an action sends, a wire line each, its ``\\r\\n`` shown at the end. A line
    wider than ``width`` goes on in lines marked ``↪``: a wrap never reads as a line of its
    own (0: not laid out yet, the widget wraps it)."""
    text = Text()
    mark = "\\r\\n"
    for line in wire.split("\r\n")[:-1]:
        line, room = clean(line), width
        while room > len(mark) + 8 and len(line) + len(mark) > room:
            text.append(line[:room])
            text.append("\n↪ ", style="dim")
            line, room = line[room:], width - 2
        text.append(line)
        text.append(mark + "\n", style="dim")
    text.rstrip()
    return text
