"""Exporting the event log (JSON Lines, raw AMI text), reading it back, saving transcripts."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from ami_console.client import AMIClient
from ami_console.events.export import mask_transcript, read_events, save_transcript, write_jsonl, write_raw
from ami_console.events.filter import EventFilter
from ami_console.events.store import EventStore
from ami_console.protocol import MASK, Message, Parser
from ami_console.simulator import Simulator
from tests.captures import FIXTURES, capture_messages

GREETING = "Asterisk Call Manager/11.0.0"
# Values that trip naive formats: colons, brackets, unicode, repeated keys, a line
# without a colon, an empty value, no space after the colon.
TRICKY = (
    b"Event: Newexten\r\nChannel: PJSIP/al\xc3\xa9-00000001\r\nAppData: Dial(PJSIP/bob,30,[tT])\r\n"
    b"Note: a: b: c \xf0\x9f\x98\x80\r\nVariable: A=1\r\nVariable: B=2\r\nthis line has no colon\r\n"
    b"Empty: \r\nTight:value\r\n\r\n"
)


def parse(data: bytes, greeting: bool = False) -> list[Message]:
    parser = Parser(greeting=greeting)
    parser.receive_data(data)
    messages = []
    while (message := parser.next_message()) is not None:
        messages.append(message)
    return messages


def logged() -> EventStore:
    store = EventStore()
    store.add_timed([(1795660004.125, m) for m in parse(TRICKY)])
    store.add_timed([(1795660005.5, m) for m in capture_messages("session1") if m.is_event])
    return store


def test_json_lines_round_trip_keeps_times_order_repeats_and_odd_lines(tmp_path: Path) -> None:
    store = logged()
    path = tmp_path / "events.jsonl"
    assert write_jsonl(path, store.entries) == len(store.entries)
    first = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    assert first["seq"] == 1 and first["at"] == 1795660004.125
    assert first["fields"][:2] == [["Event", "Newexten"], ["Channel", "PJSIP/alé-00000001"]]
    result = read_events(path)
    assert (result.summary.format, result.summary.truncated, result.summary.skipped) == ("jsonl", False, 0)
    assert [at for at, _ in result.events] == [e.at for e in store.entries]
    for (_, back), entry in zip(result.events, store.entries):
        assert back.fields == entry.message.fields and back.lines == entry.message.lines
    tricky = result.events[0][1]
    assert tricky.headers("Variable") == ["A=1", "B=2"] and tricky["Note"] == "a: b: c 😀"
    assert "this line has no colon" in tricky.lines and tricky["Tight"] == "value"


def test_raw_text_round_trip_keeps_the_bytes_as_received(tmp_path: Path) -> None:
    store = logged()
    made_up = Message([("Event", "Made"), ("Value", "[x]")])  # no raw bytes: written as its text
    path = tmp_path / "events.txt"
    assert write_raw(path, [*store.entries, made_up], greeting=GREETING) == len(store.entries) + 1
    assert path.read_bytes().startswith(GREETING.encode() + b"\r\n" + TRICKY)
    result = read_events(path)
    assert (result.summary.format, result.summary.greeting, result.summary.skipped) == ("raw", GREETING, 0)
    assert all(at is None for at, _ in result.events)  # raw text records no arrival times
    assert [m.raw for _, m in result.events[:-1]] == [e.message.raw for e in store.entries]
    assert result.events[-1][1].fields == made_up.fields


def test_a_capture_of_the_wire_reads_as_raw_text() -> None:
    result = read_events(FIXTURES / "session1.txt")
    assert result.summary.greeting == GREETING
    assert [m.fields for _, m in result.events] == [m.fields for m in capture_messages("session1")]


def test_raw_text_without_greeting_with_bare_line_ends_and_no_final_blank_line(tmp_path: Path) -> None:
    path = tmp_path / "by-hand.txt"
    path.write_bytes(b"\n\nEvent: Hangup\nChannel: PJSIP/bob-1\nCause: 17\n\nEvent: Cdr\nDisposition: BUSY")
    result = read_events(path)
    assert result.summary.greeting is None
    assert [m.fields for _, m in result.events] == [
        [("Event", "Hangup"), ("Channel", "PJSIP/bob-1"), ("Cause", "17")],
        [("Event", "Cdr"), ("Disposition", "BUSY")],
    ]


@pytest.mark.parametrize("writer", [write_jsonl, write_raw])
def test_reading_stops_at_the_limit_and_says_so(tmp_path: Path, writer) -> None:
    events = [Message([("Event", "UserEvent"), ("N", str(n))]) for n in range(20)]
    path = tmp_path / "big"
    writer(path, events)
    result = read_events(path, limit=5)
    assert [m["N"] for _, m in result.events] == ["0", "1", "2", "3", "4"] and result.summary.truncated
    assert "stopped after the first 5, the file holds more" in str(result.summary)
    exact = read_events(path, limit=20)
    assert len(exact.events) == 20 and not exact.summary.truncated


def test_export_what_the_filter_shows(tmp_path: Path) -> None:
    store = logged()
    store.set_filter(EventFilter.parse("VarSet,Newstate"))
    write_jsonl(tmp_path / "view.jsonl", store.view)
    names = [m.name for _, m in read_events(tmp_path / "view.jsonl").events]
    assert names and set(names) == {"VarSet", "Newstate"}


def test_a_failed_export_leaves_the_old_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text("previous export\n")

    def failing():
        yield Message([("Event", "Ping")])
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_jsonl(path, failing())
    assert path.read_text() == "previous export\n" and list(tmp_path.iterdir()) == [path]
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(OSError):
        write_raw(blocker / "events.txt", [])


# -- transcripts and secrets ------------------------------------------------------------
def test_transcripts_are_saved_with_every_secret_masked(tmp_path: Path) -> None:
    lines = [
        ">> Action: Login",
        ">> Username: admin",
        ">> Secret: s3cr3t-pass",
        ">> ",
        "<< Response: Success",
        "<< Message: Authentication accepted",
        "<< ",
        ">> Action: Login",
        ">> AuthType: MD5",
        ">> Key: 0123abcd0123abcd",
        ">> Username: admin",
        ">>",
        ">> Action: DBGet",
        ">> Family: cf",
        ">> Key: 1001",
        ">> ",
        "note: secret: s3cr3t-pass",
    ]
    path = tmp_path / "transcript.txt"
    assert save_transcript(path, lines) == len(lines)
    text = path.read_text()
    assert "s3cr3t-pass" not in text and "0123abcd" not in text
    assert f">> Secret: {MASK}\n" in text and f">> Key: {MASK}\n" in text
    assert ">> Key: 1001\n" in text and "<< Message: Authentication accepted\n" in text
    assert mask_transcript(["<< Secret: echoed", ">> Action: Ping"])[0] == f"<< Secret: {MASK}"


def test_a_real_session_exports_and_transcribes_without_the_secret(tmp_path: Path) -> None:
    wire = io.StringIO()
    events: list[Message] = []
    with Simulator(time_scale=0.02) as pbx:
        for auth in ("plain", "md5"):
            ami = AMIClient(
                username=pbx.username,
                secret=pbx.secret,
                host=pbx.address,
                timeout=5,
                auth=auth,
                debug_file=wire,
                event_callback=events.append,
            )
            assert ami.connect(), ami.error
            ami.action(Action="UserEvent", UserEvent="Exported", Note="[done]")
            assert ami.disconnect()
    save_transcript(tmp_path / "transcript.txt", wire.getvalue().splitlines())
    write_jsonl(tmp_path / "events.jsonl", events)
    write_raw(tmp_path / "events.txt", events, greeting=GREETING)
    assert {"SuccessfulAuth", "UserEvent"} <= {m.name for m in events}
    for name in ("transcript.txt", "events.jsonl", "events.txt"):
        assert pbx.secret not in (tmp_path / name).read_text(), name
    assert ">> Action: Login" in (tmp_path / "transcript.txt").read_text()
