"""Built-in lessons 6 to 9, each walked end to end as a learner would: keys only (the
panel's "show me" and ctrl+s, the event filter, f and t in the log, the Calls tab, the
connection form, the server filters screen), against the demo PBX. Every step must tick
from what really happened, and the finished lesson must be kept in the progress file.

The app's state is only read, to wait for a step to tick; nothing here ticks a step."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from ami_console.lessons.model import Progress, load_lessons
from ami_console.simulator import Simulator
from ami_console.ui.app import AMIConsoleApp
from tests.apphelpers import connected, console, run, until

LESSONS = {lesson.order: lesson for lesson in load_lessons()[0]}

# Calls last 30 dialplan seconds in lessons 6 and 7 and must still be up a few steps later:
# at 0.5 a 30 s Wait is 15 s of real time: room enough for keys on a busy machine.
TIME_SCALE = 0.5


@pytest.fixture
def pbx():
    with Simulator(time_scale=TIME_SCALE, seed=7) as simulator:
        yield simulator


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
    """As a learner: ctrl+e to the panel, l for the list, down to the lesson, enter."""
    from ami_console.ui.screens.lessons import LessonsScreen

    app = console_app(pilot)
    await connected(pilot)
    await until(pilot, lambda: app.console_screen.lesson_panel is not None, what="the lesson panel")
    await focus_panel(pilot)
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
    if app.screen.focused is not panel:  # ctrl+e on the panel would hide it
        await pilot.press("ctrl+e")
    await until(pilot, lambda: app.screen.focused is panel, what="the panel focused")


async def show_me_and_send(pilot: Pilot) -> None:
    """The panel's "show me" (s) fills the composer; the learner sends it (ctrl+s)."""
    app = console_app(pilot)
    panel = app.console_screen.lesson_panel
    step = panel.run.current if panel is not None and panel.run is not None else None
    assert step is not None and step.show
    action = step.show[0][1]
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
    step, or that the lesson is done."""
    app = console_app(pilot)
    lesson = LESSONS[order]
    await until(pilot, lambda: done_steps(app, order) >= step, timeout, f"{lesson.title}: step {step} ticked")
    text = panel_text(app)
    first_line = lesson.steps[step - 1].text.strip().splitlines()[0]
    assert f"✓ {first_line}" in text
    done = done_steps(app, order)
    assert "Lesson done" in text if done == len(lesson.steps) else f"Step {done + 1} of " in text


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
    return any((e.message.header("Channel") or "").startswith(prefix) for e in app.store.view)


# -- 6: event lists ------------------------------------------------------------------------------
def test_lesson_6_event_lists(pbx, tmp_path):
    app = learner(pbx, tmp_path)

    async def scenario(pilot):
        await start_lesson(pilot, 6)
        await show_me_and_send(pilot)  # CoreShowChannels: an empty list, complete
        await ticked(pilot, 6, 1)
        await show_me_and_send(pilot)  # Originate to 300, which answers and waits
        await ticked(pilot, 6, 2)
        # Async: Success comes before the call is up; a learner sees it in the log first.
        await until(pilot, lambda: channel_seen(app, "Local/300@demo"), what="the call up")
        await show_me_and_send(pilot)  # CoreShowChannels: now with items
        await ticked(pilot, 6, 3)
        await show_me_and_send(pilot)  # QueueStatus
        await ticked(pilot, 6, 4)
        finished(app, tmp_path, 6)

    run(app, scenario)


# -- 7: following a call ---------------------------------------------------------------------------
def test_lesson_7_following_a_call(pbx, tmp_path):
    app = learner(pbx, tmp_path)

    async def scenario(pilot):
        screen = app.console_screen
        await start_lesson(pilot, 7)
        await show_me_and_send(pilot)  # Originate to 600
        await ticked(pilot, 7, 1)
        log = screen.events.log_view
        await until(pilot, lambda: channel_seen(app, "Local/600@demo"), what="the call's events")
        await pilot.press("f6")
        await until(pilot, lambda: screen.focused is screen.events.filter_input, what="the filter focused")
        await type_text(pilot, "Local/600@demo")
        await ticked(pilot, 7, 2)
        await pilot.press("f4")
        await until(pilot, lambda: screen.focused is log and log.current is not None, what="an event of the call")
        await pilot.press("f")
        await ticked(pilot, 7, 3)
        await pilot.press("t")
        await ticked(pilot, 7, 4)
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen, what="the trace closed")
        await pilot.press("ctrl+g")
        calls = screen.calls
        await until(pilot, lambda: screen.focused is calls.list_view and calls.selected_key, what="a call selected")
        await pilot.press("d")
        await ticked(pilot, 7, 5)
        await pilot.press("escape")
        finished(app, tmp_path, 7)

    run(app, scenario)


# -- 8: privileges ---------------------------------------------------------------------------------
def connected_as(app: AMIConsoleApp, username: str) -> bool:
    return app.connected and app.session is not None and app.session.settings.username == username


async def log_in_as(pilot: Pilot, username: str, secret: str) -> None:
    """F10, then the form's username and secret typed over, and ctrl+s to connect."""
    from ami_console.ui.screens.connect import ConnectScreen

    app = console_app(pilot)
    await pilot.press("f10")
    await until(pilot, lambda: isinstance(app.screen, ConnectScreen), what="the connection form")
    form = app.screen
    for field, value in (("username", username), ("secret", secret)):
        for _ in range(20):  # tab round the form to the field, as a learner would
            if getattr(form.focused, "id", None) == field:
                break
            await pilot.press("tab")
        assert getattr(form.focused, "id", None) == field
        await pilot.press("home", "ctrl+k")
        await type_text(pilot, value)
        assert form.query_one(f"#{field}", Input).value == value
    await pilot.press("ctrl+s")
    await until(
        pilot,
        lambda: app.screen is app.console_screen and connected_as(app, username),
        what=f"connected as {username}",
    )


def test_lesson_8_privileges(pbx, tmp_path):
    app = learner(pbx, tmp_path)

    async def scenario(pilot):
        await start_lesson(pilot, 8)
        await log_in_as(pilot, "monitor", "monpass")
        await show_me_and_send(pilot)  # Ping as monitor
        await ticked(pilot, 8, 1)
        await show_me_and_send(pilot)  # Originate: Permission denied
        await ticked(pilot, 8, 2)
        # The refusal's RequestNotAllowed usually follows its answer at once, ticking step 3
        # too; if it came first, the learner sends the Originate again, as the hint says.
        if done_steps(app, 8) < 3:
            await show_me_and_send(pilot)
        await ticked(pilot, 8, 3)
        await log_in_as(pilot, "admin", "adminpass")
        await show_me_and_send(pilot)  # Ping as admin
        await ticked(pilot, 8, 4)
        finished(app, tmp_path, 8)

    run(app, scenario)


# -- 9: filtering at the server ------------------------------------------------------------------------
async def connect_again(pilot: Pilot) -> None:
    from ami_console.ui.screens.connect import ConnectScreen

    app = console_app(pilot)
    await pilot.press("f10")
    await until(pilot, lambda: isinstance(app.screen, ConnectScreen), what="the connection form")
    await pilot.press("ctrl+s")
    await until(pilot, lambda: app.screen is app.console_screen and app.connected, what="connected again")


def test_lesson_9_server_filters(pbx, tmp_path):
    from ami_console.ui.screens.server_filters import ServerFiltersScreen

    app = learner(pbx, tmp_path)

    async def scenario(pilot):
        await start_lesson(pilot, 9)
        await pilot.press("ctrl+f")
        await ticked(pilot, 9, 1)
        filters = app.screen
        assert isinstance(filters, ServerFiltersScreen)
        assert filters.focused is filters.query_one("#mask", Input)
        await type_text(pilot, "off")
        await pilot.press("enter")
        await ticked(pilot, 9, 2)
        await type_text(pilot, "on")
        await pilot.press("enter")
        await ticked(pilot, 9, 3)
        await pilot.press("tab")
        await until(pilot, lambda: filters.focused is filters.query_one("#filter", Input), what="Add filter")
        await type_text(pilot, "Event: Newchannel")
        await pilot.press("enter")
        await ticked(pilot, 9, 4)
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.console_screen, what="the filters closed")
        await show_me_and_send(pilot)  # the demo call: only its Newchannel events come
        await ticked(pilot, 9, 5)
        # F10, ctrl+s, as the lesson says: a new connection from the form starts afresh.
        await connect_again(pilot)
        await ticked(pilot, 9, 6)
        finished(app, tmp_path, 9)

    run(app, scenario)
