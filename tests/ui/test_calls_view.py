"""The Calls tab, the ladder and the dialplan pane as a user meets them: keys pressed in a
headless console connected to the demo PBX, every wait a condition with a deadline."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from ami_console.calls.call import CallRow
from ami_console.simulator import Simulator
from ami_console.ui.app import AMIConsoleApp
from ami_console.ui.screens.dialplan import DialplanScreen
from ami_console.ui.screens.ladder import LadderScreen
from ami_console.ui.screens.trace import CallTraceScreen
from ami_console.ui.widgets.calls_view import RECENT, CallsView
from tests.apphelpers import connected, console, run, until


@pytest.fixture
def pbx():
    # Dialplan seconds take 0.1 s: calls last long enough to be seen, short enough to end.
    with Simulator(time_scale=0.1, auth_failure_delay=0.05, seed=7) as simulator:
        yield simulator
        assert simulator.errors == []


def view(app: AMIConsoleApp) -> CallsView:
    return app.console_screen.calls


def rows(app: AMIConsoleApp) -> list[str]:
    """The Calls tab's lines as drawn."""
    calls = view(app).list_view
    return [calls.render_line(y).text.rstrip() for y in range(len(calls.entries))]


async def calls_tab(pilot: Pilot) -> CallsView:
    await connected(pilot)
    await pilot.press("ctrl+g")
    calls = view(pilot.app)
    await until(pilot, lambda: pilot.app.focused is calls.list_view, what="the Calls tab focused")
    return calls


def test_a_bridged_call_is_listed_and_its_duration_ticks(pbx, tmp_path):
    app = console(pbx, tmp_path)

    async def scenario(pilot: Pilot) -> None:
        await calls_tab(pilot)
        pbx.place_call("alice", "1002", ring=1, talk=100)
        await until(pilot, lambda: any("bridged with PJSIP/bob" in r for r in rows(app)), timeout=10, what="bridged")
        line = next(r for r in rows(app) if "bridged with" in r)
        assert '"Alice" <1001>' in line and "1002" in line and "Dial(PJSIP/bob,20)" in line
        first = line.split()[-1]  # the duration, "0:01"
        await until(pilot, lambda: rows(app)[0].split()[-1] != first, timeout=3, what="the duration to tick")
        # The channel the actions apply to: the first, then the other with right.
        assert view(app).selected_uniqueid == min(view(app).selected_call.channels)
        await pilot.press("right")
        assert (
            app.models.calls.call_for(view(app).selected_key)
            .channels[view(app).selected_uniqueid]
            .name.startswith("PJSIP/bob-")
        )

    run(app, scenario)


def test_the_filter_narrows_and_the_sort_key_orders(tmp_path):
    with Simulator(time_scale=0.3, auth_failure_delay=0.05, seed=7) as pbx:
        app = console(pbx, tmp_path)

        async def scenario(pilot: Pilot) -> None:
            calls = await calls_tab(pilot)
            # The older call: Local/300@demo answers and waits 30 s (9 s here), up.
            app.console_screen.send(
                [("Action", "Originate"), ("Channel", "Local/300@demo"), ("Application", "Wait"), ("Data", "100")]
            )
            await until(pilot, lambda: any(" up " in r for r in rows(app)), timeout=10, what="the first call")
            # One full second apart, by the durations shown (not a pause): they differ.
            await until(pilot, lambda: rows(app) and rows(app)[0].split()[-1] != "0:00", what="a second gone by")
            pbx.place_call("alice", "1002", ring=100)  # bob does not answer: it rings
            await until(pilot, lambda: sum("ringing" in r for r in rows(app)) == 1, timeout=5, what="ringing")
            assert "Local/300" in rows(app)[0] or "ringing" not in rows(app)[0]  # by duration: the longest first
            await pilot.press("s")
            assert calls.sort_by == "state"
            await until(pilot, lambda: "ringing" in rows(app)[0], what="ringing first by state")
            assert "sort: state" in str(calls.query_one("#calls-status").render())
            await pilot.press("f6")
            assert app.focused is calls.filter_input
            await pilot.press(*"Channel=PJSIP/alice")
            await until(pilot, lambda: len(rows(app)) == 1 and "Alice" in rows(app)[0], what="the filter to narrow")
            await pilot.press("enter")
            assert app.focused is calls.list_view

        run(app, scenario)
        assert pbx.errors == []


def test_an_ended_call_dims_then_moves_to_recent(pbx, tmp_path):
    app = console(pbx, tmp_path)
    app.models.calls.grace = 1.5  # seconds an ended call stays among the live ones

    async def scenario(pilot: Pilot) -> None:
        calls = await calls_tab(pilot)
        pbx.place_call("alice", "1002", ring=0.5, talk=1)
        await until(pilot, lambda: calls.list_view.entries, timeout=10, what="the call listed")
        await until(pilot, lambda: "hung up" in rows(app)[0], timeout=10, what="the call to end")
        section, row = calls.list_view.entries[0]
        assert section == "live" and row is not None and row.ended is not None
        assert all(s.style is None or s.style.dim for s in calls.list_view.render_line(0)._segments[1:])
        await until(pilot, lambda: [s for s, _ in calls.list_view.entries] == ["recent: 1 ended", RECENT], timeout=5)
        assert "hung up" in rows(app)[1]

    run(app, scenario)


def test_a_call_up_before_the_console_connected_is_listed(pbx, tmp_path):
    pbx.place_call("alice", "1002", ring=0.2, talk=100)
    app = console(pbx, tmp_path)

    async def scenario(pilot: Pilot) -> None:
        # Up before connecting: only CoreShowChannels and BridgeInfo can tell of it.
        await until(pilot, lambda: len([c for c in pbx.channels() if c["state"] == "Up"]) >= 2, what="the call up")
        await calls_tab(pilot)
        await until(pilot, lambda: any("bridged with PJSIP/bob" in r for r in rows(app)), timeout=5, what="seeded")
        assert rows(app)[0].split()[-2] == "2"  # both channels

    run(app, scenario)


def test_the_ladder_opens_on_enter_and_copies_as_text(pbx, tmp_path):
    app = console(pbx, tmp_path)

    async def scenario(pilot: Pilot) -> None:
        await calls_tab(pilot)
        pbx.place_call("alice", "1002", ring=0.5, talk=2)
        await until(pilot, lambda: rows(app), timeout=10, what="the call listed")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, LadderScreen), what="the ladder")
        ladder = app.screen
        assert isinstance(ladder, LadderScreen)
        assert "PJSIP/alice" in ladder.lines[0] and "PJSIP/bob" in ladder.lines[0]  # the lifelines
        # Live: the hangups arrive while it is open.
        await until(pilot, lambda: "hung up first" in ladder.lines[-1], timeout=10, what="the hangup line")
        assert any("│" in line for line in ladder.lines) and any("►" in line for line in ladder.lines)
        await pilot.press("c")
        header, _, drawn = app.clipboard.partition("\n")
        # What was drawn, after a line naming the call, its start and the server.
        assert header.startswith(f"Call {ladder.key} · started ") and header.endswith(f" · server 127.0.0.1:{pbx.port}")
        assert drawn == "\n".join(ladder.lines) + "\n"
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, CallTraceScreen), what="the trace")
        await pilot.press("i")  # one timeline of every channel
        trace = app.screen
        assert isinstance(trace, CallTraceScreen) and trace.interleaved
        await pilot.press("c")
        assert "PJSIP/alice" in app.clipboard and "PJSIP/bob" in app.clipboard
        await pilot.press("escape", "escape")
        assert app.screen is app.console_screen

    run(app, scenario)


def test_the_dialplan_pane_marks_the_current_and_executed_priorities(tmp_path):
    with Simulator(time_scale=0.2, auth_failure_delay=0.05, seed=7) as pbx:  # the tour: 27.5 s, here 5.5
        app = console(pbx, tmp_path)

        async def scenario(pilot: Pilot) -> None:
            calls = await calls_tab(pilot)
            app.console_screen.send([("Action", "Originate"), ("Channel", "Local/10@teach"), ("Application", "Echo")])
            await until(pilot, lambda: calls.list_view.entries, timeout=5, what="the call listed")
            # The ;2 half walks teach (the ;1 half runs Echo).
            await until(pilot, lambda: len(calls.selected_call.channels) == 2, timeout=5, what="both halves")
            while not calls.selected_channel.name.endswith(";2"):
                await pilot.press("right")
            await pilot.press("d")
            await until(pilot, lambda: isinstance(app.screen, DialplanScreen), what="the dialplan pane")
            pane = app.screen
            assert isinstance(pane, DialplanScreen)

            def current() -> str:
                return next((line for line, kind in pane.lines if kind == "current"), "")

            # The tour ends in _1XX (Goto 150,1), whose Wait(12) lasts twelve seconds.
            await until(pilot, lambda: "Wait(12)" in current(), timeout=10, what="the channel in _1XX")
            assert current().startswith("▶")
            executed = [line for line, kind in pane.lines if kind == "executed"]
            assert any("Answer()" in line and line.startswith("✓") for line in executed)
            assert any("Goto(150,1)" in line for line in executed)
            assert any(kind == "branch" and "→" in line for line, kind in pane.lines)
            assert any(kind == "variable" and "TRIES=" in line for line, kind in pane.lines)
            assert pane.lines[0] == ("[ Context 'teach' created by 'pbx_config' ]", "header")

        run(app, scenario)
        assert pbx.errors == []


def core_show_channels_asked(pbx: Simulator) -> int:
    return len([r for r in pbx.session_logs()[-1].requests if r.header("Action") == "CoreShowChannels"])


def test_in_a_storm_the_calls_tab_follows_every_call_without_asking_again(pbx, tmp_path):
    """Events as fast as the PBX can send them, and a real call in the middle: it is
    listed, and shown ended once it hangs up, followed event by event (the channels are
    read once, at connect, never again), and every event of the storm is counted."""
    app = console(pbx, tmp_path)

    async def scenario(pilot: Pilot) -> None:
        await connected(pilot)
        await pilot.press("ctrl+g")
        await until(pilot, lambda: core_show_channels_asked(pbx) == 1, what="the lists at connect")
        pbx.start_storm(rate=None, total=20_000)
        pbx.place_call("alice", "1002", ring=0.5, talk=1.0)

        # The rows as the tab has them (drawing a thousand lines a look would starve the app).
        def shown(*words: str) -> bool:
            entries = view(app).list_view.entries
            return any(
                row is not None and all(w in f"{row.caller} {row.dialled} {row.state}" for w in words)
                for _, row in entries
            )

        await until(pilot, lambda: shown('"Alice" <1001>', "1002"), timeout=10, what="the call")
        await until(pilot, lambda: shown('"Alice" <1001>', "1002", "hung up"), timeout=10, what="ended")
        assert pbx.wait_storm(timeout=30)
        await until(pilot, lambda: app.models.store.total >= 20_000, timeout=20, what="every event counted")
        assert core_show_channels_asked(pbx) == 1

    run(app, scenario)


def status(app: AMIConsoleApp) -> str:
    return str(app.console_screen.query_one("#calls-status").render())


def _row(key: str, ended: float | None = None) -> CallRow:
    return CallRow(key, "Alice", "1001", "1002", "hung up" if ended else "up", 1, "Dial", 2, 0.0, ended, 3725.0)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_with_a_scrollbar_the_last_column_is_whole_and_the_cursor_never_rests_on_the_heading(pbx, tmp_path, size):
    """Rows past the tab's height bring a scrollbar: the duration column (last) is never cut
    under it. Up from the first recent call lands on the live call above the heading; with
    no live call, home lands on the first recent call."""
    app = console(pbx, tmp_path)

    async def scenario(pilot: Pilot) -> None:
        calls = await calls_tab(pilot)
        calls.rebuild = lambda: None  # the rows are this test's, not the model's
        listing = calls.list_view
        entries = [("live", _row("live"))] + [("recent", None)] + [("recent", _row(f"r{i}", 1.0)) for i in range(60)]
        listing.show(entries, 2)
        await until(pilot, lambda: listing.max_scroll_y > 0, what="a scrollbar")
        line = listing.render_line(0).text.rstrip()
        assert line.endswith("1:02:05") and len(line) <= listing.scrollable_content_region.width  # not under the bar
        await pilot.press("up")
        assert listing.cursor == 0 and listing.current is not None
        listing.show(entries[1:], 1)
        await pilot.press("home")
        assert listing.cursor == 1 and listing.current is not None

    run(app, scenario, size=size)
