"""Fault modes, the event storm, and the bounds that keep a stuck client from growing
the server's memory."""

from __future__ import annotations

import time

import pytest

from ami_console.client import AMIClient
from ami_console.simulator import Simulator
from ami_console.simulator.faults import DEFAULT_GARBAGE
from tests.simulator.test_simulator_support import FAST, RawConnection, no_thread_leaks, pbx, running  # noqa: F401 (fixtures)


def connected(simulator: Simulator, **options) -> AMIClient:
    options.setdefault("timeout", 5)
    ami = AMIClient(username=simulator.username, secret=simulator.secret, host=simulator.address, **options)
    assert ami.connect(), ami.error
    return ami


def test_drop_cuts_the_next_message_and_closes(pbx: Simulator) -> None:
    with RawConnection((pbx.host, pbx.port)) as conn:
        conn.login(events="off")
        pbx.set_fault("drop", after=10)
        size = len(conn.data)
        conn.send(b"Action: Ping\r\nActionID: p\r\n\r\n")
        assert conn.wait_eof()
        assert bytes(conn.data[size:]) == b"Response: "
    ami = AMIClient(username=pbx.username, secret=pbx.secret, host=pbx.address, timeout=2)
    assert not ami.connect()  # the greeting of a new connection is cut too
    assert "closed by" in ami.error  # the wording is the client's (being reworded elsewhere)
    pbx.clear_fault()
    ami = connected(pbx)
    assert ami.action(Action="Ping")["Ping"] == "Pong"
    ami.disconnect()


def test_client_reports_a_drop_in_the_middle_of_a_message(pbx: Simulator) -> None:
    ami = connected(pbx)
    pbx.set_fault("drop")
    answer = ami.action(Action="Ping")
    assert answer["Message"] == "Reading from socket failed: connection closed by Asterisk in the middle of a message"
    ami.close()


def test_silence_keeps_connections_open_but_answers_nothing(pbx: Simulator) -> None:
    ami = connected(pbx, timeout=0.3)
    pbx.set_fault("silence")
    assert ami.action(Action="Ping")["Message"] == "Timed out after 0.3 s waiting for a response"
    newcomer = AMIClient(username=pbx.username, secret=pbx.secret, host=pbx.address, timeout=0.3)
    assert not newcomer.connect()
    assert newcomer.error == "Timed out after 0.3 s waiting for the greeting"
    pbx.clear_fault()
    assert ami.action(Action="Ping")["Ping"] == "Pong"
    ami.disconnect()


def test_garbage_comes_before_the_next_message(pbx: Simulator) -> None:
    with RawConnection((pbx.host, pbx.port)) as conn:
        conn.login(events="off")
        pbx.set_fault("garbage")
        size = len(conn.data)
        assert conn.request("Action: Ping\nActionID: g")["Ping"] == "Pong"
        assert bytes(conn.data[size:]).startswith(DEFAULT_GARBAGE + b"Response: Success\r\nActionID: g\r\n")
        assert conn.request("Action: Ping\nActionID: once")["Ping"] == "Pong"  # once per session
        assert DEFAULT_GARBAGE not in bytes(conn.data[size + len(DEFAULT_GARBAGE) :])


def test_oversize_sends_a_message_past_the_clients_limit(pbx: Simulator) -> None:
    ami = connected(pbx, max_message_size=4096)
    pbx.set_fault("oversize", size=10_000)
    answer = ami.action(Action="Ping")
    assert answer["Response"] == "Error" and "larger than the 4096-byte limit" in answer["Message"]
    ami.close()


def test_delay_slows_every_write_and_keeps_the_order(pbx: Simulator) -> None:
    with RawConnection((pbx.host, pbx.port)) as conn:
        conn.login(events="off")
        pbx.set_fault("delay", seconds=0.2)
        started = time.monotonic()
        conn.send(b"Action: Ping\r\nActionID: a\r\n\r\nAction: Ping\r\nActionID: b\r\n\r\n")
        assert conn.wait_for(lambda c: [m.action_id for m in c.messages][-2:] == ["a", "b"])
        assert time.monotonic() - started >= 0.2


def test_unknown_fault_is_refused(pbx: Simulator) -> None:
    with pytest.raises(ValueError):
        pbx.set_fault("meltdown")
    with pytest.raises(ValueError):
        pbx.set_fault("drop", seconds=1)


def test_drop_connections(pbx: Simulator) -> None:
    ami = connected(pbx)
    assert pbx.drop_connections() == 1
    assert ami.action(Action="Ping")["Response"] == "Error"
    ami.close()


# -- storm -------------------------------------------------------------------------------------
def test_storm_delivers_realistic_call_events_to_every_reader(pbx: Simulator) -> None:
    ami = connected(pbx)
    quiet = connected(pbx, events="off")
    pbx.start_storm(total=19 * 250)  # 250 whole calls
    seen = []
    while len(seen) < 19 * 250:
        message = ami.read_response(timeout=5)
        assert message is not None
        if message.is_event and message.name not in ("FullyBooted", "SuccessfulAuth"):
            seen.append(message)
    assert pbx.wait_storm(5) and pbx.storm_sent == 19 * 250
    names = {m.name for m in seen}
    assert {"Newchannel", "Newexten", "DialBegin", "BridgeEnter", "Hangup"} <= names
    newchannel = next(m for m in seen if m.name == "Newchannel")
    assert len(newchannel.fields) == 16 and newchannel["Privilege"] == "call,all"
    assert {m["Channel"] for m in seen if m.name == "Newchannel"} == {m["Channel"] for m in seen if m.name == "Hangup"}
    assert "李小龙" in {m.get("CallerIDName") for m in seen}
    assert quiet.read_response(timeout=0.2) is None
    ami.disconnect()
    quiet.disconnect()


def test_storm_keeps_its_rate_and_stops_when_told(pbx: Simulator) -> None:
    ami = connected(pbx)
    started = time.monotonic()
    pbx.start_storm(rate=2000)
    count = 0
    while count < 500:
        message = ami.read_response(timeout=5)
        assert message is not None
        count += message.name == "Newexten" or message.name in (
            "Newchannel",
            "Newstate",
            "VarSet",
            "Hangup",
        )
    assert time.monotonic() - started >= 0.2  # 500 events at 2000 a second take 0.25 s
    sent = pbx.stop_storm()
    assert sent >= 500
    assert pbx.storm_sent == sent
    ami.disconnect()


def test_a_client_that_stops_reading_is_dropped_not_buffered_forever(no_thread_leaks: None) -> None:
    with running(**FAST, max_output_buffer=512 * 1024, write_timeout=0.5) as simulator:
        with RawConnection((simulator.host, simulator.port)) as stuck:
            stuck.login()
            reader = connected(simulator, events="off")
            simulator.start_storm()
            assert simulator.wait_until(lambda p: p.session_count == 1, timeout=10)
            assert reader.action(Action="Ping")["Ping"] == "Pong"  # the server is fine
            simulator.stop_storm()
            reader.disconnect()
        assert simulator.errors == []
