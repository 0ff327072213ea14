"""Acting on a live call from the Calls tab: a confirmation that names the call and shows
the exact bytes; enter sends them, escape sends nothing. Against the demo PBX, in real
time (Wait(30) lasts 30 s: a call that ends does so because of the action)."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from ami_console.calls.live import ChannelState
from ami_console.simulator import Simulator
from ami_console.ui.app import AMIConsoleApp
from ami_console.ui.screens.call_action import CallActionScreen
from ami_console.ui.widgets.calls_view import CallsView
from tests.apphelpers import after_a_ping, channels, connected, console, kept, run, until


@pytest.fixture
def pbx():
    with Simulator(time_scale=1.0, auth_failure_delay=0.05, seed=3) as simulator:
        yield simulator
        assert simulator.errors == []


def requests(pbx: Simulator, action: str) -> list:
    """Every request named ``action`` any client sent the PBX."""
    return [
        r for log in pbx.session_logs() for r in log.requests if (r.header("Action") or "").lower() == action.lower()
    ]


def events(app: AMIConsoleApp, name: str, **headers: str) -> list:
    return [
        e.message
        for e in kept(app)
        if e.message.name == name and all(e.message.header(k) == v for k, v in headers.items())
    ]


async def originate(pilot: Pilot, exten: str, *, wanted: str) -> ChannelState:
    """Originate Local/<exten> running Wait(100), and wait for channel ``wanted`` (a name's
    start, e.g. Local/300@demo and ;2) to be up in the calls model."""
    app = pilot.app
    app.console_screen.send(
        [("Action", "Originate"), ("Channel", f"Local/{exten}"), ("Application", "Wait"), ("Data", "100")]
    )
    start, _, half = wanted.partition(";")

    def found() -> ChannelState | None:
        return next(
            (
                c
                for c in channels(app)
                if c.name.startswith(start) and c.name.endswith(";" + half) and c.state == "Up" and not c.hung_up
            ),
            None,
        )

    await until(pilot, found, timeout=10, what=f"{wanted} up")
    chan = found()
    assert chan is not None
    return chan


async def ask(pilot: Pilot, kind: str, chan: ChannelState) -> CallActionScreen:
    app = pilot.app
    app.console_screen.post_message(CallsView.ActionRequested(kind, chan.linkedid, chan.uniqueid))
    await until(pilot, lambda: isinstance(app.screen, CallActionScreen), what="the confirmation")
    screen = app.screen
    assert isinstance(screen, CallActionScreen)
    await pilot.pause()
    return screen


def test_hangup_confirmation_shows_the_bytes_and_escape_sends_nothing(pbx, tmp_path):
    app = console(pbx, tmp_path)

    async def scenario(pilot: Pilot) -> None:
        await connected(pilot)
        chan = await originate(pilot, "300@demo", wanted="Local/300@demo;2")
        screen = await ask(pilot, "hangup", chan)
        naming = str(screen.query_one("#call-name").render())
        assert f"Channel {chan.name}" in naming and "Call " in naming
        assert screen.preview_text.splitlines() == [
            "Action: Hangup\\r\\n",
            f"ActionID: {app.connection.next_action_id}\\r\\n",
            f"Channel: {chan.name}\\r\\n",
            "\\r\\n",
        ]
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.console_screen, what="the console again")
        await after_a_ping(pilot)
        assert requests(pbx, "Hangup") == []
        assert not [line for line in app.transcript.lines() if ">> Action: Hangup" in line]
        assert not chan.hung_up

    run(app, scenario)


def test_enter_sends_the_hangup_shown_and_the_channel_hangs_up(pbx, tmp_path):
    app = console(pbx, tmp_path)

    async def scenario(pilot: Pilot) -> None:
        await connected(pilot)
        chan = await originate(pilot, "300@demo", wanted="Local/300@demo;2")
        screen = await ask(pilot, "hangup", chan)
        action_id = app.connection.next_action_id
        assert f"ActionID: {action_id}\\r\\n" in screen.preview_text
        await pilot.press("enter")
        await until(pilot, lambda: events(app, "Hangup", Uniqueid=chan.uniqueid), what="its Hangup event")
        sent = requests(pbx, "Hangup")
        assert [(r.header("Channel"), r.header("ActionID")) for r in sent] == [(chan.name, action_id)]
        assert [line for line in app.transcript.lines() if ">> Action: Hangup" in line]  # what the others look for
        response = app.console_screen.response  # shown as any action's response
        await until(pilot, lambda: response.history and response.history[-1].action == "Hangup", what="the response")

    run(app, scenario)


def test_the_calls_tab_key_opens_the_confirmation_for_the_selected_channel(pbx, tmp_path):
    app = console(pbx, tmp_path)

    async def scenario(pilot: Pilot) -> None:
        await connected(pilot)
        await originate(pilot, "300@demo", wanted="Local/300@demo;2")
        await pilot.press("ctrl+g")
        view = app.console_screen.calls
        await until(pilot, lambda: view.selected_uniqueid, what="a selected channel")
        await pilot.press("h")
        await until(pilot, lambda: isinstance(app.screen, CallActionScreen), what="the confirmation")
        screen = app.screen
        assert isinstance(screen, CallActionScreen)
        assert screen.channel is not None and screen.channel.uniqueid == view.selected_uniqueid
        assert f"Channel: {screen.channel.name}\\r\\n" in screen.preview_text
        await pilot.press("escape")

    run(app, scenario)


def test_redirect_runs_the_extension_typed(pbx, tmp_path):
    app = console(pbx, tmp_path)

    async def scenario(pilot: Pilot) -> None:
        await connected(pilot)
        chan = await originate(pilot, "300@demo", wanted="Local/300@demo;2")
        screen = await ask(pilot, "redirect", chan)
        assert screen.value("context") == "demo" and screen.value("priority") == "1"
        assert "Fill in Exten" in screen.preview_text  # enter would not send yet
        await pilot.press("enter")
        assert isinstance(app.screen, CallActionScreen) and requests(pbx, "Redirect") == []
        await pilot.press(*"100")
        await until(pilot, lambda: "Exten: 100\\r\\n" in screen.preview_text, what="the preview to follow")
        await pilot.press("enter")
        await until(
            pilot, lambda: events(app, "Newexten", Uniqueid=chan.uniqueid, Context="demo", Extension="100"), what="100"
        )

    run(app, scenario)


def test_blind_transfer_sends_the_bridged_party_on(pbx, tmp_path):
    app = console(pbx, tmp_path)

    async def scenario(pilot: Pilot) -> None:
        await connected(pilot)
        # 600 dials Local/300@demo: Local/600@demo;2 is bridged with Local/300@demo;1.
        await originate(pilot, "600@demo", wanted="Local/300@demo;2")
        caller = await originate_side(pilot, "Local/600@demo", ";2")
        await until(pilot, lambda: caller.bridge, what="the bridge")
        screen = await ask(pilot, "transfer", caller)
        await pilot.press(*"100")
        await until(pilot, lambda: "Exten: 100\\r\\n" in screen.preview_text, what="the preview")
        assert screen.preview_text.startswith("Action: BlindTransfer")
        assert f"Channel: {caller.name}\\r\\n" in screen.preview_text
        await pilot.press("enter")
        await until(pilot, lambda: events(app, "BlindTransfer"), what="BlindTransfer")
        called = events(app, "BlindTransfer")[0].header("TransfereeChannel") or ""
        assert called.startswith("Local/300@demo") and called.endswith(";1")
        await until(
            pilot, lambda: events(app, "Newexten", Channel=called, Context="demo", Extension="100"), what="100 runs"
        )

    run(app, scenario)


async def originate_side(pilot: Pilot, start: str, half: str) -> ChannelState:
    calls = pilot.app.models.calls
    found = lambda: next(  # noqa: E731
        (c for c in calls.channels.values() if c.name.startswith(start) and c.name.endswith(half)), None
    )
    await until(pilot, found, what=start + half)
    chan = found()
    assert chan is not None
    return chan


def test_queue_pause_takes_the_member_from_the_call(pbx, tmp_path):
    app = console(pbx, tmp_path)

    async def scenario(pilot: Pilot) -> None:
        await connected(pilot)
        # 500 queues the caller in support; member Local/300@demo (Agent300) answers.
        await originate(pilot, "500@internal", wanted="Local/300@demo;2")
        caller = await originate_side(pilot, "Local/500@internal", ";2")
        screen = await ask(pilot, "pause", caller)
        assert (screen.value("queue"), screen.value("interface")) == ("support", "Local/300@demo")
        await pilot.press(*"lunch", "enter")
        await until(pilot, lambda: events(app, "QueueMemberPause"), what="QueueMemberPause")
        paused = events(app, "QueueMemberPause")[0]
        assert (paused.header("Interface"), paused.header("Paused"), paused.header("PausedReason")) == (
            "Local/300@demo",
            "1",
            "lunch",
        )

    run(app, scenario)
