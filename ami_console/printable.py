"""Text that is safe to write to a terminal: the one function every shown value goes through.

A hostile or broken server can put escape sequences in any value (an OSC 52 writes the
user's clipboard, an OSC 2 retitles the terminal, ``ESC[2J`` blanks the screen). Pure
Python with no dependencies, so the AMI library (the debug transcript) and the model use
it as well as the UI.
"""

from __future__ import annotations

import re

__all__ = ["clean", "clean_lines", "plural"]

# C0 and C1 controls (ESC, CSI and OSC's introducers among them), DEL, and the Unicode
# characters that reorder or break lines out of sight (bidi overrides and isolates,
# line and paragraph separators).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def clean(value: str) -> str:
    """The value with tabs as spaces and every other control character as U+FFFD."""
    if value.isprintable():  # the common case, and much quicker than the pattern
        return value
    return _UNSAFE.sub(lambda m: " " if m.group() == "\t" else "\ufffd", value)


def clean_lines(value: str) -> str:
    """Like :func:`clean`, but line breaks (``\\n``) stay: for text meant to span lines."""
    return "\n".join(clean(line) for line in value.split("\n")) if "\n" in value else clean(value)


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 row``, ``2 rows`` (``many`` where adding an s is wrong: priorities)."""
    return f"{count} {word if count == 1 else many or word + 's'}"
