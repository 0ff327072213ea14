"""Properties of the sans-IO core on generated input (hypothesis, bounded example counts).

Streams of realistic messages (events and responses with random headers, values with
colons, brackets and any script, CRLF or LF line ends, stray blank lines, lines without a
colon, legacy ``Response: Follows`` blocks) cut at random points must parse to the messages
they were made from; arbitrary bytes must parse the same however they are cut, never raise
anything but ProtocolError, nor grow the buffer past its bound; any action without CR/LF
must survive serialise-then-parse, and any action with one must be refused, nothing sent.
"""

from __future__ import annotations

import copy
import json
import pickle
import re
from dataclasses import dataclass

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ami_console.client import AMIClient
from ami_console.protocol import Message, Parser, ProtocolError, action_fields, serialize_action
from tests.amiserver import ScriptedServer, answer_pings
from tests.captures import parse
from tests.library.test_protocol import shape

EXAMPLES = settings(max_examples=120, deadline=None)
STREAMS = settings(max_examples=60, deadline=None)  # each example is several messages

# -- generating realistic messages -------------------------------------------------------------
REAL_KEYS = [
    "Channel",
    "ChannelState",
    "ChannelStateDesc",
    "CallerIDNum",
    "CallerIDName",
    "Uniqueid",
    "Linkedid",
    "Context",
    "Exten",
    "Priority",
    "Application",
    "AppData",
    "ActionID",
    "Privilege",
    "Message",
    "Output",
    "Variable",
    "Value",
    "ChanVariable(PJSIP/100-0001)",
    "Cause-txt",
    "Response",
    "Event",
    "EventList",
]
REAL_VALUES = [
    "",
    "PJSIP/alice-00000001",
    "Dial(PJSIP/bob,30,[tT])",
    "<unknown>",
    "a: b: c",
    "[bold]x[/]",
    "  indented",
    "trailing ",
    "Zoë 📞 Ünïcode",
    "李小龙",
    "Command output follows",
    "x=1",
    "--END COMMAND",
    "\t",
    "\x00\x1b[2J",
    "caf\u00e9\u2028\x85",
]
# Characters of one to four UTF-8 bytes, and the punctuation AMI values are full of.
ALPHABET = "aZ09 -_./,;=@#()[]<>{}|\\\"'\t\x00\x1b\x7féßÅ€李📞\u2028\x85\ufeff"
keys = st.sampled_from(REAL_KEYS) | st.text(ALPHABET, min_size=1, max_size=12)
values = st.sampled_from(REAL_VALUES) | st.text(ALPHABET + ":", max_size=40)
no_colon_lines = st.text(ALPHABET, min_size=1, max_size=30)
line_ends = st.sampled_from(["\r\n", "\n"])


@st.composite
def ends_for(draw, count: int) -> list[str]:
    """Line ends for one message: mostly CRLF throughout, as Asterisk sends; else LF or mixed."""
    style = draw(st.sampled_from(["\r\n", "\r\n", "\n", "mixed"]))
    if style != "mixed":
        return [style] * count
    return draw(st.lists(line_ends, min_size=count, max_size=count))


@dataclass
class Made:
    """A message as generated: its wire bytes and what parsing them must give."""

    data: bytes
    fields: list[tuple[str, str]]
    lines: list[str]


def field_line(key: str, value: str, space: bool) -> str:
    # "Key:Value" without the space is accepted; then the value must not start with one.
    return f"{key}: {value}" if space or value.startswith(" ") else f"{key}:{value}"


@st.composite
def plain_messages(draw) -> Made:
    """An event or a response: a first line, headers, maybe lines without a colon."""
    first = draw(
        st.sampled_from([("Event", "Newchannel"), ("Event", "Hangup"), ("Response", "Success")])
        | st.tuples(st.sampled_from(["Event", "Response"]), values.filter(lambda v: v.strip()))
    )
    fields = [first, *draw(st.lists(st.tuples(keys, values), max_size=14))]
    space = draw(st.sampled_from([True, True, True, False]))
    lines = [field_line(key, value, space) for key, value in fields]
    if draw(st.integers(0, 3)) == 0:
        lines.insert(draw(st.integers(1, len(lines))), draw(no_colon_lines))
    ends = draw(ends_for(len(lines) + 1))
    text = "".join(map(str.__add__, lines, ends)) + ends[-1]
    return Made(text.encode(), fields, lines)


# No "-": nothing in the output can be, or run into, the end marker.
output_lines = st.text(ALPHABET.replace("-", "") + ":", max_size=30)


@st.composite
def legacy_messages(draw) -> Made:
    """Asterisk 13's Command answer: raw text, blank lines and colons included."""
    first = draw(st.sampled_from(["Response: Follows", "response: follows"]))
    headers = draw(st.lists(st.sampled_from(["Privilege: Command", "ActionID: 42"]), max_size=2, unique=True))
    output = draw(st.lists(output_lines, max_size=6))
    if output and re.match(r"(?i)(?:privilege|actionid):", output[0]):
        output[0] = " " + output[0]  # a header there would be read as one, rightly
    ends = draw(ends_for(len(headers) + len(output) + 3))
    text = "".join(map(str.__add__, [first, *headers, *output], ends))
    if output and output[-1] and draw(st.booleans()):
        text = text.removesuffix(ends[len(headers) + len(output)])  # the marker glued on
    text += "--END COMMAND--" + ends[-2] + ends[-1]
    key, _, value = first.partition(": ")
    fields = [(key, value), *(tuple(h.split(": ")) for h in headers)]
    return Made(
        text.encode(),
        [*fields, *(("Output", line) for line in output)],
        [first, *headers, *output, "--END COMMAND--"],
    )


stray_blank_lines = st.lists(st.sampled_from(["\r\n", "\n"]), max_size=2).map("".join)


@st.composite
def streams(draw, message=None) -> tuple[bytes, list[Made]]:
    made = draw(
        st.lists(message if message is not None else plain_messages() | legacy_messages(), min_size=1, max_size=8)
    )
    data = b"".join(draw(stray_blank_lines).encode() + m.data for m in made)
    return data, made


def cut(data: bytes, points: list[int]) -> list[bytes]:
    edges = sorted({0, len(data), *(p % (len(data) + 1) for p in points)})
    return [data[a:b] for a, b in zip(edges, edges[1:])]


# -- framing ----------------------------------------------------------------------------------------
@STREAMS
@given(stream=streams(), points=st.lists(st.integers(0, 2**20), max_size=12))
def test_messages_split_anywhere_parse_to_what_was_sent(stream, points):
    data, made = stream
    parser, whole = parse([data])
    assert [(m.fields, m.lines, m.raw) for m in whole] == [(m.fields, m.lines, m.data) for m in made]
    assert parser.buffered == 0 and not parser.in_message
    _, split = parse(cut(data, points))
    assert shape(split) == shape(whole)
    _, bytewise = parse([data[i : i + 1] for i in range(len(data))])
    assert shape(bytewise) == shape(whole)


def partition_fields(lines: list[str]) -> list[tuple[str, str]]:
    """The field rule, written the plain way: key up to the first colon, one space dropped."""
    fields = []
    for line in lines:
        key, colon, value = line.partition(":")
        if colon and key:
            fields.append((key, value[1:] if value.startswith(" ") else value))
    return fields


noisy_lines = st.lists(
    st.one_of(
        st.sampled_from(["Event: X", ":no key", "::", "a:b:c", "k:  two", "\r", "x\r\ry", " : "]),
        st.text(st.characters(codec="utf-8", exclude_characters="\n"), min_size=1, max_size=20),
    ).filter(lambda line: line.strip("\r")),  # a line of only CRs would end the message
    min_size=1,
    max_size=10,
)


@EXAMPLES
@given(lines=noisy_lines, ends=st.lists(line_ends, min_size=11, max_size=11))
def test_fields_follow_the_partition_rule_and_header_reads_the_first_line_alone(lines, ends):
    assume(not lines[0].startswith("\r"))  # leading CRs are stray line ends, skipped
    data = "".join(line + end for line, end in zip(lines, ends)).encode() + b"\r\n"
    _, messages = parse([data])
    assert len(messages) == 1
    (message,) = messages
    assert message.fields == partition_fields(message.lines)
    for name in {"Event", "event", "Response", message.lines[0].partition(":")[0], ""}:
        fresh = Message.from_raw(message.raw)  # nothing decoded yet
        assert fresh.header(name) == message.header(name), name


key_lines = st.lists(
    st.tuples(
        st.sampled_from(
            ["Uniqueid", "uniqueID", "Channel", "Variable", "S", "\u017f", "K", "\u212a", "\u0130d", "a b", "(x)"]
        ),
        st.sampled_from([": ", ":", ":  ", ": \r"]),
        st.text(st.characters(codec="utf-8", exclude_characters="\n"), max_size=8),
    ).map("".join)
    | noisy_lines.map(lambda lines: lines[0]),
    min_size=1,
    max_size=8,
)


@EXAMPLES
@given(
    lines=key_lines,
    ends=st.lists(line_ends, min_size=9, max_size=9),
    names=st.permutations(
        [
            "Uniqueid",
            "uniqueid",
            "UNIQUEID",
            "channel",
            "variable",
            "s",
            "\u017f",
            "k",
            "\u212a",
            "\u0130d",
            "i\u0307d",
            "a b",
            "(x)",
            "absent",
            "",
            "a:b",
            "Event",
        ]
    ),
)
def test_looking_keys_up_before_decoding_gives_what_the_decoded_message_gives(lines, ends, names):
    assume(lines[0].strip("\r") and not lines[0].startswith("\r"))
    data = "".join(line + end for line, end in zip(lines, ends)).encode() + b"\r\n"
    _, (decoded,) = parse([data])
    expected = dict(decoded)
    fresh, fresh_mapping = Message.from_raw(decoded.raw), Message.from_raw(decoded.raw)
    for name in [*names, *expected]:  # more look-ups than are searched before splitting
        assert fresh.header(name) == decoded.header(name), name
        assert fresh_mapping.get(name) == expected.get(name), name
        assert (name in fresh_mapping) == (name in expected), name
    assert fresh.fields == decoded.fields
    # Decoded as a dict, a message keeps no lines: made again when asked, they are the same;
    # its name, read before decoding and kept, is the decoded message's.
    named, as_dict, as_lines = (Message.from_raw(decoded.raw) for _ in range(3))
    early = named.name
    dict(as_dict)
    assert as_dict.lines == as_lines.lines == decoded.lines and as_dict.text() == decoded.text()
    assert early == named.name == as_dict.name == (decoded.header("Event") or decoded.header("Response") or "")


# -- arbitrary bytes and the size bound ------------------------------------------------------------
tricky_bytes = st.lists(
    st.sampled_from(
        [
            b"\r\n",
            b"\n",
            b"\r",
            b":",
            b" ",
            b"Event: X",
            b"Response: Follows\r\n",
            b"--END COMMAND--",
            b"follows",
            b"\xff",
            b"\xc3",
            b"\xe2\x82",
            b"\x00",
        ]
    )
    | st.binary(max_size=64),
    max_size=60,
).map(b"".join)


@EXAMPLES
@given(data=tricky_bytes, points=st.lists(st.integers(0, 2**20), max_size=10))
def test_any_bytes_split_anywhere_parse_as_the_whole(data, points):
    _, whole = parse([data])
    _, split = parse(cut(data, points))
    assert shape(split) == shape(whole)


@EXAMPLES
@given(
    data=tricky_bytes,
    points=st.lists(st.integers(0, 2**20), max_size=10),
    limit=st.integers(16, 512),
    greeting=st.booleans(),
)
def test_arbitrary_bytes_only_ever_raise_protocol_error_and_stay_bounded(data, points, limit, greeting):
    parser = Parser(max_message_size=limit, greeting=greeting)
    for chunk in cut(data, points):
        parser.receive_data(chunk)
        while True:
            try:
                message = parser.next_message()
            except ProtocolError:
                continue
            if message is None:
                break
            # Decoding never fails either.
            message.fields, message.lines, message.name, dict(message), message.text()
        if not greeting:  # a greeting may take a few kilobytes before it is refused
            assert parser.buffered <= limit + len(chunk)


@STREAMS
@given(
    stream=streams(plain_messages()),
    points=st.lists(st.integers(0, 2**20), max_size=10),
    pick=st.integers(0, 7),
    offset=st.integers(-4, 4),
)
def test_each_oversized_message_raises_once_and_the_others_arrive_intact(stream, points, pick, offset):
    data, made = stream
    limit = max(16, len(made[pick % len(made)].data) + offset)  # near a message's size
    expected = ["too big" if len(m.data) > limit else m.fields for m in made]
    parser = Parser(max_message_size=limit)
    got: list = []
    for chunk in cut(data, points):
        parser.receive_data(chunk)
        while True:
            try:
                message = parser.next_message()
            except ProtocolError as exc:
                assert str(exc) == f"message larger than the {limit}-byte limit; it was skipped"
                got.append("too big")
                continue
            if message is None:
                break
            got.append(message.fields)
        assert parser.buffered <= limit + len(chunk)
    assert got == expected


# -- serialising ----------------------------------------------------------------------------------
action_keys = keys.filter(lambda k: k.strip() and k.lower() != "action")
action_values = values | st.integers() | st.booleans()


def as_text(value) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


@EXAMPLES
@given(
    action=values.filter(lambda v: v.strip()),
    pairs=st.lists(st.tuples(action_keys, action_values | st.lists(values, max_size=3)), max_size=10),
    action_id=st.none() | st.from_regex(r"[A-Za-z0-9./-]{1,20}", fullmatch=True),
)
def test_any_action_without_line_breaks_parses_back_to_its_fields_in_order(action, pairs, action_id):
    data = serialize_action([("Action", action), *pairs], action_id)
    _, messages = parse([data])
    expected = [("Action", action)] + ([("ActionID", action_id)] if action_id else [])
    for key, value in pairs:
        expected += [(key, as_text(v)) for v in (value if isinstance(value, list) else [value])]
    assert [m.fields for m in messages] == [expected]


@st.composite
def actions_with_a_line_break(draw) -> list[tuple[str, str]]:
    pairs = [("Action", "Originate"), *draw(st.lists(st.tuples(action_keys, values), max_size=6))]
    index = draw(st.integers(0, len(pairs) - 1))
    key, value = pairs[index]
    where = draw(st.sampled_from(["key", "value"])) if index else "value"
    text = key if where == "key" else value
    at = draw(st.integers(0, len(text)))
    broken = text[:at] + draw(st.sampled_from(["\r\n", "\n", "\r", "\r\nAction: Logoff\r\n"])) + text[at:]
    pairs[index] = (broken, value) if where == "key" else (key, broken)
    return pairs


@EXAMPLES
@given(fields=actions_with_a_line_break())
def test_any_line_break_in_a_key_or_value_is_refused(fields):
    with pytest.raises(ValueError, match="line break"):
        action_fields(fields)
    with pytest.raises(ValueError, match="line break"):
        serialize_action(fields)


def test_the_client_sends_nothing_for_an_action_with_a_line_break():
    with ScriptedServer(answer_pings) as server:
        ami = AMIClient(username="admin", secret="pw", host=server.address, timeout=5)
        assert ami.connect(), ami.error

        @settings(max_examples=60, deadline=None)
        @given(fields=actions_with_a_line_break())
        def refused(fields):
            with pytest.raises(ValueError, match="line break"):
                ami.send_action(fields)

        refused()
        ping = ami.action(Action="Ping")
        assert ping["Ping"] == "Pong" and ping.action_id == "2"  # no ActionID was used up
        ami.close()
        assert server.conns[0].wait_closed()
    assert [m.header("Action") for m in server.conns[0].messages] == ["Login", "Ping"]


def perl_hashref(fields: list[tuple[str, str]]) -> dict[str, str | list[str]]:
    """The manual's hashref, built the slow obvious way: a repeated key holds a list."""
    result: dict[str, str | list[str]] = {}
    for key, value in fields:
        if key not in result:
            result[key] = value
        elif isinstance(result[key], list):
            result[key].append(value)  # type: ignore[union-attr]
        else:
            result[key] = [result[key], value]  # type: ignore[list-item]
    return result


def _one(read):
    """A read that needs the message alone."""
    return lambda message, hashref: read(message)


READS = {
    "dict()": _one(dict),
    "{**m}": _one(lambda m: {**m}),
    "f(**m)": _one(lambda m: (lambda **kwargs: kwargs)(**m)),
    "dict.update": _one(lambda m: (target := {}, target.update(m))[0]),
    "list()": _one(list),
    "reversed()": _one(lambda m: list(reversed(m))),
    "len()": _one(len),
    "bool()": _one(bool),
    "keys()": _one(lambda m: list(m.keys())),
    "values()": _one(lambda m: list(m.values())),
    "items()": _one(lambda m: list(m.items())),
    "copy()": _one(lambda m: m.copy()),
    "m | {}": _one(lambda m: m | {}),
    "{} | m": _one(lambda m: {} | m),
    "json": _one(lambda m: json.loads(json.dumps(m))),
    "copy.copy": _one(lambda m: dict(copy.copy(m))),
    "deepcopy": _one(lambda m: dict(copy.deepcopy(m))),
    "pickle": _one(lambda m: dict(pickle.loads(pickle.dumps(m)))),
    "== hashref": lambda m, ref: m == ref,
    "hashref ==": lambda m, ref: ref == m,
    "!= hashref": lambda m, ref: m != ref,
    "[] each key": lambda m, ref: [m[key] for key in ref],
}


@EXAMPLES
@given(lines=key_lines, read=st.sampled_from(sorted(READS)))
def test_a_fresh_message_reads_as_the_manuals_hashref_whichever_way_it_is_read_first(lines, read):
    # CRLF line ends: the messages a real Asterisk sends, decoded on first use.
    assume(lines[0].strip("\r") and not lines[0].startswith("\r"))
    data = "".join(line + "\r\n" for line in lines).encode() + b"\r\n"
    _, (parsed,) = parse([data])
    expected_fields = partition_fields(parsed.lines)
    hashref = perl_hashref(expected_fields)
    expected = READS[read](Message(expected_fields, parsed.lines), hashref)  # a message made whole
    assert READS[read](Message.from_raw(parsed.raw), hashref) == expected
    assert Message.from_raw(parsed.raw).fields == expected_fields


@pytest.mark.parametrize("fresh", [True, False])
@pytest.mark.parametrize(
    "change",
    [
        lambda m: m.__setitem__("Event", "x"),
        lambda m: m.__delitem__("Event"),
        lambda m: m.update(Event="x"),
        lambda m: m.pop("Event"),
        lambda m: m.popitem(),
        lambda m: m.clear(),
        lambda m: m.setdefault("New", "x"),
        lambda m: m.__ior__({"Event": "x"}),
    ],
)
def test_a_message_is_read_only_and_a_dict_copy_is_not(fresh, change):
    raw = b"Event: Newchannel\r\nChannel: PJSIP/100-1\r\n\r\n"
    message = Message.from_raw(raw)
    if not fresh:
        dict(message)
    with pytest.raises(TypeError, match="read-only"):
        change(message)
    assert message.fields == [("Event", "Newchannel"), ("Channel", "PJSIP/100-1")]
    copy_ = dict(message)
    change(copy_)  # a plain dict: changes
