"""Read-only mode: every action that changes the PBX is refused in the console, before it
takes an ActionID or reaches the wire; reading actions go through. Set by --read-only, a
profile, or the connection form; shown in the header."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input

from ami_console.cli import build_parser, settings_from
from ami_console.files.profiles import ConnectionSettings, Profiles
from ami_console.simulator import Simulator
from ami_console.ui.app import AMIConsoleApp
from ami_console.ui.screens.call_action import CallActionScreen
from ami_console.ui.widgets.calls_view import CallsView
from tests.apphelpers import after_a_ping, channels, compose, connected, console, run, until

REFUSED = "Read-only: Hangup changes the PBX; not sent."


@pytest.fixture
def pbx():
    with Simulator(time_scale=1.0, auth_failure_delay=0.05, seed=5) as simulator:
        yield simulator
        assert simulator.errors == []


def read_only_app(pbx: Simulator, tmp_path, **options) -> AMIConsoleApp:
    settings = ConnectionSettings(
        host=pbx.host, port=pbx.port, username=pbx.username, secret=pbx.secret, timeout=3, read_only=True
    )
    return console(pbx, tmp_path, settings=settings, **options)


def sent_actions(pbx: Simulator) -> list[str]:
    return [r.header("Action") or "" for log in pbx.session_logs() for r in log.requests]


def notes(app: AMIConsoleApp) -> list[str]:
    return [n.message for n in app._notifications]


async def send_composed(pilot: Pilot, action: str, rows: list[tuple[str, str]]) -> None:
    await compose(pilot, action, rows)
    await pilot.press("ctrl+s")


def test_the_header_shows_the_badge_even_at_80_columns(pbx, tmp_path):
    app = read_only_app(pbx, tmp_path)

    async def scenario(pilot: Pilot) -> None:
        await connected(pilot)
        header = app.console_screen.header
        # Drawn first, after the state's dot: no width the console runs at cuts it off.
        assert "READ-ONLY" in header.render().plain[:14]

    run(app, scenario, size=(80, 24))


def test_a_hangup_from_the_composer_is_refused_before_anything_is_sent(pbx, tmp_path):
    app = read_only_app(pbx, tmp_path)

    async def scenario(pilot: Pilot) -> None:
        await connected(pilot)
        composer = app.console_screen.composer
        await compose(pilot, "Hangup", [("Channel", "PJSIP/alice-00000001")])
        assert composer.read_only_hint.startswith(REFUSED)  # said before ctrl+s
        await until(pilot, lambda: composer.docs.get("Hangup"), what="the parameter help (an ActionID of its own)")
        before = app.connection.next_action_id
        await pilot.press("ctrl+s")
        await until(pilot, lambda: any(n.startswith(REFUSED) for n in notes(app)), what="the refusal")
        assert app.connection.next_action_id == before  # no ActionID taken
        await compose(pilot, "Ping")
        assert composer.read_only_hint == ""
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "Ping" in sent_actions(pbx), what="the Ping")
        assert "Hangup" not in sent_actions(pbx)
        assert not [line for line in app.transcript.lines() if ">> Action: Hangup" in line]

    run(app, scenario)


def test_reading_actions_go_through_and_a_cli_command_that_is_not_show_does_not(pbx, tmp_path):
    app = read_only_app(pbx, tmp_path)

    async def scenario(pilot: Pilot) -> None:
        await connected(pilot)
        response = app.console_screen.response
        for action, rows in (
            ("Ping", []),
            ("CoreShowChannels", []),
            ("Command", [("Command", "core show channels")]),
        ):
            before = len(response.history)
            await send_composed(pilot, action, rows)
            await until(pilot, lambda n=before: len(response.history) > n, what=f"{action}'s response")
            assert response.history[-1].action == action
        await send_composed(pilot, "Command", [("Command", "core restart now")])
        await until(pilot, lambda: any("'core restart now'" in n for n in notes(app)), what="the refusal")
        commands = [r.header("Command") for log in pbx.session_logs() for r in log.requests]
        assert "core restart now" not in commands and "core show channels" in commands

    run(app, scenario)


def test_a_call_action_says_at_once_it_would_be_refused_and_enter_sends_nothing(pbx, tmp_path):
    app = read_only_app(pbx, tmp_path)

    async def scenario(pilot: Pilot) -> None:
        await connected(pilot)
        app.console_screen.send([("Action", "Ping")])  # something to have an ActionID go by
        chan = None

        def up():
            return next((c for c in channels(app) if c.name.startswith("PJSIP/alice")), None)

        pbx.place_call("alice", "1002", outcome="answer", ring=0.1, talk=30)
        await until(pilot, up, what="alice's channel")
        chan = up()
        assert chan is not None
        app.console_screen.post_message(CallsView.ActionRequested("hangup", chan.linkedid, chan.uniqueid))
        await until(pilot, lambda: isinstance(app.screen, CallActionScreen), what="the confirmation")
        await pilot.pause()
        refusal = str(app.screen.query_one("#call-refusal").render())
        assert refusal.startswith(REFUSED)
        await pilot.press("enter")
        assert isinstance(app.screen, CallActionScreen)  # still asking: enter did not send
        await pilot.press("escape")
        await after_a_ping(pilot)
        assert "Hangup" not in sent_actions(pbx)

    run(app, scenario)


def test_the_flag_the_profile_and_the_form_carry_read_only(tmp_path, pbx):
    profiles = Profiles(tmp_path / "profiles.toml")
    assert settings_from(build_parser().parse_args(["--read-only"]), profiles).read_only
    assert not settings_from(build_parser().parse_args([]), profiles).read_only
    profiles.save("watch", ConnectionSettings(host="pbx", username="ops", read_only=True))
    assert profiles.load()["watch"].read_only
    assert "read_only = true" in (tmp_path / "profiles.toml").read_text()
    # A profile saved read-only stays so without the flag.
    assert settings_from(build_parser().parse_args(["--profile", "watch"]), profiles).read_only

    app = console(pbx, tmp_path, autoconnect=False)

    async def scenario(pilot: Pilot) -> None:
        form = app.connect_screen
        await until(pilot, lambda: form.query("#read-only"), what="the form")
        box = form.query_one("#read-only", Checkbox)
        assert not box.value and not form.read().read_only
        form.fill(profiles.load()["watch"])
        assert box.value and form.read().read_only
        assert form.query_one("#host", Input).value == "pbx"

    run(app, scenario, size=(80, 24))


def test_a_call_action_key_is_greyed_and_says_why_at_once(pbx, tmp_path):
    """h on a call in the Calls tab, read-only: no confirmation that offers to send; the
    key says why at once, and the footer shows it greyed (its action is disabled)."""
    from ami_console.ui.screens.console import READ_ONLY

    app = read_only_app(pbx, tmp_path)

    async def scenario(pilot: Pilot) -> None:
        await connected(pilot)
        pbx.place_call("alice", "1002", outcome="answer", ring=0.1, talk=30)
        await until(pilot, lambda: channels(app), what="the call")
        await pilot.press("ctrl+g")
        calls = app.console_screen.calls
        await until(pilot, lambda: calls.selected_key, what="a call selected")
        assert calls.check_action("act", ("hangup",)) is None
        await pilot.press("h")
        await until(pilot, lambda: READ_ONLY in notes(app), what="why, at once")
        await after_a_ping(pilot)
        assert not isinstance(app.screen, CallActionScreen)

    run(app, scenario)
