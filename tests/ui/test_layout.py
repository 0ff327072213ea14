"""Every terminal size: the form and the console at 80x24, the split between the composer and
the event log, zoom, the footer, the help's keys, and replay without a composer."""

from __future__ import annotations

import json

import pytest
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Footer, Input, TabbedContent
from textual.widgets._footer import FooterKey

from ami_console.files.layout import DEFAULT_LOG_SHARE, MAX_LOG_SHARE, LayoutFile
from ami_console.files.profiles import ConnectionSettings
from ami_console.files.saved import FieldRow, SavedAction, SavedActions
from ami_console.simulator import Simulator
from ami_console.ui.app import AMIConsoleApp
from ami_console.ui.screens.help import WORDS, HelpScreen, console_keys, key_name
from ami_console.ui.screens.saved import SavedScreen
from ami_console.ui.widgets.event_log import EventLog
from ami_console.ui.widgets.transcript_view import TranscriptView
from tests.amiserver import ScriptedServer
from tests.apphelpers import connected, console, run, until

SMALL = (80, 24)


@pytest.fixture
def pbx():
    with Simulator(time_scale=0.02, auth_failure_delay=0.05, seed=7) as simulator:
        yield simulator
        assert simulator.errors == []


def screen_text(app: AMIConsoleApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def wholly_shown(widget: Widget) -> bool:
    """Drawn on the screen, every cell of it: not off screen, not cut by a scrolling parent."""
    shown = widget.screen._compositor.visible_widgets.get(widget)
    if shown is None:
        return False
    region, clip = shown
    return bool(region.area) and clip.contains_region(region) and widget.screen.region.contains_region(region)


# -- the connection form -------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [SMALL, (100, 30)])
def test_a_refused_login_shows_its_reason_and_the_connect_button_on_a_small_terminal(pbx, tmp_path, size):
    settings = ConnectionSettings(host=pbx.host, port=pbx.port, username="admin", secret="wrong", timeout=3)
    app = console(pbx, tmp_path, settings=settings)

    async def scenario(pilot):
        screen = app.connect_screen
        error = screen.query_one("#connect-error")
        await until(pilot, lambda: "refused the login" in str(error.render()), what="the error")
        await pilot.pause()
        assert wholly_shown(error), f"the error is not wholly on screen: {error.region}"
        assert wholly_shown(screen.query_one("#connect", Button))
        assert "Asterisk refused the login" in screen_text(app)

    run(app, scenario, size=size)


def test_the_busy_line_shows_only_while_connecting_on_one_line(tmp_path):
    with ScriptedServer(lambda conn: conn.wait_closed()) as server:
        settings = ConnectionSettings(host="127.0.0.1", port=server.port, username="admin", timeout=30)
        app = console(None, tmp_path, settings=settings, autoconnect=False)

        async def scenario(pilot):
            screen = app.connect_screen
            busy = screen.query_one("#connect-busy")
            await pilot.pause()
            assert not wholly_shown(busy) and "Connecting to" not in screen_text(app)
            await pilot.press("ctrl+s")
            await until(pilot, lambda: screen.busy and server.conns, what="connecting")
            await pilot.pause()
            assert wholly_shown(busy) and busy.region.height == 1
            assert f"Connecting to 127.0.0.1:{server.port} as admin" in screen_text(app)
            await pilot.press("escape")
            await until(pilot, lambda: not screen.busy)
            await pilot.pause()
            assert not wholly_shown(busy)

        run(app, scenario, size=SMALL)


@pytest.mark.parametrize("field", ["show-secret", "tls-untrusted", "auth", "events", "port"])
def test_enter_on_any_field_of_the_form_connects(pbx, tmp_path, field):
    settings = ConnectionSettings(host=pbx.host, port=pbx.port, username="admin", secret="adminpass", timeout=3)
    app = console(pbx, tmp_path, settings=settings, autoconnect=False)

    async def scenario(pilot):
        screen = app.connect_screen
        before = screen.read()
        screen.query_one(f"#{field}").focus()
        await pilot.press("enter")
        await connected(pilot)
        assert app.settings == before  # enter connected; it ticked or chose nothing

    run(app, scenario, size=SMALL)


def test_ctrl_s_connects_from_the_form(pbx, tmp_path):
    settings = ConnectionSettings(host=pbx.host, port=pbx.port, username="admin", secret="adminpass", timeout=3)
    app = console(pbx, tmp_path, settings=settings, autoconnect=False)

    async def scenario(pilot):
        app.connect_screen.query_one("#tls", Checkbox).focus()
        await pilot.press("ctrl+s")
        await connected(pilot)

    run(app, scenario, size=SMALL)


def test_space_still_ticks_a_checkbox_and_enter_in_the_profile_name_saves(pbx, tmp_path):
    settings = ConnectionSettings(host=pbx.host, port=pbx.port, username="admin", secret="adminpass", timeout=3)
    app = console(pbx, tmp_path, settings=settings, autoconnect=False)

    async def scenario(pilot):
        screen = app.connect_screen
        screen.query_one("#tls", Checkbox).focus()
        await pilot.press("space")
        assert screen.query_one("#tls", Checkbox).value
        screen.query_one("#profile-name", Input).focus()
        await pilot.press(*"lab", "enter")
        await until(pilot, lambda: "lab" in app.profiles.load())
        assert app.screen is screen and not screen.busy

    run(app, scenario, size=SMALL)


# -- the console at 80x24 ---------------------------------------------------------------------------------
def log_rows(app: AMIConsoleApp) -> int:
    log = app.console_screen.query_one(EventLog)
    shown = app.screen._compositor.visible_widgets.get(log)
    return 0 if shown is None else shown[0].intersection(shown[1]).height


def test_the_event_log_keeps_more_than_two_rows_at_80x24(pbx, tmp_path):
    app = console(pbx, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        await pilot.pause()
        assert log_rows(app) > 2

    run(app, scenario, size=SMALL)


def test_the_split_moves_from_the_keyboard_and_is_remembered(pbx, tmp_path):
    app = console(pbx, tmp_path)
    layout = LayoutFile()

    async def scenario(pilot):
        await connected(pilot)
        await pilot.pause()
        rows = log_rows(app)
        await pilot.press("ctrl+up", "ctrl+up")  # the log grows (the typing stays in the composer)
        await until(pilot, lambda: log_rows(app) > rows, what="a taller log")
        assert layout.load_log_share() == DEFAULT_LOG_SHARE + 10
        assert app.focused is app.console_screen.composer.picker.input
        for _ in range(20):
            await pilot.press("ctrl+up")
        assert layout.load_log_share() == MAX_LOG_SHARE
        await pilot.pause()
        assert log_rows(app) > 30  # of 45 rows: most of the screen

    run(app, scenario, size=(140, 45))
    again = console(pbx, tmp_path)

    async def reopened(pilot):
        await connected(pilot)
        await pilot.pause()
        assert log_rows(again) > 30
        await pilot.press("ctrl+down")
        assert layout.load_log_share() == MAX_LOG_SHARE - 5

    run(again, reopened, size=(140, 45))
    # The learner's screen keeps its own split: the log given most of the console's height
    # leaves ami-console learn its composer.
    learning = console(pbx, tmp_path, learn=True, lessons_progress=tmp_path / "progress.json")

    async def learn(pilot):
        await connected(pilot)
        await until(pilot, lambda: log_rows(learning) < 30, what="learn's own split")
        assert layout.load_log_share("learn") == DEFAULT_LOG_SHARE

    run(learning, learn, size=(140, 45))
    last = console(pbx, tmp_path)

    async def reset(pilot):
        await connected(pilot)
        await pilot.press("ctrl+shift+home")  # the split as at first
        assert layout.load_log_share() == DEFAULT_LOG_SHARE
        await until(pilot, lambda: log_rows(last) < 30, what="the split as at first")

    run(last, reset, size=(140, 45))


def test_an_old_layout_file_is_the_consoles_and_a_hostile_one_is_the_default(tmp_path):
    path = tmp_path / "layout.json"
    path.write_text('{"log_share": 70}')
    assert LayoutFile(path).load_log_share() == 70 and LayoutFile(path).load_log_share("learn") == DEFAULT_LOG_SHARE
    LayoutFile(path).save_log_share(30, "learn")
    assert LayoutFile(path).load_log_share() == 70 and LayoutFile(path).load_log_share("learn") == 30
    path.write_text('{"log_share": {"console": true, "learn": "x", "' + "m" * 10 + '": 50}}')
    assert LayoutFile(path).load_log_share() == DEFAULT_LOG_SHARE


def test_an_unreadable_layout_file_means_the_default(tmp_path):
    path = tmp_path / "layout.json"
    for text in ("{", "[]", '{"log_share": "x"}', '{"log_share": true}'):
        path.write_text(text)
        assert LayoutFile(path).load_log_share() == DEFAULT_LOG_SHARE
    path.write_text(json.dumps({"log_share": 1000}))
    assert LayoutFile(path).load_log_share() == MAX_LOG_SHARE


# -- zoom ----------------------------------------------------------------------------------------------------
def test_a_key_that_focuses_another_panel_unzooms_first(pbx, tmp_path):
    app = console(pbx, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        screen = app.console_screen
        await pilot.press("f4", "f11")
        assert screen.maximized is not None
        await pilot.press("f2", *"Ping")
        assert screen.maximized is None
        await pilot.pause()
        assert screen.composer.picker.input.value == "Ping" and wholly_shown(screen.composer)

    run(app, scenario, size=SMALL)


def test_f11_zooms_the_transcript_and_a_zoomed_composer_takes_the_full_width(pbx, tmp_path):
    app = console(pbx, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        screen = app.console_screen
        await pilot.press("f12", "f11")
        assert screen.maximized is screen.query_one("#bottom", TabbedContent)
        assert wholly_shown(screen.query_one(TranscriptView))
        await pilot.press("f11", "f2", "f11")
        assert screen.maximized is screen.composer
        await pilot.pause()
        assert screen.composer.region.width == SMALL[0]

    run(app, scenario, size=SMALL)


# -- the footer and the help --------------------------------------------------------------------------------
@pytest.mark.parametrize("focus", ["f2", "f4", "f12"])
def test_the_footer_shows_only_whole_keys_at_80_columns(pbx, tmp_path, focus):
    app = console(pbx, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        await pilot.press(focus)
        footer = app.console_screen.query_one(Footer)
        await until(pilot, lambda: any(key.display for key in footer.query(FooterKey)), what="the footer's keys")
        await pilot.pause()  # laid out
        keys = [key for key in footer.query(FooterKey) if key.display]
        assert keys, "the footer shows no key at all"
        palette = [key for key in keys if key.has_class("-command-palette")]
        right = palette[0].region.x if palette else footer.region.right
        for key in keys:
            if key not in palette:
                assert wholly_shown(key) and key.region.right <= right, f"{key.key} is cut: {key.region}"

    run(app, scenario, size=SMALL)


def test_the_help_never_wraps_a_key_over_lines(tmp_path):
    app = AMIConsoleApp(ConnectionSettings(), autoconnect=False)

    async def scenario(pilot):
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await until(pilot, lambda: "│ ctrl+q" in screen_text(app), what="the whole help drawn")
        text = screen_text(app)
        for key, _ in console_keys():
            assert f"│ {key}" in text, f"{key!r} is not whole on one line"

    run(app, scenario, size=(80, 200))  # tall enough to show the whole help at once


# -- replay ---------------------------------------------------------------------------------------------------
def test_a_replay_has_no_composer_and_no_send_key(tmp_path):
    path = tmp_path / "events.ami"
    path.write_bytes(b"Asterisk Call Manager/11.0.0\r\nEvent: FullyBooted\r\nStatus: Fully Booted\r\n\r\n")
    app = AMIConsoleApp(ConnectionSettings(), replay=path)

    async def scenario(pilot):
        await until(pilot, lambda: app.models.store.total == 1, what="the replayed event")
        await pilot.pause()
        screen = app.console_screen
        assert not wholly_shown(screen.composer) and not wholly_shown(screen.response)
        text = screen_text(app)
        assert "ctrl+s" not in text and "^s" not in text and "Send" not in text
        assert log_rows(app) > 10
        await pilot.press("f2")
        assert app.focused is not screen.composer.picker.input

    run(app, scenario, size=SMALL)


# -- saved actions ----------------------------------------------------------------------------------------------
def test_cut_values_in_the_saved_actions_list_end_with_an_ellipsis(tmp_path):
    saved = SavedActions(tmp_path / "actions")
    long_value = "core show channels concise and a great deal more that cannot fit"
    saved.save(SavedAction("A command with a long name", "Command", [FieldRow("Command", long_value, True)]))
    app = AMIConsoleApp(ConnectionSettings(), autoconnect=False, saved=saved)

    async def scenario(pilot):
        app.push_screen(SavedScreen(saved, ("", [])))

        def drawn() -> bool:  # at the box's width: the table is fitted once the box has its size
            lines = [line for line in screen_text(app).splitlines() if "A command with a" in line]
            return bool(lines) and "…" in lines[0].partition("Command=core show")[2]

        await until(pilot, drawn, what="the saved actions drawn at the box's width")
        lines = [line for line in screen_text(app).splitlines() if "A command with a" in line]
        assert lines and "Command=core show" in lines[0], screen_text(app)
        assert "…" in lines[0].partition("Command=core show")[2], lines[0]
        assert "│ Ping " in screen_text(app) and "starter" in screen_text(app)  # the kind column is on screen too

    run(app, scenario, size=SMALL)


def test_at_80x24_the_composer_shows_whole_keys_marks_wrapped_lines_and_says_where_the_preview_is(pbx, tmp_path):
    """The key column fits its longest key (``Application``, not ``Applica``); a wire line
    wider than the preview goes on in lines marked ↪ (never read as lines of their own),
    while the preview's text is still the bytes; the border says the preview is below."""
    from tests.apphelpers import compose

    app = console(pbx, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        long_value = "x" * 70
        await compose(
            pilot, "Originate", [("Channel", "Local/100@demo"), ("Application", "Wait"), ("Variable", long_value)]
        )
        composer = app.console_screen.composer
        await until(pilot, lambda: long_value in composer.preview_text, what="the preview")
        keys = [row.key_input for row in composer.fields.rows]
        await until(pilot, lambda: all(k.content_size.width >= len("Application") for k in keys), what="whole keys")
        shown = composer.query_one("#preview").render().plain
        assert "\n↪ " in shown  # the wrap is marked
        assert f"Variable: {long_value}\\r\\n" in composer.preview_text  # the bytes, unwrapped
        await until(pilot, lambda: "Will send below" in str(composer.border_subtitle), what="the border's word")

    run(app, scenario, size=SMALL)


def test_the_help_lists_every_key_the_console_binds_and_words_no_key_it_does_not():
    """The help's key list is made from the bindings: a key added, moved or dropped shows
    there at once, and no explanation is left for an action no key runs."""
    from ami_console.ui.screens.console import ConsoleScreen

    listed = {part for keys, _ in console_keys() for part in keys.split("/")}
    bound = {key_name(k) for b in ConsoleScreen.BINDINGS for k in b.key.split(",")}
    assert bound <= listed
    assert set(WORDS) <= {b.action for b in ConsoleScreen.BINDINGS}
