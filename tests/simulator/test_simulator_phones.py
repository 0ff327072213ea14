"""The phones beyond what the pjsip_* captures show (test_simulator_pjsip compares those
header for header): a phone that is not registered, the PJSIP lists' refusals, the
extensions that make a phone ring out or hold, a busy phone called by Originate, the
RTCP reports' bounds, and the phones registering as a lively PBX starts."""

from __future__ import annotations

import time

from ami_console.client import AMIClient
from ami_console.protocol import Message
from ami_console.simulator import Simulator
from tests.simulator.test_simulator_calls import listen, until_idle
from tests.simulator.test_simulator_support import RawConnection, no_thread_leaks, pbx, running  # noqa: F401 (fixtures)


def items(conn: RawConnection, action: str, action_id: str, extra: str = "") -> list[Message]:
    """Send a list action; its response and items once the list (or the refusal) is in."""
    conn.send(f"Action: {action}\r\n{extra}ActionID: {action_id}\r\n\r\n")
    mine = lambda c: [m for m in c.messages if m.action_id == action_id]  # noqa: E731
    assert conn.wait_for(
        lambda c: any(
            m.header("EventList") == "Complete" or m.is_response and m["Response"] == "Error" for m in mine(c)
        )
    )
    return mine(conn)


def test_a_phone_that_is_not_registered(pbx: Simulator) -> None:
    pbx.unregister_phone("bob")
    with RawConnection((pbx.host, pbx.port)) as conn:
        conn.login()
        contacts = items(conn, "PJSIPShowContacts", "c1")
        assert [m["Endpoint"] for m in contacts if m.name == "ContactList"] == ["alice", "carol"]
        listed = {m["ObjectName"]: m for m in items(conn, "PJSIPShowEndpoints", "e1") if m.name == "EndpointList"}
        assert (listed["bob"]["Contacts"], listed["bob"]["DeviceState"]) == ("", "Unavailable")
        assert listed["alice"]["Contacts"] == "alice/sip:alice@127.0.0.1:5071;ob,"
        detail = items(conn, "PJSIPShowEndpoint", "e2", "Endpoint: PJSIP/bob\r\n")
        assert [m.name for m in detail[1:]] == ["EndpointDetail", "AuthDetail", "AorDetail", "EndpointDetailComplete"]
        assert (detail[3]["TotalContacts"], detail[3]["Contacts"], detail[-1]["ListItems"]) == ("0", "", "3")
        state = conn.request("Action: ExtensionState\nExten: 1002\nContext: internal\nActionID: x1")
        assert (state["Status"], state["StatusText"]) == ("4", "Unavailable")
        originate = conn.request("Action: Originate\nChannel: PJSIP/bob\nApplication: Wait\nData: 1\nActionID: o1")
        assert originate["Message"] == "Originate failed"
        shown = conn.request("Action: Command\nCommand: pjsip show endpoints\nActionID: x2").headers("Output")
        assert any(line.startswith(" Endpoint:  bob/1002") and "Unavailable" in line for line in shown)
    events: list[Message] = []
    ami = listen(pbx, events)
    pbx.place_call("alice", "1002")
    until_idle(pbx, ami)
    assert not any(e.get("Channel", "").startswith("PJSIP/bob") for e in events)
    status = [e["Value"] for e in events if e.name == "VarSet" and e["Variable"] == "DIALSTATUS" and e["Value"]]
    assert status == ["CHANUNAVAIL"]
    pbx.register_phone("bob")
    ami.action(Action="Ping")
    assert [e["State"] for e in events if e.get("Device") == "PJSIP/bob"] == ["NOT_INUSE"]
    ami.disconnect()


def test_pjsip_lists_refuse_as_res_pjsip_does(pbx: Simulator) -> None:
    with RawConnection((pbx.host, pbx.port)) as conn:
        conn.login()
        # res_pjsip ends these messages with a newline of its own, before the CRLF.
        items(conn, "PJSIPShowEndpoint", "m1")
        assert b"ActionID: m1\r\nMessage: PJSIPShowEndpoint requires an endpoint name\n\r\n\r\n" in conn.data
        items(conn, "PJSIPShowEndpoint", "m2", "Endpoint: nobody\r\n")
        assert b"Message: Unable to retrieve endpoint nobody\n\r\n\r\n" in conn.data
        for phone in ("alice", "bob", "carol"):
            pbx.unregister_phone(phone)
        items(conn, "PJSIPShowContacts", "m3")
        assert b"ActionID: m3\r\nMessage: No Contacts found\n\r\n\r\n" in conn.data
        aors = items(conn, "PJSIPShowAors", "m4")
        assert [m["Contacts"] for m in aors if m.name == "AorList"] == ["", "", ""]
        listed = conn.request("Action: ListCommands\nActionID: m5")
        for name in ("PJSIPShowEndpoints", "PJSIPShowEndpoint", "PJSIPShowContacts", "PJSIPShowAors"):
            assert listed[name].endswith("(Priv: system,all)")


def test_extension_1200_rings_out_and_carol_is_busy(pbx: Simulator) -> None:
    events: list[Message] = []
    ami = listen(pbx, events)
    answer = ami.action(Action="Originate", Channel="PJSIP/alice", Context="internal", Exten="1200", Priority="1")
    assert answer["Message"] == "Originate successfully queued"  # alice answers at once
    until_idle(pbx, ami)
    dials = [(e["DestChannel"].split("-")[0], e["DialStatus"]) for e in events if e.name in ("DialState", "DialEnd")]
    assert dials == [("PJSIP/alice", "ANSWER"), ("PJSIP/bob", "RINGING"), ("PJSIP/bob", "NOANSWER")]
    events.clear()
    busy = ami.action(Action="Originate", Channel="PJSIP/carol", Application="Wait", Data="1", Async="true")
    assert busy["Message"] == "Originate successfully queued"
    until_idle(pbx, ami)
    response = next(e for e in events if e.name == "OriginateResponse")
    assert (response["Response"], response["Reason"]) == ("Failure", "5")
    request = next(e for e in events if e.name == "HangupRequest")
    assert (request["Cause"], request["TechCause"]) == ("17", "486")
    assert not any(e.name in ("Newstate", "DialState") for e in events)  # 486 at once, no ringing
    ami.disconnect()


def test_rtcp_reports_are_a_few_per_channel(no_thread_leaks: None) -> None:
    """An empty receiver report as each phone's channel is bridged, then a sender report
    received and one sent every 5 s of call: 1 + 2 + 2 per channel for 12 s."""
    with running(time_scale=0.05) as simulator:
        events: list[Message] = []
        ami = listen(simulator, events)
        simulator.place_call("alice", "1002", talk=12)
        until_idle(simulator, ami)
        ami.disconnect()
    reports = [e for e in events if e.name.startswith("RTCP")]
    for phone in ("PJSIP/alice", "PJSIP/bob"):
        mine = [(e.name, e["PT"]) for e in reports if e["Channel"].startswith(phone)]
        assert mine == [("RTCPReceived", "201(RR)"), *[("RTCPReceived", "200(SR)"), ("RTCPSent", "200(SR)")] * 2]
    assert {e["Privilege"] for e in reports} == {"reporting,all"}
    first = reports[0]
    assert [k for k, _ in first.fields][16:20] == ["To", "From", "RTT", "MES"]


def test_the_phones_register_as_a_lively_pbx_starts(no_thread_leaks: None) -> None:
    with running(time_scale=0.5, calls_per_minute=0.01) as simulator:
        events: list[Message] = []
        ami = listen(simulator, events)
        deadline = time.monotonic() + 10
        while sum(e.name == "PeerStatus" for e in events) < 3:
            assert time.monotonic() < deadline, "the phones did not register"
            ami.action(Action="Ping")
        ami.disconnect()
    registered = [(e["Peer"], e["PeerStatus"]) for e in events if e.name == "PeerStatus"]
    assert registered == [("PJSIP/alice", "Reachable"), ("PJSIP/bob", "Reachable"), ("PJSIP/carol", "Reachable")]
    assert [e["State"] for e in events if e.name == "DeviceStateChange"] == ["NOT_INUSE"] * 3


def test_client_sees_the_refusals_of_a_busy_phone(pbx: Simulator) -> None:
    """A phone already on a call answers 486 at once, like carol."""
    ami = AMIClient(username=pbx.username, secret=pbx.secret, host=pbx.address, timeout=5, events="off")
    assert ami.connect(), ami.error
    pbx.place_call("alice", "1002", talk=1000)
    assert pbx.wait_until(lambda p: sum(c["state"] == "Up" for c in p.channels()) == 2)
    assert ami.action(Action="Originate", Channel="PJSIP/bob", Application="Wait", Data="1")["Message"] == (
        "Originate failed"
    )
    ami.action(Action="Hangup", Channel="/PJSIP/")
    assert pbx.wait_until(lambda p: not p.channels())
    ami.disconnect()
