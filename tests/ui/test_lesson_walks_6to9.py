"""Built-in lessons 6 to 9, each walked end to end as a learner would: keys only (the
panel's "show me" and ctrl+s, the event filter, f and t in the log, the Calls tab, the
connection form, the server filters screen), against the demo PBX. Every step must tick
from what really happened, and the finished lesson must be kept in the progress file.

The app's state is only read, to wait for a step to tick; nothing here ticks a step."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from ami_console.simulator import Simulator
from ami_console.ui.app import AMIConsoleApp
from tests.apphelpers import run, until
from tests.lessonwalk import (
    channel_seen,
    console_app,
    done_steps,
    finished,
    learner,
    show_me_and_send,
    start_lesson,
    ticked,
    type_text,
)

# Calls last 30 dialplan seconds in lessons 6 and 7 and must still be up a few steps later:
# at 0.5 a 30 s Wait is 15 s of real time: room enough for keys on a busy machine.
TIME_SCALE = 0.5


@pytest.fixture
def pbx():
    with Simulator(time_scale=TIME_SCALE, seed=7) as simulator:
        yield simulator


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
    return app.connected and app.connection.settings.username == username


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
