"""The lessons in the console: the panel, its keys, progress, a trainer's lessons folder,
"explain this", and every built-in lesson walked by a learner's keys against the demo PBX."""

from __future__ import annotations

from pathlib import Path

import pytest

from ami_console.simulator import Simulator
from ami_console.ui.app import AMIConsoleApp
from tests.apphelpers import after_a_ping, connected, console, run, shown, until

PING_LESSON = """\
id = "ping-drill"
title = "Ping drill"
order = 1
summary = "Send a Ping and read the Pong."

[[step]]
text = "Send a Ping."
hint = "Type Ping in the composer, then ctrl+s."
show = [["Action", "Ping"]]
check = { sent = "Ping", response = "Success" }

[[step]]
text = "Open the transcript."
hint = "F12."
check = { view = "transcript" }
"""

SECOND_LESSON = """\
id = "second"
title = "Second lesson"
order = 2
summary = "One step."

[[step]]
text = "Open the transcript."
hint = "F12."
check = { view = "transcript" }
"""


@pytest.fixture
def pbx():
    with Simulator(time_scale=0.02, seed=7) as simulator:
        yield simulator


@pytest.fixture
def lessons_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "lessons"
    folder.mkdir()
    (folder / "10-ping.toml").write_text(PING_LESSON)
    (folder / "20-second.toml").write_text(SECOND_LESSON)
    return folder


def learner(pbx: Simulator, tmp_path: Path, folder: Path | None) -> AMIConsoleApp:
    return console(pbx, tmp_path, learn=True, lessons=folder, lessons_progress=tmp_path / "progress.json")


def panel_text(app: AMIConsoleApp) -> str:
    panel = app.console_screen.lesson_panel
    assert panel is not None
    return panel.shown


async def ready(pilot) -> None:
    await connected(pilot)
    await until(pilot, lambda: pilot.app.console_screen.lesson_panel is not None, what="the lesson panel")
    # ami-console learn starts on the lesson: its keys work at once.
    await until(pilot, lambda: pilot.app.focused is pilot.app.console_screen.lesson_panel, what="the lesson focused")


# -- the panel --------------------------------------------------------------------------------
def test_show_me_fills_the_composer_and_sends_nothing(pbx, tmp_path, lessons_dir):
    app = learner(pbx, tmp_path, lessons_dir)

    async def scenario(pilot):
        await ready(pilot)
        assert "Ping drill" in panel_text(app) and "Step 1 of 2" in panel_text(app)
        await pilot.press("s")
        composer = app.console_screen.composer
        await until(pilot, lambda: composer.picker.value == "Ping", what="composer filled")
        await after_a_ping(pilot)
        assert not any(line.startswith(">> Action: Ping") for line in app.transcript.lines())  # nothing went out
        assert app.console_screen.response.history == []
        assert "Step 1 of 2" in panel_text(app)

    run(app, scenario)


def test_hint_shows_and_the_panel_hides_and_comes_back(pbx, tmp_path, lessons_dir):
    app = learner(pbx, tmp_path, lessons_dir)

    async def scenario(pilot):
        await ready(pilot)
        panel = app.console_screen.lesson_panel
        assert "ctrl+s." not in panel_text(app)
        await pilot.press("h")
        assert "Hint: Type Ping in the composer, then ctrl+s." in panel_text(app)
        await pilot.press("ctrl+l")
        assert not panel.display or panel.has_class("-hidden")
        await pilot.press("ctrl+l")
        await until(pilot, lambda: not panel.has_class("-hidden") and app.screen.focused is panel, what="back")

    run(app, scenario)


def test_steps_tick_from_the_wire_and_progress_survives_a_restart(pbx, tmp_path, lessons_dir):
    app = learner(pbx, tmp_path, lessons_dir)

    async def first(pilot):
        await ready(pilot)
        await pilot.press("s")  # show me, then the learner sends it
        await until(pilot, lambda: app.console_screen.composer.picker.value == "Ping", what="composer filled")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "Step 2 of 2" in panel_text(app), what="step 1 ticked")
        assert "✓ Send a Ping." in panel_text(app)
        await pilot.press("f12")
        await until(pilot, lambda: "Lesson done" in panel_text(app), what="lesson done")
        assert "Next: Second lesson (n)" in panel_text(app)

    run(app, first)
    again = learner(pbx, tmp_path, lessons_dir)

    async def second(pilot):
        await ready(pilot)
        assert "Second lesson" in panel_text(again)  # the first unfinished one
        await pilot.press("l")
        from ami_console.ui.screens.lessons import LessonsScreen

        await until(pilot, lambda: isinstance(again.screen, LessonsScreen), what="the list")
        listing = again.screen.query_one("#lessons-list")
        first_line = str(listing.get_option_at_index(0).prompt)
        assert first_line.startswith("✓ Ping drill")
        await pilot.press("r")  # restart the highlighted (first) lesson
        await until(pilot, lambda: "Step 1 of 2" in panel_text(again), what="restarted")
        assert "Ping drill" in panel_text(again)
        assert again.console_screen.lesson_panel.progress.done("ping-drill") == 0

    run(again, second)


def test_an_error_answer_does_not_tick(pbx, tmp_path, lessons_dir):
    (lessons_dir / "10-ping.toml").write_text(PING_LESSON.replace('sent = "Ping"', 'sent = "NoSuchAction"'))
    app = learner(pbx, tmp_path, lessons_dir)

    async def scenario(pilot):
        await ready(pilot)
        app.console_screen.composer.picker.input.value = "NoSuchAction"
        await pilot.press("f2", "enter", "ctrl+s")
        await until(pilot, lambda: app.console_screen.response.history, what="answered")
        await until(pilot, lambda: not app.console_screen.response.history[-1].pending, what="finished")
        await after_a_ping(pilot)  # the models took the answer in before this one
        assert "Step 1 of 2" in panel_text(app)

    run(app, scenario)


def test_a_malformed_lesson_is_listed_with_file_and_line_and_the_others_work(pbx, tmp_path, lessons_dir):
    (lessons_dir / "15-broken.toml").write_text('id = "broken"\ntitle = "Broken"\n[[step]]\ntext = "no check"\n')
    app = learner(pbx, tmp_path, lessons_dir)

    async def scenario(pilot):
        await ready(pilot)
        assert "1 lesson file could not be used" in panel_text(app)
        await pilot.press("l")
        listing = app.screen.query_one("#lessons-list")
        prompts = [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]
        assert any(f"{lessons_dir / '15-broken.toml'}:" in line and line.startswith("✗") for line in prompts)
        await pilot.press("down", "enter")  # the second lesson still starts
        await until(pilot, lambda: "Second lesson" in panel_text(app), what="second lesson")

    run(app, scenario)


# -- explain this -----------------------------------------------------------------------------
async def explained(pilot) -> str:
    from ami_console.ui.screens.explain import ExplainScreen

    await until(pilot, lambda: isinstance(pilot.app.screen, ExplainScreen), what="the explain popup")
    return pilot.app.screen.text


def test_explain_an_event_in_the_log_and_a_header_in_the_details(pbx, tmp_path):
    from ami_console.lessons.explain import explain

    app = console(pbx, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        screen = app.console_screen
        app.console_screen.send(
            [("Action", "Originate"), ("Channel", "Local/100@demo"), ("Application", "Wait"), ("Data", "1")]
        )
        log = screen.events.log_view
        await until(pilot, lambda: any(e.message.name == "Newchannel" for e in shown(app)), what="Newchannel")
        await pilot.press("f4")
        index = next(
            i for i, e in enumerate(shown(app)) if getattr(e, "message", None) and e.message.name == "Newchannel"
        )
        log.following = False  # the cursor stays on this event while more arrive
        log.cursor = index
        message = log.current.message
        await pilot.press("question_mark")
        assert (await explained(pilot)) == explain("Newchannel", kind="event")
        await pilot.press("escape")
        await pilot.press("enter")  # the event's details
        detail = screen.events.detail
        await until(pilot, lambda: detail.has_class("-shown"), what="details")
        detail.focus()
        row = next(i for i, (k, _) in enumerate(message.fields) if k == "ChannelState")
        detail.move_cursor(row=row)
        await pilot.press("question_mark")
        value = message.header("ChannelState")
        assert (await explained(pilot)) == explain("ChannelState", value, kind="header")

    run(app, scenario)


def test_explain_a_header_in_the_fields_view_and_an_unknown_name(pbx, tmp_path):
    app = console(pbx, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        app.console_screen.send([("Action", "Ping")])
        response = app.console_screen.response
        await until(pilot, lambda: response.history and not response.history[-1].pending, what="Pong")
        await pilot.press("f3", "1")
        await pilot.press("question_mark")  # the first row: Response
        text = await explained(pilot)
        from ami_console.lessons.explain import explain

        assert text == (
            explain("Response", "Success", kind="header") or "ami-console has no explanation of Header Response yet."
        )
        await pilot.press("escape")
        app.console_screen.teaching.explain("NoSuchHeaderAtAll", "x", "header")
        assert (await explained(pilot)) == "ami-console has no explanation of Header NoSuchHeaderAtAll yet."
        await pilot.press("escape")
        app.console_screen.teaching.explain("NoSuchEventAtAll")  # connected: the server is asked; its answer is shown
        await until(pilot, lambda: "Asking the server" not in app.screen.text, what="the server's answer")
        assert "ami-console has no explanation of NoSuchEventAtAll" in (await explained(pilot))

    run(app, scenario)


def test_steps_ticked_together_each_stay_readable(tmp_path: Path) -> None:
    """One answer can tick several steps at once (lesson 4's call ticks four): the text of
    each stays on the panel until the next tick, so the learner reads what each taught."""
    from tests.lessonwalk import LESSONS, focus_panel, learner, panel_text, start_lesson

    with Simulator(time_scale=0.02) as pbx:
        app = learner(pbx, tmp_path)

        async def scenario(pilot) -> None:
            await start_lesson(pilot, 4)
            await focus_panel(pilot)
            panel = app.console_screen.lesson_panel
            steps = LESSONS[4].steps
            with app.models.lock:
                app.models.lesson.index = 3  # as when one event ticks steps 1 to 3
            panel.ticked_now()
            text = panel_text(app)
            for number in (1, 2, 3):
                last_line = steps[number - 1].text.strip().splitlines()[-1]
                assert f"✓ Step {number} done." in text and last_line in text
            assert "Step 4 of 5" in text

        run(app, scenario)


def test_show_me_on_a_server_that_is_not_the_demo_never_fills_a_call(tmp_path: Path) -> None:
    """The lessons are written for the demo PBX: elsewhere the panel says so, and show me
    leaves the composer alone for a step whose action would change the PBX (an Originate)."""
    from tests.lessonwalk import focus_panel, learner, panel_text, start_lesson

    with Simulator(time_scale=0.02) as pbx:
        app = learner(pbx, tmp_path)
        app.console_screen.lessons = app.console_screen.lessons.__class__(
            progress=tmp_path / "progress.json", open_at_connect=True, demo_address="192.0.2.7:5038"
        )

        async def scenario(pilot) -> None:
            await start_lesson(pilot, 5)  # step 1: an Originate into the demo's dialplan
            assert "Written for the demo PBX" in panel_text(app)
            await focus_panel(pilot)
            await pilot.press("s")
            await until(pilot, lambda: any("Not filled" in n.message for n in app._notifications), what="the refusal")
            assert app.console_screen.composer.picker.value != "Originate"

        run(app, scenario)


def test_learn_at_80x24_starts_on_the_lesson_with_its_keys_in_sight_and_f11_gives_it_the_screen(tmp_path: Path) -> None:
    """A classroom's default terminal: the lesson has the focus (s is show me, never an s
    typed into the action name), its keys sit at the top of the panel whatever the text's
    length, and F11 gives the lesson the whole screen and takes it back."""
    from tests.lessonwalk import learner

    with Simulator(time_scale=0.02) as pbx:
        app = learner(pbx, tmp_path)

        async def scenario(pilot) -> None:
            screen = app.console_screen
            await until(
                pilot,
                lambda: screen.lesson_panel is not None and app.focused is screen.lesson_panel,
                what="the lesson focused",
            )
            panel = screen.lesson_panel
            keys = panel.query_one("#lesson-keys")
            await until(pilot, lambda: "h hint" in str(keys.render()), what="the panel's keys")
            assert keys.region.y <= panel.region.y + 1 and keys.region.bottom <= panel.region.bottom
            await pilot.press("f11")
            assert screen.maximized is panel
            await pilot.press("f11")
            assert screen.maximized is None and screen.composer.picker.value == ""

        run(app, scenario, size=(80, 24))
