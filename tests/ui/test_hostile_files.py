"""Files are untrusted too: a replay or a trainer's lesson folder is read in the background,
bounded, and ctrl+q quits at once whatever is being read."""

from __future__ import annotations

import os

from ami_console.files.profiles import ConnectionSettings
from ami_console.simulator import Simulator
from ami_console.ui.app import AMIConsoleApp
from tests.apphelpers import connected, console, run, until

GIB = 1024**3


def test_ctrl_q_while_a_huge_replay_is_read_quits_before_the_file_is_read(tmp_path):
    """A 4 GiB file (sparse: it costs no disk) is read a chunk at a time in a worker; ctrl+q
    stops the read where it is, and the console never held the file."""
    huge = tmp_path / "huge.jsonl"
    with huge.open("wb") as file:
        file.truncate(4 * GIB)
    app = AMIConsoleApp(ConnectionSettings(), replay=huge)
    seen: list[str] = []

    async def scenario(pilot):
        header = app.console_screen.header
        await until(pilot, lambda: "reading" in header.note, what="the read under way")
        seen.append(header.note)
        await pilot.press("ctrl+q")

    run(app, scenario)
    assert seen and "100%" not in seen[0]
    assert all(not worker.is_running for worker in app.workers)


def test_a_lesson_folder_with_a_named_pipe_and_a_link_to_dev_zero_loads_the_rest(tmp_path):
    folder = tmp_path / "lessons"
    folder.mkdir()
    os.mkfifo(folder / "00-pipe.toml")
    (folder / "01-zero.toml").symlink_to("/dev/zero")
    (folder / "02-ping.toml").write_text(
        'id = "ping"\ntitle = "Ping drill"\norder = 1\nsummary = "s"\n\n'
        '[[step]]\ntext = "Send a Ping."\nhint = "h"\ncheck = { sent = "Ping" }\n',
        encoding="utf-8",
    )
    with Simulator(time_scale=0.02) as pbx:
        app = console(pbx, tmp_path, learn=True, lessons=folder, lessons_progress=tmp_path / "progress.json")

        async def scenario(pilot):
            await connected(pilot)
            await until(pilot, lambda: app.console_screen.lesson_panel is not None, what="the panel")
            panel = app.console_screen.lesson_panel
            await until(pilot, lambda: panel.loaded, what="the lessons read")
            assert [lesson.id for lesson in panel.lessons] == ["ping"]
            assert panel.unusable == 2
            assert "2 lesson files could not be used" in panel.shown
            await pilot.press("ctrl+q")

        run(app, scenario)
