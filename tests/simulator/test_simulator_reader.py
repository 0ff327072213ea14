"""The server-side request reader and the permission strings, without sockets."""

from __future__ import annotations

import pytest

from ami_console.simulator.filters import FilterError, parse_filter, passes
from ami_console.simulator.perms import (
    ALL,
    CALL,
    SYSTEM,
    authority_to_str,
    event_mask,
    parse_classes,
)
from ami_console.simulator.reader import LINE_TOO_LONG, TOO_MANY_LINES, RequestReader
from tests.captures import sent


def read(chunks: list[bytes]) -> list:
    reader = RequestReader()
    return [request for chunk in chunks for request in reader.feed(chunk)]


def shape(requests: list) -> list:
    return [(r.lines, r.raw, r.error) for r in requests]


@pytest.mark.parametrize("name", ["errors", "session1", "originate_sync"])
def test_same_requests_whole_or_byte_by_byte(name: str) -> None:
    data = sent(name)
    whole = read([data])
    assert shape(read([data[i : i + 1] for i in range(len(data))])) == shape(whole)
    assert b"".join(r.raw for r in whole) == data


def test_every_blank_line_ends_a_request() -> None:
    requests = read([b"garbage\r\nmore\r\n\r\n\r\n\n"])
    assert [r.lines for r in requests] == [["garbage", "more"], [], []]


def test_header_lookup_is_asterisks() -> None:
    (request,) = read([b"action:   Ping  \r\nACTIONID:x\nX-A : no\nVariable: a=1\r\nvariable: b=2\r\n\r\n"])
    assert request.action == "Ping  "  # leading blanks go, trailing ones stay
    assert request.action_id == "x"
    assert request.header("X-A") == ""  # a space before the colon is not that header
    assert request.headers("Variable") == ["a=1", "b=2"]
    assert request.to_message().fields[0] == ("action", "Ping  ")


def test_a_lone_cr_stays_in_the_line() -> None:
    (request,) = read([b"Action: Pi\rng\r\n\r\n"])
    assert request.action == "Pi\rng"


def test_a_line_over_1024_bytes_spoils_its_request_only() -> None:
    data = b"Action: Ping\r\nActionID: e9\r\nX-Long: " + b"A" * 3000 + b"\r\n\r\nAction: Ping\r\n\r\n"
    for chunks in ([data], [data[i : i + 700] for i in range(0, len(data), 700)]):
        spoilt, good = read(chunks)
        assert spoilt.error == LINE_TOO_LONG and spoilt.action_id == "e9"
        assert good.error is None and good.action == "Ping"


def test_a_line_of_1022_bytes_is_fine() -> None:
    (request,) = read([b"X: " + b"a" * 1019 + b"\r\n\r\n"])
    assert request.error is None and len(request.lines[0]) == 1022


def test_too_many_lines() -> None:
    data = b"Action: Ping\r\nActionID: many\r\n" + b"X: y\r\n" * 200 + b"\r\n"
    (request,) = read([data])
    assert request.error == TOO_MANY_LINES and request.action_id == "many"


def test_event_masks_and_classes() -> None:
    assert event_mask("") == -1
    assert event_mask("off") == 0 and event_mask("bogus") == 0
    assert event_mask("on") == ALL and event_mask("yes") == ALL
    assert event_mask("system,call") == SYSTEM | CALL
    assert event_mask("3") == 3
    assert parse_classes("sys,call") == SYSTEM | CALL  # Asterisk matches all but the last by prefix
    assert parse_classes("all") == ALL
    assert authority_to_str(CALL) == "call,all"
    assert authority_to_str(SYSTEM | CALL) == "system,call,all"
    assert authority_to_str(0) == "<none>"


EVENT = "Event: VarSet\r\nPrivilege: dialplan,all\r\nChannel: PJSIP/alice-00000001\r\nVariable: X\r\n\r\n"


@pytest.mark.parametrize(
    ("criteria", "pattern", "sent_through"),
    [
        ("", "Event: VarSet", True),
        ("", "!Event: VarSet", False),
        ("", "Event: Newchannel", False),
        ("name(VarSet),method(none)", "", True),
        ("name(VarSet),header(Channel),method(starts_with)", "PJSIP/alice", True),
        ("action(exclude),header(Channel),method(contains)", "alice", False),
        ("header(Variable),method(exact)", "Y", False),
    ],
)
def test_filters(criteria: str, pattern: str, sent_through: bool) -> None:
    entry = parse_filter(criteria, pattern)
    includes, excludes = ([], [entry]) if entry.exclude else ([entry], [])
    assert passes(includes, excludes, "VarSet", EVENT) is sent_through


@pytest.mark.parametrize(
    ("criteria", "pattern"),
    [
        ("", ""),
        ("", "!"),
        ("nnnn(yyy)", "XXX"),
        ("method(yyy)", "XXX"),
        ("name(VarSet),method(regex)", ""),
        ("", "XX[X"),
    ],
)
def test_bad_filters(criteria: str, pattern: str) -> None:
    with pytest.raises(FilterError):
        parse_filter(criteria, pattern)
