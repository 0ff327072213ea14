"""The sans-IO core: framing, decoding and serialising, against real Asterisk bytes."""

from __future__ import annotations

import hashlib
import re

import pytest

from ami_console import protocol
from ami_console.protocol import (
    EventList,
    Message,
    Parser,
    ProtocolError,
    action_fields,
    mask_secrets,
    parse_greeting,
    serialize_action,
)
from tests.captures import SCENARIOS, parse, received, sent


def shape(messages: list[Message]) -> list[tuple]:
    return [(m.fields, m.lines, m.raw) for m in messages]


def split_points(data: bytes) -> list[int]:
    """Every boundary of a small capture; for a big one, every boundary around each
    blank line (where the CR, the LF and the message end can be cut apart) and a
    stride through the rest. Feeding byte by byte covers every boundary of all of them."""
    if len(data) <= 4096:
        return list(range(len(data) + 1))
    points = set(range(0, len(data) + 1, 37))
    start = 0
    while (end := data.find(b"\r\n\r\n", start)) >= 0:
        points.update(range(max(0, end - 2), min(len(data), end + 6)))
        start = end + 1
    return sorted(points)


# -- the captures ------------------------------------------------------------------------
@pytest.mark.parametrize("name", SCENARIOS)
def test_capture_parses_the_same_whole_byte_by_byte_and_split_anywhere(name):
    data = received(name)
    parser, whole = parse([data], greeting=True)
    assert parser.greeting is not None and parser.greeting.line == "Asterisk Call Manager/11.0.0"
    assert parser.buffered == 0  # every byte belongs to a message
    assert b"".join(m.raw for m in whole) == data[len(b"Asterisk Call Manager/11.0.0\r\n") :]
    _, bytewise = parse([data[i : i + 1] for i in range(len(data))], greeting=True)
    assert shape(bytewise) == shape(whole)
    for point in split_points(data):
        _, split = parse([data[:point], data[point:]], greeting=True)
        assert shape(split) == shape(whole), f"split at byte {point}"


@pytest.mark.parametrize("name", [n for n in SCENARIOS if sent(n)])
def test_requests_the_clients_sent_parse_byte_by_byte(name):
    data = sent(name)
    _, whole = parse([data])
    _, bytewise = parse([data[i : i + 1] for i in range(len(data))])
    assert whole and shape(bytewise) == shape(whole)
    assert all(m.header("Action") is not None or not m.fields or m.header("Foo") for m in whole)


def test_session_capture_gives_the_messages_asterisk_sent():
    _, messages = parse([received("session1")], greeting=True)
    login, booted, auth, ping = messages[:4]
    assert dict(login) == {
        "Response": "Success",
        "ActionID": "login",
        "Message": "Authentication accepted",
    }
    assert login.is_response and not login.is_event
    assert booted.is_event and booted.name == "FullyBooted"
    assert auth["SessionID"] == "0x7f16880011a0"
    assert ping["Ping"] == "Pong" and ping.action_id == "2"
    settings = messages[4]
    assert settings["SystemName"] == "" and settings["CoreRunUser"] == ""
    originate_response = next(m for m in messages if m.name == "OriginateResponse")
    assert originate_response.is_event and not originate_response.is_response
    assert originate_response["Response"] == "Success"


def test_list_commands_lines_with_tabs_and_colons_keep_their_values():
    _, messages = parse([received("session1")], greeting=True)
    commands = messages[5]
    assert commands["Originate"] == "Originate a call.  (Priv: originate,all)"
    assert "\t" in commands["SendText"]


def test_modern_command_output_is_one_output_header_per_line_indent_kept():
    _, messages = parse([received("manager_show_command")], greeting=True)
    output = messages[1]["Output"]
    assert output[1] == "  -= Info about Manager Command 'Originate' =- "
    assert "[Syntax]" in output and "Channel: <value>" in output
    assert "    ActionID for this transaction. Will be returned." in output
    unknown = messages[2]
    assert unknown["Response"] == "Error"
    assert unknown["Output"].startswith("No such command 'no such command'")


def test_event_list_items_carry_the_action_id():
    _, messages = parse([received("lists")], greeting=True)
    queue = [m for m in messages if m.action_id == "l1"]
    assert [m.name for m in queue] == ["Success", "QueueParams", "QueueMember", "QueueStatusComplete"]
    assert queue[0]["EventList"] == "start"
    assert queue[-1]["ListItems"] == "2"


def test_repeated_keys_become_lists_in_arrival_order():
    _, (message,) = parse([b"Response: Success\r\nOutput: one\r\nOutput: two\r\nX: 1\r\nOutput: three\r\n\r\n"])
    assert message["Output"] == ["one", "two", "three"]
    assert message["X"] == "1"
    assert message.to_dict() == {"Response": "Success", "Output": ["one", "two", "three"], "X": "1"}
    assert message.fields[3] == ("X", "1")  # order kept
    assert message.headers("output") == ["one", "two", "three"]


def test_the_event_name_through_the_dict_api_is_read_without_decoding():
    """A client skipping events by name, as code written for a dict reads it, pays for the
    first line alone; the message is decoded only when something else is read."""
    _, (event,) = parse([b"Event: Newchannel\r\nChannel: PJSIP/100-1\r\n\r\n"])
    assert event["Event"] == event.get("Event") == event.name == "Newchannel"
    assert dict.__len__(event) == 1  # the undecoded marker alone: nothing decoded yet
    assert event.get("Channel") == "PJSIP/100-1" and dict(event) == {"Event": "Newchannel", "Channel": "PJSIP/100-1"}
    _, (twice,) = parse([b"Event: A\r\nX: 1\r\nEvent:B\r\n\r\n"])
    assert twice["Event"] == twice.get("Event") == ["A", "B"]  # the hashref's list, as decoded
    _, (response,) = parse([b"Response: Success\r\nPing: Pong\r\n\r\n"])
    assert response.get("Event") is None and "Event" not in response
    with pytest.raises(KeyError):
        response["Event"]


# -- tolerance ----------------------------------------------------------------------------
def test_bare_lf_line_ends_and_missing_space_and_empty_values():
    _, (message,) = parse([b"Event: Foo\nKey:Value\nEmpty:\nSpaced:  two\nChanVariable(PJSIP/100-0001): x=1\n\n"])
    assert message.fields == [
        ("Event", "Foo"),
        ("Key", "Value"),
        ("Empty", ""),
        ("Spaced", " two"),
        ("ChanVariable(PJSIP/100-0001)", "x=1"),
    ]


def test_mixed_line_ends_inside_one_message():
    _, (message,) = parse([b"Event: Foo\r\nA: 1\nB: 2\r\n\n"])
    assert message.fields == [("Event", "Foo"), ("A", "1"), ("B", "2")]


def test_stray_blank_lines_between_messages_make_no_messages():
    data = b"\r\n\r\n\nEvent: A\r\n\r\n\r\n\n\r\nEvent: B\r\n\r\n\r\n"
    for chunks in ([data], [data[i : i + 1] for i in range(len(data))]):
        parser, messages = parse(chunks)
        assert [m.name for m in messages] == ["A", "B"]
        assert not parser.in_message


def test_lines_without_colon_are_kept_but_are_not_fields():
    _, (message,) = parse([b"garbage line\r\nResponse: Success\r\nmore garbage\r\n\r\n"])
    assert message.lines == ["garbage line", "Response: Success", "more garbage"]
    assert message.fields == [("Response", "Success")]


def test_a_multibyte_character_split_across_reads_is_not_lost():
    data = "Event: UserEvent\r\nName: Zoë 📞 Ünïcode\r\n\r\n".encode()
    split_inside = data.index("📞".encode()) + 2
    _, (message,) = parse([data[:split_inside], data[split_inside:]])
    assert message["Name"] == "Zoë 📞 Ünïcode"
    _, (bytewise,) = parse([data[i : i + 1] for i in range(len(data))])
    assert bytewise["Name"] == "Zoë 📞 Ünïcode"


def test_invalid_utf8_is_replaced_not_fatal_and_encoding_is_configurable():
    data = b"Event: X\r\nName: caf\xe9\r\n\r\n"
    _, (message,) = parse([data])
    assert message["Name"] == "caf\ufffd"
    assert message.raw == data
    _, (latin,) = parse([data], encoding="latin-1")
    assert latin["Name"] == "café"


# -- legacy Command output ---------------------------------------------------------------
LEGACY = (
    b"Response: Follows\r\nPrivilege: Command\r\nActionID: 5\r\n"
    b"Channel              Location             State   Application(Data)\n"
    b"\n"
    b"Key: value lines: have colons\n"
    b"2 active channels\n"
    b"--END COMMAND--\r\n\r\n"
    b"Event: After\r\n\r\n"
)


def test_legacy_follows_output_is_exposed_as_output_lines():
    _, messages = parse([LEGACY])
    command, after = messages
    assert command["Response"] == "Follows" and command.action_id == "5"
    assert command["Output"] == [
        "Channel              Location             State   Application(Data)",
        "",
        "Key: value lines: have colons",
        "2 active channels",
    ]
    assert "Key" not in command  # output text never becomes fields
    assert command.lines[-1] == "--END COMMAND--"
    assert after.name == "After"


def test_legacy_output_parses_the_same_split_anywhere():
    _, whole = parse([LEGACY])
    for point in range(len(LEGACY) + 1):
        _, split = parse([LEGACY[:point], LEGACY[point:]])
        assert shape(split) == shape(whole), point
    _, bytewise = parse([LEGACY[i : i + 1] for i in range(len(LEGACY))])
    assert shape(bytewise) == shape(whole)


def test_legacy_end_marker_glued_to_the_last_line():
    data = b"Response: Follows\r\nPrivilege: Command\r\nline one\nlast line--END COMMAND--\r\n\r\n"
    _, (message,) = parse([data])
    assert message["Output"] == ["line one", "last line"]


def test_legacy_output_with_lf_only_and_no_headers():
    data = b"Response: Follows\nAsterisk 1.8\n--END COMMAND--\n\nResponse: Success\n\n"
    _, (command, success) = parse([data])
    assert command["Output"] == "Asterisk 1.8"
    assert success.name == "Success"


# -- the size bound ----------------------------------------------------------------------
def test_an_oversized_message_raises_once_and_the_stream_recovers():
    big = b"Event: Big\r\n" + b"X: " + b"a" * 5000 + b"\r\n\r\n"
    data = b"Event: Before\r\n\r\n" + big + b"Event: After\r\n\r\n"
    for size in (len(data), 64, 1):
        chunks = [data[i : i + size] for i in range(0, len(data), size)]
        parser = Parser(max_message_size=1000)
        names, errors = [], []
        for chunk in chunks:
            parser.receive_data(chunk)
            while True:
                try:
                    message = parser.next_message()
                except ProtocolError as exc:
                    errors.append(str(exc))
                    continue
                if message is None:
                    break
                names.append(message.name)
                assert parser.buffered <= max(1000 + size, len(data) if size == len(data) else 0)
        assert names == ["Before", "After"]
        assert errors == ["message larger than the 1000-byte limit; it was skipped"]


def test_endless_bytes_without_a_line_end_never_grow_the_buffer_past_the_bound():
    parser = Parser(max_message_size=4096)
    raised = 0
    for _ in range(1000):
        parser.receive_data(b"x" * 1024)
        try:
            assert parser.next_message() is None
        except ProtocolError:
            raised += 1
        assert parser.buffered <= 4096 + 1024
    assert raised == 1


# -- work linear in the bytes received ---------------------------------------------------------
class CountingBuffer(bytearray):
    """A parser buffer that adds up how many bytes each search and copy covers, and counts
    the calls: work measured by structure, not by a clock."""

    scanned = 0
    calls = 0

    def _count(self, start: int | None, end: int | None) -> None:
        start, end, _ = slice(start, end).indices(len(self))
        self.scanned += max(0, end - start)
        self.calls += 1

    def find(self, sub, start=None, end=None):  # type: ignore[override]
        self._count(start, end)
        return super().find(sub, start, end)

    def rfind(self, sub, start=None, end=None):  # type: ignore[override]
        self._count(start, end)
        return super().rfind(sub, start, end)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            self._count(index.start, index.stop)
        else:
            self.calls += 1
        return super().__getitem__(index)


class CountingPattern:
    """A compiled pattern whose searches over a CountingBuffer are added to its count."""

    def __init__(self, pattern: re.Pattern[bytes]) -> None:
        self.pattern = pattern

    def search(self, buf, pos=0, endpos=None):
        if isinstance(buf, CountingBuffer):
            buf._count(pos, endpos)
        return self.pattern.search(buf, pos, *([] if endpos is None else [endpos]))

    def match(self, buf, pos=0, endpos=None):
        found = self.pattern.match(buf, pos, *([] if endpos is None else [endpos]))
        if isinstance(buf, CountingBuffer):  # an anchored match reads what it matched
            buf.scanned += found.end() - pos if found else 1
            buf.calls += 1
        return found


def counting_parser(monkeypatch) -> tuple[Parser, CountingBuffer]:
    for name, value in vars(protocol).items():
        if isinstance(value, re.Pattern) and isinstance(value.pattern, bytes):
            monkeypatch.setattr(protocol, name, CountingPattern(value))
    parser = Parser()
    buffer = parser._buffer = CountingBuffer()  # the parser's one buffer, instrumented
    return parser, buffer


def test_a_15_mib_first_line_fed_in_4_kib_pieces_is_scanned_once(monkeypatch):
    parser, buffer = counting_parser(monkeypatch)
    line = b"Event: " + b"x" * (15 * 1024 * 1024)
    data = line + b"\r\nChannel: PJSIP/alice\r\n\r\n"
    messages = []
    for offset in range(0, len(data), 4096):
        parser.receive_data(data[offset : offset + 4096])
        while (message := parser.next_message()) is not None:
            messages.append(message)
    assert [len(m.raw) for m in messages] == [len(data)] and messages[0]["Channel"] == "PJSIP/alice"
    scanned = buffer.scanned
    assert scanned <= 4 * len(data), f"{scanned / len(data):.0f} bytes looked at per byte fed"


@pytest.mark.parametrize("blank", [b"\n", b"\r\n"], ids=["lf", "crlf"])
def test_ten_megabytes_of_blank_lines_cost_a_few_calls_per_read(monkeypatch, blank):
    parser, buffer = counting_parser(monkeypatch)
    chunk = blank * (65536 // len(blank))
    reads = 10 * 1024 * 1024 // len(chunk)
    for _ in range(reads):
        parser.receive_data(chunk)
        assert parser.next_message() is None
    parser.receive_data(b"Event: After\r\n\r\n")
    assert parser.next_message().name == "After"
    scanned, calls = buffer.scanned, buffer.calls
    assert scanned <= 4 * reads * len(chunk)
    assert calls <= 20 * (reads + 1), f"{calls / reads:.0f} buffer calls per read"


# -- the greeting ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "line, product, version",
    [
        ("Asterisk Call Manager/11.0.0", "Asterisk Call Manager", "11.0.0"),
        ("Asterisk Call Manager/1.1", "Asterisk Call Manager", "1.1"),
        ("Asterisk Call Manager Proxy/1.0", "Asterisk Call Manager Proxy", "1.0"),
        ("FreePBX Call Manager/2.10.0", "FreePBX Call Manager", "2.10.0"),
    ],
)
def test_greeting_variants_seen_in_the_field(line, product, version):
    greeting = parse_greeting(line + "\r\n")
    assert (greeting.line, greeting.product, greeting.version) == (line, product, version)


@pytest.mark.parametrize(
    "line",
    ["SSH-2.0-OpenSSH_9.2", "HTTP/1.1 400 Bad Request", "", "Call Manager", "220 smtp ESMTP"],
)
def test_anything_else_is_unknown_protocol(line):
    with pytest.raises(ProtocolError, match="^Unknown Protocol$"):
        parse_greeting(line)


def test_greeting_split_and_followed_by_a_message_in_the_same_read():
    data = b"Asterisk Call Manager/11.0.0\r\nResponse: Success\r\n\r\n"
    _, bytewise = parse([data[i : i + 1] for i in range(len(data))], greeting=True)
    _, whole = parse([data], greeting=True)
    assert [m.name for m in whole] == [m.name for m in bytewise] == ["Success"]


def test_a_greeting_that_never_ends_is_unknown_protocol():
    parser = Parser(greeting=True)
    parser.receive_data(b"\x00" * 10000)
    with pytest.raises(ProtocolError, match="Unknown Protocol") as refused:
        parser.next_message()
    assert refused.value.received == "\x00" * 80  # what came instead, bounded


def test_a_refused_greeting_carries_what_came_instead_to_quote_it():
    parser = Parser(greeting=True)
    parser.receive_data(b"SSH-2.0-OpenSSH_9.2\r\n" + b"x" * 500)
    with pytest.raises(ProtocolError, match="^Unknown Protocol$") as refused:
        parser.next_message()
    assert refused.value.received == "SSH-2.0-OpenSSH_9.2"


# -- serialising ---------------------------------------------------------------------------
def test_serialise_keeps_order_puts_action_first_and_repeats_list_values():
    data = serialize_action(
        {"Channel": "Local/100@demo", "Action": "Originate", "Variable": ["A=1", "B=2"], "Async": True}
    )
    assert data == (
        b"Action: Originate\r\nChannel: Local/100@demo\r\nVariable: A=1\r\nVariable: B=2\r\nAsync: true\r\n\r\n"
    )


def test_serialise_pairs_keep_repeated_keys_in_row_order_and_insert_the_action_id():
    pairs = [("Action", "Originate"), ("Variable", "A=1"), ("Channel", "PJSIP/alice"), ("Variable", "B=2")]
    assert serialize_action(pairs, "7") == (
        b"Action: Originate\r\nActionID: 7\r\nVariable: A=1\r\nChannel: PJSIP/alice\r\nVariable: B=2\r\n\r\n"
    )


def test_serialised_actions_parse_back_to_the_same_fields():
    pairs = [("Action", "UserEvent"), ("UserEvent", "Demo"), ("Text", "[bold]x[/] ü"), ("Empty", "")]
    _, (message,) = parse([serialize_action(pairs)])
    assert message.fields == pairs


@pytest.mark.parametrize(
    "fields, error",
    [
        ({"Action": "Ping", "X": "a\r\nAction: Originate"}, "Value of 'X' holds a line break"),
        ({"Action": "Ping", "X": "a\nb"}, "Value of 'X' holds a line break"),
        ({"Action": "Ping", "X": "a\rb"}, "Value of 'X' holds a line break"),
        ({"Action": "Ping", "Bad\nKey": "a"}, "holds a line break"),
        ({"Action": "Ping", "Bad:Key": "a"}, "holds a colon"),
        ({"Action": "Ping", "": "a"}, "Empty header name"),
        ({"Channel": "x"}, "Required parameter 'Action' not defined"),
        ({"Action": ""}, "Required parameter 'Action' not defined"),
        ({"Action": "  "}, "Required parameter 'Action' not defined"),
        ({"Action": "Ping", "Variable": ["ok", "bad\n"]}, "Value of 'Variable'"),
    ],
)
def test_malformed_actions_are_refused(fields, error):
    with pytest.raises(ValueError, match=error.replace("(", r"\(")):
        serialize_action(fields)


def test_a_refused_value_is_never_quoted_in_the_error():
    with pytest.raises(ValueError) as caught:
        action_fields({"Action": "Login", "Username": "admin", "Secret": "hunter2\r\n"})
    assert "hunter2" not in str(caught.value)


def test_mask_secrets_hides_secret_always_and_key_only_in_login():
    key = hashlib.md5(b"123secret").hexdigest()
    login = mask_secrets([("Action", "Login"), ("Username", "admin"), ("Key", key), ("Secret", "s")])
    assert login == [("Action", "Login"), ("Username", "admin"), ("Key", "********"), ("Secret", "********")]
    db = mask_secrets([("Action", "DBGet"), ("Family", "cf"), ("Key", "100")])
    assert db == [("Action", "DBGet"), ("Family", "cf"), ("Key", "100")]


def test_mask_secrets_reads_the_action_name_as_asterisk_does():
    """Asterisk skips the blanks around a value and ignores case: " Login" is a Login."""
    for name in (" Login", "login\t", "  LOGIN  "):
        masked = mask_secrets([("Action", name), ("Key", "cef290e5"), ("Secret", "s")])
        assert masked == [("Action", name), ("Key", "********"), ("Secret", "********")]
    assert mask_secrets([("Action", " DBGet "), ("Key", "100")]) == [("Action", " DBGet "), ("Key", "100")]


def test_an_unencodable_value_is_refused_naming_its_key_never_its_text():
    with pytest.raises(ValueError) as caught:
        serialize_action({"Action": "Login", "Username": "admin", "Secret": "pa\udcffss"}, "1")
    assert str(caught.value) == "Value of 'Secret' cannot be encoded as utf-8"
    assert caught.value.__context__ is None  # a UnicodeEncodeError would hold the whole Login
    with pytest.raises(ValueError, match="^Value of 'Variable' cannot be encoded as ascii$"):
        serialize_action({"Action": "Originate", "Variable": "NAME=Zoë"}, encoding="ascii")


# -- event lists ---------------------------------------------------------------------------
def item(action_id: str, name: str = "CoreShowChannel", ending: str = "") -> Message:
    ending = f"EventList: {ending}\r\n" if ending else ""
    return Message.from_raw(f"Event: {name}\r\nActionID: {action_id}\r\n{ending}\r\n".encode())


def test_event_list_keeps_its_own_items_up_to_the_complete_one():
    gathered = EventList("7")
    assert EventList.starts(Message.from_raw(b"Response: Success\r\nEventList: start\r\n\r\n"))
    assert not EventList.starts(Message.from_raw(b"Response: Success\r\n\r\n"))
    assert not gathered.add(item("8"))  # another action's
    assert not gathered.add(Message.from_raw(b"Response: Success\r\nActionID: 7\r\n\r\n"))
    assert gathered.add(item("7")) and not gathered.done
    assert gathered.add(item("7", "CoreShowChannelsComplete", "Complete")) and gathered.complete
    assert not gathered.add(item("7"))  # over: later ones are not its
    assert [m.name for m in gathered.items] == ["CoreShowChannel", "CoreShowChannelsComplete"]
    assert gathered.error is None and gathered.size == sum(len(m.raw) for m in gathered.items)


def test_event_list_stops_at_its_bounds_and_says_how_many_came():
    by_count = EventList("7", max_items=2)
    while by_count.add(item("7")) and not by_count.done:
        pass
    assert len(by_count.items) == 2
    assert by_count.error == "Event list incomplete: over the 2-item limit, 2 items received"
    one = len(item("7").raw)
    by_size = EventList("7", max_bytes=one + 1)
    assert by_size.add(item("7")) and by_size.add(item("7")) and by_size.done
    assert by_size.error == f"Event list incomplete: over the {one + 1}-byte limit, 1 item received"
    assert (
        EventList("7").incomplete("timed out after 2 s")
        == "Event list incomplete: timed out after 2 s, 0 items received"
    )
