"""Lesson files: the built-in ones load; a malformed one is reported with its file, line and
problem while the good ones beside it still load; progress is kept and survives damage."""

from __future__ import annotations

import itertools
import json
import os
import tomllib
import tracemalloc
from pathlib import Path

import pytest

import ami_console.lessons.model as model
from ami_console.files.regular import read_regular
from ami_console.lessons.model import (
    BUILTIN,
    MAX_ERRORS,
    MAX_FILES,
    MAX_PROGRESS_SIZE,
    VIEWS,
    LessonError,
    Progress,
    load_lessons,
    read_lesson_folder,
)
from ami_console.lessons.source import MAX_DEPTH, MAX_KEY_LENGTH, MAX_KEY_PARTS, MAX_LINE_LENGTH
from tests.events.pipes import finishes

GOOD = """\
id = "good"
title = "A good lesson"
order = 1
summary = "It loads."

[[step]]
text = \"\"\"Send a Ping.
sent = "this line is text, not a key"\"\"\"
show = [["Action", "Ping"]]
check = { sent = "Ping", response = "Success" }

[[step]]
text = "Open the trace."
hint = "Press t."
[step.check]
view = "trace"
"""

STEP = """
[[step]]
text = "A step."
"""

# name -> (file text, the line reported, words of the problem)
BAD = {
    "syntax": ('id = "syntax"\ntitle = "T"\nsummary = \n', 3, "not valid TOML"),
    "unknown-check-key": (
        'id = "k"\ntitle = "T"\n' + STEP + '[step.check]\nsent = "Ping"\ncolour = "red"\n',
        8,
        "step 1: unknown check key 'colour'",
    ),
    "missing-check": (
        'id = "m"\ntitle = "T"\n' + STEP + STEP + 'check = { view = "trace" }\n',
        4,
        "step 1: 'check' is missing",
    ),
    "two-checks": (
        'id = "two"\ntitle = "T"\n'
        + STEP
        + 'check = { view = "trace" }\n'
        + STEP
        + 'check = { sent = "Ping", event = "Hangup" }\n',
        10,
        "step 2: two checks in one step (sent and event)",
    ),
    "unknown-view": ('id = "v"\ntitle = "T"\n' + STEP + 'check = { view = "kitchen" }\n', 6, "unknown view 'kitchen'"),
    "wrong-type-order": (
        'id = "w"\ntitle = "T"\norder = "two"\n' + STEP + 'check = { view = "trace" }\n',
        3,
        "'order' must be a whole number",
    ),
    "wrong-type-check": ('id = "w2"\ntitle = "T"\n' + STEP + "check = { sent = 3 }\n", 6, "'sent' must be text"),
    "wrong-type-show": (
        'id = "w3"\ntitle = "T"\n' + STEP + 'show = [["Channel", "PJSIP/alice"]]\ncheck = { sent = "Ping" }\n',
        6,
        "'show' must start with the [\"Action\"",
    ),
    "unknown-top-key": (
        'id = "u"\ntitle = "T"\nauthor = "me"\n' + STEP + 'check = { view = "trace" }\n',
        3,
        "unknown key 'author'",
    ),
    "no-steps": ('id = "n"\ntitle = "T"\n', 1, "at least one [[step]]"),
    "duplicate": (
        'id = "good"\ntitle = "Again"\norder = 2\n' + STEP + 'check = { view = "trace" }\n',
        1,
        "id 'good' is used by good.toml",
    ),
}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "good.toml").write_text(GOOD)
    for name, (text, _, _) in BAD.items():
        (tmp_path / f"{name}.toml").write_text(text)
    return tmp_path


def test_the_good_file_loads_beside_the_bad_ones(folder: Path):
    lessons, errors = load_lessons(folder)
    assert [lesson.id for lesson in lessons] == ["good"]
    good = lessons[0]
    assert good.path == folder / "good.toml" and good.order == 1 and good.summary == "It loads."
    assert [step.check.kind for step in good.steps] == ["sent", "view"]
    assert good.steps[0].show == (("Action", "Ping"),)
    assert good.steps[0].hint == "Send Ping and get Success."  # no hint given: what it waits for
    assert len(errors) == len(BAD)


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_malformed_file_names_its_file_line_and_problem(folder: Path, name: str):
    _, errors = load_lessons(folder)
    found = [error for error in errors if error.path.name == f"{name}.toml"]
    _, line, words = BAD[name]
    assert len(found) == 1, errors
    error = found[0]
    assert (error.line, words in error.problem) == (line, True), error
    assert str(error) == f"{folder / (name + '.toml')}:{line}: {error.problem}"


def test_a_missing_or_empty_folder_is_reported(tmp_path: Path):
    assert load_lessons(tmp_path / "nowhere") == ([], [LessonError(tmp_path / "nowhere", 0, "no such folder")])
    lessons, errors = load_lessons(tmp_path)
    assert lessons == [] and str(errors[0]) == f"{tmp_path}: no lesson files (*.toml) in this folder"


def test_a_file_that_is_not_text_is_reported(tmp_path: Path):
    (tmp_path / "binary.toml").write_bytes(b"id = \xff\xfe\n")
    _, errors = load_lessons(tmp_path)
    assert [(e.path.name, e.line, e.problem) for e in errors] == [("binary.toml", 0, "cannot be read: not UTF-8 text")]


def test_lessons_are_ordered_by_order_then_file_name(tmp_path: Path):
    for name, lesson_id, order in (("a.toml", "third", 3), ("b.toml", "first", 1), ("c.toml", "second", 1)):
        (tmp_path / name).write_text(
            f'id = "{lesson_id}"\ntitle = "T"\norder = {order}\n{STEP}check = {{ view = "help" }}\n'
        )
    lessons, errors = load_lessons(tmp_path)
    assert errors == [] and [lesson.id for lesson in lessons] == ["first", "second", "third"]


# -- the built-in lessons ---------------------------------------------------------------------
def test_the_built_in_lessons_all_load_with_unique_ids_in_order():
    lessons, errors = load_lessons()
    assert errors == []
    assert [lesson.order for lesson in lessons] == list(range(1, 10))
    assert len({lesson.id for lesson in lessons}) == 9
    assert all(lesson.path is not None and lesson.path.parent == BUILTIN for lesson in lessons)


def test_every_built_in_step_has_a_short_title_a_hint_and_a_usable_show():
    """The lesson panel lists each step by its first line, after a mark ("✓ "), in a panel
    29 columns wide inside on a narrow screen."""
    lessons, _ = load_lessons()
    for lesson in lessons:
        assert lesson.summary
        for step in lesson.steps:
            title = step.text.splitlines()[0]
            assert len(title) <= 26, title
            assert step.hint, title
            if step.check.kind == "view":
                assert step.check.name in VIEWS
            if step.check.kind == "list_complete" or step.check.kind == "list_item":
                assert step.show, f"{lesson.id}: {title}: a list step shows the action that lists"


# -- progress ---------------------------------------------------------------------------------
def test_progress_round_trips(tmp_path: Path):
    path = tmp_path / "data" / "lessons.json"
    progress = Progress(path)
    assert progress.done("events") == 0 and progress.error is None
    progress.set("events", 3)
    progress.set("privileges", 1)
    again = Progress(path)
    assert (again.done("events"), again.done("privileges"), again.error) == (3, 1, None)
    again.restart("events")
    assert Progress(path).done("events") == 0
    assert json.loads(path.read_text()) == {"v": 1, "done": {"privileges": 1}}


@pytest.mark.parametrize("damage", [b"{not json", b'{"v": 1, "done": {"events": "three"}}', b"[1, 2]", b"\xff\xfe"])
def test_a_damaged_progress_file_is_reported_and_set_aside(tmp_path: Path, damage: bytes):
    path = tmp_path / "lessons.json"
    path.write_bytes(damage)
    progress = Progress(path)
    assert progress.done("events") == 0
    assert progress.error is not None and "lessons.json.damaged" in progress.error
    assert (tmp_path / "lessons.json.damaged").read_bytes() == damage
    progress.set("events", 2)  # and it starts afresh
    assert Progress(path).done("events") == 2


def test_progress_that_cannot_be_written_says_so_without_raising(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    progress = Progress(blocker / "lessons.json")
    progress.set("events", 1)
    assert progress.error is not None and progress.error.startswith("Lesson progress not saved")
    assert progress.done("events") == 1  # still known for this run


def test_progress_lives_in_the_data_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("AMI_CONSOLE_DATA_DIR", str(tmp_path))
    assert Progress.default_path() == tmp_path / "lessons.json"


def test_a_steps_text_is_its_title_then_paragraphs_the_panel_can_wrap(tmp_path: Path):
    text = (
        "Title here.\nFirst paragraph,\nwrapped in the file.\n\nSecond one.\n    Action: Ping\n    ActionID: 1\nLast."
    )
    (tmp_path / "a.toml").write_text(
        f'id = "a"\ntitle = "T"\n[[step]]\ntext = """{text}"""\ncheck = {{ view = "help" }}\n'
    )
    lessons, errors = load_lessons(tmp_path)
    assert errors == []
    assert lessons[0].steps[0].text.splitlines() == [
        "Title here.",
        "First paragraph, wrapped in the file.",
        "",
        "Second one.",
        "    Action: Ping",
        "    ActionID: 1",
        "Last.",
    ]


# -- a trainer's folder is untrusted input (issue 19) ------------------------------------------
def lesson(lesson_id: str, text: str = "A step.") -> str:
    return f'id = "{lesson_id}"\ntitle = "T"\n[[step]]\ntext = "{text}"\ncheck = {{ view = "help" }}\n'


def problems(errors: list[LessonError]) -> list[tuple[str, int, str]]:
    return [(error.path.name, error.line, error.problem) for error in errors]


def test_thousands_of_unusable_files_give_one_bounded_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """10,000 unusable files raised 10,000 notifications. Only the first MAX_FILES (by name)
    are read, the first MAX_ERRORS problems are kept, and the rest are counted."""
    count = MAX_FILES * 3
    for number in range(count):
        (tmp_path / f"bad-{number:05}.toml").write_text("id = \n")
    read: list[Path] = []

    def counting(path: Path, limit: int) -> bytes:
        read.append(path)
        return read_regular(path, limit)

    monkeypatch.setattr(model, "read_regular", counting)
    folder = read_lesson_folder(tmp_path)
    assert folder.lessons == [] and len(read) == MAX_FILES
    assert (folder.unusable, folder.unread, folder.cancelled) == (MAX_FILES, count - MAX_FILES, False)
    files = [error for error in folder.errors if error.path != tmp_path]
    assert [error.path.name for error in files] == [f"bad-{number:05}.toml" for number in range(MAX_ERRORS)]
    assert [str(error) for error in folder.errors if error.path == tmp_path] == [
        f"{tmp_path}: {MAX_FILES - MAX_ERRORS} more lesson files could not be used",
        f"{tmp_path}: {count - MAX_FILES} lesson files not read: a folder is read up to {MAX_FILES} files",
    ]
    assert folder.summary == f"{MAX_FILES} lesson files could not be used; {count - MAX_FILES} not read"
    assert load_lessons(tmp_path) == (folder.lessons, folder.errors)


def test_a_folder_with_more_entries_than_are_looked_at_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(model, "MAX_LISTED", 10)
    for number in range(30):
        (tmp_path / f"{number:02}.txt").write_text("not a lesson")
    lessons, errors = load_lessons(tmp_path)
    assert lessons == [] and problems(errors) == [
        (tmp_path.name, 0, "holds more than 10 entries: only the first 10 listed were looked at"),
        (tmp_path.name, 0, "no lesson files (*.toml) in this folder"),
    ]


def test_the_bytes_read_from_a_folder_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    text = lesson("x")
    monkeypatch.setattr(model, "MAX_TOTAL_BYTES", len(text) * 3 - 1)
    for number in range(10):
        (tmp_path / f"{number}.toml").write_text(text.replace('"x"', f'"l{number}"'))
    folder = read_lesson_folder(tmp_path)
    assert [one.id for one in folder.lessons] == ["l0", "l1", "l2"]
    assert folder.unread == 7 and folder.summary == "7 lesson files not read"
    assert problems(folder.errors) == [
        (tmp_path.name, 0, f"7 lesson files not read: a folder's lessons are read up to {len(text) * 3 - 1} bytes")
    ]


def test_loading_stops_between_files_when_asked(tmp_path: Path):
    for number in range(10):
        (tmp_path / f"{number}.toml").write_text(lesson(f"l{number}"))
    asked = itertools.count()
    folder = read_lesson_folder(tmp_path, cancelled=lambda: next(asked) >= 2)
    assert [one.id for one in folder.lessons] == ["l0", "l1"] and folder.cancelled and folder.unread == 8
    assert problems(folder.errors) == [(tmp_path.name, 0, "8 lesson files not read: loading was stopped")]


def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path: Path):
    """A named pipe in the folder blocked loading forever (and ctrl+q with it)."""
    os.mkfifo(tmp_path / "pipe.toml")
    (tmp_path / "good.toml").write_text(GOOD)
    lessons, errors = finishes(lambda: load_lessons(tmp_path), tmp_path / "pipe.toml")
    assert [one.id for one in lessons] == ["good"]
    assert problems(errors) == [("pipe.toml", 0, "cannot be read: not a regular file (a named pipe)")]


def test_a_link_to_an_endless_device_is_refused(tmp_path: Path):
    """/dev/zero says its size is 0; reading it never ends (it ended in MemoryError)."""
    (tmp_path / "zero.toml").symlink_to("/dev/zero")
    (tmp_path / "folder.toml").mkdir()
    _, errors = load_lessons(tmp_path)
    assert problems(errors) == [
        ("folder.toml", 0, "cannot be read: not a regular file (a folder)"),
        ("zero.toml", 0, "cannot be read: not a regular file (a character device)"),
    ]


NESTED_ARRAYS = 'id = "n"\ntitle = "T"\nx = ' + "[\n" * 5000 + "]\n" * 5000
HOSTILE = {
    # name -> (file text, the line reported, the problem)
    "nested-arrays": (NESTED_ARRAYS, 3 + MAX_DEPTH, f"nested deeper than {MAX_DEPTH} levels of [ and {{"),
    "nested-tables": (
        'id = "t"\ntitle = "T"\nx = ' + "{ a = " * 40 + "1" + " }" * 40 + "\n",
        3,
        f"nested deeper than {MAX_DEPTH} levels of [ and {{",
    ),
    "dotted-key": ('id = "d"\ntitle = "T"\na.b.c.d.e = 1\n', 3, f"a key of more than {MAX_KEY_PARTS} dotted parts"),
    "dotted-header": (
        'id = "h"\ntitle = "T"\n[a . b."c".d.e]\n',
        3,
        f"a key of more than {MAX_KEY_PARTS} dotted parts",
    ),
    "dotted-inline": (
        'id = "i"\ntitle = "T"\nx = { y = 1, a.b.c.d.e = 1 }\n',
        3,
        f"a key of more than {MAX_KEY_PARTS} dotted parts",
    ),
    "long-key": ('id = "k"\ntitle = "T"\n' + "k" * 200 + " = 1\n", 3, f"a key longer than {MAX_KEY_LENGTH} characters"),
    "long-line": (
        'id = "l"\ntitle = "T"\nsummary = """\n' + "w" * (MAX_LINE_LENGTH + 1) + '\n"""\n',
        4,
        f"a line longer than {MAX_LINE_LENGTH:,} characters",
    ),
    "dotted-key-of-40-KB": (
        'id = "k"\ntitle = "T"\n' + ".".join(["a"] * 20_000) + " = 1\n",
        3,
        f"a line longer than {MAX_LINE_LENGTH:,} characters",
    ),
    "dotted-key-of-120-KB": (
        'id = "k"\ntitle = "T"\n' + ".".join(["a"] * 60_000) + " = 1\n",
        0,
        "over 64 KiB: not a lesson",
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_what_would_exhaust_the_toml_reader_is_refused_before_it(tmp_path: Path, name: str):
    """Deep nesting crashed the console with RecursionError; a 120 KB dotted key drove the
    TOML reader to 2.8 GiB. Both are found by a scan of the text, with their line."""
    text, line, problem = HOSTILE[name]
    (tmp_path / f"{name}.toml").write_text(text)
    tracemalloc.start()
    try:
        _, errors = load_lessons(tmp_path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert problems(errors) == [(f"{name}.toml", line, problem)]
    assert peak < 20 * len(text) + (1 << 20)


def test_the_scan_leaves_brackets_keys_and_dots_in_strings_and_comments_alone(tmp_path: Path):
    deep = "[" * (MAX_DEPTH * 2)
    (tmp_path / "tricky.toml").write_text(
        f'id = "tricky"  # [{deep} a.b.c.d.e.f = 1\n'
        f"title = '{deep} a.b.c.d.e.f = {{'\n"
        f'summary = """\\"""{deep}\n'
        f'a.b.c.d.e.f = 1 "\n'
        f"''' {{{{ \"\"\"\n"
        f"[[step]]\n"
        f"text = '''Literal {deep} \"\"\" \n"
        f"x.y.z.w.v = {{'''\n"
        f'show = [["Action", "Ping"], ["Note", "{deep}"]]\n'
        f"  [ step . check ] # {deep}\n"
        f'  sent = "Ping"\n'
    )
    lessons, errors = load_lessons(tmp_path)
    assert errors == [] and lessons[0].title.startswith(deep)


@pytest.mark.parametrize("failure", [RecursionError, MemoryError, IndexError])
def test_any_failure_reading_a_file_is_that_files_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: type[Exception]
):
    def fail(_: str) -> None:
        raise failure("deep inside")

    (tmp_path / "good.toml").write_text(GOOD)
    monkeypatch.setattr(tomllib, "loads", fail)
    lessons, errors = load_lessons(tmp_path)
    assert lessons == []
    assert problems(errors) == [("good.toml", 0, f"cannot be read: the TOML reader failed ({failure.__name__})")]


# -- progress files are files too -------------------------------------------------------------
def test_progress_in_a_named_pipe_is_not_waited_for(tmp_path: Path):
    path = tmp_path / "lessons.json"
    os.mkfifo(path)
    progress = finishes(lambda: Progress(path), path)
    assert progress.error == "Lesson progress not read: not a regular file (a named pipe)"
    assert path.is_fifo() and progress.done("events") == 0  # not set aside: it is no damaged file


def test_progress_linked_to_an_endless_device_is_refused(tmp_path: Path):
    path = tmp_path / "lessons.json"
    path.symlink_to("/dev/zero")
    progress = Progress(path)
    assert progress.error == "Lesson progress not read: not a regular file (a character device)"


@pytest.mark.parametrize(
    "damage, why",
    [
        (b"[" * 100_000, "it is not JSON"),
        (b'{"v": 1, "done": {}}' + b" " * MAX_PROGRESS_SIZE, f"it is over {MAX_PROGRESS_SIZE // 1024} KiB"),
    ],
)
def test_progress_too_deep_or_too_big_is_set_aside(tmp_path: Path, damage: bytes, why: str):
    path = tmp_path / "lessons.json"
    path.write_bytes(damage)
    progress = Progress(path)
    assert progress.done("events") == 0
    assert (
        progress.error is not None and f"({why})" in progress.error and "kept as lessons.json.damaged" in progress.error
    )
