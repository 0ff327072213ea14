"""Scenarios run against the demo PBX (fast: dialplan time scaled down), as ``ami-console test`` runs them."""

from __future__ import annotations

import functools
import io
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import ami_console.simulator as simulator
from ami_console import clock
from ami_console.calls.live import LiveCalls
from ami_console.cli import main
from ami_console.client import AMIClient
from ami_console.files.profiles import ConnectionSettings
from ami_console.scenarios.cli import build_parser, connect
from ami_console.scenarios.cli import main as run_command
from ami_console.scenarios.recording import scenario_from_call
from ami_console.scenarios.report import result_lines
from ami_console.scenarios.runner import ScenarioRunner
from ami_console.scenarios.scenario import parse_scenario
from ami_console.session import Session
from ami_console.simulator.config import Priority
from tests.waiting import wait_until

SCALE = 0.05

BUSY = """\
name = "busy calls end at 700's Hangup"
timeout = 20
[call]
channel = "Local/700@demo"
application = "Wait"
data = "10"
[expect]
steps = ["demo,700,1", "demo,800,1", "demo,700,2"]
dial_status = "BUSY"
cause = "17"
"""


@pytest.fixture
def pbx():
    with simulator.Simulator(time_scale=SCALE) as server:
        yield server
        assert server.errors == []


def settings_of(server) -> ConnectionSettings:
    return ConnectionSettings(host=server.host, port=server.port, username=server.username, secret=server.secret)


@pytest.fixture
def runner(pbx):
    found = ScenarioRunner()
    session = connect(settings_of(pbx), found)
    yield found
    session.close()


def linked_channels(server, linkedid: str) -> list[str]:
    """The channels CoreShowChannels lists for the call, asked on a connection of its own."""
    client = AMIClient(username=server.username, secret=server.secret, host=server.address)
    assert client.connect()
    try:
        _, items = client.action_list(Action="CoreShowChannels")
    finally:
        client.disconnect()
    return [i.header("Channel", "") for i in items if i.header("Linkedid") == linkedid]


def test_the_demo_examples_pass_with_ami_console_test_demo(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(simulator, "Simulator", functools.partial(simulator.Simulator, time_scale=SCALE))
    junit = tmp_path / "report.xml"
    assert main(["test", "--demo", "--jobs", "2", "--junit", str(junit)]) == 0
    out = capsys.readouterr().out
    assert "10 passed, 0 failed" in out and "FAIL" not in out
    suite = ET.parse(junit).getroot()
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("10", "0", "0")


def test_a_broken_dialplan_fails_and_the_report_names_expected_and_actual(pbx, runner):
    # Someone "fixes" 700 to dial 100 instead of 800: busy calls no longer hear busy.
    def break_700(core):
        core.pbx.contexts["demo"].extension("700").priorities[0] = Priority(1, "Dial", "Local/100@demo,10")

    pbx._do(break_700)
    result = runner.run(parse_scenario(BUSY, Path("busy.toml")))
    assert not result.passed
    failed = {c.expectation.kind: c for c in result.failures}
    assert set(failed) == {"steps", "dial_status", "cause"}
    assert failed["dial_status"].actual == "dial status ANSWER"
    report = "\n".join(result_lines(result))
    assert "FAIL  dial status BUSY (got: dial status ANSWER)" in report
    assert "expected demo,800,1; the call went demo,700,1 then demo,100,1" in report
    assert "Dial(Local/100@demo,10)" in report  # the path the call took, step by step


def test_a_call_still_up_at_the_timeout_is_hung_up_and_nothing_is_left(pbx, runner):
    text = BUSY.replace("Local/700@demo", "Local/300@demo").replace("timeout = 20", "timeout = 0.5")
    text = text.replace('data = "10"', 'data = "600"')
    result = runner.run(parse_scenario(text, Path("long.toml")))
    assert not result.passed and result.problem.startswith("timed out")
    assert result.record is not None and result.record.names  # it did place channels
    assert result.left == []
    assert linked_channels(pbx, result.record.linkedid) == []
    assert pbx.channels() == []


def test_background_calls_never_make_a_scenario_pass_or_fail(pbx, runner):
    # While the scenarios run, phones call 700 (busy) and each other.
    quiet = """\
timeout = 20
[call]
channel = "Local/100@demo"
application = "Wait"
data = "10"
[expect]
steps = ["demo,100,1", "demo,100,4"]
never = ["demo,700,*", "internal,*,*"]
no_events = [{ event = "DialEnd", header = "DialStatus", matches = "BUSY" }]
"""
    wrong = quiet.replace(
        'no_events = [{ event = "DialEnd", header = "DialStatus", matches = "BUSY" }]', 'dial_status = "BUSY"'
    ).replace("never = ", "# ")
    pbx.place_call("bob", "1001", talk=200)  # 10 s at this scale: up all along
    for _ in range(3):
        pbx.place_call("alice", "700")
    wait_until(lambda: len(pbx.channels()) >= 2, what="background calls up")
    results = runner.run_all([parse_scenario(quiet, Path("q.toml")), parse_scenario(wrong, Path("w.toml"))], jobs=2)
    assert results[0].passed, "\n".join(result_lines(results[0]))
    assert [c.expectation.kind for c in results[1].failures] == ["dial_status"]
    assert results[1].failures[0].actual == "no Dial ended"


def test_a_malformed_file_is_reported_and_the_others_still_run(pbx, tmp_path, capsys):
    (tmp_path / "busy.toml").write_text(BUSY)
    (tmp_path / "broken.toml").write_text(BUSY.replace("[expect]", "[expect]\nsteps_maybe = 1"))
    args = build_parser().parse_args([str(tmp_path)])
    assert run_command(args, demo=settings_of(pbx)) == 2
    captured = capsys.readouterr()
    assert f"{tmp_path / 'broken.toml'}:8: unknown check 'steps_maybe'" in captured.err
    assert "PASS busy.toml" in captured.out and "1 passed, 0 failed, 1 could not be used" in captured.out


def test_read_only_refuses_and_another_server_needs_a_yes(pbx, tmp_path, capsys, monkeypatch):
    (tmp_path / "busy.toml").write_text(BUSY)
    assert run_command(build_parser().parse_args([str(tmp_path), "--read-only"])) == 2
    assert "refused with --read-only: a test places calls" in capsys.readouterr().err
    monkeypatch.setenv("AMI_SECRET", pbx.secret)
    argv = [str(tmp_path), "--host", pbx.address, "--user", pbx.username]
    asked: list[str] = []
    assert run_command(build_parser().parse_args(argv), ask=lambda q: asked.append(q) or "n") == 2
    assert len(asked) == 1 and "places 1 real call" in asked[0]
    assert pbx.session_count == 0  # nothing was even connected
    out = io.StringIO()
    assert run_command(build_parser().parse_args([*argv, "--yes"]), out=out) == 0
    assert pbx.secret not in out.getvalue() + capsys.readouterr().err


def test_a_recorded_call_is_a_scenario_that_passes_at_once(pbx, runner):
    live = LiveCalls()
    client = AMIClient(username=pbx.username, secret=pbx.secret, host=pbx.address)
    session = Session(client, on_events=lambda batch: [live.feed(m, clock.now()) for m in batch])
    assert session.connect()
    try:
        session.action(Action="Originate", Channel="Local/500@demo", Application="Wait", Data="3", ChannelId="rec-1")
        wait_until(lambda: (c := live.call_for("rec-1")) is not None and c.ended is not None, what="the call ended")
    finally:
        session.close()
    text = scenario_from_call(live.call_for("rec-1"))
    assert "# Recorded from a call" in text and 'queue = "support"' in text and 'answered_by = "Agent300"' in text
    result = runner.run(parse_scenario(text, Path("recorded.toml")))
    assert result.passed, "\n".join(result_lines(result))
    assert {c.expectation.kind for c in result.checks} >= {"steps", "queue", "answered_by", "bridged_with"}
