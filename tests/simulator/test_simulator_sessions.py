"""Sessions: greeting, login (plain and MD5), refusals, how requests are read, event
masks, filters, several clients at once, the auth timeout, and the lifecycle."""

from __future__ import annotations

import socket
import time

import pytest

from ami_console.client import AMIClient
from ami_console.simulator import Simulator, User
from tests.simulator.test_simulator_support import FAST, RawConnection, no_thread_leaks, pbx, running  # noqa: F401 (fixtures)


def client(simulator: Simulator, **options) -> AMIClient:
    options.setdefault("username", simulator.username)
    options.setdefault("secret", simulator.secret)
    return AMIClient(host=simulator.address, timeout=5, **options)


# -- login -------------------------------------------------------------------------------------
def test_greeting_is_one_line_without_a_blank_line(pbx: Simulator) -> None:
    with RawConnection((pbx.host, pbx.port), greeting=False) as conn:
        assert conn.wait_for(lambda c: len(c.data) >= 30)
        assert bytes(conn.data) == b"Asterisk Call Manager/11.0.0\r\n"


@pytest.mark.parametrize("auth", ["plain", "md5"])
def test_admin_logs_in_and_out(pbx: Simulator, auth: str) -> None:
    ami = client(pbx, auth=auth)
    assert ami.connect(), ami.error
    assert ami.greeting == "Asterisk Call Manager/11.0.0"
    assert ami.action(Action="Ping")["Ping"] == "Pong"
    assert ami.disconnect()
    assert pbx.wait_until(lambda p: p.session_count == 0)


@pytest.mark.parametrize(
    ("options", "auth"),
    [
        ({"secret": "wrong"}, "plain"),
        ({"username": "nobody"}, "plain"),
        ({"secret": "wrong"}, "md5"),
    ],
)
def test_failed_login_is_answered_after_the_delay_then_closed(options: dict, auth: str, no_thread_leaks: None) -> None:
    with running(time_scale=0.05, auth_failure_delay=0.3) as simulator:
        ami = client(simulator, auth=auth, **options)
        started = time.monotonic()
        assert not ami.connect()
        assert ami.error == "Login failed: Authentication failed"
        assert time.monotonic() - started >= 0.3
        assert simulator.wait_until(lambda p: p.session_count == 0)


def test_failed_logins_are_security_events_for_other_sessions(pbx: Simulator) -> None:
    events = []
    watcher = client(pbx, event_callback=events.append)
    assert watcher.connect()
    assert not client(pbx, secret="wrong").connect()
    assert not client(pbx, username="nobody").connect()
    assert not client(pbx, secret="wrong", auth="md5").connect()
    watcher.action(Action="Ping")
    names = [e.name for e in events]
    assert [n for n in names if n not in ("FullyBooted", "SuccessfulAuth")] == [
        "InvalidPassword",
        "InvalidAccountID",
        "ChallengeResponseFailed",
    ]
    invalid = next(e for e in events if e.name == "InvalidAccountID")
    assert invalid["AccountID"] == "nobody" and invalid["Privilege"] == "security,all"
    watcher.disconnect()


def test_actions_before_login_are_refused_but_logoff_works(pbx: Simulator) -> None:
    with RawConnection((pbx.host, pbx.port)) as conn:
        for action in ("Ping", "FooBar", "Originate"):
            answer = conn.request(f"Action: {action}\nActionID: x-{action}")
            assert (answer["Response"], answer["Message"]) == ("Error", "Permission denied")
        goodbye = conn.request("Action: Logoff\nActionID: bye")
        assert (goodbye["Response"], goodbye["Message"]) == ("Goodbye", "Thanks for all the fish.")
        assert conn.wait_eof()


def test_second_login_is_already_authenticated(pbx: Simulator) -> None:
    with RawConnection((pbx.host, pbx.port)) as conn:
        conn.login(events="off")
        again = conn.request("Action: Login\nUsername: monitor\nSecret: wrong\nActionID: again")
        assert (again["Response"], again["Message"]) == ("Success", "Already authenticated")


def test_unauthenticated_connection_is_closed_after_the_auth_timeout(no_thread_leaks: None) -> None:
    with running(auth_timeout=0.3) as simulator:
        with (
            RawConnection((simulator.host, simulator.port)) as idle,
            RawConnection((simulator.host, simulator.port)) as logged_in,
        ):
            logged_in.login(events="off")
            started = time.monotonic()
            assert idle.wait_eof(timeout=5)
            assert 0.25 <= time.monotonic() - started < 3
            assert logged_in.request("Action: Ping\nActionID: still")["Ping"] == "Pong"


# -- how requests are read ---------------------------------------------------------------------
def test_request_reading_quirks(pbx: Simulator) -> None:
    with RawConnection((pbx.host, pbx.port)) as conn:
        conn.login(events="off")
        assert conn.request("action: ping\nactionid: lower")["Ping"] == "Pong"  # names any case, LF only
        assert conn.request("Action:Ping\nActionID:tight")["Ping"] == "Pong"
        spaced = conn.request("Action:    Ping   \nActionID: spaced")
        assert (
            spaced["Message"]
            == "Invalid/unknown command: Ping   . Use Action: ListCommands to show available commands."
        )
        missing = conn.request("Foo: bar\nActionID: nothing")
        assert (missing["Response"], missing["Message"]) == ("Error", "Missing action in request")
        long_line = conn.request("Action: Ping\nActionID: long\nX-Long: " + "A" * 3000)
        assert long_line["Message"] == "Failed to parse message: line too long"
        count = len(conn.messages)
        conn.send(b"\r\n\r\n")
        assert conn.wait_count(count + 2)
        assert [m["Message"] for m in conn.messages[count:]] == ["Missing action in request"] * 2
        assert all(m.action_id is None for m in conn.messages[count:])


# -- event masks, filters, several clients -----------------------------------------------------
def test_each_session_has_its_own_event_mask(pbx: Simulator) -> None:
    quiet, calls_only, everything = [], [], []
    off = client(pbx, events="off", event_callback=quiet.append)
    call = client(pbx, events="system,call", event_callback=calls_only.append)
    on = client(pbx, event_callback=everything.append)
    for ami in (off, call, on):
        assert ami.connect()
    assert (
        on.action(Action="Originate", Channel="Local/100@demo", Application="Wait", Data="1")["Response"] == "Success"
    )
    assert pbx.wait_until(lambda p: not p.channels(), timeout=5)
    for ami in (off, call, on):
        ami.action(Action="Ping")
    assert quiet == []
    assert {"Newchannel", "Hangup"} <= {e.name for e in calls_only}
    assert not {"Newexten", "VarSet", "Cdr"} & {e.name for e in calls_only}
    assert {"Newchannel", "Newexten", "VarSet", "Cdr", "Hangup"} <= {e.name for e in everything}
    answer = off.action(Action="Events", EventMask="bogus")
    assert answer["Events"] == "Off"
    assert off.action(Action="Events", EventMask="")["Message"] == "Invalid event mask"
    for ami in (off, call, on):
        ami.disconnect()


def test_filters_include_and_exclude(pbx: Simulator) -> None:
    only_new, no_dialplan = [], []
    first = client(pbx, event_callback=only_new.append)
    second = client(pbx, event_callback=no_dialplan.append)
    assert first.connect() and second.connect()
    assert first.action(Action="Filter", Operation="Add", Filter="Event: Newchannel")["Message"] == "Success"
    added = second.action(
        Action="Filter",
        Operation="Add",
        Filter="dialplan",
        MatchCriteria="action(exclude),header(Privilege),method(starts_with)",
    )
    assert added["Response"] == "Success"
    bad = second.action(Action="Filter", Operation="Add", Filter="XX[X")
    assert bad["Message"] == "Filter did not compile.  Check the syntax of the filter given."
    assert second.action(Action="Filter", Operation="Remove", Filter="x")["Message"] == "Unknown operation"
    only_new.clear()
    no_dialplan.clear()
    first.action(Action="Originate", Channel="Local/100@demo", Application="Wait", Data="1")
    assert pbx.wait_until(lambda p: not p.channels(), timeout=5)
    first.action(Action="Ping")
    second.action(Action="Ping")
    assert {e.name for e in only_new} == {"Newchannel"}
    assert "Hangup" in {e.name for e in no_dialplan}
    assert not {"Newexten", "VarSet"} & {e.name for e in no_dialplan}
    first.disconnect()
    second.disconnect()


def test_monitor_user_is_refused_originate_and_command(pbx: Simulator) -> None:
    mine, admins = [], []
    admin = client(pbx, event_callback=admins.append)
    monitor = client(pbx, username="monitor", secret="monpass", event_callback=mine.append)
    assert admin.connect() and monitor.connect()
    for action in (
        {"Action": "Originate", "Channel": "Local/100@demo", "Application": "Wait"},
        {"Action": "Command", "Command": "core show version"},
    ):
        answer = monitor.action(action)
        assert (answer["Response"], answer["Message"]) == ("Error", "Permission denied")
    assert monitor.action(Action="Ping")["Ping"] == "Pong"
    listed = monitor.action(Action="ListCommands")
    assert "Originate" not in listed and "Command" not in listed and "Ping" in listed
    admin.action(Action="Ping")
    for seen in (mine, admins):
        refused = [e["RequestType"] for e in seen if e.name == "RequestNotAllowed"]
        assert refused == ["Action: Originate", "Action: Command"]
    admin.disconnect()
    monitor.disconnect()


def test_requests_are_logged_per_session(pbx: Simulator) -> None:
    ami = client(pbx)
    assert ami.connect()
    ami.action(Action="Ping")
    ami.disconnect()
    assert pbx.wait_until(lambda p: p.session_logs() and p.session_logs()[-1].closed_at is not None)
    log = pbx.session_logs()[-1]
    assert log.username == "admin"
    assert [m["Action"] for m in log.requests] == ["Login", "Ping", "Logoff"]
    assert pbx.received[-1].startswith(b"Action: Login\r\nActionID: 1\r\nUsername: admin\r\nSecret: adminpass\r\n\r\n")


# -- lifecycle ---------------------------------------------------------------------------------
def test_stop_closes_connections_and_leaves_no_thread(no_thread_leaks: None) -> None:
    simulator = Simulator(**FAST).start()
    ami = client(simulator)
    assert ami.connect()
    simulator.stop()
    simulator.stop()  # twice is fine
    assert not simulator.running
    assert ami.action(Action="Ping")["Response"] == "Error"
    ami.close()


def test_a_busy_port_is_an_error_at_start(pbx: Simulator) -> None:
    with pytest.raises(OSError):
        Simulator(port=pbx.port).start()


def test_ipv6_loopback(no_thread_leaks: None) -> None:
    if not socket.has_ipv6:
        pytest.fail("IPv6 is required by this test suite")  # loopback ::1 exists on CI machines
    with running("::1", **FAST) as simulator:
        ami = client(simulator)
        assert ami.connect(), ami.error
        assert ami.action(Action="Ping")["Ping"] == "Pong"
        ami.disconnect()


def test_custom_users_get_their_own_classes(no_thread_leaks: None) -> None:
    operator = User("ops", "pw", read="call", write="call")
    with running(users=[operator], **FAST) as simulator:
        events: list = []
        ami = client(simulator, username="ops", secret="pw", event_callback=events.append)
        assert ami.connect(), ami.error
        refused = ami.action(Action="Originate", Channel="Local/100@demo", Application="Wait")
        assert refused["Message"] == "Permission denied"
        assert ami.action(Action="Hangup", Channel="nothing")["Message"] == "No such channel"
        simulator.place_call("alice", "1002", talk=1)
        assert simulator.wait_until(lambda p: not p.channels())
        ami.action(Action="Ping")
        assert {e["Privilege"] for e in events} == {"call,all"}  # no dialplan, cdr, security
        ami.disconnect()
        assert not client(simulator).connect()  # admin is not a user any more
