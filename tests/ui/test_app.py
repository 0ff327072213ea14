"""The console, driven with the keyboard, against the demo PBX (and a few broken servers)."""

from __future__ import annotations

import socket
import time

import pytest
from textual.geometry import Region
from textual.widgets import DataTable, Input, TabbedContent, TextArea

from ami_console.files.profiles import ConnectionSettings
from ami_console.protocol import EventList, Message
from ami_console.session import Exchange
from ami_console.simulator import Simulator
from ami_console.ui.app import AMIConsoleApp
from ami_console.ui.screens.connect import ConnectScreen
from ami_console.ui.screens.help import HelpScreen
from tests.amiserver import Conn, ScriptedServer
from tests.apphelpers import after_a_ping, compose, connected, console, run, until


@pytest.fixture
def pbx():
    with Simulator(time_scale=0.02, auth_failure_delay=0.05, seed=7) as simulator:
        yield simulator
        assert simulator.errors == []


def requests_of(pbx: Simulator, username: str = "admin") -> list:
    logs = [log for log in pbx.session_logs() if log.username == username]
    return logs[-1].requests


# -- connecting -----------------------------------------------------------------------------------
def test_connect_shows_server_user_versions_and_actions(pbx, tmp_path):
    app = console(pbx, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        header = app.console_screen.header
        assert header.state == "connected"
        assert header.info.ami_version == "11.0.0"
        assert header.info.asterisk_version.startswith("22.")
        rendered = header.render().plain
        assert f"admin@127.0.0.1:{pbx.port}" in rendered and "AMI 11.0.0" in rendered
        assert "connected 00:00:0" in rendered
        assert "Originate" in app.console_screen.composer.picker.actions

    run(app, scenario)


def form_error(app) -> str:
    return str(app.connect_screen.query_one("#connect-error").render())


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"secret": "wrong"}, "Asterisk refused the login: Authentication failed"),
        ({"username": "nosuchuser"}, "Asterisk refused the login: Authentication failed"),
    ],
)
def test_a_refused_login_is_explained_and_the_form_stays_filled(pbx, tmp_path, change, expected):
    settings = ConnectionSettings(host=pbx.host, port=pbx.port, username="admin", secret="adminpass", timeout=3)
    settings = ConnectionSettings(**{**settings.__dict__, **change})
    app = console(pbx, tmp_path, settings=settings)

    async def scenario(pilot):
        screen = app.connect_screen
        await until(pilot, lambda: expected in form_error(app), what="the error")
        assert not screen.busy and app.screen is screen
        assert screen.query_one("#host", Input).value == pbx.host
        assert screen.query_one("#username", Input).value == settings.username
        assert screen.query_one("#secret", Input).value == settings.secret
        # Fix the secret and connect from the form.
        screen.query_one("#username", Input).value = "admin"
        screen.query_one("#secret", Input).value = "adminpass"
        screen.query_one("#connect").focus()
        await pilot.press("enter")
        await connected(pilot)

    run(app, scenario)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_connection_refused_is_explained(tmp_path):
    port = _closed_port()
    app = console(None, tmp_path, settings=ConnectionSettings(host="127.0.0.1", port=port, username="admin"))

    async def scenario(pilot):
        await until(pilot, lambda: "refused the connection" in form_error(app))
        assert f"127.0.0.1:{port} refused the connection. Is Asterisk running there" in form_error(app)

    run(app, scenario)


def test_unknown_host_is_explained(tmp_path):
    settings = ConnectionSettings(host="no-such-pbx.invalid", username="admin", timeout=3)
    app = console(None, tmp_path, settings=settings)

    async def scenario(pilot):
        await until(pilot, lambda: "Unknown host 'no-such-pbx.invalid'" in form_error(app), timeout=10)

    run(app, scenario)


@pytest.mark.parametrize(
    "greeting, expected",
    [
        (
            b"SSH-2.0-OpenSSH_9.2\r\n",
            "is not an AMI server: it greeted with 'SSH-2.0-OpenSSH_9.2', not 'Asterisk Call Manager/...'",
        ),
        (None, "accepted the connection but sent no AMI greeting within 0.3 s"),
    ],
)
def test_a_server_that_is_not_ami_is_explained(tmp_path, greeting, expected):
    def handler(conn: Conn) -> None:
        if greeting:
            conn.send(greeting)
        conn.wait_closed()

    with ScriptedServer(handler) as server:
        settings = ConnectionSettings(host="127.0.0.1", port=server.port, username="admin", timeout=0.3)
        app = console(None, tmp_path, settings=settings)

        async def scenario(pilot):
            await until(pilot, lambda: expected in form_error(app))

        run(app, scenario)


def test_connecting_can_be_cancelled_with_escape(tmp_path):
    with ScriptedServer(lambda conn: conn.wait_closed()) as server:
        settings = ConnectionSettings(host="127.0.0.1", port=server.port, username="admin", timeout=30)
        app = console(None, tmp_path, settings=settings)

        async def scenario(pilot):
            screen = app.connect_screen
            await until(pilot, lambda: screen.busy and server.conns)
            started = time.monotonic()
            await pilot.press("escape")
            await until(pilot, lambda: not screen.busy, timeout=2)
            assert time.monotonic() - started < 1
            assert app.screen is screen and not app.connected

        run(app, scenario)


def test_quitting_while_the_server_hangs_mid_connect_is_immediate(tmp_path):
    with ScriptedServer(lambda conn: conn.wait_closed()) as server:
        settings = ConnectionSettings(host="127.0.0.1", port=server.port, username="admin", timeout=30)
        app = console(None, tmp_path, settings=settings)
        timing = {}

        async def scenario(pilot):
            await until(pilot, lambda: server.conns)
            timing["start"] = time.monotonic()
            await pilot.press("ctrl+q")

        run(app, scenario)
        assert time.monotonic() - timing["start"] < 1
    # tests/conftest.py fails the test if a worker thread is still alive.


def test_quitting_while_connected_is_immediate(pbx, tmp_path):
    app = console(pbx, tmp_path)
    timing = {}

    async def scenario(pilot):
        await connected(pilot)
        timing["start"] = time.monotonic()
        await pilot.press("ctrl+q")

    run(app, scenario)
    assert time.monotonic() - timing["start"] < 1


# -- composing and sending ------------------------------------------------------------------------
def test_repeated_fields_go_out_as_repeated_headers_in_row_order(pbx, tmp_path):
    app = console(pbx, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        composer = app.console_screen.composer
        await pilot.press("f2", *"Originate", "enter")
        # The server documents Originate: Channel is required and offered first.
        await until(pilot, lambda: [r.key for r in composer.fields.rows] == ["Channel"], what="Channel row")
        await pilot.press(*"Local/100@demo")
        await pilot.press("ctrl+n", *"Application", "tab", *"Wait")
        await pilot.press("ctrl+n", *"Data", "tab", "1")
        await pilot.press("ctrl+n", *"Variable", "tab", *"A=1")
        await pilot.press("ctrl+y", "backspace", "2")  # a second Variable row
        await pilot.press("ctrl+n", *"Async", "tab", *"true", "ctrl+t")  # switched off: not sent
        preview = composer.preview_text
        assert "Variable: A=1\\r\\n" in preview and "Variable: A=2\\r\\n" in preview and "Async" not in preview
        await pilot.press("ctrl+s")
        response = app.console_screen.response
        await until(pilot, lambda: response.current is not None and not response.current.pending)
        assert response.current.response["Response"] == "Success"
        sent = requests_of(pbx)[-1]
        assert sent.fields == [
            ("Action", "Originate"),
            ("ActionID", response.current.action_id),
            ("Channel", "Local/100@demo"),
            ("Application", "Wait"),
            ("Data", "1"),
            ("Variable", "A=1"),
            ("Variable", "A=2"),
        ]

    run(app, scenario)


def test_a_line_break_in_a_value_is_refused_before_sending(pbx, tmp_path):
    app = console(pbx, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        await compose(pilot, "UserEvent", [("UserEvent", "Demo"), ("Text", "line one\nAction: Originate")])
        composer = app.console_screen.composer
        assert "Cannot send: Value of 'Text' holds a line break" in composer.preview_text
        before = len(requests_of(pbx))
        await pilot.press("ctrl+s")
        await after_a_ping(pilot)
        assert len(requests_of(pbx)) == before + 1  # the console's own Ping, and nothing else
        assert app.console_screen.response.current is None

    run(app, scenario)


def test_command_output_is_shown_as_plain_text_and_searchable(pbx, tmp_path):
    app = console(pbx, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        await compose(pilot, "Command", [("Command", "core show version")])
        await pilot.press("ctrl+s")
        response = app.console_screen.response
        await until(pilot, lambda: response.current is not None and not response.current.pending)
        assert response.query_one(TabbedContent).active == "tab-output"
        text = response.query_one("#output-text", TextArea).text
        assert text.startswith("Asterisk 22.")
        await pilot.press("f3", "slash", *"built")
        area = response.query_one("#output-text", TextArea)
        assert area.selected_text.lower() == "built"

    run(app, scenario)


def test_an_event_list_is_shown_as_a_table(pbx, tmp_path):
    app = console(pbx, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        await compose(pilot, "ShowDialPlan", [("Context", "demo")])
        await pilot.press("ctrl+s")
        response = app.console_screen.response
        await until(pilot, lambda: response.current is not None and not response.current.pending)
        assert response.query_one(TabbedContent).active == "tab-list"
        table = response.query_one("#list-table", DataTable)
        assert table.row_count == 27
        columns = [str(c.label) for c in table.columns.values()]
        assert columns[:5] == ["Event", "Context", "Extension", "Priority", "Application"]
        summary = str(response.query_one("#list-summary").render())
        assert summary == "27 items · ShowDialPlanComplete says ListItems: 27"

    run(app, scenario)


def test_earlier_responses_stay_reachable(pbx, tmp_path):
    app = console(pbx, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        response = app.console_screen.response
        for action in ("Ping", "CoreStatus"):
            await compose(pilot, action)
            await pilot.press("ctrl+s")
            await until(
                pilot,
                lambda action=action: (
                    response.current is not None and response.current.action == action and not response.current.pending
                ),
            )
        await pilot.press("f7")
        assert response.current.action == "Ping"
        await pilot.press("f8")
        assert response.current.action == "CoreStatus"

    run(app, scenario)


def _answered(action_id: str, response: bytes, items: list[bytes] = ()) -> Exchange:
    gathered = EventList(action_id) if items else None
    for item in items:
        gathered.items.append(Message.from_raw(item))
    return Exchange(
        action_id,
        [("Action", "Test")],
        sent_at=0.0,
        sent_wall=0.0,
        response=Message.from_raw(response),
        gathered=gathered,
        finished_at=0.0,
    )


def _sized(table: DataTable) -> bool:
    """The table has taken in its rows: its scrollable width is that of its columns."""
    return table.virtual_size.width == sum(column.get_render_width(table) for column in table.columns.values())


NARROW_LIST = [b"Event: Item\r\nA: 1\r\n\r\n", b"Event: TestComplete\r\nEventList: Complete\r\n\r\n"]
WIDE_LIST = [
    b"Event: AVeryLongItemName\r\nA: a value much wider than its column was\r\n\r\n",
    b"Event: TestComplete\r\nEventList: Complete\r\n\r\n",
]


@pytest.mark.parametrize(
    "table_id, tab, narrow, wide, first, second",
    [
        (
            "#fields-table",
            "tab-fields",
            _answered("1", b"Response: Success\r\n\r\n"),
            _answered("2", b"Response: Success\r\nSoundsSearchCustomDir: No\r\n\r\n"),
            ("Header", "SoundsSearchCustomDir"),
            ("Value", "No"),
        ),
        (
            "#list-table",
            "tab-list",
            _answered("1", b"Response: Success\r\nEventList: start\r\n\r\n", NARROW_LIST),
            _answered("2", b"Response: Success\r\nEventList: start\r\n\r\n", WIDE_LIST),
            ("Event", "AVeryLongItemName"),
            ("A", "a value much wider than its column was"),
        ),
    ],
)
def test_a_table_shows_wider_rows_whole_under_their_header_even_if_the_screen_draws_first(
    pbx, tmp_path, table_id, tab, narrow, wide, first, second
):
    """Textual's DataTable widens its columns on its next idle, and lines drawn just before
    kept the old widths: cut values and a misaligned header until something redrew them."""
    app = console(pbx, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        pane = app.console_screen.response
        table = pane.query_one(table_id, DataTable)

        def drawn() -> list[str]:  # what the screen shows, through the widget's line cache
            return [strip.text for strip in table.render_lines(Region(0, 0, table.size.width, table.size.height))]

        pane.add(narrow)
        pane.query_one(TabbedContent).active = tab
        await until(pilot, lambda: len(drawn()) > 1, what="the narrow rows")
        pane.add(wide)
        drawn()  # the screen draws between the rows arriving and the table's idle
        await until(pilot, lambda: _sized(table), what="the table sized to its columns")
        await pilot.pause()
        header, *rows = drawn()
        row = next((line for line in rows if line.startswith(f" {first[1]} ")), None)
        assert row is not None, f"{first[1]!r} cut in {rows!r}"
        assert header.startswith(f" {first[0]} ")
        assert header.index(f" {second[0]} ") == row.index(f" {second[1]}"), f"{header!r} over {row!r}"

    run(app, scenario)


def test_a_response_table_is_as_wide_as_its_own_values_not_an_earlier_responses(pbx, tmp_path):
    """An earlier long value (a Command's output) left the Fields table scrolling sideways."""
    app = console(pbx, tmp_path)
    long = _answered("1", b"Response: Success\r\nOutput: " + b"x" * 200 + b"\r\n\r\n")
    short = _answered("2", b"Response: Error\r\nMessage: No such channel\r\n\r\n")

    async def scenario(pilot):
        await connected(pilot)
        pane = app.console_screen.response
        table = pane.query_one("#fields-table", DataTable)
        pane.add(long)
        await until(
            pilot, lambda: table.row_count == 2 and table.get_row_at(1)[1].plain == "x" * 200, what="the long value"
        )
        pane.add(short)
        await until(
            pilot,
            lambda: table.get_row_at(1)[1].plain == "No such channel" and _sized(table),
            what="the short response",
        )
        assert table.virtual_size.width == len(" Response ") + len(" No such channel ")
        assert table.max_scroll_x == 0

    run(app, scenario)


# -- the event log ----------------------------------------------------------------------------------
def test_events_of_a_call_arrive_and_the_filter_narrows_them(pbx, tmp_path):
    app = console(pbx, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        store = app.models.store
        # alice hangs up: had bob, her dialplan would go on to Hangup() (a Newexten naming it)
        pbx.place_call("alice", "1002", outcome="answer", ring=1, talk=1, callee_hangs_up=False)
        await until(pilot, lambda: store.counts["Cdr"] >= 1, timeout=10, what="the call to end")
        assert {"Newchannel", "Newexten", "DialBegin", "DialEnd", "Hangup"} <= set(store.counts)
        await pilot.press("f6", *"Hangup")
        assert {e.message.name for e in store.view} == {"Hangup"}
        await pilot.press("ctrl+u", *"Channel=PJSIP/alice*", "space", *"!Newexten")
        assert store.view and all(
            e.message.header("Channel").startswith("PJSIP/alice") and e.message.name != "Newexten" for e in store.view
        )
        await pilot.press("ctrl+u")
        assert len(store.view) == len(store.entries)

    run(app, scenario)


def test_pause_counts_new_events_and_resume_follows_again(pbx, tmp_path):
    app = console(pbx, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        log = app.console_screen.events.log_view
        await pilot.press("f9")
        assert not log.following
        pbx.place_call("bob", "1001", outcome="busy", ring=0.5)
        await until(pilot, lambda: log.unseen > 0)
        marker = app.console_screen.events.query_one("#new-events")
        await until(pilot, lambda: marker.has_class("-shown"))
        assert "new events" in str(marker.render())
        await pilot.press("f9")
        assert log.following and log.unseen == 0

        # The store grows on the model thread; the log reaches its tail at the next frame.
        def at_tail() -> bool:
            with app.models.lock:
                return log.cursor == app.models.store.row_count - 1

        await until(pilot, at_tail, what="the tail")

    run(app, scenario)


def test_event_details_show_every_header_as_plain_text(pbx, tmp_path):
    app = console(pbx, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        await compose(
            pilot, "UserEvent", [("UserEvent", "Demo"), ("Note", "[bold]not bold[/] Dial(PJSIP/bob,30,[tT])")]
        )
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.models.store.counts["UserEvent"] == 1)
        await pilot.press("f4", "end", "enter")
        detail = app.console_screen.events.detail
        await until(pilot, lambda: detail.has_class("-shown"))
        cells = {str(detail.get_row_at(i)[0]): detail.get_row_at(i)[1] for i in range(detail.row_count)}
        assert cells["Note"].plain == "[bold]not bold[/] Dial(PJSIP/bob,30,[tT])"
        assert not cells["Note"].spans

    run(app, scenario)


def test_the_log_is_bounded(pbx, tmp_path):
    app = console(pbx, tmp_path, log_capacity=50)

    async def scenario(pilot):
        await connected(pilot)
        pbx.start_storm(rate=None, total=500)
        await until(pilot, lambda: app.models.store.total >= 500, timeout=10)
        assert len(app.models.store.entries) == 50

    run(app, scenario)


# -- trouble ---------------------------------------------------------------------------------------------
def test_connection_lost_shows_why_keeps_everything_and_reconnects(pbx, tmp_path):
    app = console(pbx, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        screen = app.console_screen
        await compose(pilot, "Ping")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: screen.response.current and not screen.response.current.pending)
        seen = app.models.store.total
        pbx.drop_connections()
        await until(pilot, lambda: screen.banner.has_class("-shown"), what="the banner")
        assert "Connection lost: Reading from socket failed: connection closed by Asterisk" in str(
            screen.banner.render()
        )
        assert screen.header.state == "lost"
        await pilot.press("ctrl+r")
        await until(pilot, lambda: app.connected and not screen.banner.has_class("-shown"), what="reconnected")
        assert app.models.store.total >= seen and len(screen.response.history) == 1

    run(app, scenario)


def test_a_server_restart_while_connected(tmp_path):
    first = Simulator(time_scale=0.02).start()
    port = first.port
    app = console(first, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        first.stop()
        await until(pilot, lambda: app.console_screen.banner.has_class("-shown"))
        with Simulator(port=port, time_scale=0.02) as second:
            await pilot.press("ctrl+r")
            await until(pilot, lambda: app.connected, what="connected to the restarted server")
            assert second.session_count == 1

    try:
        run(app, scenario)
    finally:
        first.stop()


def test_news_from_the_server_while_the_console_closes_is_dropped(pbx, tmp_path):
    app = console(pbx, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        screen = app.console_screen
        # The connection's and the models' threads report until they stop: here, while the
        # screens are being taken down.
        for n in range(200):
            exchange = Exchange(f"late-{n}", [("Action", "Ping")], sent_at=time.perf_counter(), sent_wall=time.time())
            exchange.finished_at = time.perf_counter()
            screen.post_message(screen.ExchangeAnswered(exchange))
            app.post_message(AMIConsoleApp.ModelsChanged())
        app.post_message(AMIConsoleApp.ConnectionLost("gone"))

    run(app, scenario)


def test_sending_while_disconnected_says_so(pbx, tmp_path):
    app = console(pbx, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        pbx.drop_connections()
        await until(pilot, lambda: not app.connected)
        await compose(pilot, "Ping")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert any("Not connected" in n.message for n in app._notifications)

    run(app, scenario)


# -- profiles, help, palette -------------------------------------------------------------------------------
def test_profiles_are_saved_without_the_secret_and_fill_the_form(pbx, tmp_path):
    settings = ConnectionSettings(
        host="127.0.0.1", port=pbx.port, username="admin", secret="adminpass-secret", auth="md5", events="system,call"
    )
    app = console(pbx, tmp_path, settings=settings, autoconnect=False)

    async def scenario(pilot):
        screen = app.connect_screen
        screen.query_one("#profile-name", Input).value = "lab"
        screen.query_one("#save-profile").press()
        await until(pilot, lambda: (tmp_path / "profiles.toml").exists())
        text = (tmp_path / "profiles.toml").read_text()
        assert "adminpass-secret" not in text and 'events = "system,call"' in text
        select = screen.query_one("#profile")
        await until(pilot, lambda: select.value == "lab", what="the saved profile selected")
        select.clear()
        screen.fill(ConnectionSettings())
        assert screen.query_one("#host", Input).value == "localhost"
        select.value = "lab"
        # The radio buttons take the profile's auth through their own messages: wait for all of it.
        await until(
            pilot,
            lambda: screen.query_one("#host", Input).value == "127.0.0.1" and screen.read().auth == "md5",
            what="the form filled from the profile",
        )
        assert screen.read().port == pbx.port

    run(app, scenario)


def test_help_explains_keys_and_ami(pbx, tmp_path):
    app = console(pbx, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.query_one("Markdown").source
        for topic in ("ActionID", "EventList: start", "ctrl+s", "Filtering events"):
            assert topic in text
        await pilot.press("escape")
        assert app.screen is app.console_screen

    run(app, scenario)


def test_the_form_comes_first_when_not_connecting(tmp_path):
    app = console(
        None, tmp_path, settings=ConnectionSettings(host="pbx.example.org", username="ops"), autoconnect=False
    )

    async def scenario(pilot):
        assert isinstance(app.screen, ConnectScreen)
        assert app.screen.query_one("#host", Input).value == "pbx.example.org"
        assert app.focused is app.screen.query_one("#secret", Input)  # the first field left to fill

    run(app, scenario)


def test_home_right_after_a_resize_stays_at_the_top(pbx, tmp_path):
    """A resize while following asks for the tail after the next refresh; a key that stops
    following in between (home, as a burst or a busy machine delivers it) wins: the cursor
    stays at the top instead of jumping back to the newest event."""
    from textual.events import Resize
    from textual.geometry import Size

    app = console(pbx, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        await pilot.press("f4")
        log = app.console_screen.events.log_view
        pbx.place_call("bob", "1001", outcome="busy", ring=0.2)
        await until(pilot, lambda: log.store.row_count > 3 and log.cursor == log.store.row_count - 1, what="following")
        log.on_resize(Resize(Size(100, 20), Size(100, 20)))  # the tail is asked for after the refresh
        log.action_top()  # home, before that refresh
        await after_a_ping(pilot)
        assert log.cursor == 0 and not log.following

    run(app, scenario)
