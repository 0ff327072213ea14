"""Lesson files: the built-in ones load; a malformed one is reported with its file, line and
problem while the good ones beside it still load; progress is kept and survives damage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ami_console.lessons.model import BUILTIN, VIEWS, LessonError, Progress, load_lessons

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
