"""Just enough TOML writing for our own files, read back with the standard ``tomllib``.

``json.dumps`` is almost a TOML basic string, but not quite: it leaves DEL (U+007F)
raw, which TOML forbids, and it writes lone surrogates that UTF-8 cannot hold. These
functions escape exactly what TOML 1.0 requires, and write text with line breaks as a
multi-line string so a description stays readable in the file.
"""

from __future__ import annotations

import re

__all__ = ["toml_key", "toml_string", "toml_value"]

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_SHORT = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\"}
# What a basic string may not hold raw: the quote, the backslash, control characters.
_BASIC_ESCAPE = re.compile(r'["\\\x00-\x1f\x7f]')
# In a multi-line string tab and LF may stay; a quote is escaped only where it could
# start a run of three (followed by another quote) or touch the closing delimiter.
_MULTILINE_ESCAPE = re.compile(r'"(?="|\Z)|[\\\x00-\x08\x0b-\x1f\x7f]')
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _SHORT.get(char) or f"\\u{ord(char):04X}"


def toml_string(text: str, *, multiline: bool | None = None, width: int = 80) -> str:
    """``text`` as a TOML string that ``tomllib`` reads back unchanged.

    Text with a line break, or longer than ``width``, becomes a ``\"\"\"`` multi-line
    string unless ``multiline`` is False; there long lines are folded at spaces with
    TOML's line-ending backslash, which the reader removes, so a one-paragraph
    description stays one paragraph and still reads well in the file. Lone surrogates
    (which no UTF-8 file can hold) become U+FFFD.
    """
    text = _SURROGATE.sub("\ufffd", text)
    if multiline is None:
        multiline = "\n" in text or len(text) > width
    if not multiline:
        return '"' + _BASIC_ESCAPE.sub(_escape, text) + '"'
    lines = (
        "\\\n".join(_MULTILINE_ESCAPE.sub(_escape, piece) for piece in _fold(line, width))
        for line in text.split("\n")
    )
    # The line break right after the opening quotes is not part of the value.
    return '"""\n' + "\n".join(lines) + '"""'


def _fold(line: str, width: int) -> list[str]:
    """``line`` cut after spaces into pieces of about ``width``; joined, they are ``line``.

    A piece may end only at a space followed by a non-blank character: the reader
    drops the blanks that start the next line of the file, so they must not be text.
    """
    pieces = []
    while len(line) > width:
        cuts = [i for i, c in enumerate(line) if c == " " and line[i + 1 : i + 2] not in ("", " ", "\t")]
        cut = max((i for i in cuts if 0 < i < width), default=None)
        if cut is None:
            cut = min((i for i in cuts if i > 0), default=None)
            if cut is None:
                break
        pieces.append(line[: cut + 1])
        line = line[cut + 1 :]
    pieces.append(line)
    return pieces


def toml_key(name: str) -> str:
    """A key: bare when it may be (``fields``), quoted otherwise (``"two words"``)."""
    return name if _BARE_KEY.match(name) else toml_string(name, multiline=False)


def toml_value(value: object) -> str:
    """A bool, int, float or string as a TOML value (anything else as its ``str``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return {"nan": "nan", "inf": "inf", "-inf": "-inf"}[repr(value)]
        return repr(value)
    return toml_string(str(value))
