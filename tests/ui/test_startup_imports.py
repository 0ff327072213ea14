"""Start-up stays quick: what the connection form does not need is imported on first use.

Each check runs in a fresh interpreter (a subprocess), since this one has imported
everything already. A failure names the module that came in too early: find who imports it
at the top of a module and move that import into the function that first uses it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Shown after start-up, if ever: help (Markdown), the console screen's heavy parts, the
# dialogs, call tracing, export, the demo PBX.
NOT_AT_START = (
    "ami_console.simulator",
    "ami_console.calls",
    "ami_console.events.export",
    "ami_console.ui.screens.console",
    "ami_console.monitor.connection",
    "ami_console.session",
    "ami_console.client",
    "ami_console.lessons",
    "ami_console.ui.screens.help",
    "ami_console.ui.screens.history",
    "ami_console.ui.screens.saved",
    "ami_console.ui.screens.savefile",
    "ami_console.ui.screens.trace",
    "ami_console.ui.widgets.response_pane",
    "ami_console.ui.widgets.event_panel",
    "textual.widgets._markdown",
    "markdown_it",
    "textual.widgets._text_area",
    "textual.widgets._data_table",
    "tree_sitter",
    "hypothesis",
)

# The app with its connection form on screen (headless), then every module loaded.
FORM_UP = """
import asyncio, json, sys
from ami_console.cli import main  # the entry point, as `ami-console` runs it
from ami_console.ui.app import AMIConsoleApp

async def form_up() -> None:
    app = AMIConsoleApp()
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(200):  # about 10 s at most
            if app.screen is app.connect_screen and app.connect_screen.query("#connect"):
                break
            await pilot.pause(0.05)
        assert app.screen is app.connect_screen, "the connection form never came up"

asyncio.run(form_up())
print(json.dumps(sorted(sys.modules)))
"""

CLI_ONLY = "import json, sys; import ami_console.cli; print(json.dumps(sorted(sys.modules)))"


def modules_after(code: str, tmp_path: Path) -> list[str]:
    env = {
        **os.environ,
        "AMI_CONSOLE_CONFIG_DIR": str(tmp_path / "config"),  # no profiles, history or layout of the user's
        "AMI_CONSOLE_DATA_DIR": str(tmp_path / "data"),
    }
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env, cwd=Path(__file__).parents[2]
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def loaded(modules: list[str], name: str) -> list[str]:
    return [m for m in modules if m == name or m.startswith(name + ".")]


def test_the_form_comes_up_without_what_it_does_not_show(tmp_path):
    modules = modules_after(FORM_UP, tmp_path)
    assert "ami_console.ui.screens.connect" in modules  # the check itself saw the form
    early = {name: loaded(modules, name) for name in NOT_AT_START if loaded(modules, name)}
    assert early == {}, f"imported before they are needed: {early}"


@pytest.mark.parametrize("name", ["textual", "rich", "ami_console.ui", "ami_console.simulator"])
def test_the_command_line_alone_loads_no_console(tmp_path, name):
    # `ami-console --help`, `ami-console simulate` and a bad option answer without loading
    # the console (Textual loads in main(), when the console runs).
    assert loaded(modules_after(CLI_ONLY, tmp_path), name) == []
