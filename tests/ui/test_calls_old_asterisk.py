"""Every Asterisk an operator runs: against Asterisk before 12 (AMI 1.x), whose calls' events
have other names, the Calls tab says it cannot follow calls instead of drawing a wrong picture,
and the rest of the console works."""

from __future__ import annotations

from textual.pilot import Pilot

from ami_console.files.profiles import ConnectionSettings
from ami_console.ui.screens.ladder import LadderScreen
from tests.amiserver import Conn, ScriptedServer
from tests.apphelpers import after_a_ping, connected, console, run, until

# What Asterisk 1.8 sends, in its shapes (main/manager.c, branch 1.8): AMI 1.1, its own
# CoreSettings, and a call's events as 1.8 names them (Dial with SubEvent, Bridge).
ANSWERS = {
    "coresettings": "Response: Success\nAMIversion: 1.1\nAsteriskVersion: 1.8.32.3\nSystemName: \nCoreMaxCalls: 0",
    "listcommands": "Response: Success\nPing: Keepalive command.  (Priv: <none>)\nOriginate: Originate Call.  (Priv: originate,all)",
    "ping": "Response: Success\nPing: Pong",
}
CALL_EVENTS = (
    "Event: Newchannel\r\nPrivilege: call,all\r\nChannel: SIP/alice-00000001\r\nChannelState: 4\r\n"
    "ChannelStateDesc: Ring\r\nCallerIDNum: 1001\r\nExten: 1002\r\nContext: internal\r\nUniqueid: 1700000000.1\r\n\r\n"
    "Event: Dial\r\nPrivilege: call,all\r\nSubEvent: Begin\r\nChannel: SIP/alice-00000001\r\n"
    "Destination: SIP/bob-00000002\r\nUniqueID: 1700000000.1\r\nDestUniqueID: 1700000000.2\r\nDialstring: bob\r\n\r\n"
)


def asterisk_1_8(conn: Conn) -> None:
    conn.send(b"Asterisk Call Manager/1.1\r\n")
    login = conn.read_message()
    if login is None:
        return
    conn.reply(login, "Response: Success\nMessage: Authentication accepted")
    conn.send(CALL_EVENTS)
    while (request := conn.read_message()) is not None:
        name = (request.header("Action") or "").lower()
        conn.reply(request, ANSWERS.get(name, "Response: Error\nMessage: Invalid/unknown command"))


def calls_text(app) -> str:
    return str(app.console_screen.calls.query_one("#calls-unsupported").render())


def test_the_calls_tab_says_asterisk_before_12_cannot_be_followed(tmp_path):
    with ScriptedServer(asterisk_1_8) as server:
        settings = ConnectionSettings(host="127.0.0.1", port=server.port, username="admin", secret="x", timeout=3)
        app = console(None, tmp_path, settings=settings)

        async def scenario(pilot: Pilot) -> None:
            await connected(pilot)
            await pilot.press("ctrl+g")
            calls = app.console_screen.calls
            await until(pilot, lambda: app.focused is calls.list_view, what="the Calls tab focused")
            assert calls_text(app).startswith("Asterisk before 12 (AMI 1.1) names calls' events differently")
            assert "need Asterisk 12 or later" in calls_text(app)
            assert calls.query_one("#calls-unsupported").display and not calls.query_one("#calls-bar").display
            # The 1.8 call's events reached the log, but the tab draws no row from them.
            await until(pilot, lambda: any(e.message.name == "Dial" for e in app.models.store.entries), what="Dial")
            await pilot.press("enter", "d", "t")
            # The console still sends and shows answers; after this one, no ladder opened.
            await after_a_ping(pilot)
            assert calls.list_view.entries == [] and not isinstance(app.screen, LadderScreen)
            assert app.screen is app.console_screen

        run(app, scenario)
        sent = [m.header("Action") for conn in server.conns for m in conn.messages]
        assert "Ping" in sent


def test_a_modern_server_gets_the_calls_tab_whole(tmp_path):
    def asterisk_22(conn: Conn) -> None:
        conn.login()  # Asterisk Call Manager/11.0.0
        while (request := conn.read_message()) is not None:
            name = (request.header("Action") or "").lower()
            answer = ANSWERS.get(name, "Response: Error\nMessage: Invalid/unknown command")
            conn.reply(request, answer.replace("AMIversion: 1.1", "AMIversion: 11.0.0"))

    with ScriptedServer(asterisk_22) as server:
        settings = ConnectionSettings(host="127.0.0.1", port=server.port, username="admin", secret="x", timeout=3)
        app = console(None, tmp_path, settings=settings)

        async def scenario(pilot: Pilot) -> None:
            await connected(pilot)
            calls = app.console_screen.calls
            assert calls.unsupported is None and not calls.query_one("#calls-unsupported").display

        run(app, scenario)
