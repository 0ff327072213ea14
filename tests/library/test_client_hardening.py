"""The client against hostile servers on loopback: endless event lists, hanging TLS handshakes,
slow steps that add up, half a TLS record, many open descriptors, secrets that cannot be
encoded, ports out of range, a Login spelled with blanks, and a server gone before its greeting.

Each test is bounded in time, closes what it opens (sockets_all_closed; conftest.py checks
threads), and waits for conditions rather than sleeping.
"""

from __future__ import annotations

import io
import os
import resource
import ssl
import threading
import time
from pathlib import Path

import pytest

from ami_console.client import AMIClient
from ami_console.protocol import MASK, mask_secrets
from ami_console.transport import split_host
from tests.amiserver import (
    GREETING,
    SLACK,
    Conn,
    MemoryTLS,
    ScriptedServer,
    answer_pings,
    sockets_all_closed,
    within,
)
from tests.waiting import wait_until

TLS = Path(__file__).parent.parent / "fixtures" / "tls"
CERT = str(TLS / "cert.pem")
SECRET = "S3cr3t-Pa55phrase"


def client(server: ScriptedServer, **options) -> AMIClient:
    options.setdefault("timeout", 5)
    options.setdefault("secret", SECRET)
    return AMIClient(username="admin", host=server.address, **options)


def tls_server_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(CERT, str(TLS / "key.pem"))
    return context


def trusting_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=CERT)


def connect_in_thread(ami: AMIClient) -> tuple[threading.Thread, list]:
    outcome: list = []
    thread = threading.Thread(target=lambda: outcome.append((ami.connect(), ami.error)))
    thread.start()
    return thread, outcome


# -- 6. event lists that never end -------------------------------------------------------------------
def endless_list(stop: threading.Event, every: float, delay: float = 0.0, batch: int = 1, limit: int = 10**6):
    """A server that starts a list (after ``delay``) and sends items, ``batch`` at a time
    ``every`` seconds apart, never the Complete one, until ``stop`` or the client goes."""

    def handler(conn: Conn) -> None:
        conn.login()
        request = conn.read_message()
        if request is None or stop.wait(delay):
            return
        item = f"Event: CoreShowChannel\r\nActionID: {request.action_id}\r\nChannel: PJSIP/alice-%08d\r\n\r\n"
        try:
            conn.reply(request, "Response: Success\nEventList: start\nMessage: Channels will follow")
            for first in range(0, limit, batch):
                conn.send("".join(item % n for n in range(first, first + batch)))
                if stop.wait(every):
                    return
        except OSError:
            return  # the client hung up: that is how the test ends

    return handler


def test_an_endless_slow_list_ends_at_one_deadline_counted_from_the_send():
    """An item every 0.2 s and the response itself 0.5 s late: the list still ends 1 s
    after the action went out, not 1 s after the last item."""
    stop = threading.Event()
    with sockets_all_closed(), ScriptedServer(endless_list(stop, every=0.2, delay=0.5, limit=60)) as server:
        ami = client(server, timeout=1)
        try:
            assert ami.connect(), ami.error
            started = time.monotonic()
            response, items = ami.action_list(Action="CoreShowChannels")
            elapsed = time.monotonic() - started
        finally:
            stop.set()
            ami.close()
    assert elapsed < 1 + SLACK / 2, f"the list took {elapsed:.2f} s with a 1 s timeout"
    assert 1 <= len(items) <= 6
    expected = f"Event list incomplete: timed out after 1 s, {len(items)} item{'s' * (len(items) != 1)} received"
    assert response["Message"] == ami.error == expected
    assert response["Response"] == "Error" and response["ActionID"] == "2"


def test_an_endless_fast_list_stops_at_the_item_bound():
    stop = threading.Event()
    with sockets_all_closed(), ScriptedServer(endless_list(stop, every=0, batch=100, limit=200_000)) as server:
        ami = client(server, timeout=5)
        ami.max_list_items = 500
        try:
            assert ami.connect(), ami.error
            with within(SLACK):
                response, items = ami.action_list(Action="CoreShowChannels")
            assert ami.connected  # the rest of the list is not a reason to hang up
        finally:
            stop.set()
            ami.close()
    assert len(items) == 500
    assert response["Message"] == "Event list incomplete: over the 500-item limit, 500 items received"


def test_an_endless_fast_list_stops_at_the_byte_bound():
    stop = threading.Event()
    with sockets_all_closed(), ScriptedServer(endless_list(stop, every=0, batch=100, limit=200_000)) as server:
        ami = client(server, timeout=5)
        ami.max_list_bytes = 20_000
        try:
            assert ami.connect(), ami.error
            with within(SLACK):
                response, items = ami.action_list(Action="CoreShowChannels")
        finally:
            stop.set()
            ami.close()
    assert 0 < sum(len(m.raw) for m in items) <= 20_000
    assert response["Message"] == (f"Event list incomplete: over the 20000-byte limit, {len(items)} items received")


def test_the_list_bounds_have_sensible_defaults():
    ami = AMIClient(username="u", secret="s")
    assert (ami.max_list_items, ami.max_list_bytes) == (100_000, 64 * 1024 * 1024)


# -- 7. close() interrupts every phase of connect() ------------------------------------------------
def test_close_stops_a_connect_in_a_tls_handshake_the_server_never_answers():
    with sockets_all_closed(), ScriptedServer(lambda conn: conn.wait_closed()) as server:
        ami = client(server, tls=trusting_context(), timeout=30)
        thread, outcome = connect_in_thread(ami)
        wait_until(lambda: server.conns and server.conns[0].received)  # the ClientHello came
        started = time.monotonic()
        ami.close()
        thread.join(SLACK)
        assert not thread.is_alive() and time.monotonic() - started < 1
        assert outcome == [(False, "Connection failed: cancelled")]
        assert server.conns[0].wait_closed()


def test_close_stops_a_connect_waiting_for_the_login_answer():
    def mute(conn: Conn) -> None:
        conn.send(GREETING)
        conn.wait_closed()

    with sockets_all_closed(), ScriptedServer(mute) as server:
        ami = client(server, timeout=30)
        thread, outcome = connect_in_thread(ami)
        wait_until(lambda: server.conns and server.conns[0].messages)  # the Login came
        started = time.monotonic()
        ami.close()
        thread.join(SLACK)
        assert not thread.is_alive() and time.monotonic() - started < 1
        assert outcome == [(False, "Connection failed: cancelled")]


# -- 8. more than 1,024 descriptors ------------------------------------------------------------------
def test_connect_works_in_a_process_with_more_than_1024_descriptors():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 1200
    if soft < wanted:
        if hard != resource.RLIM_INFINITY and hard < wanted:
            pytest.skip(f"the hard descriptor limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    fds: list[int] = []
    try:
        while not fds or fds[-1] <= 1024:  # every later descriptor is above select()'s reach
            fds.append(os.open(os.devnull, os.O_RDONLY))
        with sockets_all_closed(), ScriptedServer(answer_pings) as server:
            ami = client(server)
            assert ami.connect(), ami.error
            assert ami.action(Action="Ping")["Ping"] == "Pong"
            assert ami.read_response(timeout=0.05) is None
            ami.close()
    finally:
        for fd in fds:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


# -- 10. values that cannot be encoded -------------------------------------------------------------
@pytest.mark.parametrize("auth", ["plain", "md5"])
@pytest.mark.parametrize(
    "field, error",
    [("secret", "The secret cannot be encoded as utf-8"), ("username", "The username cannot be encoded as utf-8")],
)
def test_a_value_that_cannot_be_encoded_fails_connect_without_quoting_it(auth, field, error):
    bad = "pass\udcffword"  # what os.environ gives for a non-UTF-8 byte
    with sockets_all_closed(), ScriptedServer(answer_pings) as server:
        options = {"username": "admin", "secret": SECRET, field: bad}
        ami = AMIClient(host=server.address, auth=auth, timeout=5, **options)
        assert ami.connect() is False  # no exception
        assert ami.error == error and "pass" not in ami.error
        assert not ami.connected
    assert all(not conn.messages for conn in server.conns)  # nothing was sent


def test_send_action_refuses_an_unencodable_value_naming_the_key_only():
    with sockets_all_closed(), ScriptedServer(answer_pings) as server:
        ami = client(server)
        assert ami.connect(), ami.error
        before = ami.next_action_id
        with pytest.raises(ValueError) as caught:
            ami.send_action(Action="Originate", Variable="PIN=12\udcff34")
        assert str(caught.value) == "Value of 'Variable' cannot be encoded as utf-8"
        assert caught.value.__context__ is None  # no UnicodeEncodeError holding the text
        assert ami.next_action_id == before and ami.connected
        assert ami.action(Action="Ping")["Ping"] == "Pong"
        ami.close()


# -- 12. ports out of range --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "host, port, bad",
    [
        ("127.0.0.1:70000", 5038, 70000),
        ("127.0.0.1", 70000, 70000),
        ("127.0.0.1:0", 5038, 0),
        ("[::1]:65536", 5038, 65536),
    ],
)
def test_ports_out_of_range_are_refused(host, port, bad):
    message = f"Invalid port {bad}: must be 1 to 65535"
    with pytest.raises(ValueError) as caught:
        split_host(host, port)
    assert str(caught.value) == message
    with pytest.raises(ValueError) as caught:
        AMIClient(username="a", secret=SECRET, host=host, port=port)
    assert str(caught.value) == message


def test_connect_refuses_a_port_out_of_range_set_after_construction():
    ami = AMIClient(username="a", secret=SECRET, host="127.0.0.1", timeout=2)
    ami.port = 70000  # would wrap to 4464
    with within(SLACK):
        assert ami.connect() is False
    assert ami.error == "Invalid port 70000: must be 1 to 65535"


# -- 11. one deadline for connect, and small read timeouts under TLS ---------------------------
@pytest.mark.parametrize("tls", [False, True], ids=["tcp", "tls"])
def test_connect_timeout_is_one_deadline_for_every_step(tls):
    """Each step comes 0.7 s late with a 1 s timeout: TLS handshake, greeting, Login answer.
    No step alone passes the timeout, so only a deadline for the whole connect ends it."""
    stop = threading.Event()

    def slow(conn: Conn) -> None:
        try:
            if tls:
                if stop.wait(0.7):
                    return
                conn.sock.settimeout(5)
                conn.sock = tls_server_context().wrap_socket(conn.sock, server_side=True)
            if stop.wait(0.7):
                return
            conn.send(GREETING)
            request = conn.read_message()
            if request is None or stop.wait(0.7):
                return
            conn.reply(request, "Response: Success\nMessage: Authentication accepted")
            conn.wait_closed()
        except (OSError, ssl.SSLError):
            return  # the client gave up: that is the point

    with sockets_all_closed(), ScriptedServer(slow) as server:
        ami = client(server, timeout=1, tls=trusting_context() if tls else False)
        with within(1.5):
            assert ami.connect() is False
        stop.set()
        assert ami.error in (
            "Timed out after 1 s waiting for the greeting",
            "Login failed: Timed out after 1 s waiting for a response",
        )
        assert not ami.connected


def test_read_response_timeout_holds_with_half_a_tls_record_waiting():
    def half_a_record(conn: Conn) -> None:
        tls = MemoryTLS(conn, tls_server_context())
        if not tls.handshake():
            return
        tls.send(GREETING)
        login = tls.read_message()
        if login is None:
            return
        tls.send(Conn.answer(login, "Response: Success\nMessage: Authentication accepted"))
        record = tls.record(b"Event: FullyBooted\r\nStatus: Fully Booted\r\n\r\n")
        conn.send(record[: len(record) // 2])
        conn.wait_closed()

    with sockets_all_closed(), ScriptedServer(half_a_record) as server:
        ami = client(server, tls=trusting_context(), timeout=10)
        assert ami.connect(), ami.error
        with within(1.5):
            assert ami.read_response(timeout=0.5) is None
        assert ami.connected and ami.error is None
        ami.close()


# -- 13. a Login spelled as Asterisk reads it ----------------------------------------------------------
@pytest.mark.parametrize("action", [" Login", "login ", "\tLOGIN"])
def test_a_login_with_blanks_around_its_name_is_still_masked(action):
    pairs = [("Action", action), ("Username", "admin"), ("Key", "cef290e5"), ("Secret", SECRET)]
    assert mask_secrets(pairs) == [("Action", action), ("Username", "admin"), ("Key", MASK), ("Secret", MASK)]
    transcript = io.StringIO()
    with sockets_all_closed(), ScriptedServer(answer_pings) as server:
        ami = client(server, debug_file=transcript)
        assert ami.connect(), ami.error
        ami.action(Action=action, Username="admin", AuthType="MD5", Key="cef290e5")
        ami.close()
    text = transcript.getvalue()
    assert "cef290e5" not in text and SECRET not in text
    assert ">> Key: ********" in text


# -- 14. a server gone before its greeting ------------------------------------------------------------
@pytest.mark.parametrize(
    "how, error",
    [
        ("close", "Connection failed: closed by the server before the greeting"),
        ("close-mid-greeting", "Connection failed: closed by the server before the greeting"),
        ("reset", "Connection failed: Connection reset by peer"),
    ],
)
def test_a_server_gone_before_its_greeting_is_a_connection_failure(how, error):
    def go(conn: Conn) -> None:
        if how == "reset":
            conn.reset()
            return
        if how == "close-mid-greeting":
            conn.send(GREETING[:10])
        conn.close()

    with sockets_all_closed(), ScriptedServer(go) as server:
        ami = client(server)
        with within(SLACK):
            assert ami.connect() is False
        assert ami.error == error
        assert not ami.connected


def test_close_during_the_greeting_wait_says_cancelled():
    with sockets_all_closed(), ScriptedServer(lambda conn: conn.wait_closed()) as server:
        ami = client(server, timeout=30)
        thread, outcome = connect_in_thread(ami)
        wait_until(lambda: server.conns)
        ami.close()
        thread.join(SLACK)
        assert not thread.is_alive()
        assert outcome == [(False, "Connection failed: cancelled")]
