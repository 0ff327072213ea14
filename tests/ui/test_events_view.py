"""The event log, its panel, the response views, history and the transcript as a user meets
them: driven with keys in a headless console over a replayed file (no server needed)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Input, Static, TabbedContent

from ami_console.events.export import write_jsonl
from ami_console.files.history import HistoryEntry
from ami_console.files.profiles import ConnectionSettings
from ami_console.monitor.transcript import OWN_MARK, Transcript
from ami_console.protocol import Message
from ami_console.session import Exchange
from ami_console.ui.app import AMIConsoleApp
from ami_console.ui.screens.history import HistoryScreen
from ami_console.ui.widgets.event_detail import EventDetail
from ami_console.ui.widgets.event_log import EventLog
from ami_console.ui.widgets.transcript_view import TranscriptSearch, TranscriptView
from tests.apphelpers import run, until

START = 1795660000.0


def event(name: str, **headers: str) -> Message:
    return Message.from_raw("".join(f"{k}: {v}\r\n" for k, v in [("Event", name), *headers.items()]).encode() + b"\r\n")


def dial_end(n: int) -> Message:
    return event(
        "DialEnd",
        Channel=f"PJSIP/alice-{n:08x}",
        Uniqueid=f"1795660000.{n}",
        DestChannel=f"PJSIP/bob-{n:08x}",
        DialStatus="NOANSWER" if n % 2 else "ANSWER",
    )


def replay_of(tmp_path: Path, count: int = 40, per_second: float = 4.0) -> AMIConsoleApp:
    """A console replaying ``count`` DialEnd events that came ``per_second`` a second."""
    path = tmp_path / "events.jsonl"
    write_jsonl(path, [(START + n / per_second, dial_end(n)) for n in range(count)])
    app = AMIConsoleApp(ConnectionSettings(), replay=path)
    app.models.store.replay = True  # the app sets it for --replay (see the report)
    return app


async def replayed(pilot, count: int = 40) -> None:
    app = pilot.app
    await until(pilot, lambda: app.models.store.total == count, what="the replayed events")
    await pilot.pause()


def drawn(log: EventLog) -> list[str]:
    return [log.render_line(y).text for y in range(log.scrollable_content_region.height)]


def status(app: AMIConsoleApp) -> str:
    return str(app.console_screen.events.query_one("#event-status", Static).render())


def counts_line(app: AMIConsoleApp) -> str:
    return str(app.console_screen.events.query_one("#event-counts", Static).render())


# -- the event log --------------------------------------------------------------------------------
def test_a_marker_is_drawn_as_a_rule_between_the_events_it_came_between(tmp_path):
    app = replay_of(tmp_path, count=4)

    async def scenario(pilot):
        await replayed(pilot, 4)
        log = app.console_screen.events.log_view
        log.stored(*app.models.store.add_marker("connection lost 12:00:01: Connection closed by Asterisk"))
        log.stored(*app.models.store.add_timed([(START + 10, dial_end(9))]))
        await pilot.pause()
        lines = [line for line in drawn(log) if line.strip()]
        assert len(lines) == 6
        assert lines[4].startswith("──── connection lost 12:00:01: Connection closed by Asterisk ──")
        assert lines[4].endswith("─") and "PJSIP/alice-00000009" in lines[5]
        # The cursor on it: no event to open, follow or trace.
        await pilot.press("f4", "up")
        assert log.cursor == 4 and log.current is None
        await pilot.press("enter")
        assert not app.console_screen.events.detail.has_class("-shown")

    run(app, scenario)


def test_at_80_columns_details_keep_their_room_before_the_uniqueid(tmp_path):
    app = replay_of(tmp_path, count=4)

    async def scenario(pilot):
        await replayed(pilot, 4)
        events = app.console_screen.events
        titles = str(events.query_one("#event-columns", Static).render())
        assert "details" in titles and "uniqueid" not in titles
        line = next(line for line in drawn(events.log_view) if "alice" in line)
        assert "NOANSWER" in line or "ANSWER" in line

    run(app, scenario, size=(80, 30))


def test_wide_the_titles_name_every_column_over_the_lines(tmp_path):
    app = replay_of(tmp_path, count=4)

    async def scenario(pilot):
        await replayed(pilot, 4)
        events = app.console_screen.events
        titles = str(events.query_one("#event-columns", Static).render())
        line = next(line for line in drawn(events.log_view) if "alice" in line)
        assert titles.index("uniqueid") == line.index("1795660000.")
        assert titles.index("details") == line.index("ANSWER") - len("NO") * ("NOANSWER" in line)

    run(app, scenario, size=(160, 40))


def test_opening_an_event_does_not_squeeze_the_log(tmp_path):
    app = replay_of(tmp_path, count=4)

    async def scenario(pilot):
        await replayed(pilot, 4)
        log = app.console_screen.events.log_view
        width = log.size.width
        await pilot.press("f4", "enter")
        detail = app.console_screen.query_one(EventDetail)
        await until(pilot, lambda: detail.has_class("-shown") and detail.size.height > 0, what="the detail")
        assert log.size.width == width  # narrow: the detail opens below the log
        assert detail.region.y > log.region.y

    run(app, scenario, size=(100, 40))


def test_a_long_header_value_in_the_detail_ends_in_an_ellipsis(tmp_path):
    path = tmp_path / "events.jsonl"
    write_jsonl(path, [(START, event("VarSet", Variable="LONG", Value="v" * 300))])
    app = AMIConsoleApp(ConnectionSettings(), replay=path)

    async def scenario(pilot):
        await replayed(pilot, 1)
        await pilot.press("f4", "enter")
        detail = app.console_screen.query_one(EventDetail)
        await until(pilot, lambda: detail.row_count == 3, what="the detail")
        detail.focus()
        detail.move_cursor(row=2, animate=False)
        await pilot.pause()
        shown = [detail.render_line(y).text for y in range(detail.size.height)]
        row = next(line for line in shown if "vvv" in line)
        assert row.rstrip().endswith("…") and detail.max_scroll_x == 0
        await pilot.press("c")
        assert app.clipboard == "v" * 300  # copying takes the whole value

    run(app, scenario, size=(100, 40))


# -- the panel's lines ------------------------------------------------------------------------------
def test_the_filter_says_how_it_read_a_bare_word_and_finds_it_in_values(tmp_path):
    app = replay_of(tmp_path, count=10)

    async def scenario(pilot):
        await replayed(pilot, 10)
        await pilot.press("f6", *"NOANSWER")
        await until(pilot, lambda: counts_line(app).startswith("filter: name or text: NOANSWER"), what="the reading")
        await until(pilot, lambda: len(app.models.store.view) == 5, what="the filter applied")
        await pilot.press("ctrl+u", *"Channel=PJSIP/alice")
        await until(pilot, lambda: counts_line(app).startswith("filter: Channel starts with PJSIP/alice"))
        await until(pilot, lambda: len(app.models.store.view) == 10, what="the filter applied")

    run(app, scenario)


def test_a_replay_shows_the_files_rate_and_following_only_at_the_tail(tmp_path):
    app = replay_of(tmp_path, count=41, per_second=4.0)

    async def scenario(pilot):
        await replayed(pilot, 41)
        await until(pilot, lambda: "4.0/s in the file" in status(app), what="the file's rate")
        assert "following" in status(app)
        await pilot.press("f4", "up", "up")
        await until(pilot, lambda: "row 39 of 41" in status(app), what="where the cursor is")
        assert "following" not in status(app) and "PAUSED" not in status(app)

    run(app, scenario)


def test_a_status_line_too_long_for_the_bar_ends_in_an_ellipsis(tmp_path):
    app = replay_of(tmp_path, count=4)

    async def scenario(pilot):
        await replayed(pilot, 4)
        await pilot.press("f6", *"PJSIP")
        widget = app.console_screen.events.query_one("#event-status", Static)
        await until(pilot, lambda: "match" in str(widget.render()), what="the filter's count")
        await pilot.pause()
        line = widget.render_line(0).text
        assert line.rstrip().endswith("…"), line

    run(app, scenario, size=(60, 30))


# -- the response views -----------------------------------------------------------------------------
def answered(response: bytes) -> Exchange:
    return Exchange(
        "1", [("Action", "Test")], sent_at=0.0, sent_wall=0.0, response=Message.from_raw(response), finished_at=0.0
    )


def test_keys_1_to_4_switch_the_response_views_and_a_cut_value_ends_in_an_ellipsis(tmp_path):
    app = AMIConsoleApp(ConnectionSettings())  # not connected: the console shown by hand

    async def scenario(pilot):
        await app.push_screen(app.console_screen)
        pane = app.console_screen.response
        await until(pilot, lambda: pane.size.width > 0, what="the response pane")
        pane.add(answered(b"Response: Success\r\nMessage: " + b"m" * 300 + b"\r\n\r\n"))
        table = pane.query_one("#fields-table", DataTable)
        await pilot.pause()
        pane.focus_content()
        await until(pilot, lambda: app.screen.focused is table, what="the Fields view focused")
        tabs = pane.query_one(TabbedContent)
        for key, tab in [("4", "tab-raw"), ("2", "tab-output"), ("3", "tab-list"), ("1", "tab-fields")]:
            await pilot.press(key)
            assert tabs.active == tab
        assert app.screen.focused is table
        table.move_cursor(row=1, animate=False)  # the long value's row, however short the pane
        await pilot.pause()
        shown = [table.render_line(y).text for y in range(table.size.height)]
        row = next(line for line in shown if "mmm" in line)
        assert row.rstrip().endswith("…") and table.max_scroll_x == 0

    run(app, scenario)


# -- history ------------------------------------------------------------------------------------------
def test_history_opens_with_typing_going_to_its_search(tmp_path):
    app = replay_of(tmp_path, count=1)
    entries = [
        HistoryEntry(at=START + n, server="pbx", fields=[("Action", action)], status="Success")
        for n, action in enumerate(["Ping", "CoreSettings", "Command"])
    ]

    async def scenario(pilot):
        await replayed(pilot, 1)
        app.push_screen(HistoryScreen(entries))
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen), what="the history")
        await pilot.press(*"core")
        screen = app.screen
        assert screen.query_one(Input).value == "core"
        assert [e.action for e in screen.shown] == ["CoreSettings"]
        await pilot.press("ctrl+u")
        await pilot.press("down")
        assert screen.query_one(DataTable).cursor_row == 1

    run(app, scenario)


# -- the transcript ------------------------------------------------------------------------------------
def test_the_transcript_marks_the_consoles_own_queries_and_their_answers():
    transcript = Transcript()
    transcript.sent("Action: Ping\r\nActionID: 1\r\n\r\n")
    transcript.sent("Action: Command\r\nActionID: 2\r\nCommand: manager show command Ping\r\n\r\n", own=True)
    transcript.received(Message.from_raw(b"Response: Success\r\nActionID: 1\r\nPing: Pong\r\n\r\n"))
    transcript.received(Message.from_raw(b"Response: Success\r\nActionID: 2\r\nOutput: [Syntax]\r\n\r\n"))
    lines = transcript.lines()
    own = [line for line in lines if line.startswith(OWN_MARK)]
    assert ">> Action: Ping" in lines and "<< Ping: Pong" in lines
    assert f"{OWN_MARK}>> Command: manager show command Ping" in own
    assert f"{OWN_MARK}<< Output: [Syntax]" in own and len(own) == 4 + 4


def test_the_transcript_leaves_out_events_when_asked_and_keeps_list_items():
    transcript = Transcript()
    transcript.sent("Action: CoreShowChannels\r\nActionID: 7\r\n\r\n")
    transcript.received(Message.from_raw(b"Event: Newchannel\r\nChannel: PJSIP/alice-1\r\n\r\n"))
    transcript.received(Message.from_raw(b"Response: Success\r\nActionID: 7\r\nEventList: start\r\n\r\n"))
    transcript.received(Message.from_raw(b"Event: CoreShowChannel\r\nActionID: 7\r\n\r\n"))
    everything = transcript.since(0)[1]
    actions = transcript.since(0, actions_only=True)[1]
    assert "<< Event: Newchannel" in everything and "<< Event: Newchannel" not in actions
    assert "<< Event: CoreShowChannel" in actions and ">> Action: CoreShowChannels" in actions


def test_the_transcript_view_toggles_actions_only_and_searches(tmp_path):
    app = replay_of(tmp_path, count=1)

    async def scenario(pilot):
        await replayed(pilot, 1)
        transcript = app.transcript
        transcript.sent("Action: Ping\r\nActionID: 1\r\n\r\n")
        transcript.received(Message.from_raw(b"Event: VarSet\r\nVariable: FOO\r\n\r\n"))
        transcript.received(Message.from_raw(b"Response: Success\r\nActionID: 1\r\nPing: Pong\r\n\r\n"))
        await pilot.press("f12")
        view = app.console_screen.query_one(TranscriptView)
        await until(pilot, lambda: "<< Ping: Pong" in view.lines, what="the transcript")
        assert "<< Variable: FOO" in view.lines
        await pilot.press("a")
        assert "<< Variable: FOO" not in view.lines and "<< Ping: Pong" in view.lines
        await pilot.press("slash", *"action: ping")
        search = app.screen.query_one(TranscriptSearch)
        assert app.screen.focused is search
        assert view.found is not None and view.lines[view.found] == ">> Action: Ping"
        await pilot.press("escape")
        assert not app.screen.query(TranscriptSearch) and app.screen.focused is view
        await pilot.press("a")
        assert "<< Variable: FOO" in view.lines

    run(app, scenario)
