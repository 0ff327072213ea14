"""Scenes of the console for snapshot tests and for the README's screenshots.

Each scene drives a real console against the demo PBX with the keyboard. The clock is
frozen (see :func:`frozen_clock`) so that times, Uniqueids and durations come out the same
on every run and every machine.
"""

from __future__ import annotations

import os
import re
import time
import zlib
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from textual.pilot import Pilot
from textual.widgets import Input, TextArea
from textual.widgets._toast import ToastRack

from ami_console import clock
from ami_console.events.export import write_jsonl
from ami_console.files.history import History
from ami_console.files.profiles import ConnectionSettings, Profiles
from ami_console.files.saved import SavedActions
from ami_console.protocol import Parser
from ami_console.simulator import Simulator
from ami_console.ui.app import AMIConsoleApp
from ami_console.ui.widgets.transcript_view import TranscriptView
from tests.apphelpers import compose, connected, until
from tests.captures import transcript as capture_steps

FROZEN_EPOCH = 1795660000.0  # 2026-11-26 02:26:40 UTC
SIZE = (140, 45)
SHOWN_PORT = 45038  # the port the pictures show (see shown_port)


@contextmanager
def frozen_clock() -> Iterator[None]:
    """Time stands still for the console (its one clock, :mod:`ami_console.clock`) and for
    the demo PBX (its event time stamps), in UTC. Scheduling clocks keep running: the
    session's batching and the PBX's timers need them."""
    patches = [
        mock.patch("time.time", lambda: FROZEN_EPOCH),  # the demo PBX's own time stamps
        mock.patch.object(clock, "now", lambda: FROZEN_EPOCH),
        mock.patch.object(clock, "counter", lambda: 1000.0),
        mock.patch.object(clock, "local", time.gmtime),
    ]
    for patch in patches:
        patch.start()
    try:
        yield
    finally:
        for patch in reversed(patches):
            patch.stop()


def shown_port(svg: str, port: int) -> str:
    """A picture as if the demo PBX listened on :data:`SHOWN_PORT`: the scenes use a free
    port, and the header shows it. The SVG's ids derive from its text, so they are made
    again from the changed text."""
    svg = re.sub(rf"(?<![\d.]){port}(?![\d.])", str(SHOWN_PORT), svg)
    found = re.search(r"terminal-\d+", svg)
    if found is None:
        return svg
    blank = svg.replace(found.group(0), "terminal-ID")
    return blank.replace("terminal-ID", f"terminal-{zlib.adler32(blank.encode())}")


@dataclass
class Scene:
    name: str
    title: str  # what the picture should show, for the README and the test docstring
    play: Callable[[Pilot, Simulator], Awaitable[None]]
    connect: bool = True
    settings: Callable[[Simulator], ConnectionSettings] | None = None
    replay: Callable[[], Path] | None = None  # writes a file to replay instead of connecting
    learn: bool = False  # the lesson panel open, as `ami-console learn` starts


def make_app(scene: Scene, pbx: Simulator, folder: Path) -> AMIConsoleApp:
    if scene.replay is not None:
        return AMIConsoleApp(ConnectionSettings(), replay=scene.replay(), history=History(folder / "history.jsonl"))
    settings = (scene.settings or _demo_settings)(pbx)
    # The saved actions' folder shows in a picture: a fixed one (it is only read, and the
    # starter set is all it lists).
    return AMIConsoleApp(
        settings,
        autoconnect=scene.connect,
        note="demo PBX",
        profiles=Profiles(folder / "profiles.toml"),
        history=History(folder / "history.jsonl"),
        saved=SavedActions(Path("/home/operator/.config/ami-console/actions")),
        learn=scene.learn,
        lessons_progress=folder / "lessons.json",
        demo_address=f"{pbx.host}:{pbx.port}",
    )


@contextmanager
def stage(scene: Scene, folder: Path) -> Iterator[tuple[AMIConsoleApp, Simulator]]:
    """A frozen clock, a seeded demo PBX on a free port, and an app pointed at it, working
    in ``folder`` (file names on screen are then the same on every run)."""
    here = os.getcwd()
    os.chdir(folder)
    try:
        with frozen_clock(), Simulator(time_scale=0.02, seed=1, auth_failure_delay=0.05) as pbx:
            yield make_app(scene, pbx, folder), pbx
    finally:
        os.chdir(here)


def captured_call() -> Path:
    """The call in the session1 capture (an Originate of Local/100@demo), with the times
    it was captured at, as a JSON Lines export in the current folder."""
    parser = Parser(greeting=True)
    timed = []
    for step in capture_steps("session1"):
        if step.kind == "recv":
            parser.receive_data(step.data)
            while (message := parser.next_message()) is not None:
                if message.is_event:
                    timed.append((FROZEN_EPOCH + step.at, message))
    path = Path("session1-call.jsonl")
    write_jsonl(path, timed)
    return path


def _demo_settings(pbx: Simulator) -> ConnectionSettings:
    return ConnectionSettings(host="127.0.0.1", port=pbx.port, username="admin", secret="adminpass", timeout=5)


async def settle(pilot: Pilot) -> None:
    """Steady pictures: no question to the server on its way (its answer may still change
    the screen), no blinking cursors, no passing notices, nothing left to draw."""
    await until(pilot, lambda: pilot.app.keys.idle, what="every key pressed taken")
    composer = pilot.app.console_screen.composer if pilot.app.console_screen.is_mounted else None
    if composer is not None and pilot.app.connection.connected:
        await until(pilot, lambda: not composer.docs.waiting, what="the parameter help answered")
    await pilot.pause(0.05)
    app = pilot.app
    app.clear_notifications()
    for screen in app.screen_stack:  # the screen under a dialog shows its toasts too
        for rack in screen.query(ToastRack):
            rack.show(app._notifications)
    for widget in pilot.app.screen.query("Input, TextArea"):
        if isinstance(widget, (Input, TextArea)):
            widget.cursor_blink = False
    for view in pilot.app.query(TranscriptView):
        view.catch_up()  # its timer would add the last lines at a moment of its own
    await pilot.pause(0.1)
    await pilot.wait_for_scheduled_animations()


async def send(pilot: Pilot) -> None:
    response = pilot.app.console_screen.response
    before = len(response.history)
    await pilot.press("ctrl+s")
    await until(pilot, lambda: len(response.history) > before and not response.current.pending, what="the response")


# -- the scenes ------------------------------------------------------------------------------
async def login_refused(pilot: Pilot, pbx: Simulator) -> None:
    screen = pilot.app.connect_screen
    await until(pilot, lambda: "Authentication failed" in str(screen.query_one("#connect-error").render()))
    await settle(pilot)


async def repeated_fields(pilot: Pilot, pbx: Simulator) -> None:
    await connected(pilot)
    composer = pilot.app.console_screen.composer
    await pilot.press("f2", *"Originate", "enter")
    await until(pilot, lambda: [r.key for r in composer.fields.rows] == ["Channel"], what="the Channel row")
    await pilot.press(*"PJSIP/alice", "ctrl+n", *"Exten", "tab", *"1002", "ctrl+n", *"Context", "tab", *"internal")
    await pilot.press("ctrl+n", *"Priority", "tab", "1")
    await pilot.press("ctrl+n", *"Variable", "tab", *"CALLERID(name)=Front desk [2]", "ctrl+y")
    await pilot.press(*["backspace"] * 14, *"Support [3]")
    await pilot.press("ctrl+n", *"Async", "tab", *"true", "ctrl+t")
    await settle(pilot)


async def success_response(pilot: Pilot, pbx: Simulator) -> None:
    await connected(pilot)
    await compose(pilot, "CoreSettings")
    await send(pilot)
    await settle(pilot)


async def error_response(pilot: Pilot, pbx: Simulator) -> None:
    await connected(pilot)
    await compose(
        pilot, "Originate", [("Channel", "PJSIP/nobody"), ("Exten", "999"), ("Context", "internal"), ("Priority", "1")]
    )
    await send(pilot)
    await settle(pilot)


async def list_response(pilot: Pilot, pbx: Simulator) -> None:
    await connected(pilot)
    await compose(pilot, "ShowDialPlan", [("Context", "demo")])
    await send(pilot)
    await settle(pilot)


async def command_output(pilot: Pilot, pbx: Simulator) -> None:
    await connected(pilot)
    await compose(pilot, "Command", [("Command", "dialplan show demo")])
    await send(pilot)
    await settle(pilot)


async def events_filtered(pilot: Pilot, pbx: Simulator) -> None:
    await connected(pilot)
    store = pilot.app.models.store
    pbx.place_call("alice", "1002", outcome="answer", ring=1, talk=2)
    await until(
        pilot, lambda: store.counts["Cdr"] >= 1 and store.counts["Hangup"] >= 2, timeout=10, what="the call to end"
    )
    await pilot.press("f6", *"!VarSet,Newexten,DeviceStateChange,ExtensionStatus", "space", *"Channel=PJSIP/alice*")
    await pilot.press("f4", "up", "up", "enter")
    await settle(pilot)


async def _a_call(pilot: Pilot, pbx: Simulator) -> None:
    store = pilot.app.models.store
    pbx.place_call("alice", "1002", outcome="answer", ring=1, talk=2)
    await until(
        pilot, lambda: store.counts["Cdr"] >= 1 and store.counts["Hangup"] >= 2, timeout=10, what="the call to end"
    )


async def call_trace(pilot: Pilot, pbx: Simulator) -> None:
    from ami_console.ui.screens.trace import CallTraceScreen

    app = pilot.app
    store = app.models.store
    header = app.console_screen.header
    log = app.console_screen.events.log_view
    # The header says "reading NN%…" until the whole file is read: wait for its summary,
    # and for the log to have drawn every row (the last batch may come after the summary).
    await until(
        pilot, lambda: header.note.startswith("replay of") and "reading" not in header.note, what="the file read"
    )
    await until(pilot, lambda: store.counts["Cdr"] >= 2, what="the replayed call")
    await until(pilot, lambda: log.virtual_size.height == store.row_count == 30, what="every row drawn")
    view = list(store.view)
    index = next(i for i, e in enumerate(view) if e.message.name == "VarSet")
    await pilot.press("f4", "home")
    await until(pilot, lambda: app.keys.idle and log.cursor == 0 and not log.following, what="the log's top")
    await pilot.press(*["down"] * index)
    await until(pilot, lambda: app.keys.idle and log.cursor == index, what=f"row {index}")
    await pilot.press("t")
    await until(pilot, lambda: isinstance(app.screen, CallTraceScreen), what="the trace")
    await settle(pilot)


async def history(pilot: Pilot, pbx: Simulator) -> None:
    await connected(pilot)
    for action, rows in (
        ("Ping", []),
        ("Command", [("Command", "core show channels")]),
        ("Originate", [("Channel", "PJSIP/nobody"), ("Exten", "999"), ("Context", "internal"), ("Priority", "1")]),
        ("Getvar", [("Variable", "NO_SUCH_VARIABLE"), ("Channel", "PJSIP/nobody-1")]),
    ):
        await compose(pilot, action, rows)
        await send(pilot)
    await pilot.press("ctrl+o")
    await settle(pilot)


async def saved_actions(pilot: Pilot, pbx: Simulator) -> None:
    await connected(pilot)
    await settle(pilot)  # the console under the dialog is fully drawn first
    await pilot.press("ctrl+b", "down", "down", "down", "down")
    await settle(pilot)


async def transcript(pilot: Pilot, pbx: Simulator) -> None:
    await connected(pilot)
    await compose(pilot, "Ping")
    await send(pilot)
    await pilot.press("f12", "home")
    await settle(pilot)


async def server_filters(pilot: Pilot, pbx: Simulator) -> None:
    await connected(pilot)
    await settle(pilot)
    await pilot.press("ctrl+f")
    screen = pilot.app.screen
    screen.set_focus(screen.query_one("#filter"))
    await pilot.press(*"Event: Newchannel", "enter")
    await until(pilot, lambda: pilot.app.connection.server_filters.filters, what="the filter")
    await settle(pilot)


async def help_screen(pilot: Pilot, pbx: Simulator) -> None:
    await connected(pilot)
    await settle(pilot)
    await pilot.press("f1")
    await settle(pilot)


def _rows(app: AMIConsoleApp) -> list[str]:
    calls = app.console_screen.calls.list_view
    return [calls.render_line(y).text for y in range(len(calls.entries))]


async def calls_tab(pilot: Pilot, pbx: Simulator) -> None:
    await connected(pilot)
    app = pilot.app
    pbx.place_call("alice", "1002", ring=1, talk=100000)
    await pilot.press("ctrl+g")
    await until(pilot, lambda: any("bridged with" in r for r in _rows(app)), timeout=10, what="the bridged call")
    # A short call that ends: with the clock frozen it stays dimmed in its grace period.
    app.console_screen.send(
        [("Action", "Originate"), ("Channel", "Local/100@demo"), ("Application", "Wait"), ("Data", "1")]
    )
    await until(pilot, lambda: any("hung up" in r for r in _rows(app)), timeout=10, what="the short call to end")
    await settle(pilot)


async def call_ladder(pilot: Pilot, pbx: Simulator) -> None:
    await connected(pilot)
    app = pilot.app
    pbx.place_call("alice", "1002", ring=1, talk=2)
    await pilot.press("ctrl+g")
    await until(pilot, lambda: any("hung up" in r for r in _rows(app)), timeout=10, what="the call to end")
    await pilot.press("enter")
    await until(pilot, lambda: "hung up first" in "".join(getattr(app.screen, "lines", [])), what="the ladder")
    await settle(pilot)


async def dialplan_pane(pilot: Pilot, pbx: Simulator) -> None:
    await connected(pilot)
    app = pilot.app
    app.console_screen.send([("Action", "Originate"), ("Channel", "Local/10@teach"), ("Application", "Echo")])
    await pilot.press("ctrl+g")
    calls = app.console_screen.calls
    await until(pilot, lambda: any("hung up" in r for r in _rows(app)), timeout=10, what="the tour to end")
    while not calls.selected_channel.name.endswith(";2"):  # the half that walks teach
        await pilot.press("right")
    await pilot.press("d")
    await until(
        pilot,
        lambda: any(kind == "header" and "teach" in line for line, kind in getattr(app.screen, "lines", [])),
        what="the listing of teach",
    )
    await settle(pilot)


async def hangup_confirmation(pilot: Pilot, pbx: Simulator) -> None:
    await connected(pilot)
    app = pilot.app
    pbx.place_call("alice", "1002", ring=1, talk=100000)
    await pilot.press("ctrl+g")
    await until(pilot, lambda: any("bridged with" in r for r in _rows(app)), timeout=10, what="the bridged call")
    await pilot.press("h")
    await until(pilot, lambda: type(app.screen).__name__ == "CallActionScreen", what="the confirmation")
    await settle(pilot)


async def lesson_panel(pilot: Pilot, pbx: Simulator) -> None:
    await connected(pilot)
    app = pilot.app
    await until(pilot, lambda: app.console_screen.lesson_panel is not None, what="the lesson panel")
    # ami-console learn starts on the lesson. Lesson 2 from the list, as a learner picks
    # it; then its first step's "show me".
    await until(pilot, lambda: app.focused is app.console_screen.lesson_panel, what="the lesson focused")
    await pilot.press("l")
    await until(pilot, lambda: type(app.screen).__name__ == "LessonsScreen", what="the lessons list")
    await pilot.press("down", "enter")
    await until(pilot, lambda: "Actions and responses" in app.console_screen.lesson_panel.shown, what="lesson 2")
    panel = app.console_screen.lesson_panel
    if not panel.has_focus_within:  # ctrl+l goes to the panel; pressed on it, it would hide it
        await pilot.press("ctrl+l")
    await pilot.press("s")
    await until(pilot, lambda: app.console_screen.composer.picker.value == "Ping", what="show me")
    await settle(pilot)


SCENES = [
    Scene(
        "login_refused",
        "The connection form after a refused login: Asterisk's own reason, the form kept.",
        login_refused,
        settings=lambda pbx: ConnectionSettings(
            host="127.0.0.1", port=pbx.port, username="admin", secret="wrong-secret", timeout=5
        ),
    ),
    Scene(
        "repeated_fields",
        "Originate composed with a repeated Variable header, one row switched off, and the exact bytes it will send.",
        repeated_fields,
    ),
    Scene("success_response", "A Success response (CoreSettings) in the Fields view.", success_response),
    Scene("error_response", "An Error response (Originate to a missing extension), in red.", error_response),
    Scene("list_response", "An event-list response (ShowDialPlan) as a table, with the item count.", list_response),
    Scene("command_output", "Command output (dialplan show) as plain text.", command_output),
    Scene(
        "events_filtered", "A call's events filtered by name and channel, one event's headers open.", events_filtered
    ),
    Scene("help_screen", "The help screen: keys and AMI basics for newcomers.", help_screen),
    Scene(
        "call_trace",
        "The call trace of a captured Originate (replayed from a file): the dialplan "
        "steps of Local/100@demo on a timeline, the variable set, the hangup and its cause, the CDRs.",
        call_trace,
        connect=False,
        replay=captured_call,
    ),
    Scene("history", "The history of actions sent, with status and time taken.", history),
    Scene("saved_actions", "Saved actions, with the starter set and the explanation of one.", saved_actions),
    Scene("transcript", "The transcript: the exact lines sent and received, the secret masked.", transcript),
    Scene("server_filters", "Server-side filtering: the Events mask and a Filter in force.", server_filters),
    Scene(
        "calls_tab",
        "The Calls tab: a call bridged alice to bob, and a call that just ended, dimmed; the channel "
        "the actions apply to under the list.",
        calls_tab,
    ),
    Scene(
        "call_ladder",
        "The ladder of a call from alice to bob: a lifeline each, the dial, the answer, the bridge, "
        "the hangups and who hung up first.",
        call_ladder,
    ),
    Scene(
        "dialplan_pane",
        "The dialplan pane for Local/10@teach;2 after its tour: the priorities it ran marked ✓, the "
        "variables it set beside them, the GotoIf, Goto and Gosub jumps under the lines they left.",
        dialplan_pane,
    ),
    Scene(
        "hangup_confirmation",
        "Hanging up a call from the Calls tab: the confirmation names the call and the channel "
        "and shows the exact bytes it will send; enter sends, escape cancels.",
        hangup_confirmation,
    ),
    Scene(
        "lesson_panel",
        'Lesson 2 beside the console: its first step, and the composer filled by "show me" '
        "(nothing sent until ctrl+s).",
        lesson_panel,
        learn=True,
    ),
]
