"""Calls: the event sequences of phone calls, originates and queue calls, timing, ids,
and the background traffic."""

from __future__ import annotations

import random
import re
import time

from ami_console.client import AMIClient
from ami_console.protocol import Message
from ami_console.simulator import Simulator
from ami_console.simulator.config import build_endpoints
from ami_console.simulator.traffic import plan_call
from tests.simulator.test_simulator_support import RawConnection, no_thread_leaks, pbx, running  # noqa: F401 (fixtures)


def listen(simulator: Simulator, events: list[Message], **options) -> AMIClient:
    ami = AMIClient(
        username=simulator.username,
        secret=simulator.secret,
        host=simulator.address,
        timeout=5,
        event_callback=events.append,
        **options,
    )
    assert ami.connect(), ami.error
    return ami


def until_idle(simulator: Simulator, ami: AMIClient) -> None:
    assert simulator.wait_until(lambda p: not p.channels(), timeout=5)
    ami.action(Action="Ping")  # every event published so far is now in


def call_events(events: list[Message]) -> list[tuple[str, str]]:
    skip = {"FullyBooted", "SuccessfulAuth", "ExtensionStatus", "VarSet", "RTCPReceived", "RTCPSent"}
    return [(e.name, e.get("Channel", e.get("Device", ""))) for e in events if e.name not in skip]


def test_answered_phone_call_has_asterisks_event_sequence(pbx: Simulator) -> None:
    events: list[Message] = []
    ami = listen(pbx, events)
    alice = pbx.place_call("alice", "1002", outcome="answer", ring=1, talk=2)
    until_idle(pbx, ami)
    bob = next(e["DestChannel"] for e in events if e.name == "DialBegin")
    assert re.fullmatch(r"PJSIP/alice-[0-9a-f]{8}", alice) and re.fullmatch(r"PJSIP/bob-[0-9a-f]{8}", bob)
    # Ringing first, then answered: the two halves of pjsip_call_noanswer and
    # pjsip_call_answered; then bob hangs up and alice's dialplan goes on to its Hangup.
    assert call_events(events) == [
        ("ChallengeSent", ""),
        ("Newchannel", alice),
        ("Newexten", alice),
        ("Newchannel", bob),
        ("Newexten", bob),
        ("NewConnectedLine", bob),
        ("DialBegin", alice),
        ("NewConnectedLine", alice),
        ("Newstate", bob),
        ("DeviceStateChange", "PJSIP/bob"),
        ("DialState", alice),
        ("DeviceStateChange", "PJSIP/alice"),
        ("Newstate", bob),
        ("DeviceStateChange", "PJSIP/bob"),
        ("DialEnd", alice),
        ("Newstate", alice),
        ("BridgeCreate", ""),
        ("Newexten", bob),
        ("BridgeEnter", bob),
        ("BridgeEnter", alice),
        ("HangupRequest", bob),
        ("BridgeLeave", bob),
        ("Hangup", bob),
        ("DeviceStateChange", "PJSIP/bob"),
        ("BridgeLeave", alice),
        ("BridgeDestroy", ""),
        ("Newexten", alice),
        ("SoftHangupRequest", alice),
        ("Hangup", alice),
        ("Cdr", alice),
        ("DeviceStateChange", "PJSIP/alice"),
    ]
    cdr = next(e for e in events if e.name == "Cdr")
    assert (cdr["Source"], cdr["Destination"], cdr["DestinationChannel"], cdr["Disposition"]) == (
        "1001",
        "1002",
        bob,
        "ANSWERED",
    )
    assert cdr["CallerID"] == '"Alice" <1001>' and cdr["LastApplication"] == "Dial"
    uniqueids = {e["Uniqueid"] for e in events if e.name == "Newchannel"}
    assert all(re.fullmatch(r"\d{10}\.\d+", u) for u in uniqueids)
    assert {e["Linkedid"] for e in events if e.name == "Newchannel"} == {
        next(e["Uniqueid"] for e in events if e.name == "Newchannel")
    }
    assert [e["State"] for e in events if e.get("Device") == "PJSIP/bob"] == [
        "RINGING",
        "INUSE",
        "NOT_INUSE",
    ]
    ami.disconnect()


def test_busy_and_unanswered_calls(pbx: Simulator) -> None:
    events: list[Message] = []
    ami = listen(pbx, events)
    pbx.place_call("alice", "1002", outcome="busy")
    until_idle(pbx, ami)
    pbx.place_call("carol", "1001", outcome="noanswer")
    until_idle(pbx, ami)
    assert [e["DialStatus"] for e in events if e.name == "DialEnd"] == ["BUSY", "NOANSWER"]
    assert [e["Disposition"] for e in events if e.name == "Cdr"] == ["BUSY", "NO ANSWER"]
    causes = [(e["Channel"].split("-")[0], e["Cause"], e["Cause-txt"]) for e in events if e.name == "Hangup"]
    assert causes == [
        ("PJSIP/bob", "17", "User busy"),
        ("PJSIP/alice", "17", "User busy"),
        ("PJSIP/alice", "0", "Unknown"),  # not answered: Asterisk CANCELs the phone
        ("PJSIP/carol", "16", "Normal Clearing"),
    ]
    ami.disconnect()


def test_synchronous_originate_answers_before_the_calls_events(pbx: Simulator) -> None:
    with RawConnection((pbx.host, pbx.port)) as conn:
        conn.login()
        before = len(conn.messages)
        conn.send(
            "Action: Originate\r\nChannel: Local/100@demo\r\nApplication: Wait\r\nData: 1\r\nActionID: s1\r\n\r\n"
        )
        assert conn.wait_for(lambda c: any(m.name == "Hangup" for m in c.messages[before:]))
        after = [m for m in conn.messages[before:] if m.name not in ("SuccessfulAuth",)]
        assert after[0].is_response and after[0]["Message"] == "Originate successfully queued"
        assert after[1].name == "Newchannel"


def test_async_originate_reports_success_and_failure(pbx: Simulator) -> None:
    events: list[Message] = []
    ami = listen(pbx, events)
    ok = ami.action(
        Action="Originate",
        Channel="Local/400@demo",
        Context="demo",
        Exten="100",
        Priority="1",
        Async="true",
    )
    bad = ami.action(Action="Originate", Channel="Local/999@demo", Application="Wait", Data="1", Async="yes")
    assert ok["Message"] == bad["Message"] == "Originate successfully queued"
    until_idle(pbx, ami)
    responses = {e.action_id: e for e in events if e.name == "OriginateResponse"}
    assert (responses[ok.action_id]["Response"], responses[ok.action_id]["Reason"]) == (
        "Success",
        "4",
    )
    assert responses[ok.action_id]["Exten"] == "100"
    failure = responses[bad.action_id]
    assert (failure["Response"], failure["Reason"], failure["Uniqueid"], failure["Channel"]) == (
        "Failure",
        "0",
        "<unknown>",
        "Local/999@demo",
    )
    assert [e["UserEvent"] for e in events if e.name == "UserEvent"] == ["DemoEvent"]
    assert [e["State"] for e in events if e.get("Device") == "Local/999@demo"] == ["INVALID", "INVALID"]
    ami.disconnect()


def test_originate_to_a_phone_and_click_to_call(pbx: Simulator) -> None:
    events: list[Message] = []
    ami = listen(pbx, events)
    answered = ami.action(
        Action="Originate",
        Channel="PJSIP/alice",
        Application="Dial",
        Data="PJSIP/bob,20",
        CallerID="Desk <100>",
    )
    assert answered["Message"] == "Originate successfully queued"
    assert pbx.wait_until(lambda p: any(c["name"].startswith("PJSIP/bob") and c["state"] == "Up" for c in p.channels()))
    ami.action(Action="Ping")
    assert [e.name for e in events].count("BridgeEnter") == 2
    ami.action(Action="Hangup", Channel="/^PJSIP/")
    until_idle(pbx, ami)
    pbx.place_call("carol", "1002", ring=100)  # bob is ringing for a long while: busy for others
    assert pbx.wait_until(lambda p: any(c["name"].startswith("PJSIP/bob") for c in p.channels()))
    assert (
        ami.action(Action="Originate", Channel="PJSIP/bob", Application="Wait", Data="1")["Message"]
        == "Originate failed"
    )
    ami.disconnect()


def test_dialplan_time_is_real_time_scaled(no_thread_leaks: None) -> None:
    with running(time_scale=0.25) as simulator:
        events: list[Message] = []
        ami = listen(simulator, events)
        stamps: dict[str, float] = {}
        ami.event_callback = lambda e: (
            stamps.setdefault(e.get("Application", ""), time.monotonic())
            if e.name == "Newexten" and e["Channel"].endswith(";2")
            else None
        )
        ami.action(Action="Originate", Channel="Local/100@demo", Application="Echo")
        assert simulator.wait_until(lambda p: ami.action(Action="Ping") and "Hangup" in stamps, timeout=5)
        assert 0.45 <= stamps["Hangup"] - stamps["Wait"] < 1.0  # Wait(2) at a quarter of real time
        until_idle(simulator, ami)
        ami.disconnect()


def test_queue_call_connects_the_caller_to_the_member(pbx: Simulator) -> None:
    events: list[Message] = []
    ami = listen(pbx, events)
    carol = pbx.place_call("carol", "500")
    until_idle(pbx, ami)
    queue_events = [e.name for e in events if e.get("Privilege") == "agent,all"]
    assert queue_events == [
        "QueueCallerJoin",
        "AgentCalled",
        "QueueMemberStatus",
        "QueueCallerLeave",  # before AgentConnect, as in the call_queue capture
        "AgentConnect",
        "QueueMemberStatus",
        "AgentComplete",
    ]
    connect = next(e for e in events if e.name == "AgentConnect")
    assert (connect["Channel"], connect["MemberName"], connect["Interface"]) == (
        carol,
        "Agent300",
        "Local/300@demo",
    )
    assert next(e for e in events if e.name == "AgentComplete")["Reason"] == "agent"
    _, status = ami.action_list(Action="QueueStatus")
    assert (status[0]["Completed"], status[1]["CallsTaken"]) == ("1", "1")
    ami.disconnect()


def test_background_traffic_places_calls_until_turned_off(no_thread_leaks: None) -> None:
    with running(time_scale=0.02, calls_per_minute=3000, seed=1) as simulator:
        events: list[Message] = []
        ami = listen(simulator, events)
        assert simulator.wait_until(
            lambda p: ami.action(Action="Ping") and sum(e.name == "Cdr" for e in events) >= 3,
            timeout=10,
        )
        simulator.calls_per_minute = 0
        until_idle(simulator, ami)
        outcomes = {e["Disposition"] for e in events if e.name == "Cdr"}
        assert outcomes & {"ANSWERED", "BUSY", "NO ANSWER"}
        ami.disconnect()
        assert simulator.errors == []


def test_a_seed_gives_the_same_calls() -> None:
    phones = list(build_endpoints().values())

    def plans(seed: int) -> list:
        rng = random.Random(seed)
        return [plan_call(rng, phones, phones) for _ in range(50)]

    assert plans(7) == plans(7)
    assert plans(7) != plans(8)
    kinds = {p.outcome.kind for p in plans(7) if p.outcome}
    assert kinds == {"answer", "busy", "noanswer"}
    assert {"500"} <= {p.number for p in plans(7)}


def test_ring_and_talk_times_are_honoured(no_thread_leaks: None) -> None:
    with running(time_scale=0.1) as simulator:
        ami = listen(simulator, [])
        simulator.place_call("bob", "1003", outcome="answer", ring=2, talk=3, callee_hangs_up=False)
        seen: dict[str, float] = {}
        while "Hangup" not in seen:
            message = ami.read_response(timeout=5)
            assert message is not None
            seen.setdefault(message.name, time.monotonic())
        assert 0.15 <= seen["DialEnd"] - seen["DialState"] < 0.5  # rang 2 s at a tenth
        assert 0.25 <= seen["HangupRequest"] - seen["DialEnd"] < 0.6  # talked 3 s
        until_idle(simulator, ami)
        ami.disconnect()
