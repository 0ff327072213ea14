"""What one message may cost: the header (line) bound, and Message.cost against measured memory.

A message under the byte bound can still hold a million tiny lines, and decoded each line
costs some 250 bytes whatever its length; so the parser also bounds the lines of a message
(``max_headers``), counting them only where a message is long enough to pass the bound.
``Message.cost`` estimates what a message takes once decoded; it is checked here against
tracemalloc on every message of the Asterisk 22 captures.
"""

from __future__ import annotations

import tracemalloc

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ami_console.protocol import (
    DEFAULT_MAX_HEADERS,
    DEFAULT_MAX_MESSAGE_SIZE,
    Message,
    Parser,
    ProtocolError,
)
from tests.amiserver import Conn, ScriptedServer
from tests.captures import SCENARIOS, capture_messages, parse, received
from tests.library.test_client import client
from tests.library.test_protocol_properties import STREAMS, cut, legacy_messages, plain_messages, streams


def tiny_headers(count: int, line_end: bytes = b"\r\n") -> bytes:
    """An event of ``count`` lines: its name, then ``count - 1`` headers of a few bytes."""
    return b"Event: Tiny" + line_end + b"".join(b"%x: v" % i + line_end for i in range(count - 1)) + line_end


def read_all(parser: Parser, chunks: list[bytes]) -> list:
    """Names of the messages, and "too many" for each refused one."""
    got: list = []
    for chunk in chunks:
        parser.receive_data(chunk)
        while True:
            try:
                message = parser.next_message()
            except ProtocolError as exc:
                assert str(exc) == f"message over the {parser.max_headers}-header limit; it was skipped"
                got.append("too many")
                continue
            if message is None:
                break
            got.append(message.name)
    return got


# -- the header bound ----------------------------------------------------------------------------
@pytest.mark.parametrize("line_end", [b"\r\n", b"\n"], ids=["CRLF", "LF"])
@pytest.mark.parametrize("size", [None, 64, 1])
def test_a_message_of_more_lines_than_the_bound_is_skipped_and_the_others_arrive(line_end, size):
    data = tiny_headers(50, line_end) + b"Event: After\r\n\r\n" + tiny_headers(51, line_end) + tiny_headers(49)
    chunks = [data] if size is None else [data[i : i + size] for i in range(0, len(data), size)]
    assert read_all(Parser(max_headers=50), chunks) == ["Tiny", "After", "too many", "Tiny"]


def test_legacy_command_output_counts_its_lines_too():
    output = b"".join(b"line %d\n" % i for i in range(60))
    data = b"Response: Follows\r\nPrivilege: Command\r\n" + output + b"--END COMMAND--\r\n\r\nEvent: After\r\n\r\n"
    assert read_all(Parser(max_headers=50), [data]) == ["too many", "After"]
    assert read_all(Parser(max_headers=70), [data]) == ["Follows", "After"]


@STREAMS
@given(
    stream=streams(plain_messages() | legacy_messages()),
    points=st.lists(st.integers(0, 2**20), max_size=10),
    pick=st.integers(0, 7),
    offset=st.integers(-2, 2),
)
def test_each_message_over_the_header_bound_raises_once_and_the_others_arrive_intact(stream, points, pick, offset):
    data, made = stream
    # The bound counts lines on the wire: every LF but the blank line's.
    lines = [m.data.count(b"\n") - 1 for m in made]
    limit = max(1, lines[pick % len(made)] + offset)  # near a message's count
    expected = ["too many" if count > limit else m.fields for count, m in zip(lines, made)]
    parser = Parser(max_headers=limit)
    got: list = []
    for chunk in cut(data, points):
        parser.receive_data(chunk)
        while True:
            try:
                message = parser.next_message()
            except ProtocolError as exc:
                assert str(exc) == f"message over the {limit}-header limit; it was skipped"
                got.append("too many")
                continue
            if message is None:
                break
            got.append(message.fields)
    assert got == expected


def test_the_default_bound_admits_a_dialplan_show_as_big_as_the_byte_bound_allows():
    """`dialplan show` lines, as the capture has them, up to the byte bound: framed whole."""
    capture = received("dialplan_lists")
    lines = [line + b"\r\n" for line in capture.split(b"\r\n") if line.startswith(b"Output: ")]
    head = b"Response: Success\r\nActionID: 1\r\nMessage: Command output follows\r\n"
    body = b"".join(lines)
    repeat = (DEFAULT_MAX_MESSAGE_SIZE - len(head) - 2) // len(body)
    data = head + body * repeat + b"\r\n"
    assert data.count(b"\n") > DEFAULT_MAX_HEADERS / 2  # a big output, not a token one
    _, messages = parse([data[i : i + 65536] for i in range(0, len(data), 65536)])
    assert [len(m.raw) for m in messages] == [len(data)]  # framed, not decoded: cheap


def test_the_client_refuses_a_message_of_1_6_million_tiny_headers_within_bounded_memory():
    """Issue 18: 15.7 MiB of tiny headers, under the byte bound, used to take 765 MiB decoded."""
    data = tiny_headers(1_600_000)
    assert 15 * 2**20 < len(data) < DEFAULT_MAX_MESSAGE_SIZE

    def flood(conn: Conn) -> None:
        conn.login()
        request = conn.read_message()
        conn.send(data)
        conn.reply(request, "Response: Success\nPing: Pong")
        conn.wait_closed()

    with ScriptedServer(flood) as server:
        ami = client(server, timeout=30)
        assert ami.connect()
        tracemalloc.start()
        try:
            ami.send_action(Action="Ping")
            error = ami.read_response(timeout=30)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert dict(error) == {
            "Response": "Error",
            "Message": f"Protocol error: message over the {DEFAULT_MAX_HEADERS}-header limit; it was skipped",
        }
        assert ami.error == error["Message"]
        assert peak < 5 * len(data)  # the bytes, buffered and framed; never decoded
        assert ami.read_response(timeout=5)["Ping"] == "Pong"  # nothing else lost
        ami.close()


def test_the_client_takes_its_header_bound_as_a_parameter():
    def small(conn: Conn) -> None:
        conn.login()
        request = conn.read_message()
        conn.send(tiny_headers(11) + tiny_headers(10))
        conn.reply(request, "Response: Success\nPing: Pong")
        conn.wait_closed()

    with ScriptedServer(small) as server:
        ami = client(server, max_headers=10)
        assert ami.connect()
        ami.send_action(Action="Ping")
        assert ami.read_response(timeout=5)["Message"] == (
            "Protocol error: message over the 10-header limit; it was skipped"
        )
        assert ami.read_response(timeout=5).name == "Tiny"
        assert ami.read_response(timeout=5)["Ping"] == "Pong"
        ami.close()


# -- what a message costs ------------------------------------------------------------------------
CAPTURED = [message.raw for name in SCENARIOS for message in capture_messages(name)]


def measured(raw: bytes, *uses: str) -> tuple[int, int, int]:
    """(estimate before decoding, estimate after, bytes allocated) for a message received as
    ``raw`` and then used in the ways named: ``lines`` decodes it, ``fields`` builds the
    field list too, ``lower`` the case-insensitive index."""
    started = tracemalloc.get_traced_memory()[0]
    parser = Parser()
    parser.receive_data(raw)
    message = parser.next_message()
    del parser  # what stays is the message alone, with its own copy of the bytes
    assert message is not None
    before = message.cost
    if "lines" in uses:
        assert message.lines
    if "fields" in uses:
        assert message.fields
    if "lower" in uses:
        message.header("no-such-header")
    size = tracemalloc.get_traced_memory()[0] - started
    return before, message.cost, size


@pytest.fixture
def traced():
    tracemalloc.start()
    yield
    tracemalloc.stop()


@pytest.mark.parametrize(
    "uses", [("lines",), ("lines", "fields"), ("lines", "fields", "lower")], ids=["decoded", "fields", "lower"]
)
def test_cost_is_close_to_what_a_decoded_message_takes(traced, uses):
    ratios = []
    for raw in CAPTURED:
        before, after, size = measured(raw, *uses)
        assert before == after  # the same number whether decoded yet or not
        ratios.append(after / size)
    assert 1.0 <= min(ratios) and max(ratios) <= 2.0, (min(ratios), max(ratios))  # close, and high


def test_cost_is_an_upper_bound_before_decoding(traced):
    for raw in CAPTURED:
        before, _, size = measured(raw)
        assert size <= before


@pytest.mark.parametrize(
    "raw",
    [
        tiny_headers(2000),
        b"Event: Wide\r\n" + "CallerIDName: 李小龙 Zoë Ångström\r\n".encode() * 50 + b"\r\n",
        b"Event: Bare\n" + b"Key: value\n" * 20 + b"\n",
        b"Response: Follows\r\nPrivilege: Command\r\n" + b"output line\n" * 300 + b"--END COMMAND--\r\n\r\n",
    ],
    ids=["tiny headers", "not ASCII", "bare LF", "legacy output"],
)
def test_cost_errs_high_on_unusual_messages(traced, raw):
    before, after, size = measured(raw, "lines", "fields")
    assert before == after and size <= after <= 4 * size


def test_cost_of_a_message_made_here():
    made = Message([("Response", "Error"), ("Message", "Timed out after 10 s waiting for a response")])
    copy = Message.from_raw(made.text().encode())
    assert made.cost == copy.cost
