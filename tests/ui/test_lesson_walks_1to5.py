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

from ami_console.simulator import Simulator
from tests.apphelpers import run, until
from tests.lessonwalk import finished, learner, show_me_and_send, start_lesson, ticked

STEP_WAIT = 10.0  # seconds for one step to tick: the demo runs 50 times faster than real time


@pytest.fixture
def pbx() -> Iterator[Simulator]:
    with Simulator(time_scale=0.02, seed=7) as simulator:
        yield simulator


def test_lesson_1_what_ami_is(pbx: Simulator, tmp_path: Path) -> None:
    app = learner(pbx, tmp_path)

    async def scenario(pilot: Pilot) -> None:
        await start_lesson(pilot, 1)
        await pilot.press("f12")  # the transcript
        await ticked(pilot, 1, 1, STEP_WAIT)
        await show_me_and_send(pilot, "Login")  # Login again: Already authenticated
        await ticked(pilot, 1, 2, STEP_WAIT)
        await show_me_and_send(pilot, "Logoff")  # Goodbye: the connection closes
        await ticked(pilot, 1, 3, STEP_WAIT)
        await until(pilot, lambda: not app.connected and app.connection.session is None, what="disconnected")
        await pilot.press("ctrl+r")  # connect again: a new greeting, Login, then FullyBooted
        await ticked(pilot, 1, 4, STEP_WAIT)
        finished(app, tmp_path, 1)

    run(app, scenario)


def test_lesson_2_actions_and_responses(pbx: Simulator, tmp_path: Path) -> None:
    app = learner(pbx, tmp_path)

    async def scenario(pilot: Pilot) -> None:
        await start_lesson(pilot, 2)
        await show_me_and_send(pilot, "Ping")
        await ticked(pilot, 2, 1, STEP_WAIT)
        await show_me_and_send(pilot, "Ping")
        await ticked(pilot, 2, 2, STEP_WAIT)
        await show_me_and_send(pilot, "Hello")  # unknown: Error, and a RequestBadFormat event
        await ticked(pilot, 2, 3, STEP_WAIT)
        await pilot.press("f4")  # the event log, where the security event is
        await ticked(pilot, 2, 4, STEP_WAIT)
        finished(app, tmp_path, 2)

    run(app, scenario)


def test_lesson_3_parameters(pbx: Simulator, tmp_path: Path) -> None:
    app = learner(pbx, tmp_path)

    async def scenario(pilot: Pilot) -> None:
        await start_lesson(pilot, 3)
        await show_me_and_send(pilot, "CoreSettings")
        await ticked(pilot, 3, 1, STEP_WAIT)
        await show_me_and_send(pilot, "Command")  # core show channels
        await ticked(pilot, 3, 2, STEP_WAIT)
        await show_me_and_send(pilot, "Command")  # core show version
        await ticked(pilot, 3, 3, STEP_WAIT)
        finished(app, tmp_path, 3)

    run(app, scenario)


def test_lesson_4_events(pbx: Simulator, tmp_path: Path) -> None:
    app = learner(pbx, tmp_path)

    async def scenario(pilot: Pilot) -> None:
        await start_lesson(pilot, 4)
        await show_me_and_send(pilot, "Originate")  # the demo call to 100@demo
        await ticked(pilot, 4, 1, STEP_WAIT)
        await pilot.press("f4")  # the event log: the call's events tick the rest by themselves
        for number in (2, 3, 4, 5):
            await ticked(pilot, 4, number, STEP_WAIT)
        finished(app, tmp_path, 4)

    run(app, scenario)


def test_lesson_5_repeated_headers(pbx: Simulator, tmp_path: Path) -> None:
    app = learner(pbx, tmp_path)

    async def scenario(pilot: Pilot) -> None:
        await start_lesson(pilot, 5)
        await show_me_and_send(pilot, "Originate")  # with Variable A=1 and Variable B=2
        await ticked(pilot, 5, 1, STEP_WAIT)
        await ticked(pilot, 5, 2, STEP_WAIT)  # VarSet A
        await ticked(pilot, 5, 3, STEP_WAIT)  # VarSet B
        await pilot.press("f6", *"VarSet Variable=A")
        await ticked(pilot, 5, 4, STEP_WAIT)
        finished(app, tmp_path, 5)

    run(app, scenario)
