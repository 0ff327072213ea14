"""Lessons: files of steps, a lesson in progress, and the progress kept between runs.

A lesson is a TOML file. The built-in ones (``builtin/``) are written the same way and
serve as examples; ``ami-console learn --lessons DIR`` reads every ``*.toml`` in DIR
instead, ordered by ``order``, then file name::

    id = "ping"                           # unique among the lessons; progress is kept by it
    title = "Actions and responses"
    order = 2
    summary = "Ping, ActionID, Success and Error."

    [[step]]
    text = \"\"\"Send a Ping.
    The first line is the step's title; then, in plain sentences, what to do and
    why. Lines are joined into paragraphs (the panel wraps them); a blank line
    starts a new paragraph, and an indented line is kept as it is.\"\"\"
    hint = "One or two sentences, shown when the learner asks."    # optional
    show = [["Action", "Ping"]]           # optional: "show me" fills the composer (never sends)
    check = { sent = "Ping", response = "Success" }                # exactly one check

A step's ``check`` is one of (names and values are globs, any case):

- ``{ sent = "Ping" }``: an action of this name was sent. Add ``response = "Success"``
  (or Error, Goodbye, Follows): and answered so; ``response_header = "Ping", equals =
  "Pong"``: the answer carried this header, like this (without ``equals``: carried it at
  all); ``user = "monitor"``: sent while logged in as that user.
- ``{ event = "Newchannel" }``: such an event arrived; with ``header = "Channel",
  matches = "Local/100@demo*"``: with this header, like this.
- ``{ filter_keeps = { Event = "Newexten", Channel = "Local/600@demo-00000000;2" } }``:
  the event log's filter in force keeps such an event (an empty filter does not count);
  add ``drops = { Event = "Newexten", Channel = "PJSIP/alice-00000001" }``: and hides that one.
- ``{ view = "trace" }``: this view was opened (one of :data:`VIEWS`).
- ``{ list_item = "CoreShowChannel" }``: an answer's event list held such an item;
  ``{ list_complete = "CoreShowChannels" }``: this action's event list came complete.

When a step passes, the next is shown. A file that cannot be used (bad TOML, an unknown
key, a step with no check or two, a wrong type, an unknown view, an id used twice) gives
a :class:`LessonError` naming the file, the line and the problem; the others still load.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ami_console.files.atomic import write_atomic
from ami_console.files.profiles import data_dir
from ami_console.lessons.checks import VIEWS, Check, CheckProblem, Observation, parse_check

__all__ = [
    "BUILTIN",
    "VIEWS",
    "Check",
    "Lesson",
    "LessonError",
    "LessonRun",
    "Observation",
    "Progress",
    "Step",
    "load_lessons",
]

BUILTIN = Path(__file__).parent / "builtin"
MAX_FILE_SIZE = 1 << 20  # a lesson is a few kilobytes; bigger is not a lesson
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


@dataclass(frozen=True)
class LessonError:
    """A lesson file that could not be used. ``line`` 0: the file (or folder) as a whole."""

    path: Path
    line: int
    problem: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.problem}" if self.line else f"{self.path}: {self.problem}"


class _Bad(Exception):
    """A problem in one file; ``line`` as found, 0 when unknown."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(problem)
        self.line, self.problem = line, problem


def load_lessons(folder: Path | None = None) -> tuple[list[Lesson], list[LessonError]]:
    """The lessons in ``folder`` (None: the built-in ones), by ``order`` then file name,
    and the files that could not be used, each with its line and problem."""
    where = folder if folder is not None else BUILTIN
    if not where.is_dir():
        return [], [LessonError(where, 0, "no such folder")]
    files = sorted(where.glob("*.toml"))
    if not files:
        return [], [LessonError(where, 0, "no lesson files (*.toml) in this folder")]
    lessons: list[Lesson] = []
    errors: list[LessonError] = []
    for path in files:
        try:
            lessons.append(_read(path))
        except _Bad as bad:
            errors.append(LessonError(path, bad.line, bad.problem))
    lessons.sort(key=lambda lesson: (lesson.order, lesson.path.name if lesson.path else ""))
    kept: dict[str, Lesson] = {}
    for lesson in lessons:
        first = kept.setdefault(lesson.id, lesson)
        if first is not lesson and lesson.path is not None:  # the second one is set aside
            line = _Lines(lesson.path.read_text(encoding="utf-8")).top("id")
            where_first = first.path.name if first.path else "another lesson"
            errors.append(LessonError(lesson.path, line, f"id {lesson.id!r} is used by {where_first} already"))
    return list(kept.values()), errors


def _read(path: Path) -> Lesson:
    try:
        if path.stat().st_size > MAX_FILE_SIZE:
            raise _Bad(0, f"over {MAX_FILE_SIZE // 1024} KiB: not a lesson")
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        raise _Bad(0, f"cannot be read: {reason}") from None
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(exc) from None
    return _lesson(data, _Lines(source), path)


_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def _syntax_error(exc: tomllib.TOMLDecodeError) -> _Bad:
    message = str(exc)
    at = _AT.search(message)
    if at is None:
        return _Bad(0, f"not valid TOML: {message}")
    return _Bad(int(at.group(1)), f"not valid TOML: {message[: at.start()]} (column {at.group(2)})")


def _lesson(data: dict[str, Any], lines: _Lines, path: Path) -> Lesson:
    for key in data:
        if key not in _TOP_KEYS:
            raise _Bad(lines.top(key), f"unknown key {key!r}: a lesson has {', '.join(_TOP_KEYS)}")
    for key in ("id", "title"):
        if key not in data:
            raise _Bad(1, f"{key!r} is missing")
        if not isinstance(data[key], str) or not data[key].strip():
            raise _Bad(lines.top(key), f"{key!r} must be text in quotes")
    order = data.get("order", 1000)
    if not isinstance(order, int) or isinstance(order, bool):
        raise _Bad(lines.top("order"), "'order' must be a whole number")
    summary = data.get("summary", "")
    if not isinstance(summary, str):
        raise _Bad(lines.top("summary"), "'summary' must be text in quotes")
    raw_steps = data.get("step")
    if not isinstance(raw_steps, list) or not raw_steps or not all(isinstance(s, dict) for s in raw_steps):
        raise _Bad(lines.top("step") or 1, "a lesson needs at least one [[step]]")
    steps = tuple(_step(raw, lines, number) for number, raw in enumerate(raw_steps))
    return Lesson(data["id"].strip(), data["title"].strip(), " ".join(summary.split()), steps, path, order)


def _step(raw: dict[str, Any], lines: _Lines, number: int) -> Step:
    for key in raw:
        if key not in _STEP_KEYS:
            raise _Bad(
                lines.step(number, key), f"step {number + 1}: unknown key {key!r}: a step has {', '.join(_STEP_KEYS)}"
            )
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _Bad(lines.step(number, "text"), f"step {number + 1}: 'text' is missing or not text")
    if "check" not in raw:
        raise _Bad(lines.step(number), f"step {number + 1}: 'check' is missing: each step checks one thing")
    try:
        check = parse_check(raw["check"])
    except CheckProblem as problem:
        raise _Bad(lines.step(number, problem.key, after="check"), f"step {number + 1}: {problem.problem}") from None
    hint = raw.get("hint", "")
    if not isinstance(hint, str):
        raise _Bad(lines.step(number, "hint"), f"step {number + 1}: 'hint' must be text in quotes")
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
        raise _Bad(lines.step(number, "show"), f"step {number + 1}: 'show' {problem}")
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


class LessonRun:
    """One lesson in progress: the step shown, ticked as observations pass its check.

    Answers and events reach the console by different paths, so an event may be seen
    before the answer to the action that caused it (an Originate's Newchannel before its
    Success). So what is seen while a step waits is kept, and when the step ticks, the
    next one is checked against it too.
    """

    BACKLOG = 1000  # observations kept while a step waits; a storm's oldest are dropped

    def __init__(self, lesson: Lesson, done: int = 0) -> None:
        self.lesson = lesson
        self.index = max(0, min(done, len(lesson.steps)))  # the step shown
        self._waited: deque[Observation] = deque(maxlen=self.BACKLOG)

    @property
    def current(self) -> Step | None:
        return self.lesson.steps[self.index] if self.index < len(self.lesson.steps) else None

    @property
    def finished(self) -> bool:
        return self.index >= len(self.lesson.steps)

    def observe(self, obs: Observation) -> bool:
        """True when ``obs`` ticked the current step (the next is then shown).

        What was seen while the ticked step waited may tick the next step at once, and so
        on down the lesson, each from what followed the one before it.
        """
        step = self.current
        if step is None:
            return False
        if not step.check.passes(obs):
            self._waited.append(obs)
            return False
        waited = list(self._waited)
        self._waited.clear()
        self.index += 1
        while (step := self.current) is not None:
            at = next((i for i, seen in enumerate(waited) if step.check.passes(seen)), None)
            if at is None:
                break
            self.index += 1
            waited = waited[at + 1 :]
        return True

    def restart(self) -> None:
        self.index = 0
        self._waited.clear()


class Progress:
    """Which steps of which lessons are done, kept in <data dir>/lessons.json (atomic write;
    a damaged file is reported and set aside, never crashes).

    The file: ``{"v": 1, "done": {"ping": 2, ...}}``, steps done per lesson id. Failures to
    read or write set :attr:`error` (a sentence to show) and never raise.
    """

    VERSION = 1

    def __init__(self, path: Path) -> None:
        self.path = path
        self.error: str | None = None
        self._done: dict[str, int] = self._read()

    @staticmethod
    def default_path() -> Path:
        return data_dir() / "lessons.json"

    def done(self, lesson_id: str) -> int:
        return self._done.get(lesson_id, 0)

    def set(self, lesson_id: str, steps_done: int) -> None:
        self._done[lesson_id] = max(0, steps_done)
        self._write()

    def restart(self, lesson_id: str) -> None:
        self._done.pop(lesson_id, None)
        self._write()

    def _read(self) -> dict[str, int]:
        try:
            data = json.loads(self.path.read_bytes())
        except FileNotFoundError:
            return {}
        except OSError as exc:
            self.error = f"Lesson progress not read: {exc.strerror or exc}"
            return {}
        except ValueError:
            return self._set_aside("it is not JSON")
        done = data.get("done") if isinstance(data, dict) else None
        if not isinstance(done, dict) or not all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in done.values()
        ):
            return self._set_aside("it is not a progress file")
        return dict(done)

    def _set_aside(self, why: str) -> dict[str, int]:
        """Move the damaged file out of the way (kept, for whoever wants to look), start afresh."""
        aside = self.path.with_name(self.path.name + ".damaged")
        try:
            os.replace(self.path, aside)
        except OSError as exc:
            self.error = f"Lesson progress in {self.path} was unreadable ({why}) and could not be set aside: {exc.strerror or exc}"
        else:
            self.error = f"Lesson progress in {self.path} was unreadable ({why}): kept as {aside.name}, starting afresh"
        return {}

    def _write(self) -> None:
        data = {"v": self.VERSION, "done": self._done}
        try:
            write_atomic(self.path, json.dumps(data, indent=1, sort_keys=True).encode() + b"\n")
        except OSError as exc:
            self.error = f"Lesson progress not saved: {exc.strerror or exc}"
