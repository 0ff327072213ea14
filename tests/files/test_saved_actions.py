"""Saved actions: readable TOML files, safe names, no secrets, and a starter set that works."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ami_console.client import AMIClient
from ami_console.files.saved import (
    ACTIONS_DIR_ENV,
    FieldRow,
    SavedAction,
    SavedActionError,
    SavedActions,
    starter_actions,
)
from ami_console.protocol import action_fields
from ami_console.simulator import Simulator

ORIGINATE = SavedAction(
    name="Call bob [test] é",
    action="Originate",
    description='Rings alice, then bob.\nValues may hold "quotes", \\backslashes\\ and [brackets].',
    fields=[
        FieldRow("Channel", "PJSIP/alice"),
        FieldRow("Variable", "A=1"),
        FieldRow("Variable", 'B="two words"'),
        FieldRow("Data", "Dial(PJSIP/bob,30,[tT])"),
        FieldRow("Timeout", "30000", enabled=False),
    ],
)


@pytest.fixture
def saved(tmp_path: Path) -> SavedActions:
    return SavedActions(tmp_path / "actions")


def own(saved: SavedActions) -> list[SavedAction]:
    return [a for a in saved.list() if not a.starter]


def test_an_action_round_trips_through_a_readable_file(saved: SavedActions) -> None:
    written = saved.save(ORIGINATE)
    assert written.path == saved.folder / "call-bob-test-e.toml"
    data = tomllib.loads(written.path.read_text(encoding="utf-8"))  # any TOML reader can use it
    assert (data["name"], data["action"]) == ("Call bob [test] é", "Originate")
    assert data["fields"][4] == {"key": "Timeout", "value": "30000", "enabled": False}
    loaded = saved.load(written.path)
    assert (loaded.name, loaded.action, loaded.description) == (ORIGINATE.name, "Originate", ORIGINATE.description)
    assert loaded.fields == ORIGINATE.fields  # order, repeated keys and switched-off rows kept
    assert loaded.pairs() == [
        ("Action", "Originate"),
        ("Channel", "PJSIP/alice"),
        ("Variable", "A=1"),
        ("Variable", 'B="two words"'),
        ("Data", "Dial(PJSIP/bob,30,[tT])"),
    ]


def test_names_make_safe_file_names_and_collisions_get_a_number(saved: SavedActions) -> None:
    first = saved.save(SavedAction("Originate: a demo call!", "Originate"))
    second = saved.save(SavedAction("originate a demo call", "Originate"))
    third = saved.save(SavedAction("../../etc/passwd", "Ping"))
    assert [p.name for p in (first.path, second.path, third.path)] == [
        "originate-a-demo-call.toml",
        "originate-a-demo-call-2.toml",
        "etc-passwd.toml",
    ]
    assert all(p.parent == saved.folder for p in (first.path, second.path, third.path))
    assert [a.name for a in own(saved)] == ["../../etc/passwd", "originate a demo call", "Originate: a demo call!"]


def test_a_taken_name_is_refused_unless_replacing(saved: SavedActions) -> None:
    saved.save(SavedAction("Ping", "Ping"))
    with pytest.raises(SavedActionError, match="An action named 'Ping' already exists"):
        saved.save(SavedAction("PING", "Ping", [FieldRow("ActionID", "x")]))
    replaced = saved.save(SavedAction("PING", "CoreStatus"), replace_existing=True)
    assert [(a.name, a.action) for a in own(saved)] == [("PING", "CoreStatus")]
    assert replaced.path.name == "ping.toml"


def test_saving_a_loaded_action_again_updates_its_file(saved: SavedActions) -> None:
    loaded = saved.save(ORIGINATE)
    loaded.fields.append(FieldRow("CallerID", "Desk <1000>"))
    again = saved.save(loaded)
    assert again.path == loaded.path and len(own(saved)) == 1
    assert saved.load(again.path).fields[-1] == FieldRow("CallerID", "Desk <1000>")


def test_rename_moves_the_file_and_refuses_a_taken_name(saved: SavedActions) -> None:
    ping = saved.save(SavedAction("Ping", "Ping"))
    status = saved.save(SavedAction("Status", "CoreStatus"))
    renamed = saved.rename(ping, "Ping the server")
    assert renamed.path.name == "ping-the-server.toml" and not ping.path.exists()
    assert saved.load(renamed.path).name == "Ping the server"
    with pytest.raises(SavedActionError, match="already exists"):
        saved.rename(status, "ping THE server")
    assert saved.rename(status, "STATUS").path == status.path  # a change of case only
    assert sorted(a.name for a in own(saved)) == ["Ping the server", "STATUS"]


def test_delete_removes_the_file_and_starters_stay(saved: SavedActions) -> None:
    ping = saved.save(SavedAction("My ping", "Ping"))
    saved.delete(ping)
    assert not ping.path.exists() and own(saved) == []
    starter = saved.find("Ping")
    assert starter is not None and starter.starter
    with pytest.raises(SavedActionError, match="cannot be deleted"):
        saved.delete(starter)
    with pytest.raises(SavedActionError, match="cannot be renamed"):
        saved.rename(starter, "Mine")


def test_secrets_are_saved_empty_and_loaded_empty(saved: SavedActions) -> None:
    login = SavedAction("Log in", "Login", [FieldRow("Username", "admin"), FieldRow("Secret", "s3cr3t-pass")])
    md5 = SavedAction("MD5 login", "Login", [FieldRow("AuthType", "MD5"), FieldRow("Key", "0123abcd" * 4)])
    dbget = SavedAction("Forwarding", "DBGet", [FieldRow("Family", "cf"), FieldRow("Key", "1001")])
    for action in (login, md5, dbget):
        saved.save(action)
    text = "".join(p.read_text() for p in saved.folder.iterdir())
    assert "s3cr3t-pass" not in text and "0123abcd" not in text
    assert saved.find("Log in").fields == [FieldRow("Username", "admin"), FieldRow("Secret", "")]
    assert saved.find("Forwarding").fields[1] == FieldRow("Key", "1001")  # Key is a secret only in Login
    (saved.folder / "by-hand.toml").write_text(
        'name = "By hand"\naction = "Login"\n[[fields]]\nkey = "secret"\nvalue = "typed-in"\n'
    )
    assert saved.find("By hand").fields == [FieldRow("secret", "")]


def test_the_folder_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ACTIONS_DIR_ENV, str(tmp_path / "team-repo"))
    written = SavedActions().save(SavedAction("Ping", "Ping"))
    assert written.path == tmp_path / "team-repo" / "ping.toml"


def test_unreadable_files_are_reported_and_the_rest_listed(saved: SavedActions) -> None:
    saved.save(SavedAction("Ping", "Ping"))
    (saved.folder / "broken.toml").write_text('name = "unterminated\n')
    (saved.folder / "no-action.toml").write_text('name = "Nothing to send"\n')
    (saved.folder / "bad-row.toml").write_text('action = "Ping"\nfields = "Channel"\n')
    assert [a.name for a in own(saved)] == ["Ping"]
    assert sorted(p.split(":")[0] for p in saved.problems) == ["bad-row.toml", "broken.toml", "no-action.toml"]


def test_errors_writing_are_one_exception_with_a_reason(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    saved = SavedActions(blocker / "actions")
    assert [a for a in saved.list() if not a.starter] == []
    with pytest.raises(SavedActionError, match="Could not save 'Ping'"):
        saved.save(SavedAction("Ping", "Ping"))
    with pytest.raises(SavedActionError, match="line break"):
        SavedActions(tmp_path).save(SavedAction("Bad", "Setvar", [FieldRow("Value", "a\r\nAction: Logoff")]))


# -- the starter set ----------------------------------------------------------------------
def test_the_starter_set_is_listed_after_the_users_own_and_can_be_replaced(saved: SavedActions) -> None:
    names = [a.name for a in starter_actions()]
    assert len(names) >= 8 and names[0] == "Ping"
    assert {
        "Ping",
        "Originate a demo call",
        "Command: core show channels",
        "QueueStatus",
        "Hangup a channel",
        "Getvar: read a variable",
        "Setvar: set a variable",
    } <= set(names)
    mine = saved.save(SavedAction("Ping", "Ping", [FieldRow("ActionID", "mine")]))
    listed = saved.list()
    assert listed[0] == mine and [a.name for a in listed[1:]] == names[1:]  # mine hides that starter
    assert list(saved.folder.iterdir()) == [mine.path]  # nothing was copied in


def test_every_starter_is_a_valid_action_with_an_explanation() -> None:
    for starter in starter_actions():
        assert starter.starter and len(starter.description) > 60, starter.name
        assert action_fields(starter.pairs())[0] == ("Action", starter.action)


def test_the_starters_work_against_the_demo_pbx() -> None:
    starters = {a.action + (a.name if a.action == "Originate" else ""): a for a in starter_actions()}
    order = [
        "Ping",
        "CoreSettings",
        "Setvar",
        "Getvar",
        "OriginateOriginate a demo call",
        "OriginateOriginate: alice calls bob",
        "QueueStatus",
        "Command",
    ]
    with Simulator(time_scale=0.1) as pbx:  # the demo call's Wait(30) lasts 3 s: time to hang it up
        ami = AMIClient(username=pbx.username, secret=pbx.secret, host=pbx.address, timeout=5, events="off")
        assert ami.connect(), ami.error
        try:
            answers = {}
            for key in order:
                pairs = starters[key].pairs()
                answers[key] = ami.action_list(pairs)[0] if key == "QueueStatus" else ami.action(pairs)
                if key.startswith("Originate"):
                    assert pbx.wait_until(lambda p: len(p.channels()) >= 2)
            assert {k: a.header("Response") for k, a in answers.items()} == dict.fromkeys(order, "Success")
            assert answers["Getvar"]["Value"] == "hello"  # what the Setvar starter set
            assert "Local/300@demo" in "\n".join(answers["Command"].headers("Output"))
            response, hung_up = ami.action_list(starters["Hangup"].pairs())
            assert response["Response"] == "Success"
            assert [m["Channel"].split("-")[0] for m in hung_up[:-1]] == ["Local/300@demo"] * 2
        finally:
            ami.close()  # the demo PBX ends the calls as it stops


# -- the files, written by tomli-w ----------------------------------------------------------
@given(st.text(), st.text(), st.text(), st.lists(st.tuples(st.text(), st.text(), st.booleans()), max_size=4))
def test_a_saved_action_reads_back_unchanged_whatever_its_text(name, description, action, rows) -> None:
    saved = SavedAction(name, action, [FieldRow(k, v, on) for k, v, on in rows], description)
    data = tomllib.loads(saved.to_toml())
    assert (data["name"], data["description"], data["action"]) == (name, description, action)
    assert [(f["key"], f["value"], f["enabled"]) for f in data.get("fields", [])] == rows


def test_a_saved_action_file_keeps_a_readable_description_and_survives_lone_surrogates() -> None:
    text = SavedAction("Ping", "Ping", [], 'Line one.\nLine two, with "quotes" and DEL \x7f.').to_toml()
    assert 'description = """\nLine one.\nLine two' in text  # multi-line, as a person would write it
    assert tomllib.loads(text)["description"] == 'Line one.\nLine two, with "quotes" and DEL \x7f.'
    assert tomllib.loads(SavedAction("bad\udcffname", "Ping").to_toml())["name"] == "bad\ufffdname"
