"""Built-in lessons 1 to 5, each walked end to end as a learner would: keys only (the panel's
"show me", ctrl+s, F-keys, typing), against the demo PBX, until every step is ticked and
the progress file says the lesson is done.

Nothing here ticks a step by calling the app: the tests read the panel (and the app's state)
only to wait for what a learner would see.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from ami_console.lessons.model import Progress
from ami_console.simulator import Simulator
from ami_console.ui.app import AMIConsoleApp
from ami_console.ui.screens.lessons import LessonsScreen
from ami_console.ui.widgets.lesson_panel import LessonPanel
from tests.apphelpers import connected, console, run, until

STEP_WAIT = 5.0  # seconds for one step to tick: the demo runs 50 times faster than real time


@pytest.fixture
def pbx() -> Iterator[Simulator]:
    with Simulator(time_scale=0.02, seed=7) as simulator:
        yield simulator


def learner(pbx: Simulator, tmp_path: Path) -> AMIConsoleApp:
    """``ami-console learn`` with the built-in lessons and a progress file of the test's own."""
    return console(pbx, tmp_path, learn=True, lessons_progress=tmp_path / "progress.json")


def the_app(pilot: Pilot) -> AMIConsoleApp:
    app = pilot.app
    assert isinstance(app, AMIConsoleApp)
    return app


def the_panel(app: AMIConsoleApp) -> LessonPanel:
    panel = app.console_screen.lesson_panel
    assert panel is not None
    return panel


def shown(app: AMIConsoleApp) -> str:
    panel = app.console_screen.lesson_panel
    return panel.shown if panel is not None else ""


async def begin(pilot: Pilot, number: int, title: str) -> None:
    """Connected, with the panel on built-in lesson ``number``: picked from the list by keys."""
    app = the_app(pilot)
    await connected(pilot)
    await until(pilot, lambda: app.console_screen.lesson_panel is not None, what="the lesson panel")
    await until(pilot, lambda: "Step 1 of" in shown(app), what="a lesson started")
    if number > 1:
        await focus_panel(pilot)
        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, LessonsScreen), what="the list of lessons")
        await pilot.press(*["down"] * (number - 1), "enter")
        await until(pilot, lambda: app.screen is app.console_screen, what="the list closed")
    await until(pilot, lambda: shown(app).startswith(f"{title}\nStep 1 of"), what=f"lesson {title!r}")


async def focus_panel(pilot: Pilot) -> None:
    """ctrl+e goes to the panel (pressed on the panel it would hide it: so only when away)."""
    app = the_app(pilot)
    panel = the_panel(app)
    if app.screen.focused is not panel:
        await pilot.press("ctrl+e")
    await until(pilot, lambda: app.screen.focused is panel, what="the panel focused")


async def show_me_and_send(pilot: Pilot, action: str) -> None:
    """The panel's "show me" (s) fills the composer and moves there; the learner sends it (ctrl+s)."""
    app = the_app(pilot)
    composer = app.console_screen.composer
    await focus_panel(pilot)
    await pilot.press("s")
    # The focus leaves the panel for the composer once the composer is filled.
    await until(pilot, lambda: app.screen.focused is composer.picker.input, what=f"show me: {action}")
    assert composer.picker.value == action
    await pilot.press("ctrl+s")


async def ticked(pilot: Pilot, number: int) -> None:
    """Step ``number`` (from 1) is ticked. Steps that wait for events may tick one after the
    other within a moment (a call's events come together), so the run is read, not the
    "Step n of m" line that may be shown only for an instant; then the panel's tick."""
    panel = the_panel(the_app(pilot))
    walk = panel.run
    assert walk is not None
    await until(pilot, lambda: walk.index >= number, timeout=STEP_WAIT, what=f"step {number} ticked")
    first = walk.lesson.steps[number - 1].text.strip().splitlines()[0]
    assert f"✓ {first}" in panel.shown


def saved_done(app: AMIConsoleApp, tmp_path: Path, lesson_id: str, total: int) -> None:
    assert "Lesson done" in shown(app) and f"All {total} steps done" in shown(app)
    assert Progress(tmp_path / "progress.json").done(lesson_id) == total  # read back from the file


def test_lesson_1_what_ami_is(pbx: Simulator, tmp_path: Path) -> None:
    app = learner(pbx, tmp_path)

    async def scenario(pilot: Pilot) -> None:
        await begin(pilot, 1, "What AMI is")
        await pilot.press("f12")  # the transcript
        await ticked(pilot, 1)
        await show_me_and_send(pilot, "Login")  # Login again: Already authenticated
        await ticked(pilot, 2)
        await show_me_and_send(pilot, "Logoff")  # Goodbye: the connection closes
        await ticked(pilot, 3)
        await until(pilot, lambda: not app.connected and app.session is None, what="disconnected")
        await pilot.press("ctrl+r")  # connect again: a new greeting, Login, then FullyBooted
        await ticked(pilot, 4)
        saved_done(app, tmp_path, "what-is-ami", 4)

    run(app, scenario)


def test_lesson_2_actions_and_responses(pbx: Simulator, tmp_path: Path) -> None:
    app = learner(pbx, tmp_path)

    async def scenario(pilot: Pilot) -> None:
        await begin(pilot, 2, "Actions and responses")
        await show_me_and_send(pilot, "Ping")
        await ticked(pilot, 1)
        await show_me_and_send(pilot, "Ping")
        await ticked(pilot, 2)
        await show_me_and_send(pilot, "Hello")  # unknown: Error, and a RequestBadFormat event
        await ticked(pilot, 3)
        await pilot.press("f4")  # the event log, where the security event is
        await ticked(pilot, 4)
        saved_done(app, tmp_path, "actions-and-responses", 4)

    run(app, scenario)


def test_lesson_3_parameters(pbx: Simulator, tmp_path: Path) -> None:
    app = learner(pbx, tmp_path)

    async def scenario(pilot: Pilot) -> None:
        await begin(pilot, 3, "Parameters")
        await show_me_and_send(pilot, "CoreSettings")
        await ticked(pilot, 1)
        await show_me_and_send(pilot, "Command")  # core show channels
        await ticked(pilot, 2)
        await show_me_and_send(pilot, "Command")  # core show version
        await ticked(pilot, 3)
        saved_done(app, tmp_path, "parameters", 3)

    run(app, scenario)


def test_lesson_4_events(pbx: Simulator, tmp_path: Path) -> None:
    app = learner(pbx, tmp_path)

    async def scenario(pilot: Pilot) -> None:
        await begin(pilot, 4, "Events")
        await show_me_and_send(pilot, "Originate")  # the demo call to 100@demo
        await ticked(pilot, 1)
        await pilot.press("f4")  # the event log: the call's events tick the rest by themselves
        for number in (2, 3, 4, 5):
            await ticked(pilot, number)
        saved_done(app, tmp_path, "events", 5)

    run(app, scenario)


def test_lesson_5_repeated_headers(pbx: Simulator, tmp_path: Path) -> None:
    app = learner(pbx, tmp_path)

    async def scenario(pilot: Pilot) -> None:
        await begin(pilot, 5, "Repeated headers")
        await show_me_and_send(pilot, "Originate")  # with Variable A=1 and Variable B=2
        await ticked(pilot, 1)
        await ticked(pilot, 2)  # VarSet A
        await ticked(pilot, 3)  # VarSet B
        await pilot.press("f6", *"VarSet Variable=A")
        await ticked(pilot, 4)
        saved_done(app, tmp_path, "repeated-headers", 4)

    run(app, scenario)
