"""A lesson file's text to a :class:`Lesson`, or to its first problem and that problem's line.

The text is a trainer's, so untrusted. Before the TOML reader sees it, :func:`scan`
bounds what would exhaust that reader: nesting of ``[`` and ``{`` (deep nesting recursed
past Python's limit), keys (a dotted key of 60,000 parts took the reader to 2.8 GiB: its
work grows with the square of the parts) and lines. Whatever the reader still raises is
the file's problem, never the console's.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ami_console.lessons.checks import Check, CheckProblem, parse_check

__all__ = [
    "MAX_DEPTH",
    "MAX_KEY_LENGTH",
    "MAX_KEY_PARTS",
    "MAX_LINE_LENGTH",
    "Lesson",
    "LessonProblem",
    "Step",
    "parse_lesson",
    "scan",
]

# A lesson nests two deep (show = [["Action", "Ping"]]) and its longest key has three
# parts (step.check.filter_keeps): these leave room and still keep the reader cheap.
MAX_LINE_LENGTH = 4096
MAX_DEPTH = 16
MAX_KEY_LENGTH = 100
MAX_KEY_PARTS = 4
_TOP_KEYS = ("id", "title", "order", "summary", "step")
_STEP_KEYS = ("text", "hint", "show", "check")


@dataclass(frozen=True)
class Step:
    text: str  # the first line is its title; then what to do and why
    check: Check
    hint: str
    show: tuple[tuple[str, str], ...] = ()  # "show me": composer rows, Action first


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    summary: str
    steps: tuple[Step, ...]
    path: Path | None
    order: int


class LessonProblem(Exception):
    """What makes a lesson file unusable; ``line`` as found, 0 when unknown."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(problem)
        self.line, self.problem = line, problem


def parse_lesson(source: str, path: Path) -> tuple[Lesson, int]:
    """The lesson in ``source`` (read from ``path``), and the line of its ``id`` (for a
    problem found later, such as an id used twice). Raises :class:`LessonProblem`."""
    scan(source)
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(exc) from None
    except Exception as exc:  # the scan makes this unlikely; should it come, it is this file's
        raise LessonProblem(0, f"cannot be read: the TOML reader failed ({type(exc).__name__})") from None
    lines = _Lines(source)
    return _lesson(data, lines, path), lines.top("id")


# -- the scan before the TOML reader ----------------------------------------------------------
# Outside strings and comments, the characters the scan acts on.
_SIGNIFICANT = re.compile(r"\"\"\"|'''|[\"'#\[\]{},=.\n]")
# The rest of a string, from just after its opening quotes. A multi-line one does not
# match when it is never closed (the reader then says so); the others end with the line.
_STRING_REST = {
    '"""': re.compile(r'(?:\\.|[^\\])*?"""(?:"{1,2})?', re.DOTALL),
    "'''": re.compile(r"(?s:.*?)'''(?:'{1,2})?"),
    '"': re.compile(r'(?:\\.|[^\\"\n])*"?'),
    "'": re.compile(r"[^'\n]*'?"),
}


def scan(source: str) -> None:
    """Raise :class:`LessonProblem` for the first line, nesting or key past the bounds.

    Linear in the text: one pass over its lines, then one over the characters that
    matter outside strings and comments. A key is what comes before ``=`` at the start
    of a statement or after ``{`` or ``,`` in an inline table, or a table header's name.
    """
    for number, text in enumerate(source.split("\n"), 1):
        if len(text) > MAX_LINE_LENGTH:
            raise LessonProblem(number, f"a line longer than {MAX_LINE_LENGTH:,} characters")
    line = 1
    opened: list[str] = []  # the [ and { open here, innermost last
    key_at, parts, header = 0, 1, False  # where the key being read starts (-1: in a value)
    position = 0
    while (token := _SIGNIFICANT.search(source, position)) is not None:
        kind, position = token.group(), token.end()
        if kind == "\n":
            line += 1
            if not opened:  # a new statement
                key_at, parts, header = position, 1, False
        elif kind in _STRING_REST:
            rest = _STRING_REST[kind].match(source, position)
            if rest is None:
                return
            line += source.count("\n", position, rest.end())
            position = rest.end()
        elif kind == "#":
            position = source.find("\n", position)
            if position < 0:
                return
        elif key_at >= 0 and kind == ".":
            parts += 1
            if parts > MAX_KEY_PARTS:
                raise LessonProblem(line, f"a key of more than {MAX_KEY_PARTS} dotted parts")
        elif key_at >= 0 and (kind == "=" or (header and kind == "]")):
            if len(source[key_at : token.start()].strip()) > MAX_KEY_LENGTH:
                raise LessonProblem(line, f"a key longer than {MAX_KEY_LENGTH} characters")
            key_at, header = -1, False
        elif kind == "[" and key_at >= 0 and not opened and not source[key_at : token.start()].strip():
            header = True  # [table] or [[array of tables]]: no nesting
            key_at = position + 1 if source.startswith("[", position) else position
        elif kind in "[{":
            opened.append(kind)
            if len(opened) > MAX_DEPTH:
                raise LessonProblem(line, f"nested deeper than {MAX_DEPTH} levels of [ and {{")
            key_at, parts = (position, 1) if kind == "{" else (-1, 1)
        elif kind in "]}":
            if opened:
                opened.pop()
        elif kind == "," and opened and opened[-1] == "{":
            key_at, parts = position, 1


# -- from TOML data to a lesson ---------------------------------------------------------------
_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def _syntax_error(exc: tomllib.TOMLDecodeError) -> LessonProblem:
    message = str(exc)
    at = _AT.search(message)
    if at is None:
        return LessonProblem(0, f"not valid TOML: {message}")
    return LessonProblem(int(at.group(1)), f"not valid TOML: {message[: at.start()]} (column {at.group(2)})")


def _lesson(data: dict[str, Any], lines: _Lines, path: Path) -> Lesson:
    for key in data:
        if key not in _TOP_KEYS:
            raise LessonProblem(lines.top(key), f"unknown key {key!r}: a lesson has {', '.join(_TOP_KEYS)}")
    for key in ("id", "title"):
        if key not in data:
            raise LessonProblem(1, f"{key!r} is missing")
        if not isinstance(data[key], str) or not data[key].strip():
            raise LessonProblem(lines.top(key), f"{key!r} must be text in quotes")
    order = data.get("order", 1000)
    if not isinstance(order, int) or isinstance(order, bool):
        raise LessonProblem(lines.top("order"), "'order' must be a whole number")
    summary = data.get("summary", "")
    if not isinstance(summary, str):
        raise LessonProblem(lines.top("summary"), "'summary' must be text in quotes")
    raw_steps = data.get("step")
    if not isinstance(raw_steps, list) or not raw_steps or not all(isinstance(s, dict) for s in raw_steps):
        raise LessonProblem(lines.top("step") or 1, "a lesson needs at least one [[step]]")
    steps = tuple(_step(raw, lines, number) for number, raw in enumerate(raw_steps))
    return Lesson(data["id"].strip(), data["title"].strip(), " ".join(summary.split()), steps, path, order)


def _step(raw: dict[str, Any], lines: _Lines, number: int) -> Step:
    for key in raw:
        if key not in _STEP_KEYS:
            raise LessonProblem(
                lines.step(number, key), f"step {number + 1}: unknown key {key!r}: a step has {', '.join(_STEP_KEYS)}"
            )
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip():
        raise LessonProblem(lines.step(number, "text"), f"step {number + 1}: 'text' is missing or not text")
    if "check" not in raw:
        raise LessonProblem(lines.step(number), f"step {number + 1}: 'check' is missing: each step checks one thing")
    try:
        check = parse_check(raw["check"])
    except CheckProblem as problem:
        raise LessonProblem(
            lines.step(number, problem.key, after="check"), f"step {number + 1}: {problem.problem}"
        ) from None
    hint = raw.get("hint", "")
    if not isinstance(hint, str):
        raise LessonProblem(lines.step(number, "hint"), f"step {number + 1}: 'hint' must be text in quotes")
    show = _show(raw.get("show", []), lines, number)
    # Without a hint of its own, a step's hint says what it waits for.
    return Step(_reflow(text), check, _reflow(hint) or check.describe() + ".", show)


def _reflow(text: str) -> str:
    """The first line (a step's title) alone, then paragraphs each on one line, so that the
    panel wraps them to its width, whatever width the file was written at. As in Markdown,
    a blank line separates paragraphs; an indented line (an example) is kept as it is."""
    title, _, body = text.strip().partition("\n")
    lines: list[str] = []
    for line in body.splitlines():
        if line.strip() and not line[0].isspace() and lines and lines[-1] and not lines[-1][0].isspace():
            lines[-1] += " " + line.strip()
        else:
            lines.append(line.rstrip() if line.strip() else "")
    return "\n".join([title.strip(), *lines]).strip()


def _show(value: Any, lines: _Lines, number: int) -> tuple[tuple[str, str], ...]:
    problem = ""
    if not isinstance(value, list) or not all(
        isinstance(row, list) and len(row) == 2 and all(isinstance(part, str) for part in row) for row in value
    ):
        problem = 'must be a list of ["Header", "value"] pairs'
    elif value and value[0][0].lower() != "action":
        problem = 'must start with the ["Action", "..."] row'
    if problem:
        raise LessonProblem(lines.step(number, "show"), f"step {number + 1}: 'show' {problem}")
    return tuple((key, text) for key, text in value)


class _Lines:
    """Finds the line of a key in a lesson's source, for errors: tomllib gives none.

    Keys inside multi-line strings are not keys, so lines within triple quotes are skipped.
    """

    def __init__(self, source: str) -> None:
        self.lines = source.splitlines()
        self.in_string: list[bool] = []
        inside = False
        for line in self.lines:
            self.in_string.append(inside)
            if (line.count('"""') + line.count("'''")) % 2:
                inside = not inside
        self.steps = [
            i for i, line in enumerate(self.lines) if not self.in_string[i] and re.match(r"\s*\[\[\s*step\s*\]\]", line)
        ]

    def _find(self, key: str, start: int, end: int) -> int:
        pattern = re.compile(rf"(?:^|[{{,\s])[\"']?{re.escape(key)}[\"']?\s*=")
        for i in range(start, end):
            if not self.in_string[i] and pattern.search(self.lines[i]):
                return i + 1
        return 0

    def top(self, key: str) -> int:
        if key == "step":
            return self.steps[0] + 1 if self.steps else 0
        return self._find(key, 0, self.steps[0] if self.steps else len(self.lines))

    def step(self, number: int, key: str = "", *, after: str = "") -> int:
        """The line of ``key`` in step ``number`` (looked for from ``after``'s line on), else
        the step's own ``[[step]]`` line."""
        if number >= len(self.steps):
            return 0
        start = self.steps[number]
        end = self.steps[number + 1] if number + 1 < len(self.steps) else len(self.lines)
        if after and (found := self._find(after, start, end)):
            start = found - 1
        return (self._find(key, start, end) if key else 0) or start + 1
