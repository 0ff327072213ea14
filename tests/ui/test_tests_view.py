"""The Tests view (ctrl+\\): the scenarios of the profile's tests folder, run from the
console, each check ticked as it is decided; a failed one opens its call in the dialplan
pane with d."""

from __future__ import annotations

import shutil
from pathlib import Path

from ami_console.files.profiles import ConnectionSettings
from ami_console.simulator import Simulator
from ami_console.ui.screens.dialplan import DialplanScreen
from ami_console.ui.screens.tests import TestsScreen
from tests.apphelpers import connected, console, run, until

WRONG = """\
name = "700 expected to answer (it is busy)"
timeout = 20

[call]
channel = "Local/700@demo"
application = "Wait"
data = "10"

[expect]
dial_status = "ANSWER"
steps = ["demo,700,1", "demo,700,3"]
"""


def app_with_tests(pbx: Simulator, tmp_path: Path, folder: Path):
    settings = ConnectionSettings(
        host=pbx.host, port=pbx.port, username=pbx.username, secret=pbx.secret, timeout=3, tests_dir=str(folder)
    )
    return console(pbx, tmp_path, settings=settings)


def log_lines(screen: TestsScreen) -> list[str]:
    return list(screen.log_view.lines)


def test_the_tests_view_runs_a_folder_and_ticks_each_check(tmp_path):
    folder = tmp_path / "tests"
    folder.mkdir()
    for name in ("100-answer-and-wait.toml", "700-busy.toml"):
        shutil.copy(Path(__file__).parents[2] / "ami_console" / "scenarios" / "examples" / name, folder / name)
    with Simulator(time_scale=0.05) as pbx:
        app = app_with_tests(pbx, tmp_path, folder)

        async def scenario(pilot) -> None:
            await connected(pilot)
            await pilot.press("ctrl+backslash")
            await until(pilot, lambda: isinstance(app.screen, TestsScreen), what="the Tests view")
            screen = app.screen
            await until(pilot, lambda: len(screen.scenarios) == 2, what="the scenarios listed")
            await pilot.press("a")
            await until(pilot, lambda: "2 passed, 0 failed" in log_lines(screen), timeout=30, what="the run's end")
            lines = log_lines(screen)
            assert any(line.startswith("✓ pass  dial status BUSY") for line in lines), lines
            assert sum(line.startswith("PASS ") for line in lines) == 2

        run(app, scenario)


def test_a_failed_scenario_says_expected_and_actual_and_opens_the_dialplan(tmp_path):
    folder = tmp_path / "tests"
    folder.mkdir()
    (folder / "wrong.toml").write_text(WRONG)
    with Simulator(time_scale=0.05) as pbx:
        app = app_with_tests(pbx, tmp_path, folder)

        async def scenario(pilot) -> None:
            await connected(pilot)
            await pilot.press("ctrl+backslash")
            await until(pilot, lambda: isinstance(app.screen, TestsScreen), what="the Tests view")
            screen = app.screen
            await until(pilot, lambda: screen.scenarios, what="the scenario listed")
            await pilot.press("enter")
            await until(
                pilot,
                lambda: "0 passed, 1 failed" in log_lines(screen),
                timeout=30,
                what=f"the end: {log_lines(screen)}",
            )
            text = "\n".join(log_lines(screen))
            assert "dial status ANSWER" in text and "BUSY" in text  # expected, and what the call did
            await pilot.press("d")
            await until(pilot, lambda: isinstance(app.screen, DialplanScreen), what="the dialplan pane")
            pane = app.screen
            # The expected step marked in the listing, the test's words above it.
            await until(
                pilot,
                lambda: any("the test expected the call at demo,700,3, which is not" in line for line, _ in pane.lines),
                what="the expected step marked",
            )
            note = str(pane.query_one("#dialplan-note").content)
            assert "expected demo,700,3; the call went demo,700,1" in note

        run(app, scenario)


def test_the_expected_step_is_marked_under_its_line_in_the_listing():
    from ami_console.ui.screens.dialplan import mark_expected

    lines = [
        ("[ Context 'demo' created by 'pbx_config' ]", "header"),
        ("✓ '700' => 1. Dial(Local/800@demo,10)", "executed"),
        ("✓          2. Hangup()", "executed"),
        ("  '800' => 1. Busy(2)", "not-run"),
        ("           2. Hangup()", "not-run"),
    ]
    marked = mark_expected(lines, "demo,800,2")
    assert marked[5] == ("   ▲ the test expected the call here (demo,800,2)", "expected")
    assert len(marked) == len(lines) + 1
    assert "not in this listing" in mark_expected(lines, "demo,700,3")[-1][0]


def test_a_folder_that_cannot_be_read_is_reported_not_swallowed(tmp_path, monkeypatch):
    import ami_console.ui.screens.tests as tests_screen

    def broken(paths):
        raise OSError("the disk went away")

    monkeypatch.setattr(tests_screen, "load_scenarios", broken)
    folder = tmp_path / "tests"
    folder.mkdir()
    with Simulator(time_scale=0.05) as pbx:
        app = app_with_tests(pbx, tmp_path, folder)

        async def scenario(pilot) -> None:
            await connected(pilot)
            await pilot.press("ctrl+backslash")
            await until(pilot, lambda: isinstance(app.screen, TestsScreen), what="the Tests view")
            screen = app.screen
            await until(
                pilot, lambda: any("the disk went away" in line for line in log_lines(screen)), what="the error"
            )

        run(app, scenario)
