"""Attended transfers and DTMF beyond the call_attended_transfer capture (which
test_simulator_callflows compares header for header): cancelling the consultation, a
transferer hanging up while consulting, a channel without the transfer feature, and the
refusals of Atxfer, CancelAtxfer and PlayDTMF."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace

from ami_console.client import AMIClient
from ami_console.protocol import Message
from ami_console.simulator import Simulator
from ami_console.simulator.actions.transfer_actions import atxfer
from ami_console.simulator.channels import Channel
from ami_console.simulator.pbx import PBX
from ami_console.simulator.reader import Request
from tests.simulator.test_simulator_calls import listen, until_idle
from tests.simulator.test_simulator_support import no_thread_leaks, pbx  # noqa: F401 (fixtures)


def named(pbx: Simulator, prefix: str, suffix: str = "") -> list[str]:
    return [c["name"] for c in pbx.channels() if c["name"].startswith(prefix) and c["name"].endswith(suffix)]


def call_600(ami: AMIClient, pbx: Simulator, *, transfers: bool = True) -> tuple[str, str]:
    """Originate Local/600@demo as call_attended_transfer does (Wait 100 here, so that the
    call outlasts the test); the originated channel and the called side, once bridged."""
    extra = {"Variable": "BRIDGE_FEATURES=t"} if transfers else {}
    ami.action(Action="Originate", Channel="Local/600@demo", Application="Wait", Data="100", Async="true", **extra)
    assert pbx.wait_until(lambda p: any(c["application"] == "Wait" for c in p.channels() if "300@" in c["name"]))
    return named(pbx, "Local/600@demo", ";1")[0], named(pbx, "Local/300@demo", ";1")[0]


def consult(ami: AMIClient, pbx: Simulator, transferer: str) -> None:
    """Atxfer to demo,200 and wait until the transferer consults the target."""
    assert ami.action(Action="Atxfer", Channel=transferer, Context="demo", Exten="200")["Message"] == (
        "Atxfer successfully queued"
    )
    assert pbx.wait_until(lambda p: any(c["application"] == "Echo" for c in p.channels()))
    ami.action(Action="Ping")  # the events so far are in


def by_name(events: list[Message], name: str) -> list[Message]:
    return [e for e in events if e.name == name]


def wait_events(ami: AMIClient, events: list[Message], name: str, count: int) -> None:
    """Until ``count`` events ``name`` are in (the client reads events as it acts: a Ping each time)."""
    deadline = time.monotonic() + 5
    while len(by_name(events, name)) < count:
        assert time.monotonic() < deadline, f"fewer than {count} {name}"
        ami.action(Action="Ping")


def test_cancel_atxfer_hangs_up_the_target_and_brings_the_transferer_back(pbx: Simulator) -> None:
    events: list[Message] = []
    ami = listen(pbx, events)
    caller, transferer = call_600(ami, pbx)
    consult(ami, pbx, transferer)
    first = next(e["BridgeUniqueid"] for e in by_name(events, "BridgeLeave") if e["Channel"] == transferer)
    assert ami.action(Action="CancelAtxfer", Channel=transferer)["Message"] == "CancelAtxfer successfully queued"
    assert pbx.wait_until(lambda p: not named(p, "Local/200@demo"))
    ami.action(Action="Hangup", Channel=caller)
    until_idle(pbx, ami)
    mine = [
        (e.name, e.get("BridgeUniqueid", "")) for e in events if e.get("Channel") == transferer and e.name != "VarSet"
    ]
    back = len(mine) - 1 - mine[::-1].index(("BridgeEnter", first))
    assert [name for name, _ in mine].count("Hold") == 1 and mine[back + 1][0] == "Unhold"
    target_gone = next(i for i, e in enumerate(events) if e.name == "Hangup" and e["Channel"].startswith("Local/200@"))
    assert target_gone < events.index(next(e for e in events if e.name == "Unhold"))
    assert [e["Digit"] for e in by_name(events, "DTMFEnd")] == ["*", "2", "2", "0", "0", "*", "1"]
    assert not by_name(events, "AttendedTransfer") and not by_name(events, "BridgeMerge")
    ami.disconnect()


def test_a_transferer_hanging_up_while_consulting_completes_the_transfer(pbx: Simulator) -> None:
    events: list[Message] = []
    ami = listen(pbx, events)
    caller, transferer = call_600(ami, pbx)
    consult(ami, pbx, transferer)
    assert ami.action(Action="Hangup", Channel=transferer)["Message"] == "Channel Hungup"
    assert pbx.wait_until(lambda p: not named(p, "Local/300@demo"))
    assert len(named(pbx, "Local/200@demo")) == 2  # the target talks to the caller now
    ami.action(Action="Hangup", Channel=caller)
    until_idle(pbx, ami)
    done = by_name(events, "AttendedTransfer")
    assert [(e["Result"], e["OrigTransfererChannel"], e["TransfereeChannel"]) for e in done] == [
        ("Success", transferer, caller.replace(";1", ";2"))
    ]
    assert done[0]["TransferTargetChannel"].startswith("Local/200@demo-")
    assert not by_name(events, "Unhold")
    ami.disconnect()


def test_without_the_transfer_feature_the_digits_only_pass(pbx: Simulator) -> None:
    events: list[Message] = []
    ami = listen(pbx, events)
    caller, transferer = call_600(ami, pbx, transfers=False)
    assert ami.action(Action="Atxfer", Channel=transferer, Exten="200")["Message"] == "Atxfer successfully queued"
    wait_events(ami, events, "DTMFEnd", 5)
    ami.action(Action="PlayDTMF", Channel=transferer, Digit="5", Receive="yes")
    ami.action(Action="PlayDTMF", Channel=transferer, Digit="7", Duration="250")
    wait_events(ami, events, "DTMFEnd", 7)
    assert len(pbx.channels()) == 4
    ami.action(Action="Hangup", Channel=caller)
    until_idle(pbx, ami)
    received = [(e["Digit"], e["DurationMs"]) for e in by_name(events, "DTMFEnd") if e["Direction"] == "Received"]
    assert received == [("*", "0"), ("2", "0"), ("2", "0"), ("0", "0"), ("0", "0"), ("5", "0")]
    sent = [(e.name, e["Digit"]) for e in events if e.name.startswith("DTMF") and e["Direction"] == "Sent"]
    assert sent == [("DTMFBegin", "7"), ("DTMFEnd", "7")]
    assert all(e["Channel"] == transferer for e in events if e.name.startswith("DTMF"))
    assert not by_name(events, "Hold") and not any("200@" in e.get("Channel", "") for e in events)
    assert by_name(events, "DTMFEnd")[0]["Privilege"] == "dtmf,all"
    ami.disconnect()


def test_refusals_are_asterisks(pbx: Simulator) -> None:
    ami = AMIClient(username=pbx.username, secret=pbx.secret, host=pbx.address, timeout=5, events="off")
    assert ami.connect(), ami.error
    asked = [
        ({"Action": "Atxfer", "Exten": "200"}, "No channel specified"),
        ({"Action": "Atxfer", "Channel": "Local/none"}, "No extension specified"),
        ({"Action": "Atxfer", "Channel": "Local/none", "Exten": "200"}, "Channel specified does not exist"),
        ({"Action": "CancelAtxfer"}, "No channel specified"),
        ({"Action": "CancelAtxfer", "Channel": "Local/none"}, "Channel specified does not exist"),
        ({"Action": "PlayDTMF", "Digit": "1"}, "Channel not found"),
    ]
    for request, message in asked:
        answer = ami.action(**request)
        assert (answer["Response"], answer["Message"]) == ("Error", message), request
    _, transferer = call_600(ami, pbx)
    assert ami.action(Action="PlayDTMF", Channel=transferer)["Message"] == "No digit specified"
    wrong = ami.action(Action="PlayDTMF", Channel=transferer, Digit="1", Duration="long")
    assert wrong["Message"] == "Could not convert Duration parameter"
    listed = ami.action(Action="ListCommands")
    assert all(listed[name].endswith("(Priv: call,all)") for name in ("Atxfer", "CancelAtxfer", "PlayDTMF"))
    shown = ami.action(Action="Command", Command="manager show command Atxfer")["Output"]
    assert "  -= Info about Manager Command 'Atxfer' =- " in shown and "Exten: <value>" in shown
    ami.disconnect()


def test_atxfer_needs_an_attended_transfer_feature_code() -> None:
    """features.conf without ``atxfer`` in [featuremap] (it has no default)."""
    pbx = PBX()
    pbx.features.atxfer = ""
    chan = Channel("Local/300@demo-00000000;1", "1.0", "1.0", "Local", "demo", "300")
    pbx.add_channel(chan)
    request = Request(["Action: Atxfer", f"Channel: {chan.name}", "Exten: 200", "ActionID: a1"])
    answer = asyncio.run(atxfer(SimpleNamespace(pbx=pbx), request))  # type: ignore[arg-type]
    assert answer == "Response: Error\r\nActionID: a1\r\nMessage: No attended transfer feature code found\r\n\r\n"
    assert not chan.dtmf and "TRANSFER_CONTEXT" not in chan.variables


def test_a_transferee_hanging_up_while_held_leaves_the_transferer_with_the_target(pbx: Simulator) -> None:
    events: list[Message] = []
    ami = listen(pbx, events)
    caller, transferer = call_600(ami, pbx)
    consult(ami, pbx, transferer)
    ami.action(Action="Hangup", Channel=caller)
    assert pbx.wait_until(lambda p: not named(p, "Local/600@demo"))
    assert sorted(c["name"].split("-")[0] for c in pbx.channels()) == ["Local/200@demo"] * 2 + ["Local/300@demo"] * 2
    ami.action(Action="Hangup", Channel=transferer)
    until_idle(pbx, ami)
    assert not by_name(events, "AttendedTransfer") and not by_name(events, "Unhold")
    ami.disconnect()
