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

A trainer's folder is untrusted input, read within bounds (:func:`read_lesson_folder`):
a lesson file is at most 64 KiB, lines at most 4,096 characters, nesting of ``[`` and
``{`` at most 16 deep, keys at most 100 characters and 4 dotted parts
(:mod:`.source`); a folder is read up to 100 files and 512 KiB.
"""

from __future__ import annotations

import json
import os
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ami_console.files.atomic import write_atomic
from ami_console.files.profiles import data_dir
from ami_console.files.regular import FileTooLarge, read_regular, size_text
from ami_console.lessons.checks import VIEWS, Check, Observation
from ami_console.lessons.source import Lesson, LessonProblem, Step, parse_lesson

__all__ = [
    "BUILTIN",
    "MAX_ERRORS",
    "MAX_FILES",
    "MAX_FILE_SIZE",
    "MAX_LISTED",
    "MAX_PROGRESS_SIZE",
    "MAX_TOTAL_BYTES",
    "VIEWS",
    "Check",
    "Lesson",
    "LessonError",
    "LessonFolder",
    "LessonRun",
    "Observation",
    "Progress",
    "Step",
    "load_lessons",
    "read_lesson_folder",
]

BUILTIN = Path(__file__).parent / "builtin"
# A lesson is a few kilobytes and a course a few dozen of them. The bounds keep a
# hostile or mistaken folder (10,000 files, huge tables) to a fraction of a second.
MAX_FILE_SIZE = 64 * 1024
MAX_FILES = 100  # read, by name; the rest are counted
MAX_TOTAL_BYTES = 512 * 1024  # read from one folder, in all: at worst a second or two of parsing
MAX_LISTED = 10_000  # entries of the folder looked at
MAX_ERRORS = 20  # files' problems kept; the rest are counted
MAX_PROGRESS_SIZE = 256 * 1024  # progress is a few bytes per lesson


@dataclass(frozen=True)
class LessonError:
    """A lesson file that could not be used. ``line`` 0: the file (or folder) as a whole."""

    path: Path
    line: int
    problem: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.problem}" if self.line else f"{self.path}: {self.problem}"


@dataclass(frozen=True)
class LessonFolder:
    """A folder's lessons, and what kept others out, bounded to show at once."""

    lessons: list[Lesson]
    # The first MAX_ERRORS files' problems, then the folder's own (line 0): how many more
    # files could not be used, how many were not read and why.
    errors: list[LessonError] = field(default_factory=list)
    unusable: int = 0  # lesson files that could not be used, listed above or not
    unread: int = 0  # lesson files not read: past MAX_FILES or MAX_TOTAL_BYTES, or after a stop
    cancelled: bool = False

    @property
    def summary(self) -> str:
        """One line for a status or a notification ("" when all went well)."""
        parts = [f"{_files(self.unusable)} could not be used"] if self.unusable else []
        if self.unread:
            parts.append(f"{_files(self.unread)} not read" if not parts else f"{self.unread:,} not read")
        return "; ".join(parts) or (self.errors[0].problem if self.errors else "")


def _files(count: int) -> str:
    return f"{count:,} lesson file{'' if count == 1 else 's'}"


def load_lessons(folder: Path | None = None) -> tuple[list[Lesson], list[LessonError]]:
    """The lessons of ``folder`` (None: the built-in ones) and the problems, as
    :func:`read_lesson_folder` gives them."""
    loaded = read_lesson_folder(folder)
    return loaded.lessons, loaded.errors


def read_lesson_folder(folder: Path | None = None, *, cancelled: Callable[[], bool] | None = None) -> LessonFolder:
    """The lessons in ``folder`` (None: the built-in ones), by ``order`` then file name,
    and the files that could not be used, each with its line and problem.

    Untrusted and bounded: only regular files are read, never blocking (a named pipe is
    refused, not waited on), each up to MAX_FILE_SIZE; the first MAX_FILES by name, up to
    MAX_TOTAL_BYTES in all. ``cancelled`` is asked before each file: when it says so,
    loading stops and what was read is returned. Meant for a worker thread; never raises
    for what the folder holds.
    """
    where = folder if folder is not None else BUILTIN
    if not where.is_dir():
        return LessonFolder([], [LessonError(where, 0, "no such folder")])
    try:
        names, notes = _lesson_files(where)
    except OSError as exc:
        return LessonFolder([], [LessonError(where, 0, f"cannot be listed: {exc.strerror or exc}")])
    if not names:
        return LessonFolder([], [*notes, LessonError(where, 0, "no lesson files (*.toml) in this folder")])
    found: list[tuple[Lesson, int]] = []  # each with the line of its id
    problems: list[LessonError] = []  # at most one a file read: MAX_FILES bounds them
    read = total = 0
    stopped = ""  # why the files after ``read`` were not read
    for name in names:
        if cancelled is not None and cancelled():
            stopped = "loading was stopped"
        elif read == MAX_FILES:
            stopped = f"a folder is read up to {MAX_FILES:,} files"
        elif total >= MAX_TOTAL_BYTES:
            stopped = f"a folder's lessons are read up to {size_text(MAX_TOTAL_BYTES)}"
        if stopped:
            break
        path = where / name
        read += 1
        try:
            source = read_regular(path, MAX_FILE_SIZE)
        except FileTooLarge:
            problems.append(LessonError(path, 0, f"over {MAX_FILE_SIZE // 1024} KiB: not a lesson"))
            continue
        except OSError as exc:
            problems.append(LessonError(path, 0, f"cannot be read: {exc.strerror or exc}"))
            continue
        total += len(source)
        try:
            found.append(parse_lesson(source.decode("utf-8"), path))
        except LessonProblem as bad:
            problems.append(LessonError(path, bad.line, bad.problem))
        except UnicodeDecodeError:
            problems.append(LessonError(path, 0, "cannot be read: not UTF-8 text"))
        except Exception as exc:  # whatever a file holds, it must never take the console down
            problems.append(LessonError(path, 0, f"cannot be used: {type(exc).__name__}"))
    found.sort(key=lambda pair: (pair[0].order, pair[0].path.name if pair[0].path else ""))
    kept: dict[str, Lesson] = {}
    for lesson, id_line in found:
        first = kept.setdefault(lesson.id, lesson)
        if first is not lesson and lesson.path is not None:  # the second one is set aside
            where_first = first.path.name if first.path else "another lesson"
            problems.append(LessonError(lesson.path, id_line, f"id {lesson.id!r} is used by {where_first} already"))
    if len(problems) > MAX_ERRORS:
        more = len(problems) - MAX_ERRORS
        notes.append(LessonError(where, 0, f"{more:,} more lesson file{'' if more == 1 else 's'} could not be used"))
    unread = len(names) - read
    if unread:
        notes.append(LessonError(where, 0, f"{_files(unread)} not read: {stopped}"))
    errors = problems[:MAX_ERRORS] + notes
    return LessonFolder(list(kept.values()), errors, len(problems), unread, stopped == "loading was stopped")


def _lesson_files(where: Path) -> tuple[list[str], list[LessonError]]:
    """The names of the lesson files in ``where``, sorted, among the first MAX_LISTED
    entries (and a note if there were more). Raises OSError when it cannot be listed."""
    names: list[str] = []
    with os.scandir(where) as entries:
        for seen, entry in enumerate(entries):
            if seen == MAX_LISTED:
                looked = f"holds more than {MAX_LISTED:,} entries: only the first {MAX_LISTED:,} listed were looked at"
                return sorted(names), [LessonError(where, 0, looked)]
            if entry.name.endswith(".toml"):
                names.append(entry.name)
    return sorted(names), []


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
            data = json.loads(read_regular(self.path, MAX_PROGRESS_SIZE))
        except FileNotFoundError:
            return {}
        except FileTooLarge:
            return self._set_aside(f"it is over {MAX_PROGRESS_SIZE // 1024} KiB")
        except OSError as exc:  # a pipe, a device, a folder: reported, left where it is
            self.error = f"Lesson progress not read: {exc.strerror or exc}"
            return {}
        except (ValueError, RecursionError):  # RecursionError: nested deeper than json can read
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
