"""AMI text on screen: always plain, never markup, never terminal control codes.

Values routinely hold ``[`` and ``]`` (``Dial(PJSIP/bob,30,[tT])``), which Rich and
Textual would read as markup, and a hostile or broken server could send escape
sequences. Everything that shows wire text goes through here.
"""

from __future__ import annotations

import re

from rich.cells import cell_len, set_cell_size
from rich.text import Text

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean(value: str) -> str:
    """The value with tabs as spaces and other control characters as U+FFFD."""
    return _CONTROL.sub(lambda m: " " if m.group() == "\t" else "\ufffd", value)


def plain(value: str, style: str = "") -> Text:
    """A Rich Text that shows ``value`` literally."""
    return Text(clean(value), style=style, no_wrap=False)


def fit(value: str, width: int) -> str:
    """Exactly ``width`` cells: padded, or cut with an ellipsis (wide characters counted)."""
    value = clean(value)
    if width <= 0:
        return ""
    if cell_len(value) <= width:
        return set_cell_size(value, width)
    return set_cell_size(value, width - 1) + "…"
