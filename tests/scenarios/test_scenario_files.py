"""Scenario files: what a person writes is read, and what cannot be used says file:line: problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from ami_console.scenarios.cli import examples_folder
from ami_console.scenarios.scenario import MAX_FILE_SIZE, load_scenarios, parse_scenario

GOOD = """\
name = "busy"
timeout = 20

[call]
channel = "Local/700@demo"
application = "Wait"
data = "5"
variables = { TESTING = "yes" }

[expect]
steps = ["demo,700,1", "demo,700,2"]
never = ["demo,700,3"]
dial_status = "BUSY"
cause = 17
variables = { DIALSTATUS = "BUSY" }
events = [{ event = "DialEnd", header = "DialStatus", matches = "BUSY" }]
"""


def test_a_scenario_says_how_to_place_the_call_and_what_must_happen():
    scenario = parse_scenario(GOOD, Path("busy.toml"))
    assert scenario.name == "busy" and scenario.timeout == 20
    fields = dict(scenario.placement.originate("amitest-1"))
    assert fields["Channel"] == "Local/700@demo" and fields["Application"] == "Wait" and fields["Data"] == "5"
    assert fields["ChannelId"] == "amitest-1" and fields["Async"] == "true" and fields["Variable"] == "TESTING=yes"
    kinds = [e.kind for e in scenario.expectations]
    assert kinds == ["steps", "never", "variables", "dial_status", "cause", "events"]
    assert [e.describe() for e in scenario.expectations][:2] == [
        "reaches demo,700,1 then demo,700,2",
        "never reaches demo,700,3",
    ]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (GOOD.replace("never =", "nevr ="), 12, "unknown check 'nevr'"),
        (GOOD.replace('"demo,700,2"]', '"demo 700"]'), 11, "is not a step"),
        (GOOD.replace('data = "5"', 'data = "5'), 7, "not valid TOML"),
        (
            GOOD.replace('{ event = "DialEnd", header = "DialStatus", matches = "BUSY" }', '{ sent = "Ping" }'),
            16,
            "only event checks",
        ),
        (GOOD.replace("timeout = 20", "timeout = -1"), 2, "'timeout' must be a number"),
        (GOOD.replace('application = "Wait"\n', ""), 4, "either 'application'"),
        (GOOD.replace("[call]", "[cal]"), 4, "unknown key 'cal'"),
        ("x = " + "[" * 40 + "]" * 40 + "\n", 1, "nested deeper"),
    ],
)
def test_an_unusable_file_names_its_line_and_problem(tmp_path, text, line, words):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    loaded = load_scenarios([path])
    assert loaded.scenarios == []
    [error] = loaded.errors
    assert (error.line, words in error.problem) == (line, True), str(error)
    assert str(error).startswith(f"{path}:{line}: ")


def test_a_bad_file_in_a_folder_leaves_the_others_loaded(tmp_path):
    (tmp_path / "a.toml").write_text(GOOD)
    (tmp_path / "b.toml").write_text("[call\n")
    (tmp_path / "c.toml").write_bytes(b"#" * (MAX_FILE_SIZE + 1))
    (tmp_path / "notes.txt").write_text("not a scenario")
    loaded = load_scenarios([tmp_path, tmp_path / "missing.toml"])
    assert [s.path.name for s in loaded.scenarios if s.path] == ["a.toml"]
    assert sorted(e.path.name for e in loaded.errors) == ["b.toml", "c.toml", "missing.toml"]


def test_the_shipped_examples_all_load():
    loaded = load_scenarios([examples_folder()])
    assert loaded.errors == []
    names = sorted(s.path.name for s in loaded.scenarios if s.path)
    assert len(names) == 10 and "teach-tour.toml" in names
