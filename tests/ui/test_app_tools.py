"""The console's tools, driven with the keyboard against the demo PBX: history, saved
actions, following and tracing a call, copying, exports and replay, the transcript, and
server-side filtering."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input

from ami_console.files.history import History
from ami_console.files.profiles import ConnectionSettings
from ami_console.simulator import Simulator
from ami_console.ui.app import AMIConsoleApp
from ami_console.ui.screens.history import HistoryScreen
from ami_console.ui.screens.saved import SavedScreen
from ami_console.ui.screens.savefile import SaveFileScreen
from ami_console.ui.screens.server_filters import ServerFiltersScreen
from ami_console.ui.screens.trace import CallTraceScreen
from tests.apphelpers import compose, connected, console, kept, run, shown, until


@pytest.fixture
def pbx():
    with Simulator(time_scale=0.02, seed=5) as simulator:
        yield simulator
        assert simulator.errors == []


async def send(pilot, action: str, rows=()) -> object:
    await compose(pilot, action, list(rows))
    response = pilot.app.console_screen.response
    before = len(response.history)
    await pilot.press("ctrl+s")
    await until(pilot, lambda: len(response.history) > before and not response.current.pending)
    return response.current


async def a_whole_call(pilot, pbx: Simulator) -> None:
    store = pilot.app.models.store
    # alice hangs up: had bob, her dialplan would go on to Hangup() (a Newexten naming it)
    pbx.place_call("alice", "1002", outcome="answer", ring=1, talk=1, callee_hangs_up=False)
    await until(pilot, lambda: store.counts["Cdr"] >= 1 and store.counts["Hangup"] >= 2, timeout=10)


async def go_to_event(pilot, name: str, channel: str = "") -> object:
    """Move the log's cursor, with the keyboard, to the first such event; return it."""
    view = shown(pilot.app)
    index = next(
        i
        for i, e in enumerate(view)
        if e.message.name == name and (e.message.header("Channel") or "").startswith(channel)
    )
    await pilot.press("f4", "home", *["down"] * index)
    log = pilot.app.console_screen.events.log_view
    assert log.current is view[index]
    return view[index].message


def data_dir() -> Path:
    return Path(os.environ["AMI_CONSOLE_DATA_DIR"])


# -- history ----------------------------------------------------------------------------------
def test_history_lists_loads_and_resends_and_keeps_secrets_out(pbx, tmp_path):
    app = console(pbx, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        await send(pilot, "Ping")
        await send(pilot, "Command", [("Command", "core show uptime")])
        await send(pilot, "Login", [("Username", "admin"), ("Secret", "history-s3cret")])
        await pilot.press("ctrl+o")
        assert isinstance(app.screen, HistoryScreen)
        table = app.screen.query_one(DataTable)
        assert [str(table.get_row_at(i)[2]) for i in range(table.row_count)] == ["Login", "Command", "Ping"]
        await pilot.press("down", "enter")  # the Command: into the composer
        composer = app.console_screen.composer
        await until(pilot, lambda: composer.picker.value == "Command")
        assert composer.fields.pairs() == [("Command", "core show uptime")]
        await pilot.press("ctrl+o", "down", "down", "ctrl+s")  # the Ping, sent again at once
        response = app.console_screen.response
        await until(pilot, lambda: response.current.action == "Ping" and not response.current.pending)
        assert len(response.history) == 4
        await pilot.press("ctrl+o", "down", "ctrl+s")  # the Login held a secret: loaded, not sent
        await until(pilot, lambda: composer.picker.value == "Login")
        assert ("Secret", "********") in composer.fields.pairs()
        assert len(response.history) == 4

    run(app, scenario)
    text = (data_dir() / "history.jsonl").read_text()
    assert "history-s3cret" not in text and '["Secret","********"]' in text
    assert [e.action for e in History().entries()] == ["Ping", "Command", "Login", "Ping"]


# -- saved actions ------------------------------------------------------------------------------
def test_saved_actions_save_load_rename_delete(pbx, tmp_path):
    app = console(pbx, tmp_path)
    folder = Path(os.environ["AMI_CONSOLE_ACTIONS_DIR"])

    async def scenario(pilot):
        await connected(pilot)
        await compose(
            pilot,
            "Originate",
            [
                ("Channel", "PJSIP/alice"),
                ("Exten", "1002"),
                ("Context", "internal"),
                ("Variable", "A=[1]"),
                ("Variable", "B=2"),
            ],
        )
        await pilot.press("ctrl+b")
        assert isinstance(app.screen, SavedScreen)
        names = [a.name for a in app.screen.actions]
        assert "Ping" in names and "Originate a demo call" in names  # the starter set
        await pilot.press("s", *"Call bob", "enter")
        await until(pilot, lambda: (folder / "call-bob.toml").exists())
        text = (folder / "call-bob.toml").read_text()
        assert 'name = "Call bob"' in text and 'value = "A=[1]"' in text
        await pilot.press("r", "ctrl+u", *"Call bob from alice", "enter")
        await until(pilot, lambda: (folder / "call-bob-from-alice.toml").exists())
        assert not (folder / "call-bob.toml").exists()
        await pilot.press("escape")
        await compose(pilot, "Ping")
        await pilot.press("ctrl+b")
        saved = next(i for i, a in enumerate(app.screen.actions) if a.name == "Call bob from alice")
        app.screen.query_one(DataTable).move_cursor(row=saved)
        await pilot.press("enter")
        composer = app.console_screen.composer
        await until(pilot, lambda: composer.picker.value == "Originate")
        await until(pilot, lambda: "Originate" in composer.docs)  # the server's docs arrived...
        await pilot.pause()  # ...and were taken in
        assert composer.fields.pairs() == [  # ...and did not replace what was loaded
            ("Channel", "PJSIP/alice"),
            ("Exten", "1002"),
            ("Context", "internal"),
            ("Variable", "A=[1]"),
            ("Variable", "B=2"),
        ]
        await pilot.press("ctrl+b")
        saved = next(i for i, a in enumerate(app.screen.actions) if a.name == "Call bob from alice")
        app.screen.query_one(DataTable).move_cursor(row=saved)
        await pilot.press("delete", "delete")
        await until(pilot, lambda: not (folder / "call-bob-from-alice.toml").exists())

    run(app, scenario)


# -- following and tracing a call ---------------------------------------------------------------------
def test_follow_a_call_from_the_log_and_come_back(pbx, tmp_path):
    app = console(pbx, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        await a_whole_call(pilot, pbx)
        pbx.place_call("carol", "1001", outcome="busy", ring=0.5)  # another call
        store = app.models.store
        await until(pilot, lambda: store.counts["Cdr"] >= 2, timeout=10)
        everything = len(store.view)
        linkedid = (await go_to_event(pilot, "Newexten", "PJSIP/alice")).header("Linkedid")
        await pilot.press("f")
        assert store.filter.call is not None
        assert 0 < len(store.view) < everything
        for entry in store.view:
            message = entry.message
            assert message.header("Linkedid") in (linkedid, None) or message.name == "Cdr"
        assert any(e.message.name == "Cdr" for e in store.view)  # the call's record, which has no Linkedid
        await pilot.press("f")
        assert store.filter.call is None and len(store.view) == everything

    run(app, scenario)


def test_follow_a_call_from_a_list_row(pbx, tmp_path):
    app = console(pbx, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        channel = pbx.place_call("alice", "1002", outcome="answer", ring=0.5, talk=5000)  # up for the test
        await until(pilot, lambda: app.models.store.counts["BridgeEnter"] >= 2, timeout=10)
        await send(pilot, "CoreShowChannels")
        await pilot.press("f3")
        response = app.console_screen.response
        table = response.query_one("#list-table", DataTable)
        assert app.focused is table and table.row_count == 2
        await pilot.press("f")
        assert app.models.store.filter.call is not None
        assert all(e.message.header("Linkedid") in (None, app.models.store.filter.call.key) for e in shown(app))
        await pilot.press("t")
        assert isinstance(app.screen, CallTraceScreen)
        assert channel in app.screen.query_one("#trace").render().plain

    run(app, scenario)


def test_the_call_trace_shows_the_dialplan_walked_and_copies_as_text(pbx, tmp_path):
    app = console(pbx, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        await a_whole_call(pilot, pbx)
        await go_to_event(pilot, "Newexten", "PJSIP/alice")
        await pilot.press("t")
        assert isinstance(app.screen, CallTraceScreen)
        text = app.screen.query_one("#trace").render().plain
        assert "PJSIP/alice-" in text and "PJSIP/bob-" in text
        assert "Dial(PJSIP/bob" in text and "ANSWER" in text and "hung up" in text
        await pilot.press("c")
        assert app.clipboard.startswith("Call ") and "Dial(PJSIP/bob" in app.clipboard
        await pilot.press("escape")
        assert app.screen is app.console_screen

    run(app, scenario)


def test_copy_an_event_and_a_response(pbx, tmp_path):
    app = console(pbx, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        await pilot.press("f4", "home", "c")
        assert app.clipboard.startswith("Event: FullyBooted\r\n")
        await send(pilot, "Ping")
        await pilot.press("f3", "c")  # in the Fields view: the value under the cursor
        assert app.clipboard == "Success"
        await pilot.press("f2", "f3")
        app.console_screen.response.query_one("#response-tabs").active = "tab-raw"
        await pilot.press("f3", "c")
        assert app.clipboard.startswith("Response: Success\r\n") and "Ping: Pong" in app.clipboard

    run(app, scenario)


# -- export and replay ---------------------------------------------------------------------------------
@pytest.mark.parametrize("choice, suffix", [("down", ".ami"), ("up", ".jsonl")])
def test_export_the_log_and_replay_it_offline(pbx, tmp_path, choice, suffix):
    app = console(pbx, tmp_path)
    target = tmp_path / "export.jsonl"

    async def scenario(pilot):
        await connected(pilot)
        await a_whole_call(pilot, pbx)
        await pilot.press("f4", "x")
        assert isinstance(app.screen, SaveFileScreen)
        app.screen.query_one(Input).value = str(target)
        if choice == "down":  # raw AMI text
            app.screen.query_one("#choice-raw-all").value = True
        app.screen.set_focus(app.screen.query_one(Input))
        await pilot.press("enter")
        await until(pilot, lambda: target.with_suffix(suffix).exists())

    run(app, scenario)
    written = target.with_suffix(suffix)
    count = app.models.store.total
    if suffix == ".jsonl":
        assert len(written.read_text().splitlines()) == count
        assert json.loads(written.read_text().splitlines()[0])["fields"][0] == ["Event", "FullyBooted"]
    replay = AMIConsoleApp(ConnectionSettings(), replay=written)

    async def offline(pilot):
        await until(pilot, lambda: replay.models.store.total == count, what="the replayed events")
        assert "replay of" in replay.console_screen.header.render().plain
        await pilot.press("f6", *"Hangup")
        assert {e.message.name for e in shown(replay)} == {"Hangup"}
        await pilot.press("f6", "ctrl+u")
        await go_to_event(pilot, "Hangup", "PJSIP/alice")
        await pilot.press("t")
        assert isinstance(replay.screen, CallTraceScreen)
        assert "Dial(PJSIP/bob" in replay.screen.query_one("#trace").render().plain
        await pilot.press("escape")
        assert not replay.console_screen.query_one("#top").display  # no composer: nothing to send

    run(replay, offline)


# -- the transcript ---------------------------------------------------------------------------------------
def test_the_transcript_shows_both_ways_masks_the_secret_and_saves(pbx, tmp_path):
    app = console(pbx, tmp_path)
    target = tmp_path / "transcript.txt"

    async def scenario(pilot):
        await connected(pilot)
        await send(pilot, "Ping")
        await pilot.press("f12")
        view = app.console_screen.query_one("#transcript")
        await until(pilot, lambda: any(">> Action: Ping" in line for line in view.lines))
        lines = list(view.lines)
        assert "<< Asterisk Call Manager/11.0.0" in lines
        assert ">> Secret: ********" in lines and not any("adminpass" in line for line in lines)
        assert "<< Ping: Pong" in lines
        await pilot.press("s")
        assert isinstance(app.screen, SaveFileScreen)
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await until(pilot, lambda: target.exists())

    run(app, scenario)
    text = target.read_text()
    assert ">> Action: Login" in text and "adminpass" not in text


# -- server-side filtering --------------------------------------------------------------------------------
def test_the_event_mask_and_filters_are_set_from_the_ui_and_shown(pbx, tmp_path):
    app = console(pbx, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        header = app.console_screen.header
        await pilot.press("ctrl+f")
        assert isinstance(app.screen, ServerFiltersScreen)
        await pilot.press(*"Event: Newchannel", "enter")  # typed in the mask field first...
        await until(pilot, lambda: "Events" in app.connection.server_filters.last)
        app.screen.set_focus(app.screen.query_one("#filter"))
        await pilot.press(*"Event: Newchannel", "enter")
        await until(pilot, lambda: app.connection.server_filters.filters == ["Event: Newchannel"])
        app.screen.set_focus(app.screen.query_one("#mask"))
        await pilot.press(*"on", "enter")
        await until(pilot, lambda: app.connection.server_filters.mask == "on")
        assert "1 filter" in header.render().plain
        await pilot.press("escape")
        before = app.models.store.total
        await a_whole_call_any(pilot, pbx)
        names = {e.message.name for e in kept(app)[before:]}
        assert names == {"Newchannel"}  # the server sent nothing else
        requests = [m.header("Action") for m in pbx.session_logs()[-1].requests]
        assert requests.count("Filter") == 1 and requests.count("Events") == 2

    run(app, scenario)


async def a_whole_call_any(pilot, pbx: Simulator) -> None:
    """A call, waited for through the PBX itself (the console may see little of it)."""
    pbx.place_call("alice", "1002", outcome="answer", ring=0.5, talk=0.5)
    await until(pilot, lambda: pilot.app.models.store.counts["Newchannel"] >= 2, timeout=10)
    await until(pilot, lambda: not pbx.channels(), timeout=10)


def test_help_covers_the_tools(pbx, tmp_path):
    app = console(pbx, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        await pilot.press("f1")
        text = app.screen.query_one("Markdown").source
        for topic in ("ctrl+o", "ctrl+b", "ctrl+f", "F12", "follow", "trace", "--replay", "export"):
            assert topic in text, topic

    run(app, scenario)


def test_the_transcript_keeps_up_with_a_storm_by_showing_the_latest(pbx, tmp_path):
    app = console(pbx, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        view = app.console_screen.query_one("#transcript")
        before = view.line_count
        pbx.start_storm(rate=None, total=3000)
        await until(pilot, lambda: app.models.store.total >= 3000, timeout=20)
        view.catch_up()  # what its timer does: hidden behind the Events tab, nothing decoded
        assert view.line_count == before
        await pilot.press("f12")
        await until(pilot, lambda: view.line_count > before)
        lines = list(view.lines)
        assert any("messages passed over to keep up" in line for line in lines)
        assert len(lines) < 300 * 25  # the newest few hundred messages, not thousands

    run(app, scenario)


def test_a_replay_greys_what_needs_a_server_and_says_why(tmp_path, monkeypatch):
    """A replay has no server: ctrl+s and h on a call are greyed, and say so at once
    (nothing opens that offers to send)."""
    from ami_console.ui.screens.console import NO_SERVER
    from tests.scenes import captured_call

    monkeypatch.chdir(tmp_path)
    app = AMIConsoleApp(ConnectionSettings(), replay=captured_call())

    async def offline(pilot):
        await until(pilot, lambda: app.models.store.counts["Cdr"] >= 2, what="the replayed call")
        screen = app.console_screen
        assert not screen.check_action("send", ())
        await pilot.press("ctrl+s")
        await until(pilot, lambda: any(NO_SERVER in n.message for n in app._notifications), what="why ctrl+s")
        app.clear_notifications()
        await pilot.press("ctrl+g")
        await until(pilot, lambda: screen.calls.selected_key, what="the call selected")
        await pilot.press("h")
        await until(pilot, lambda: any(NO_SERVER in n.message for n in app._notifications), what="why h")
        assert app.screen is screen

    run(app, offline)


def test_the_transcript_opens_at_its_newest_lines(pbx, tmp_path):
    """F12 shows the newest lines (lesson 1 sends the learner there for the Login just
    made), not the oldest: lines written while the tab was hidden do not leave it at the top."""
    app = console(pbx, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        for _ in range(12):  # more lines than the tab shows
            await send(pilot, "Ping")
        await pilot.press("f12")
        view = app.console_screen.query_one("#transcript")
        await until(pilot, lambda: view.max_scroll_y > 0 and any(">> Action: Ping" in line for line in view.lines))
        await until(pilot, lambda: view.scroll_y == view.max_scroll_y, what="the newest lines shown")

    run(app, scenario)
