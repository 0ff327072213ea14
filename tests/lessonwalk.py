"""A learner's keys for the built-in lessons' walks (tests/ui/test_lesson_walks_*.py):
start a lesson from the list, "show me" and send, wait for a step's tick, check it was kept."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from ami_console.lessons.model import Progress, load_lessons
from ami_console.simulator import Simulator
from ami_console.ui.app import AMIConsoleApp
from tests.apphelpers import connected, console, shown, until

LESSONS = {lesson.order: lesson for lesson in load_lessons()[0]}


def learner(pbx: Simulator, tmp_path: Path) -> AMIConsoleApp:
    return console(pbx, tmp_path, learn=True, lessons_progress=tmp_path / "progress.json")


def console_app(pilot: Pilot) -> AMIConsoleApp:
    app = pilot.app
    assert isinstance(app, AMIConsoleApp)
    return app


def panel_text(app: AMIConsoleApp) -> str:
    panel = app.console_screen.lesson_panel
    return panel.shown if panel is not None else ""


async def start_lesson(pilot: Pilot, order: int) -> None:
    """As a learner: ctrl+l to the panel, l for the list, down to the lesson, enter."""
    from ami_console.ui.screens.lessons import LessonsScreen

    app = console_app(pilot)
    await connected(pilot)
    await until(pilot, lambda: app.console_screen.lesson_panel is not None, what="the lesson panel")
    # ami-console learn starts on the lesson (once its lessons are read): its keys work at once.
    await until(pilot, lambda: app.screen.focused is app.console_screen.lesson_panel, what="the lesson focused")
    await pilot.press("l")
    await until(pilot, lambda: isinstance(app.screen, LessonsScreen), what="the list of lessons")
    await pilot.press(*["down"] * (order - 1), "enter")
    lesson = LESSONS[order]
    await until(pilot, lambda: app.screen is app.console_screen, what="the list closed")
    await until(pilot, lambda: at_step(app, lesson.title, 1), what=f"{lesson.title}: step 1")


def at_step(app: AMIConsoleApp, title: str, number: int) -> bool:
    text = panel_text(app)
    return text.startswith(title) and f"Step {number} of " in text


async def focus_panel(pilot: Pilot) -> None:
    app = console_app(pilot)
    panel = app.console_screen.lesson_panel
    if app.screen.focused is not panel:  # ctrl+l on the panel would hide it
        await pilot.press("ctrl+l")
    await until(pilot, lambda: app.screen.focused is panel, what="the panel focused")


async def show_me_and_send(pilot: Pilot, expected: str | None = None) -> None:
    """The panel's "show me" (s) fills the composer; the learner sends it (ctrl+s)."""
    app = console_app(pilot)
    panel = app.console_screen.lesson_panel
    step = panel.run.current if panel is not None and panel.run is not None else None
    assert step is not None and step.show
    action = step.show[0][1]
    assert expected in (None, action)
    rows = [(k, v, True) for k, v in step.show[1:]]
    composer = app.console_screen.composer
    await focus_panel(pilot)
    await pilot.press("s")
    await until(
        pilot,
        lambda: composer.picker.value == action and composer.fields.snapshot()[: len(rows)] == rows,
        what=f"the composer filled with {action}",
    )
    await until(pilot, lambda: app.screen.focused is not panel, what="the focus back in the composer")
    await pilot.press("ctrl+s")


async def ticked(pilot: Pilot, order: int, step: int, timeout: float = 5.0) -> None:
    """Step ``step`` (from 1) of lesson ``order`` is ticked: the panel shows the next
    step, or that the lesson is done (the checks run on the model thread; the panel
    shows their result at its next frame, so both are waited for)."""
    app = console_app(pilot)
    lesson = LESSONS[order]
    first_line = lesson.steps[step - 1].text.strip().splitlines()[0]

    def shown() -> bool:
        done = done_steps(app, order)
        if done < step:
            return False
        text = panel_text(app)
        then = "Lesson done" if done == len(lesson.steps) else f"Step {done + 1} of "
        return f"✓ {first_line}" in text and then in text

    await until(pilot, shown, timeout, f"{lesson.title}: step {step} ticked and shown")


def done_steps(app: AMIConsoleApp, order: int) -> int:
    """How many steps of lesson ``order`` the panel has ticked (read, never changed)."""
    panel = app.console_screen.lesson_panel
    run = panel.run if panel is not None else None
    return run.index if run is not None and run.lesson.id == LESSONS[order].id else -1


def finished(app: AMIConsoleApp, tmp_path: Path, order: int) -> None:
    lesson = LESSONS[order]
    assert "Lesson done" in panel_text(app)
    assert Progress(tmp_path / "progress.json").done(lesson.id) == len(lesson.steps)


async def type_text(pilot: Pilot, text: str) -> None:
    await pilot.press(*text)


def channel_seen(app: AMIConsoleApp, prefix: str) -> bool:
    return any((e.message.header("Channel") or "").startswith(prefix) for e in shown(app))
