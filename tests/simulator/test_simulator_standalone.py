"""``ami-console simulate``: the foreground server's command line."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import threading

import pytest

from ami_console.cli import main as cli_main
from ami_console.client import AMIClient
from ami_console.simulator import Simulator
from ami_console.simulator.standalone import main
from tests.simulator.test_simulator_support import no_thread_leaks, pbx  # noqa: F401 (fixtures)


class Output(io.StringIO):
    """A stdout that tests can wait on."""

    def __init__(self) -> None:
        super().__init__()
        self.changed = threading.Condition()

    def write(self, text: str) -> int:
        with self.changed:
            size = super().write(text)
            self.changed.notify_all()
        return size

    def wait_for(self, pattern: str, timeout: float = 5.0) -> re.Match[str] | None:
        with self.changed:
            self.changed.wait_for(lambda: re.search(pattern, self.getvalue()), timeout)
            return re.search(pattern, self.getvalue())


def test_runs_until_stopped_and_says_where_and_how_to_log_in(no_thread_leaks: None) -> None:
    out, stop, result = Output(), threading.Event(), []
    runner = threading.Thread(
        target=lambda: result.append(
            main(
                ["--port", "0", "--user", "boss", "--secret", "s3cret", "--seed", "4"],
                out=out,
                stop=stop,
            )
        )
    )
    runner.start()
    try:
        where = out.wait_for(r"listening on 127\.0\.0\.1:(\d+)")
        assert where is not None, out.getvalue()
        assert "boss / s3cret" in out.getvalue() and "monitor / monpass" in out.getvalue()
        assert "seed 4" in out.getvalue()
        ami = AMIClient(username="boss", secret="s3cret", host=f"127.0.0.1:{where.group(1)}", timeout=5)
        assert ami.connect(), ami.error
        assert ami.action(Action="Ping")["Ping"] == "Pong"
        ami.disconnect()
    finally:
        stop.set()
        runner.join(10)
    assert result == [0]
    assert out.getvalue().endswith("Demo PBX stopped.\n")


def test_a_busy_port_is_reported_with_exit_code_1(pbx: Simulator, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--port", str(pbx.port)], out=io.StringIO()) == 1
    assert f"cannot listen on 127.0.0.1:{pbx.port}" in capsys.readouterr().err


def test_help_describes_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["simulate", "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for option in ("--host", "--port", "--user", "--secret", "--calls-per-minute", "--seed"):
        assert option in text
    assert "monitor/monpass" in text


def test_bad_values_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--calls-per-minute", "-1"], out=io.StringIO()) == 2
    assert "--calls-per-minute" in capsys.readouterr().err


def test_the_simulator_never_loads_textual() -> None:
    code = (
        "import sys, ami_console.simulator, ami_console.simulator.standalone;"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'textual'], 'textual loaded'"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError):
        Simulator(time_scale=0)
    with pytest.raises(ValueError):
        Simulator(calls_per_minute=-1)
