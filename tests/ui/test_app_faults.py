"""The console under trouble: every fault ends in a clear message within the timeout, the
app stays usable, nothing is lost that had arrived, and no thread or socket is left."""

from __future__ import annotations

import time

import pytest

from ami_console.files.profiles import ConnectionSettings
from ami_console.protocol import Message
from ami_console.simulator import Simulator
from tests.amiserver import GREETING, Conn, ScriptedServer
from tests.apphelpers import compose, connected, console, kept, run, until

TIMEOUT = 0.5  # the console's wait for the server, short so that faults show quickly


@pytest.fixture
def pbx():
    with Simulator(time_scale=0.02, auth_failure_delay=0.05) as simulator:
        yield simulator


def fast(pbx: Simulator) -> ConnectionSettings:
    return ConnectionSettings(host=pbx.host, port=pbx.port, username=pbx.username, secret=pbx.secret, timeout=TIMEOUT)


async def send_and_wait(pilot, action: str, rows=(), fault=None) -> object:
    """Compose an action, turn ``fault`` on (once the composer's own documentation query is
    answered, so that the fault hits this action), send it, and return its finished exchange."""
    await compose(pilot, action, list(rows))
    composer = pilot.app.console_screen.composer
    if pilot.app.connected:
        await until(pilot, lambda: not composer.docs.pending(action), what="the action's documentation")
    if fault is not None:
        fault()
    response = pilot.app.console_screen.response
    before = len(response.history)
    started = time.monotonic()
    await pilot.press("ctrl+s")
    await until(
        pilot,
        lambda: len(response.history) > before and not response.current.pending,
        timeout=TIMEOUT + 3,
        what=f"the answer to {action}",
    )
    assert time.monotonic() - started < TIMEOUT + 2  # never a hang past the timeout
    return response.current


async def still_usable(pilot) -> None:
    """A Ping goes out and comes back."""
    exchange = await send_and_wait(pilot, "Ping")
    assert exchange.response["Ping"] == "Pong"


def no_crash(app) -> None:
    assert app._exception is None  # nothing escaped to Textual's traceback screen


def test_connection_dropped_mid_message(pbx, tmp_path):
    app = console(pbx, tmp_path, settings=fast(pbx))

    async def scenario(pilot):
        await connected(pilot)
        seen = app.models.store.total
        exchange = await send_and_wait(pilot, "CoreSettings", fault=lambda: pbx.set_fault("drop"))
        banner = app.console_screen.banner
        await until(pilot, lambda: banner.has_class("-shown"))
        assert "connection closed by Asterisk in the middle of a message" in str(banner.render())
        assert exchange.response["Response"] == "Error"
        assert app.models.store.total >= seen  # what had arrived stays
        pbx.clear_fault()
        await pilot.press("ctrl+r")
        await until(pilot, lambda: app.connected)
        await still_usable(pilot)

    run(app, scenario)
    no_crash(app)


def test_server_silent_during_connect(pbx, tmp_path):
    pbx.set_fault("silence")
    app = console(pbx, tmp_path, settings=fast(pbx))

    async def scenario(pilot):
        error = app.connect_screen.query_one("#connect-error")
        await until(pilot, lambda: "sent no AMI greeting within 0.5 s" in str(error.render()), timeout=TIMEOUT + 3)
        pbx.clear_fault()
        app.connect_screen.query_one("#connect").press()
        await connected(pilot)

    run(app, scenario)
    no_crash(app)


def test_server_silent_during_an_action(pbx, tmp_path):
    app = console(pbx, tmp_path, settings=fast(pbx))

    async def scenario(pilot):
        await connected(pilot)
        exchange = await send_and_wait(pilot, "Ping", fault=lambda: pbx.set_fault("silence"))
        assert exchange.response["Message"] == "Timed out after 0.5 s waiting for a response"
        assert app.connected  # a slow answer is not a lost connection
        pbx.clear_fault()
        await still_usable(pilot)

    run(app, scenario)
    no_crash(app)


def _list_then_silence(conn: Conn) -> None:
    conn.login()
    conn.reply(conn.read_message(), "Response: Success\nAMIversion: 11.0.0\nAsteriskVersion: 13.1")
    conn.reply(conn.read_message(), "Response: Success\nPing: Keepalive command.  (Priv: <none>)")
    while (request := conn.read_message()) is not None:
        if request.header("Action") == "CoreShowChannels":
            conn.reply(request, "Response: Success\nEventList: start\nMessage: Channels will follow")
            conn.send(f"Event: CoreShowChannel\r\nActionID: {request.action_id}\r\nChannel: PJSIP/alice-1\r\n\r\n")
        elif request.header("Action") == "Command":
            conn.reply(request, "Response: Error\nMessage: Permission denied")
        else:
            conn.reply(request, "Response: Success\nPing: Pong")


def test_server_silent_in_the_middle_of_an_event_list(tmp_path):
    with ScriptedServer(_list_then_silence) as server:
        settings = ConnectionSettings(host="127.0.0.1", port=server.port, username="admin", timeout=TIMEOUT)
        app = console(None, tmp_path, settings=settings)

        async def scenario(pilot):
            await until(pilot, lambda: app.connected)
            exchange = await send_and_wait(pilot, "CoreShowChannels")
            assert exchange.response["Message"] == "Event list incomplete: timed out after 0.5 s, 1 item received"
            assert [item["Channel"] for item in exchange.items] == ["PJSIP/alice-1"]  # kept
            await still_usable(pilot)

        run(app, scenario)
        no_crash(app)


def test_peer_resets_the_connection(tmp_path):
    def reset_after_login(conn: Conn) -> None:
        _answer_setup(conn)
        # The console's own queries at connect (the Calls view's lists) are answered; the
        # user's Ping meets the reset.
        while (request := conn.read_message()) is not None and request.header("Action") != "Ping":
            _answer_empty_list(conn, request)
        conn.reset()

    with ScriptedServer(reset_after_login) as server:
        settings = ConnectionSettings(host="127.0.0.1", port=server.port, username="admin", timeout=TIMEOUT)
        app = console(None, tmp_path, settings=settings)

        async def scenario(pilot):
            await until(pilot, lambda: app.connected)
            await compose(pilot, "Ping")
            await pilot.press("ctrl+s")
            banner = app.console_screen.banner
            await until(pilot, lambda: banner.has_class("-shown"), timeout=TIMEOUT + 3)
            assert "Reading from socket failed" in str(banner.render())

        run(app, scenario)
        no_crash(app)


def _answer_empty_list(conn: Conn, request: Message) -> None:
    action = request.header("Action") or ""
    conn.reply(request, "Response: Success\nEventList: start\nMessage: List will follow")
    conn.reply(request, f"Event: {action}Complete\nEventList: Complete\nListItems: 0")


def _answer_setup(conn: Conn) -> None:
    conn.login()
    conn.reply(conn.read_message(), "Response: Success\nAMIversion: 11.0.0\nAsteriskVersion: 22.10.1")
    conn.reply(conn.read_message(), "Response: Success\nPing: Keepalive command.  (Priv: <none>)")


def test_garbage_and_broken_utf8_do_not_break_the_console(pbx, tmp_path):
    app = console(pbx, tmp_path, settings=fast(pbx))

    async def scenario(pilot):
        await connected(pilot)
        exchange = await send_and_wait(pilot, "Ping", fault=lambda: pbx.set_fault("garbage"))
        assert exchange.response["Ping"] == "Pong"
        await until(pilot, lambda: any(not e.message.name for e in kept(app)))
        junk = next(e for e in kept(app) if not e.message.name)
        assert any("broken UTF-8" in line for line in junk.message.lines)
        log = app.console_screen.events.log_view
        await pilot.press("f4", "end")
        rendered = "".join(s.text for s in log.render_line(log.cursor - int(log.scroll_y)))
        assert "(not an event)" in rendered and "\x1b" not in rendered
        pbx.clear_fault()
        await still_usable(pilot)

    run(app, scenario)
    no_crash(app)


def test_a_message_larger_than_the_limit_is_skipped_with_a_warning(pbx, tmp_path):
    app = console(pbx, tmp_path, settings=fast(pbx))

    async def scenario(pilot):
        await connected(pilot)
        exchange = await send_and_wait(pilot, "Ping", fault=lambda: pbx.set_fault("oversize", size=17 * 1024 * 1024))
        assert exchange.response["Ping"] == "Pong"
        await until(pilot, lambda: any("larger than" in n.message for n in app._notifications))
        assert app.connected

    run(app, scenario)
    no_crash(app)


def test_a_server_writing_one_byte_at_a_time(tmp_path):
    def trickle(conn: Conn) -> None:
        def send(data: bytes) -> None:
            for i in range(len(data)):
                conn.sock.sendall(data[i : i + 1])

        send(GREETING)
        while (request := conn.read_message()) is not None:
            action = (request.header("Action") or "").lower()
            body = {
                "coresettings": "AMIversion: 11.0.0\r\nAsteriskVersion: 22.10.1\r\n",
                "listcommands": "Ping: Keepalive command.  (Priv: <none>)\r\n",
            }.get(action, "Ping: Pong\r\n")
            if action == "login":
                body = "Message: Authentication accepted\r\n"
            send(f"Response: Success\r\nActionID: {request.action_id}\r\n{body}\r\n".encode())
            send(b"Event: Newchannel\r\nChannel: PJSIP/alice-00000001\r\nUniqueid: 1.1\r\n\r\n")

    with ScriptedServer(trickle) as server:
        settings = ConnectionSettings(host="127.0.0.1", port=server.port, username="admin", timeout=3)
        app = console(None, tmp_path, settings=settings)

        async def scenario(pilot):
            await until(pilot, lambda: app.connected, timeout=5)
            assert app.console_screen.header.info.asterisk_version == "22.10.1"
            await still_usable(pilot)
            assert app.models.store.counts["Newchannel"] >= 3

        run(app, scenario)
        no_crash(app)


def test_logoff_from_the_composer_says_logged_off(pbx, tmp_path):
    app = console(pbx, tmp_path, settings=fast(pbx))

    async def scenario(pilot):
        await connected(pilot)
        exchange = await send_and_wait(pilot, "Logoff")
        assert exchange.response["Response"] == "Goodbye"
        banner = app.console_screen.banner
        await until(pilot, lambda: banner.has_class("-shown"))
        assert "Logged off" in str(banner.render())
        await pilot.press("ctrl+r")
        await until(pilot, lambda: app.connected)

    run(app, scenario)
    no_crash(app)
