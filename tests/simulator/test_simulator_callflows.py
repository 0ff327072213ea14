"""The demo PBX's call flows against Asterisk 22's: dialled calls bridged, busy and
unanswered dials, a queue call, a redirect, a blind and an attended transfer, each
replayed from the call_* captures (tests/fixtures/asterisk/) and compared channel by
channel.

Each capture's requests go out with its own pacing (scaled down, as the simulator's
dialplan time is); channel names and the bridge id in a request are translated to the
simulator's own. Then, per channel, the events and every header of them must be
Asterisk's, ids normalised. Left out of the comparison, and why:

* VarSet, DeviceStateChange and QueueMemberStatus: Asterisk sends them from several
  threads, in an order that changes from run to run; CDR records: Asterisk forks a CDR
  at a transfer, which the demo PBX does not (it sends one record per channel);
* events without a channel (BridgeCreate/Destroy/Merge, BlindTransfer,
  AttendedTransfer, security events) are
  compared in order among themselves, and OriginateResponse on its own (Asterisk sends
  it from the originating thread, before or after the others).
"""

from __future__ import annotations

import re
import time

import pytest

from ami_console.client import AMIClient
from ami_console.protocol import Message, Parser
from ami_console.simulator import Simulator
from tests.captures import FIXTURES, Step, transcript
from tests.simulator.test_simulator_calls import listen, until_idle
from tests.simulator.test_simulator_support import Normaliser, RawConnection, no_thread_leaks, pbx, running  # noqa: F401 (fixtures)

CALLS = FIXTURES
SCALE = 0.1
UNORDERED = {"VarSet", "DeviceStateChange", "QueueMemberStatus", "Cdr"}
# Times the capture's Asterisk carried over from before it (a member paused earlier).
VOLATILE = {"LastPause", "LastCall"}
TRANSFER_IDS = re.compile(r"^(Orig|Second)?Transfer(er|ee|Target)(Uniqueid|Linkedid)$")
SEQ = re.compile(r"-([0-9a-f]{8})(?=;[12]\b)")
BRIDGE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def steps(name: str) -> list[Step]:
    """The capture's transcript, read from the calls folder."""
    return transcript(name)


def expected_messages(name: str) -> list[Message]:
    parser = Parser(greeting=True)
    parser.receive_data((CALLS / f"{name}.txt").read_bytes())
    found = []
    while (message := parser.next_message()) is not None:
        found.append(message)
    return found


def _appearance(messages: list[Message], pattern: re.Pattern[str]) -> list[str]:
    seen: list[str] = []
    for message in messages:
        for _, value in message.fields:
            for found in pattern.findall(value):
                if found not in seen:
                    seen.append(found)
    return seen


def translate(data: bytes, theirs: list[Message], ours: list[Message]) -> bytes:
    """Channel sequence numbers and bridge ids of the capture, as the simulator named the
    same things (by order of first appearance)."""
    text = data.decode()
    for pattern in (SEQ, BRIDGE):
        mine = _appearance(ours, pattern)
        for index, value in enumerate(_appearance(theirs, pattern)):
            if index < len(mine):
                text = text.replace(value, mine[index])
    return text.encode()


def replay(name: str, pbx: Simulator) -> list[Message]:
    """Send the capture's requests with its pacing; everything the simulator sent back."""
    theirs = expected_messages(name)
    started = time.monotonic()
    with RawConnection((pbx.host, pbx.port)) as conn:
        for step in steps(name):
            if step.kind != "sent":
                continue
            pause = started + step.at * SCALE - time.monotonic()
            if pause > 0:
                conn.wait_for(lambda c: False, pause)
            conn.send(translate(step.data, theirs, conn.messages))
        assert pbx.wait_until(lambda p: not p.channels(), timeout=10)
        if name.startswith("call_"):
            assert conn.wait_for(lambda c: any(m.name == "OriginateResponse" for m in c.messages))
        conn.send(b"Action: Ping\r\nActionID: replay-end\r\n\r\n")
        assert conn.wait_for(lambda c: any(m.action_id == "replay-end" for m in c.messages))
        return [m for m in conn.messages if m.action_id != "replay-end"]


def by_channel(messages: list[Message]) -> dict[str, list[tuple]]:
    """Events per channel (a channel's stream is keyed by its Uniqueid, or the Dest or
    LocalOne one), responses and list items in order, and the rest in order."""
    normalise = Normaliser()
    bridges: dict[str, str] = {}
    result: dict[str, list[tuple]] = {}
    for message in messages:
        if message.name in UNORDERED:
            continue
        fields = tuple(
            (key, _value(normalise, bridges, key, value, raw))
            for (key, value), (_, raw) in zip(normalise.message(message), message.fields, strict=True)
        )
        key = "other"
        if message.name == "OriginateResponse":
            key = "originate"  # sent from the originating thread: before or after others
        elif not message.is_event or message.action_id:
            key = "responses"
        else:
            for header in ("Uniqueid", "DestUniqueid", "LocalOneUniqueid"):
                if message.header(header):
                    key = "channel " + normalise.value("Uniqueid", message.header(header) or "")
                    break
        result.setdefault(key, []).append(fields)
    return result


def _value(normalise: Normaliser, bridges: dict[str, str], key: str, value: str, raw: str) -> str:
    if key in VOLATILE:
        return "<volatile>"
    if TRANSFER_IDS.match(key):
        return normalise.value("Uniqueid", raw)
    return BRIDGE.sub(lambda m: bridges.setdefault(m.group(0), f"<bridge{len(bridges)}>"), value)


def compare(name: str, got: list[Message]) -> None:
    want, have = by_channel(expected_messages(name)), by_channel(got)
    assert sorted(have) == sorted(want)
    for key in want:
        wanted = [dict(fields).get("Event", dict(fields).get("Response")) for fields in want[key]]
        had = [dict(fields).get("Event", dict(fields).get("Response")) for fields in have[key]]
        assert had == wanted, f"{name}: {key}: events differ"
        for ours, theirs in zip(have[key], want[key], strict=True):
            assert ours == theirs, f"{name}: {key}: {dict(theirs).get('Event')} differs"


@pytest.mark.parametrize(
    "name",
    [
        "call_dial_bridge",
        "call_busy",
        "call_noanswer",
        "call_queue",
        "call_redirect",
        "call_blind_transfer",
        "call_attended_transfer",
    ],
)
def test_call_flow_matches_asterisk(name: str, no_thread_leaks: None) -> None:
    with running(time_scale=SCALE, auth_failure_delay=0.1, auth_timeout=5.0) as pbx:
        got = replay(name, pbx)
    compare(name, got)


def test_dialplan_listings_match_asterisk(no_thread_leaks: None) -> None:
    """ShowDialPlan of context demo (and of its extension 500) and ``dialplan show demo``
    list the captures' extensions 100 to 950 as Asterisk does, line numbers included."""
    with running(time_scale=SCALE) as pbx:
        got = replay("dialplan_lists", pbx)
    compare("dialplan_lists", got)


def test_the_teaching_dialplan_is_walked_step_by_step(pbx: Simulator) -> None:
    """Originate Local/10@teach: a label, a loop through GotoIf and Goto, a Gosub into
    context greet and its Return, then a Goto into the pattern _1XX; slowly enough to be
    followed (27.5 s: the README's Originate with Wait 30 outlasts it)."""
    events: list[Message] = []
    ami = listen(pbx, events)
    ami.action(Action="Originate", Channel="Local/10@teach", Application="Wait", Data="30")
    until_idle(pbx, ami)
    steps = [
        (e["Context"], e["Exten"], e["Priority"], e["Application"], e["AppData"])
        for e in events
        if e.name == "Newexten" and e["Channel"].endswith(";2")
    ]
    assert steps == [
        ("teach", "10", "1", "Answer", ""),
        ("teach", "10", "2", "Set", "TRIES=1"),
        ("teach", "10", "3", "Wait", "5"),
        ("teach", "10", "4", "GotoIf", "0?done"),
        ("teach", "10", "5", "Set", "TRIES=2"),
        ("teach", "10", "6", "Goto", "again"),
        ("teach", "10", "3", "Wait", "5"),
        ("teach", "10", "4", "GotoIf", "1?done"),
        ("teach", "10", "7", "Gosub", "greet,s,1(newcomer)"),
        ("greet", "s", "1", "Set", "GREETING=Hello newcomer"),
        ("greet", "s", "2", "Wait", "5"),
        ("greet", "s", "3", "Return", "Hello newcomer"),
        ("teach", "10", "8", "Goto", "150,1"),
        ("teach", "150", "1", "NoOp", "Dialled 150: Hello newcomer"),
        ("teach", "150", "2", "Wait", "12"),
        ("teach", "150", "3", "Hangup", ""),
    ]
    variables = [(e["Variable"], e["Value"]) for e in events if e.name == "VarSet" and e["Channel"].endswith(";2")]
    assert ("ARG1", "newcomer") in variables and ("GOSUB_RETVAL", "Hello newcomer") in variables
    ami.disconnect()


def test_the_teaching_dialplan_is_listed_as_asterisk_lists_it(pbx: Simulator) -> None:
    """Labels as ExtensionLabel in ShowDialPlan and ``   [label]`` in ``dialplan show``;
    a pattern by its name, and found by a number it matches."""
    with RawConnection((pbx.host, pbx.port)) as conn:
        conn.login()
        conn.send("Action: ShowDialPlan\r\nContext: teach\r\nActionID: t1\r\n\r\n")
        assert conn.wait_for(lambda c: any(m.name == "ShowDialPlanComplete" for m in c.messages))
        items = [m for m in conn.messages if m.name == "ListDialplan"]
        labelled = [m for m in items if "ExtensionLabel" in m]
        assert [k for k, _ in labelled[0].fields] == [
            "Event",
            "ActionID",
            "Context",
            "Extension",
            "ExtensionLabel",
            "Priority",
            "Application",
            "AppData",
            "Registrar",
        ]
        assert [(m["ExtensionLabel"], m["Priority"]) for m in labelled] == [("again", "3"), ("done", "7")]
        assert [m["Extension"] for m in items].count("_1XX") == 3
        conn.send("Action: ShowDialPlan\r\nContext: teach\r\nExtension: 150\r\nActionID: t2\r\n\r\n")
        assert conn.wait_for(lambda c: sum(m.name == "ShowDialPlanComplete" for m in c.messages) == 2)
        assert {m["Extension"] for m in conn.messages if m.name == "ListDialplan" and m.action_id == "t2"} == {"_1XX"}
        shown = conn.request("Action: Command\nCommand: dialplan show teach\nActionID: t3").headers("Output")
    assert shown[1] == "  '10' =>           1. Answer()                                   [extensions.conf:86]"
    assert shown[3] == "     [again]        3. Wait(5)                                    [extensions.conf:88]"
    assert shown[9] == "  '_1XX' =>         1. NoOp(Dialled ${EXTEN}: ${GOSUB_RETVAL})    [extensions.conf:96]"


def test_extension_1100_puts_the_call_on_hold(pbx: Simulator) -> None:
    """internal 1100 rings bob, who holds the call a while as in pjsip_call_hold: Hold on
    his channel (with the music class his endpoint suggests), ONHOLD on the device of the
    party he holds, then Unhold and INUSE; the caller hangs up (test_simulator_pjsip
    compares the captured flow header for header)."""
    events: list[Message] = []
    ami = listen(pbx, events)
    alice = pbx.place_call("alice", "1100")
    until_idle(pbx, ami)
    held = [e for e in events if e.name in ("Hold", "Unhold")]
    assert [e.name for e in held] == ["Hold", "Unhold"]
    assert all(e["Channel"].startswith("PJSIP/bob-") for e in held)
    snapshot = [k for k, _ in next(e for e in events if e.name == "Newstate").fields]
    assert [k for k, _ in held[0].fields] == [*snapshot, "MusicClass"] and held[0]["MusicClass"] == "default"
    assert [k for k, _ in held[1].fields] == snapshot
    assert [e["State"] for e in events if e.get("Device") == "PJSIP/alice"] == ["INUSE", "ONHOLD", "INUSE", "NOT_INUSE"]
    assert next(e for e in events if e.name == "HangupRequest")["Channel"] == alice
    ami.disconnect()


def test_queue_pause_and_bridge_actions_refuse_as_asterisk_does(pbx: Simulator) -> None:
    ami = AMIClient(username=pbx.username, secret=pbx.secret, host=pbx.address, timeout=5)
    assert ami.connect(), ami.error
    assert ami.action(Action="QueuePause", Interface="Local/300@demo")["Message"] == (
        "Need 'Interface' and 'Paused' parameters."
    )
    assert ami.action(Action="QueuePause", Interface="PJSIP/nobody", Paused="true")["Message"] == "Interface not found"
    assert ami.action(Action="BridgeInfo")["Message"] == "BridgeUniqueid must be provided"
    assert ami.action(Action="BridgeInfo", BridgeUniqueid="nope")["Message"] == "Bridge nope not found"
    assert ami.action(Action="BlindTransfer", Channel="Local/none", Exten="100")["Message"] == (
        "Channel specified does not exist"
    )
    listed = ami.action(Action="ListCommands")
    assert listed["BridgeList"].endswith("(Priv: <none>)") and listed["QueuePause"].endswith("(Priv: agent,all)")
    assert listed["BlindTransfer"].endswith("(Priv: call,all)") and "QueueMemberPause" not in listed
    ami.disconnect()
