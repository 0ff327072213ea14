"""The client keeps the secret to itself, and TLS trusts nothing it was not told to.

The secret (and the MD5 key made from it) may go to the server, and nowhere else: not to
the debug transcript (a file or stderr), not into an error or exception message, not into
``repr()``. TLS verifies certificates by default: a self-signed server is refused unless
the user passes an ``ssl.SSLContext`` that trusts it or explicitly does not verify.
"""

from __future__ import annotations

import hashlib
import io
import ssl
from pathlib import Path

import pytest

from ami_console.client import AMIClient, AMIError
from tests.amiserver import GREETING, SLACK, Conn, ScriptedServer, sockets_all_closed, within

SECRET = "S3cr3t-Pa55phrase"
CHALLENGE = "970802021"
KEY = hashlib.md5((CHALLENGE + SECRET).encode()).hexdigest()
TLS = Path(__file__).parent.parent / "fixtures" / "tls"
CERT = str(TLS / "cert.pem")


def pbx(accept: bool):
    """A server that logs in with a plain Login or the MD5 challenge, accepting or
    refusing (and then hanging up, as Asterisk does), then answers Ping and Logoff."""

    def handler(conn: Conn) -> None:
        conn.send(GREETING)
        request = conn.read_message()
        if request is not None and request.header("Action") == "Challenge":
            conn.reply(request, f"Response: Success\nChallenge: {CHALLENGE}")
            request = conn.read_message()
        if request is None:
            return
        if not accept:
            conn.reply(request, "Response: Error\nMessage: Authentication failed")
            conn.close()
            return
        conn.reply(request, "Response: Success\nMessage: Authentication accepted")
        while (request := conn.read_message()) is not None:
            if request.header("Action") == "Logoff":
                conn.reply(request, "Response: Goodbye\nMessage: Thanks for all the fish.")
            else:
                conn.reply(request, "Response: Success\nPing: Pong")

    return handler


def assert_hidden(*texts: str) -> None:
    for text in texts:
        assert SECRET not in text and KEY not in text, text


# -- the secret ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("auth", ["plain", "md5"])
@pytest.mark.parametrize("accept", [True, False], ids=["accepted", "refused"])
def test_the_secret_goes_to_the_server_and_nowhere_else(auth, accept, capsys):
    transcript = io.StringIO()
    seen: list[str] = []  # every text the client shows a user
    with sockets_all_closed(), ScriptedServer(pbx(accept)) as server:
        options = dict(username="admin", secret=SECRET, host=server.address, auth=auth, timeout=5)
        for ami in (AMIClient(**options, debug_file=transcript), AMIClient(**options, debug=True)):
            seen.append(repr(ami))
            assert ami.connect() is accept
            seen += [repr(ami), str(ami.error)]
            if accept:
                assert ami.action(Action="Ping")["Ping"] == "Pong"
                assert ami.disconnect()
            seen += [repr(ami), str(ami.error)]
        if accept:
            with AMIClient(**options) as ami:
                seen.append(repr(ami))
        else:
            with pytest.raises(AMIError, match="^Login failed: Authentication failed$") as caught:
                with AMIClient(**options):
                    pass
            seen += [str(caught.value), repr(caught.value)]
    seen += [transcript.getvalue(), capsys.readouterr().err]
    assert ">> Action: Login" in seen[-2] and ">> Action: Login" in seen[-1]  # both transcripts ran
    assert_hidden(*seen)
    # The secret did go out: to the server alone, and only as the chosen login sends it.
    received = b"".join(bytes(conn.received) for conn in server.conns)
    assert (SECRET.encode() in received) is (auth == "plain")
    assert (KEY.encode() in received) is (auth == "md5")


def test_a_secret_in_a_refused_action_is_not_quoted_and_not_sent():
    with sockets_all_closed(), ScriptedServer(pbx(True)) as server:
        ami = AMIClient(username="admin", secret=SECRET, host=server.address, timeout=5)
        assert ami.connect()
        for fields in (
            {"Action": "Login", "Username": "other", "Secret": SECRET + "\r\nAction: Originate"},
            {"Action": "Originate", "Variable": [f"PASSWORD={SECRET}", f"{SECRET}\n"]},
        ):
            with pytest.raises(ValueError, match="line break") as caught:
                ami.send_action(fields)
            assert SECRET not in str(caught.value)
        ami.close()
        assert server.conns[0].wait_closed()
    assert [m.header("Action") for m in server.conns[0].messages] == ["Login"]


def test_a_secret_with_a_line_break_is_refused_before_any_connection():
    """A line break in the secret would inject a second action into the Login: refused
    (ValueError, from the constructor or from connect) with nothing sent, no socket left."""
    made: list[AMIClient] = []

    def connect() -> None:
        made.append(AMIClient(username="admin", secret="pw\r\nAction: Originate", host=server.address))
        made[-1].connect()

    try:
        with sockets_all_closed(), ScriptedServer(pbx(True)) as server:
            with pytest.raises(ValueError, match="line break") as caught:
                connect()
            assert "Originate" not in str(caught.value)
        assert all(not conn.messages for conn in server.conns)
    finally:
        for ami in made:  # a failure above leaves nothing open for later tests
            ami.close()


# -- TLS ------------------------------------------------------------------------------------------------
def tls_server_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(CERT, str(TLS / "key.pem"))
    return context


def trusting_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=CERT)


def unverified_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def test_tls_refuses_a_self_signed_certificate_by_default():
    with sockets_all_closed(), ScriptedServer(pbx(True), tls=tls_server_context()) as server:
        ami = AMIClient(username="admin", secret=SECRET, host=server.address, tls=True, timeout=5)
        with within(SLACK):
            assert ami.connect() is False
        assert ami.error in (
            "Connection failed: TLS certificate not trusted (self-signed certificate)",
            "Connection failed: TLS certificate not trusted (self signed certificate)",  # OpenSSL 1.1
        )
        assert not ami.connected
    assert len(server.handshake_errors) == 1 and not server.conns[0].received  # nothing sent


@pytest.mark.parametrize(
    "context, host",
    [(trusting_context, "127.0.0.1"), (trusting_context, "localhost"), (unverified_context, "127.0.0.1")],
    ids=["trusting-the-certificate", "trusting-it-by-name", "verification-explicitly-off"],
)
def test_tls_with_the_users_own_context(context, host):
    with sockets_all_closed(), ScriptedServer(pbx(True), tls=tls_server_context()) as server:
        ami = AMIClient(username="admin", secret=SECRET, host=host, port=server.port, tls=context())
        assert ami.connect(), ami.error
        assert ami.greeting == "Asterisk Call Manager/11.0.0"
        assert ami.action(Action="Ping")["Ping"] == "Pong"
        assert ami.disconnect()
    assert server.handshake_errors == []
    assert SECRET.encode() in bytes(server.conns[0].received)  # it went through TLS to the server


def test_tls_checks_the_name_even_with_a_trusted_certificate():
    """The certificate is for localhost, 127.0.0.1 and ::1; 127.0.0.2 is another machine."""
    with sockets_all_closed(), ScriptedServer(pbx(True), host="127.0.0.2", tls=tls_server_context()) as server:
        ami = AMIClient(username="admin", secret=SECRET, host=server.address, tls=trusting_context())
        assert ami.connect() is False
        assert ami.error == (
            "Connection failed: TLS certificate not trusted "
            "(IP address mismatch, certificate is not valid for '127.0.0.2'.)"
        )
        assert not ami.connected


def test_tls_to_a_plain_server_fails_without_sending_the_secret_in_clear():
    with sockets_all_closed(), ScriptedServer(pbx(True)) as server:
        ami = AMIClient(username="admin", secret=SECRET, host=server.address, tls=True, timeout=5)
        with within(SLACK):
            assert ami.connect() is False
        assert ami.error.startswith("Connection failed: TLS failed (")
        assert not ami.connected
        assert server.conns[0].wait_closed()
    assert SECRET.encode() not in bytes(server.conns[0].received)


def test_tls_handshake_with_a_server_that_never_answers_times_out():
    with sockets_all_closed(), ScriptedServer(lambda conn: conn.wait_closed()) as server:
        ami = AMIClient(username="admin", secret=SECRET, host=server.address, tls=True, timeout=0.5)
        with within(0.5 + SLACK):
            assert ami.connect() is False
        assert ami.error == "Connection failed: timed out"
        assert not ami.connected
