"""A server that puts markup and terminal escape sequences in every value it sends.

Whatever it sends, the console shows it as plain text: no markup is parsed (a ``[/x]``
would crash, an ``[@click=app.quit]`` would quit on a click, a ``[link=...]`` would
write an OSC 8), and no control character reaches a cell on screen, so nothing the server
says can retitle the terminal (OSC 2), write the clipboard (OSC 52) or blank the screen.
Each view is checked as it is shown: header, counters, log, detail, follow, trace,
response tabs, transcript, notifications, lost-connection banner, connection form.
"""

from __future__ import annotations

import io
import re

from textual.widgets import TabbedContent

from ami_console.client import AMIClient
from ami_console.files.profiles import ConnectionSettings
from ami_console.ui.plaintext import clean
from tests.amiserver import Conn, ScriptedServer
from tests.apphelpers import compose, console, run, until

# Markup of every kind Textual and Rich know, then the escape sequences that did harm.
MARKUP = "[/nope][@click=app.quit]q[/][link=https://x.invalid/]L[/link][b]B"
ESCAPES = "\x1b]2;TITLE\x07\x1b]52;c;SGk=\x07\x1b[2J\x9b2J\x08\u202e"
HOSTILE = MARKUP + ESCAPES
KEY = HOSTILE.replace(":", "")  # a header name cannot hold a colon
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")

CALL_EVENT = (
    f"Event: Newchannel{HOSTILE}\r\nChannel: PJSIP/{HOSTILE}\r\nUniqueid: {HOSTILE}\r\n"
    f"Linkedid: {HOSTILE}\r\nCallerIDName: {HOSTILE}\r\nContext: {HOSTILE}\r\nExten: {HOSTILE}\r\n"
    f"Application: Dial\r\nAppData: {HOSTILE}\r\n\r\n"
)


def hostile_pbx(conn: Conn) -> None:
    """First connection: greets, logs in and answers with hostile values everywhere, then
    hangs up when asked (an action named Hangup). Later connections refuse the login with
    a hostile Message."""
    conn.send(f"Asterisk Call Manager/{HOSTILE}\r\n".encode())
    login = conn.read_message()
    if login is None:
        return
    if hostile_pbx.connections:
        conn.reply(login, f"Response: Error\nMessage: {HOSTILE}")
        conn.wait_closed()
        return
    hostile_pbx.connections += 1
    conn.reply(login, f"Response: Success\nMessage: {HOSTILE}")
    while (request := conn.read_message()) is not None:
        action = (request.header("Action") or "").lower()
        if action == "coresettings":
            conn.reply(request, f"Response: Success\nAMIversion: {HOSTILE}\nAsteriskVersion: {HOSTILE}")
        elif action == "listcommands":
            conn.reply(
                request,
                f"Response: Success\nPing: Keepalive.  (Priv: <none>)\nHangup: Hang up.  (Priv: call,all)\n"
                f"{KEY}: {HOSTILE}  (Priv: all)",
            )
            conn.send(CALL_EVENT * 3)
        elif action == "hangup":
            conn.close()
            return
        else:
            conn.reply(
                request,
                f"Response: Success\nMessage: {HOSTILE}\n{KEY}: {HOSTILE}\nOutput: {HOSTILE}\nOutput: {HOSTILE}",
            )


hostile_pbx.connections = 0


def assert_safe(app, where: str) -> str:
    """Every cell of the screen as drawn: no control character, no link or click from
    markup. Returns the screen's text."""
    lines = []
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            assert not UNSAFE.search(segment.text), f"{where}: a control character reached the screen: {segment.text!r}"
            style = segment.style
            if style is not None:
                assert not style.link, f"{where}: a link from the server: {style.link!r}"
                assert "@click" not in (style.meta or {}), f"{where}: a click action from the server"
        lines.append(strip.text)
    return "\n".join(lines)


def test_hostile_values_are_shown_as_plain_text_in_every_view(tmp_path):
    hostile_pbx.connections = 0
    with ScriptedServer(hostile_pbx) as server:
        settings = ConnectionSettings(host="127.0.0.1", port=server.port, username="admin", timeout=2)
        app = console(None, tmp_path, settings=settings)

        async def scenario(pilot) -> None:
            screen = app.console_screen
            await until(pilot, lambda: app.connected and app.screen is screen, what="connected")
            await until(pilot, lambda: app.models.store.total >= 3, what="the events")
            await pilot.pause()
            text = assert_safe(app, "header, counters, log")
            assert "[/nope]" in text  # shown, not parsed

            await pilot.press("f4", "enter")  # the event's detail
            await pilot.pause()
            assert_safe(app, "event detail")
            await pilot.press("f")  # follow its call: the status line and a notification
            await pilot.pause()
            assert_safe(app, "following a call")
            await pilot.press("t")  # its trace, titled with the call's key
            await until(pilot, lambda: app.screen is not screen, what="the trace")
            await pilot.pause()
            text = assert_safe(app, "call trace")
            assert "[/nope]" in text
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is screen, what="back from the trace")

            await compose(pilot, "Ping")
            await pilot.press("ctrl+s")
            await until(
                pilot,
                lambda: screen.response.current is not None and not screen.response.current.pending,
                what="the answer",
            )
            tabs = screen.response.query_one(TabbedContent)
            for tab in ("tab-fields", "tab-output", "tab-list", "tab-raw"):
                tabs.active = tab
                await pilot.pause()
                assert_safe(app, tab)
            await pilot.press("f12")  # the transcript
            await pilot.pause()
            assert_safe(app, "transcript")

            await compose(pilot, "Hangup")  # the server hangs up: the banner
            await pilot.press("ctrl+s")
            await until(pilot, lambda: not app.connected, what="the lost connection")
            await pilot.pause()
            assert_safe(app, "lost-connection banner")
            await pilot.press("ctrl+r")  # reconnecting is refused with a hostile Message
            await until(
                pilot,
                lambda: app.connection.session is None and "reconnecting failed" in str(screen.banner.render()),
                what="the refused reconnect",
            )
            await pilot.pause()
            assert_safe(app, "reconnect refused")
            await pilot.press("f10")  # the form, showing the same reason
            await pilot.pause()
            assert_safe(app, "connection form")
            assert app.is_running

        run(app, scenario)
        assert app._exception is None


def test_clean_makes_every_control_character_and_reordering_mark_visible():
    assert clean(ESCAPES) == "\ufffd]2;TITLE\ufffd\ufffd]52;c;SGk=\ufffd\ufffd[2J\ufffd2J\ufffd\ufffd"
    assert clean("a\tb") == "a b"
    assert clean(MARKUP) == MARKUP  # markup is harmless text once never parsed
    assert clean("Dial(PJSIP/bob,30,[tT]) café ☎") == "Dial(PJSIP/bob,30,[tT]) café ☎"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_debug_transcript_written_to_a_terminal_is_cleaned_and_to_a_file_is_exact():
    def server(conn: Conn) -> None:
        conn.send(f"Asterisk Call Manager/{HOSTILE}\r\n".encode())
        login = conn.read_message()
        conn.reply(login, f"Response: Success\nMessage: {HOSTILE}")
        conn.wait_closed()

    for out, exact in ((Terminal(), False), (io.StringIO(), True)):
        with ScriptedServer(server) as pbx:
            client = AMIClient(username="admin", secret="x", host="127.0.0.1", port=pbx.port, timeout=3, debug_file=out)
            assert client.connect(), client.error
            client.close()
        transcript = out.getvalue()
        assert "<< Message: [/nope]" in transcript
        assert (ESCAPES in transcript) is exact
        assert (UNSAFE.search(transcript.replace("\n", "")) is None) is not exact
