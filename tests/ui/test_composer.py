"""The composer tells the truth: what ctrl+s sends is, byte for byte, what the preview shows,
and every hint belongs to the name in the field. Driven with the keyboard, against the demo
PBX where the server matters, offline where it does not."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual import events, on
from textual.pilot import Pilot

from ami_console.actiondocs import ActionDoc, parse_action_doc
from ami_console.files.profiles import ConnectionSettings, Profiles
from ami_console.protocol import Message
from ami_console.simulator import Simulator
from ami_console.ui import app as app_module
from ami_console.ui.app import AMIConsoleApp
from ami_console.ui.widgets.composer import Composer
from tests.apphelpers import after_a_ping, connected, console, run, until
from tests.captures import capture_messages


@pytest.fixture
def pbx():
    with Simulator(time_scale=0.02, auth_failure_delay=0.05, seed=7) as simulator:
        yield simulator
        assert simulator.errors == []


class RecordingApp(AMIConsoleApp):
    """The console, noting every documentation query the composer asks for."""

    # A relative CSS_PATH is read next to the module defining the class: name the app's own.
    CSS_PATH = str(Path(app_module.__file__).with_name("app.tcss"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.asked: list[str] = []

    @on(Composer.DocsRequested)
    def note_asked(self, event: Composer.DocsRequested) -> None:
        self.asked.append(event.action)


def offline(tmp_path: Path) -> RecordingApp:
    return RecordingApp(ConnectionSettings(), profiles=Profiles(tmp_path / "profiles.toml"))


async def open_console(pilot: Pilot) -> Composer:
    app = pilot.app
    await app.push_screen(app.console_screen)
    await pilot.pause()
    return app.console_screen.composer


def originate_doc() -> ActionDoc:
    return parse_action_doc("Originate", capture_messages("manager_show_command")[1].headers("Output"))


def shown_bytes(composer: Composer) -> bytes:
    """The preview turned back into bytes: each shown line ends in a visible \\r\\n."""
    lines = composer.preview_text.split("\n")
    assert all(line.endswith("\\r\\n") for line in lines), lines
    return "".join(line[: -len("\\r\\n")] + "\r\n" for line in lines).encode()


def doc_queries(pbx: Simulator, username: str = "admin") -> list[str]:
    """The `manager show command` queries the console sent."""
    return [
        (request.header("Command") or "").removeprefix("manager show command ")
        for log in pbx.session_logs()
        if log.username == username
        for request in log.requests
        if (request.header("Command") or "").startswith("manager show command")
    ]


async def quiet(pilot: Pilot) -> None:
    """Wait until no background query is on its way: the ActionID shown is the next one."""
    app = pilot.app
    composer = app.console_screen.composer

    def settled() -> bool:
        session = app.connection.session
        return session is not None and not session._pending and composer.next_action_id == session.next_action_id

    await until(pilot, settled, what="background queries answered")


async def send_and_compare(pilot: Pilot, pbx: Simulator) -> None:
    """ctrl+s; the server must receive exactly the bytes the preview showed."""
    composer = pilot.app.console_screen.composer
    await quiet(pilot)
    problem = composer.problem()
    before = len(pbx.session_logs()[-1].requests)
    shown = shown_bytes(composer) if problem is None else b""
    await pilot.press("ctrl+s")
    if problem is not None:
        await after_a_ping(pilot)
        assert len(pbx.session_logs()[-1].requests) == before + 1, "sent although the preview said it cannot be"
        return
    action_id = shown.split(b"\r\n")[1].removeprefix(b"ActionID: ").decode()
    log = pbx.session_logs()[-1]
    await until(pilot, lambda: any(r.header("ActionID") == action_id for r in log.requests), what="the action received")
    # The whole request, from the end of the one before to its blank line, is the preview.
    assert b"\r\n\r\n" + shown in bytes(log.raw)


async def choose_originate(pilot: Pilot) -> None:
    """F2, Originate, enter; wait for its one required row (its documentation has come)."""
    composer = pilot.app.console_screen.composer
    await pilot.press("f2", *"Originate", "enter")
    await until(pilot, lambda: [r.key for r in composer.fields.rows] == ["Channel"], what="Channel row")


# -- the preview is what goes out ---------------------------------------------------------------
def test_a_name_typed_over_without_enter_is_what_the_preview_shows_and_what_goes_out(pbx, tmp_path):
    app = console(pbx, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        composer = app.console_screen.composer
        await choose_originate(pilot)
        await pilot.press(*"Local/100@demo")
        await pilot.press("f2", *"Hangup")  # F2 in the composer selects the name: typing replaces it
        assert composer.picker.value == "Hangup"
        assert shown_bytes(composer).startswith(b"Action: Hangup\r\n")
        await until(pilot, lambda: composer.docs.get("Hangup") is not None, what="Hangup's documentation")
        # The hints are Hangup's: its description, its parameters, not Originate's.
        assert composer.synopsis == composer.docs.get("Hangup").synopsis
        hangup_channel = composer.docs.get("Hangup").parameters[0]
        assert composer.param_help == f"Channel (required) {hangup_channel.doc}"
        assert hangup_channel.doc != composer.docs.get("Originate").parameters[0].doc
        await send_and_compare(pilot, pbx)
        assert pbx.session_logs()[-1].requests[-1].header("Action") == "Hangup"

    run(app, scenario)


NAMES = ["Ping", "Hangup", "hangup", "Originate", "Orig", "Getvar", "UserEvent", "NoSuchAction", "DBGet", ""]
KEYS = ["Channel", "Exten", "Variable", "Data", "Var", "Cause", "Foo", "Application"]
VALUES = st.text(alphabet="abcXYZ019 /@=-_.()[],", max_size=12)
EDITS = st.lists(
    st.one_of(
        st.tuples(st.just("type name"), st.sampled_from(NAMES)),
        st.tuples(st.just("choose"), st.sampled_from(NAMES[:-1])),
        st.tuples(st.just("add"), st.sampled_from(KEYS), VALUES),
        st.tuples(st.sampled_from(["duplicate", "toggle", "remove", "undo"])),
        st.tuples(
            st.just("load"),
            st.sampled_from(NAMES[:-1]),
            st.lists(st.tuples(st.sampled_from(KEYS), VALUES, st.booleans()), max_size=4),
        ),
    ),
    min_size=1,
    max_size=6,
)


async def edit(pilot: Pilot, step: tuple) -> None:
    composer = pilot.app.console_screen.composer
    kind = step[0]
    if kind == "type name":
        await pilot.press("f2", *step[1]) if step[1] else await pilot.press("f2", "backspace")
    elif kind == "choose":
        await pilot.press("f2", *step[1], "enter")
    elif kind == "add":
        await pilot.press("ctrl+n", *step[1], "tab", *step[2])
    elif kind == "load":
        await composer.load(step[1], step[2])
    else:
        await pilot.press({"duplicate": "ctrl+y", "toggle": "ctrl+t", "remove": "ctrl+d", "undo": "ctrl+z"}[kind])
    await pilot.pause()


@pytest.fixture(scope="module")
def shared_pbx():
    with Simulator(time_scale=0.02, auth_failure_delay=0.05, seed=7) as simulator:
        yield simulator
        assert simulator.errors == []


# Six random edit sequences a run (each starts an app: the suite's largest single cost);
# the typeahead test sends a hundred random bursts through one app.
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=EDITS)
def test_whatever_is_edited_the_server_receives_the_preview_byte_for_byte(shared_pbx, tmp_path_factory, edits):
    """Random edits (names typed whole, half or wrong, chosen, rows added, duplicated,
    switched, removed, history-like loads, undo), then ctrl+s: the bytes the server
    receives are the preview's, or nothing goes out when the preview says it cannot."""
    app = console(shared_pbx, tmp_path_factory.mktemp("property"))

    async def scenario(pilot):
        await connected(pilot)
        for step in edits:
            await edit(pilot, step)
        await send_and_compare(pilot, shared_pbx)

    run(app, scenario)


# -- choosing again keeps what was typed -----------------------------------------------------------
def test_choosing_again_keeps_the_rows_the_action_takes_and_ctrl_z_brings_back_the_rest(pbx, tmp_path):
    app = console(pbx, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        composer = app.console_screen.composer
        await choose_originate(pilot)
        await pilot.press(*"Local/100@demo", "ctrl+n", *"Exten", "tab", *"100", "ctrl+n", *"Variable", "tab", "A=1")
        typed = composer.fields.snapshot()
        await pilot.press("f2", "enter")  # the same action again: nothing lost
        assert composer.fields.snapshot() == typed
        await pilot.press("f2", *"Hangup")
        await until(pilot, lambda: composer.docs.get("Hangup") is not None, what="Hangup's documentation")
        await pilot.press("enter")
        assert composer.fields.snapshot() == [("Channel", "Local/100@demo", True)]
        assert any("ctrl+z" in n.message and "Exten" in n.message for n in app._notifications)
        await pilot.press("ctrl+z")
        assert composer.picker.value == "Originate" and composer.fields.snapshot() == typed

    run(app, scenario)


def test_without_documentation_another_action_drops_the_rows_made_for_the_one_before(tmp_path):
    """No server says what Hangup takes (offline here; a user without the command
    privilege is the same): choosing it over Getvar drops Getvar's rows, and ctrl+z brings
    them back. Rows typed before any action was chosen stay."""
    app = offline(tmp_path)

    async def scenario(pilot):
        composer = await open_console(pilot)
        await composer.load("Getvar", [("Variable", "X", True), ("Channel", "PJSIP/a", False)])
        await pilot.press("f2", *"Hangup", "enter")
        assert composer.picker.value == "Hangup"
        assert composer.fields.snapshot() == [("", "", True)]
        await pilot.press("ctrl+z")
        assert composer.picker.value == "Getvar"
        assert composer.fields.snapshot() == [("Variable", "X", True), ("Channel", "PJSIP/a", False)]

    run(app, scenario)


def test_a_name_typed_over_another_without_documentation_sends_none_of_its_rows(tmp_path):
    """Against a server without per-action documentation, CoreSettings typed over an
    Originate and sent at once (no enter) goes out without Originate's rows."""
    app = offline(tmp_path)

    async def scenario(pilot):
        composer = await open_console(pilot)
        composer.set_actions({"Originate": "Originate a call.", "CoreSettings": "Show settings."})
        await composer.load("Originate", [("Channel", "PJSIP/alice", True), ("Exten", "100", True)])
        await pilot.press("f2", *"CoreSettings")
        assert composer.pairs() == [("Action", "CoreSettings")]
        assert composer.fields.snapshot() == [("", "", True)]

    run(app, scenario)


# -- the name, selected when focused ------------------------------------------------------------
def test_f2_selects_the_action_name_so_typing_replaces_it(tmp_path):
    app = offline(tmp_path)

    async def scenario(pilot):
        composer = await open_console(pilot)
        await pilot.press("f2", *"CoreSettings", "enter")  # the focus moves to the fields
        await pilot.press("f2", *"Command")
        assert composer.picker.value == "Command"
        await pilot.press("f2", *"Ping")  # the name has the focus already
        assert composer.picker.value == "Ping"
        await pilot.press("f4", "f2", *"Status")  # from another panel
        assert composer.picker.value == "Status"

    run(app, scenario)


def test_after_a_send_typing_in_the_name_replaces_it(pbx, tmp_path):
    app = console(pbx, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        composer = app.console_screen.composer
        await pilot.press("f2", *"CoreSettings", "ctrl+s")
        await until(pilot, lambda: app.console_screen.response.current is not None, what="sent")
        await pilot.press(*"Command")
        assert composer.picker.value == "Command"

    run(app, scenario)


# -- pasting and copying AMI text ----------------------------------------------------------------
@pytest.mark.parametrize("newline", ["\r\n", "\n"])
@pytest.mark.parametrize("trailing", [True, False])
@pytest.mark.parametrize("where", ["name", "value"])
def test_a_pasted_ami_block_fills_the_name_and_one_row_per_line(tmp_path, newline, trailing, where):
    app = offline(tmp_path)
    lines = ["Action: Originate", "ActionID: 7", "Channel: Local/100@demo", "Variable: A=1", "Variable: B=2"]
    block = newline.join(lines) + newline + (newline if trailing else "")

    async def scenario(pilot):
        composer = await open_console(pilot)
        await pilot.press("f2", *"Ping", "enter")
        if where == "value":
            await pilot.press("tab")
        app.post_message(events.Paste(block))  # as the terminal's bracketed paste arrives
        rows = [("Channel", "Local/100@demo", True), ("Variable", "A=1", True), ("Variable", "B=2", True)]
        await until(pilot, lambda: composer.fields.snapshot() == rows, what="the block pasted")
        assert composer.picker.value == "Originate"
        # The note that the pasted ActionID was left out may come a moment after the rows.
        await until(pilot, lambda: any("ActionID" in n.message for n in app._notifications), what="the note")
        assert "ActionID: 7" not in composer.preview_text

    run(app, scenario)


def test_a_pasted_single_line_goes_where_the_cursor_is(tmp_path):
    app = offline(tmp_path)

    async def scenario(pilot):
        composer = await open_console(pilot)
        await pilot.press("f2", *"Getvar", "enter", *"Variable", "tab", *"ac", "left")
        app.post_message(events.Paste("Action: b"))
        await pilot.pause()
        assert composer.picker.value == "Getvar"
        assert composer.fields.snapshot() == [("Variable", "aAction: bc", True)]

    run(app, scenario)


def test_ctrl_c_copies_the_action_as_lines_that_paste_back(tmp_path):
    app = offline(tmp_path)

    async def scenario(pilot):
        composer = await open_console(pilot)
        await composer.load("UserEvent", [("UserEvent", "Demo", True), ("Text", "[1]", True), ("Off", "x", False)])
        await pilot.press("f2", "end", "ctrl+c")  # nothing selected: the whole action
        assert app.clipboard == "Action: UserEvent\r\nUserEvent: Demo\r\nText: [1]\r\n"
        composed = composer.composed()
        await pilot.press("f2", *"Ping", "enter", "ctrl+v")
        await until(pilot, lambda: composer.composed() == composed, what="the copy pasted back")
        await pilot.press("f2", "end", "shift+left", "ctrl+c")  # a selection is copied as usual
        assert app.clipboard == "t"

    run(app, scenario)


# -- completion --------------------------------------------------------------------------------
def test_tab_in_a_key_takes_the_completion_shown(tmp_path):
    app = offline(tmp_path)

    async def scenario(pilot):
        composer = await open_console(pilot)
        await pilot.press("f2", *"Originate", "enter")
        await composer.set_doc("Originate", originate_doc())  # as the server's answer arrives
        await pilot.press("ctrl+n", *"App")
        await until(pilot, lambda: composer.fields.rows[-1].key_input._suggestion == "Application")
        await pilot.press("tab", *"Wait")
        assert composer.fields.snapshot()[-1] == ("Application", "Wait", True)

    run(app, scenario)


# -- hints ----------------------------------------------------------------------------------------
def test_hints_follow_the_name_in_the_field(pbx, tmp_path):
    app = console(pbx, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        composer = app.console_screen.composer
        await choose_originate(pilot)
        await until(pilot, lambda: composer.fields.rows[0].query_one(".mark").render().plain == "*")
        await pilot.press("f2", *"Ping")  # no enter
        await until(pilot, lambda: composer.param_help == "Ping takes no parameters.", what="Ping's help")
        assert composer.synopsis == composer.docs.get("Ping").synopsis
        # Originate's Channel row stays, no longer marked required: Ping has no such parameter.
        assert composer.fields.rows[0].query_one(".mark").render().plain == ""

    run(app, scenario)


def test_an_action_this_user_may_not_send_is_said_so_and_nothing_is_asked(pbx, tmp_path):
    settings = ConnectionSettings(host=pbx.host, port=pbx.port, username="monitor", secret="monpass", timeout=3)
    app = console(pbx, tmp_path, settings=settings)

    async def scenario(pilot):
        app_ = pilot.app
        await until(pilot, lambda: app_.connected and app_.screen is app_.console_screen, what="connected")
        composer = app.console_screen.composer
        await until(pilot, lambda: "Ping" in composer.picker.actions and "Originate" not in composer.picker.actions)
        await pilot.press("f2", *"Originate", "enter")
        assert "not allowed for this user" in composer.synopsis.lower()
        await pilot.press("f2", *"Ping", "enter")
        assert "command privilege" in composer.param_help
        await pilot.press("ctrl+s")
        await until(pilot, lambda: any(r.header("Action") == "Ping" for r in pbx.session_logs()[-1].requests))
        # This user may not run Command: not one documentation query was sent.
        assert doc_queries(pbx, "monitor") == []

    run(app, scenario)


def test_documentation_is_asked_once_per_action_and_never_for_a_half_typed_name(pbx, tmp_path):
    app = console(pbx, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        composer = app.console_screen.composer
        await pilot.press("f2", *"Orig", "backspace", "backspace", "backspace", "backspace", *"DBGetTree")
        await pilot.press("f2", *"Originate", "enter")
        await until(pilot, lambda: composer.docs.get("Originate") is not None, what="Originate's doc")
        await pilot.press("f2", *"Originate", "enter", "f2", *"NoSuchAction", "enter", "f2", *"originate", "enter")
        await quiet(pilot)
        assert sorted(doc_queries(pbx)) == ["DBGetTree", "Originate"]

    run(app, scenario)


def test_after_a_refused_query_nothing_more_is_asked_and_the_help_says_why(tmp_path):
    app = offline(tmp_path)

    async def scenario(pilot):
        composer = await open_console(pilot)
        composer.set_actions({"Command": "Run a CLI command.", "Hangup": "Hang up.", "Ping": "Pong."})
        await pilot.press("f2", *"Hangup", "enter")
        assert app.asked == ["Hangup"]
        refused = Message([("Response", "Error"), ("ActionID", "2"), ("Message", "Permission denied")])
        composer.post_message(Composer.DocsAnswered("Hangup", refused))
        await until(pilot, lambda: composer.docs.refused, what="the refusal taken in")
        await pilot.press("f2", *"Ping", "enter", "f2", *"Command", "enter")
        assert app.asked == ["Hangup"]
        assert "command privilege" in composer.param_help and composer.synopsis == "Run a CLI command."

    run(app, scenario)


def test_a_long_description_is_cut_with_an_ellipsis(tmp_path):
    app = offline(tmp_path)

    async def scenario(pilot):
        composer = await open_console(pilot)
        composer.set_actions({"Long": "word " * 200 + "END"})
        await pilot.press("f2", *"Long")
        await pilot.pause()
        shown = str(composer.query_one("#synopsis").render()).split("\n")
        assert len(shown) == 3 and shown[-1].endswith("…") and "END" not in shown[-1]

    run(app, scenario)


def test_the_preview_s_action_id_holds_while_the_console_s_own_query_is_in_flight(pbx, tmp_path):
    """ctrl+s at once after choosing an action, while its documentation query is still
    going out: the console's query and the user's action leave in the order asked, so the
    ActionID the preview showed is the one the action gets."""
    app = console(pbx, tmp_path)

    async def scenario(pilot):
        await connected(pilot)
        composer = app.console_screen.composer
        for _ in range(3):  # each choice asks about a new action; send before any answer
            for name in ("Getvar", "Setvar", "DBGet"):
                if name in composer.docs or composer.docs.pending(name):
                    continue
                await pilot.press("f2", *name, "enter")
                break
            shown = shown_bytes(composer)
            action_id = shown.split(b"\r\n")[1].removeprefix(b"ActionID: ").decode()
            await pilot.press("ctrl+s")
            log = pbx.session_logs()[-1]
            await until(
                pilot,
                lambda log=log, aid=action_id: any(r.header("ActionID") == aid for r in log.requests),
                what="sent",
            )
            sent = next(r for r in log.requests if r.header("ActionID") == action_id)
            assert sent.header("Action") == shown.split(b"\r\n")[0].removeprefix(b"Action: ").decode()

    run(app, scenario)
