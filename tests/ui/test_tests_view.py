"""The Tests view: ctrl+t lists the tests folder's scenarios, runs them with live ticks, and
a failed one's call opens in the dialplan pane; ``w`` on a call writes a test from it."""

from __future__ import annotations

import tomllib
from pathlib import Path

from ami_console.files.profiles import ConnectionSettings
from ami_console.scenarios.scenario import parse_scenario
from ami_console.simulator import Simulator
from tests.apphelpers import connected, console, run, until

BUSY = """\
timeout = 20
[call]
channel = "Local/700@demo"
application = "Wait"
data = "10"
[expect]
steps = ["demo,700,1", "demo,800,1"]
dial_status = "BUSY"
"""


def test_w_on_a_call_writes_a_test_that_reads_back(tmp_path):
    folder = tmp_path / "tests"
    with Simulator(time_scale=0.05) as pbx:
        settings = ConnectionSettings(
            host=pbx.host, port=pbx.port, username=pbx.username, secret=pbx.secret, timeout=3, tests_dir=str(folder)
        )
        app = console(pbx, tmp_path, settings=settings)

        async def scenario(pilot) -> None:
            await connected(pilot)
            app.console_screen.connection.session.action(
                Action="Originate", Channel="Local/700@demo", Application="Wait", Data="5", ChannelId="rec-7"
            )
            await until(pilot, lambda: app.models.calls.call_for("rec-7") is not None, what="the call listed")
            await pilot.press("ctrl+g")
            await until(pilot, lambda: app.console_screen.calls.selected_key == "rec-7", what="selected")
            await pilot.press("w")
            await until(pilot, lambda: list(folder.glob("*.toml")), what="the file written")

        run(app, scenario)
    [written] = folder.glob("*.toml")
    text = written.read_text()
    assert tomllib.loads(text)["call"]["channel"] == "Local/700@demo"
    assert parse_scenario(text, Path(written)).expectations
