"""Replay what the client sent in each capture against the simulator, and compare what
came back with what real Asterisk 22 sent, field by field.

Requests go out with the capture's own pacing (scaled down, as the simulator's dialplan
time is) and only once everything the capture had received by then has arrived here.
Responses and list items must match in order. Events are compared per stream: the events
of each channel in order, Cdr records in order, device and queue states in order, and the
rest (security, OriginateResponse, UserEvent) in order, because real Asterisk interleaves
those streams differently from one run to the next.

Our own wording differs from Asterisk's on purpose in ListCommands' descriptions and in
``manager show command`` texts; those are compared for layout, not words.
"""

from __future__ import annotations

import hashlib
import re
import time

import pytest

from ami_console.protocol import Message, Parser
from ami_console.simulator import Simulator
from tests.captures import SCENARIOS, transcript
from tests.simulator.test_simulator_support import Normaliser, RawConnection, no_thread_leaks, running  # noqa: F401 (fixtures)

SCALE = 0.1  # capture seconds -> test seconds, for the pacing and for dialplan time
NOT_LIST_ITEMS = {"OriginateResponse", "UserEvent"}  # events that carry an ActionID anyway
OWN_WORDS = {"listcommands"}


def replay(name: str, pbx: Simulator) -> tuple[list[Message], list[Message], list[Message]]:
    """Returns (sent requests, what Asterisk answered, what the simulator answered)."""
    steps = transcript(name)
    expected = Parser(greeting=True)
    expected_messages: list[Message] = []
    requests: list[Message] = []
    started = time.monotonic()
    with RawConnection((pbx.host, pbx.port)) as conn:
        for step in steps:
            if step.kind == "recv":
                expected.receive_data(step.data)
                while (message := expected.next_message()) is not None:
                    expected_messages.append(message)
            elif step.kind == "sent":
                pause = started + step.at * SCALE - time.monotonic()
                if pause > 0:
                    conn.wait_for(lambda c: False, pause)  # pacing: the dialplan must be as far
                conn.wait_count(len(expected_messages), timeout=5)
                data = _answer_challenge(step.data, conn, pbx.secret)
                request_parser = Parser()
                request_parser.receive_data(data)
                while (request := request_parser.next_message()) is not None:
                    requests.append(request)
                conn.send(data)
            elif step.kind == "eof":
                conn.wait_count(len(expected_messages), timeout=5)
                assert conn.wait_eof(timeout=5), "the simulator did not close the connection"
        if steps[-1].kind != "eof":
            conn.wait_count(len(expected_messages), timeout=5)
            conn.send(b"Action: Ping\r\nActionID: replay-end\r\n\r\n")
            assert conn.wait_for(lambda c: any(m.action_id == "replay-end" for m in c.messages))
        got = [m for m in conn.messages if m.action_id != "replay-end"]
    return requests, expected_messages, got


def _answer_challenge(data: bytes, conn: RawConnection, secret: str) -> bytes:
    """An MD5 login must use the simulator's challenge, not the capture's."""
    challenge = next((m["Challenge"] for m in conn.messages if "Challenge" in m), None)
    if challenge is None or b"Key: " not in data or b"Key: 0000" in data:
        return data
    key = hashlib.md5((challenge + secret).encode()).hexdigest().encode()
    return re.sub(rb"Key: [0-9a-f]{32}", b"Key: " + key, data)


def streams(messages: list[Message]) -> dict[str, list[tuple]]:
    normalise = Normaliser()
    result: dict[str, list[tuple]] = {}
    for message in messages:
        fields = normalise.message(message)
        name = message.name
        if not message.is_event or (message.action_id and name not in NOT_LIST_ITEMS):
            key = "responses"
        elif name == "Cdr":
            key = "cdr"
        elif name in ("DeviceStateChange", "QueueMemberStatus"):
            key = "devices"
        elif name in NOT_LIST_ITEMS or ("Uniqueid" not in message and not _channel_key(message)):
            key = "other"
        else:
            key = "channel " + normalise.value("Uniqueid", _channel_key(message))
        result.setdefault(key, []).append(fields)
    return result


def _channel_key(message: Message) -> str:
    for header in ("Uniqueid", "DestUniqueid", "LocalOneUniqueid"):
        if message.header(header):
            return message.header(header)
    return ""


def own_words_removed(requests: list[Message], messages: list[Message]) -> list[Message]:
    """Replace the bodies we word ourselves with their layout (checked separately)."""
    actions = {r.action_id: (r.header("Action") or "").lower() for r in requests}
    commands = {r.action_id: (r.header("Command") or "").lower() for r in requests}
    result = []
    for message in messages:
        action = actions.get(message.action_id, "")
        if message.is_response and action in OWN_WORDS:
            message = Message([("Response", message["Response"]), ("ActionID", message.action_id)])
        elif message.is_response and action == "command":
            command = commands.get(message.action_id, "")
            output: list[str] = []
            for line in message.headers("Output"):
                shape = _layout(command, line)
                if not (shape.startswith("<") and output and output[-1] == shape):
                    output.append(shape)  # our texts may take more or fewer lines
            kept = [(k, v) for k, v in message.fields if k != "Output"]
            message = Message(kept + [("Output", line) for line in output])
        result.append(message)
    return result


def _layout(command: str, line: str) -> str:
    if command == "core show version":
        assert re.fullmatch(
            r"Asterisk 22\.\d+\.\d+ built by \S+ @ \S+ on a \S+ running Linux on [-\d]+ [:\d]+ UTC",
            line,
        ), line
        return "<version>"
    if command.startswith("manager show command "):
        if line.startswith(("[", "Action: ", "  -= ")) or line == "" or line.endswith(": <value>"):
            return line  # section titles, syntax and blank lines: Asterisk's layout
        if line.startswith("    "):
            return "<argument help>"
        return "<text>" if not re.fullmatch(r"[A-Za-z]+", line) else line
    if re.fullmatch(r"\d+ calls? processed", line):
        return "<calls processed>"
    return line


# The call flows send run-specific channel names and bridge ids, which cannot be replayed
# verbatim: test_simulator_callflows.py replays them with names translated; in the
# pjsip_* captures phones act, which test_simulator_pjsip.py makes the demo's phones do.
REPLAYED = [name for name in SCENARIOS if not name.startswith(("call_", "pjsip_"))]
# The "lists" capture predates extensions 500 to 950 in demo: its ShowDialPlan answer cannot
# match any more (dialplan_lists, captured after, checks the whole listing).
SUPERSEDED = {"lists": {"ListDialplan", "ShowDialPlanComplete"}}


def superseded_removed(name: str, messages: list[Message]) -> list[Message]:
    left_out = SUPERSEDED.get(name, set())
    return [m for m in messages if m.name not in left_out]


@pytest.mark.parametrize("name", REPLAYED)
def test_replies_match_the_capture(name: str, no_thread_leaks: None) -> None:
    with running(
        time_scale=SCALE,
        auth_failure_delay=1.0 * SCALE,
        auth_timeout=0.5 if name == "auth_timeout" else 5.0,
    ) as pbx:
        requests, expected, got = replay(name, pbx)
    want, have = (
        streams(superseded_removed(name, own_words_removed(requests, expected))),
        streams(superseded_removed(name, own_words_removed(requests, got))),
    )
    assert sorted(have) == sorted(want)
    for key in want:
        assert have[key] == want[key], f"{name}: {key} differ"


def test_manager_show_command_has_asterisks_sections_and_syntax(no_thread_leaks: None) -> None:
    with running(time_scale=SCALE) as pbx:
        _, expected, got = replay("manager_show_command", pbx)
    real = expected[1].headers("Output")
    ours = got[1].headers("Output")
    titles = [line for line in real if line.startswith("[")]
    assert [line for line in ours if line.startswith("[")] == titles
    syntax = real[real.index("[Syntax]") : real.index("[Arguments]")]
    assert ours[ours.index("[Syntax]") : ours.index("[Arguments]")] == syntax
    argument_names = [line for line in real[real.index("[Arguments]") :] if re.fullmatch(r"[A-Za-z]+", line)]
    assert [line for line in ours[ours.index("[Arguments]") :] if re.fullmatch(r"[A-Za-z]+", line)] == argument_names
    for title in ("[Privilege]", "[See Also]", "[Synopsis]"):
        assert ours[ours.index(title) + 1].endswith(" ") == real[real.index(title) + 1].endswith(" ")
    assert ours[ours.index("[Privilege]") + 1] == "originate,all"
    assert ours[ours.index("[See Also]") + 1] == "OriginateResponse"


def test_list_commands_has_asterisks_layout_privileges_and_order(no_thread_leaks: None) -> None:
    with running(time_scale=SCALE) as pbx:
        _, expected, got = replay("session1", pbx)
    real = next(m for m in expected if m.action_id == "4")
    ours = next(m for m in got if m.action_id == "4")
    line = re.compile(r"^(?P<name>\w+): (?P<text>.+ )\s\(Priv: (?P<priv>[a-z,]+|<none>)\)$")
    real_lines = {k: line.match(f"{k}: {v}") for k, v in real.fields[2:]}
    our_lines = {k: line.match(f"{k}: {v}") for k, v in ours.fields[2:]}
    assert all(our_lines.values()), [k for k, v in our_lines.items() if not v]
    names = [k for k, _ in ours.fields[2:]]
    assert names == sorted(names, key=str.lower)
    shared = set(real_lines) & set(our_lines)
    assert len(shared) >= 20
    for name in shared:
        assert our_lines[name]["priv"] == real_lines[name]["priv"], name
