"""Replaying an exported log (``ami-console --replay FILE``) reads it as the live console
receives events: in bounded chunks, in batches, with progress, stoppable at any point, and
every event bounded in bytes and in headers (issue 19: a 450 MiB file of 15 MiB events took
the console to 1 GiB; ctrl+q waited for a 2 GiB file to be read)."""

from __future__ import annotations

import itertools
import json
import os
import time
import tracemalloc
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from ami_console.events.export import write_jsonl, write_raw
from ami_console.events.replay import (
    CHUNK,
    PROGRESS_BYTES,
    ReplayBatch,
    read_events,
    stream_events,
)
from ami_console.files.regular import NotRegularFile
from ami_console.protocol import Message
from tests.events.pipes import finishes

MIB = 1 << 20
Writer = Callable[[Path, Iterable[Message]], int]


def user_event(number: int, value: str = "") -> Message:
    return Message([("Event", "UserEvent"), ("N", str(number)), ("Value", value)])


def read_all(path: Path, **options: object) -> list[ReplayBatch]:
    return list(stream_events(path, **options))  # type: ignore[arg-type]


def names(batches: list[ReplayBatch]) -> list[str]:
    return [message["N"] for batch in batches for _, message in batch.events]


@pytest.mark.parametrize("writer", [write_jsonl, write_raw])
def test_both_formats_stream_in_bounded_batches_with_progress_and_a_summary(tmp_path: Path, writer: Writer):
    path = tmp_path / "events"
    writer(path, [user_event(n) for n in range(1000)])
    batches = read_all(path, batch_events=64)
    assert names(batches) == [str(n) for n in range(1000)]
    assert all(len(batch.events) <= 64 for batch in batches)
    reads = [batch.read for batch in batches]
    assert reads == sorted(reads) and batches[-1].read == batches[-1].size == path.stat().st_size
    assert batches[-1].fraction == 1.0
    assert [batch.summary is not None for batch in batches] == [False] * (len(batches) - 1) + [True]
    summary = batches[-1].summary
    assert summary is not None
    assert (summary.format, summary.events, summary.skipped) == (
        "jsonl" if writer is write_jsonl else "raw",
        1000,
        0,
    )
    assert str(summary).startswith("1,000 events from ")


def test_the_summary_gives_the_first_and_last_times(tmp_path: Path):
    path = tmp_path / "events.jsonl"
    write_jsonl(path, [(1795660004.25, user_event(1)), (None, user_event(2)), (1795660064.5, user_event(3))])
    summary = read_all(path)[-1].summary
    assert summary is not None and (summary.first_at, summary.last_at) == (1795660004.25, 1795660064.5)
    first = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(1795660004.25))
    last = time.strftime("%H:%M:%S", time.localtime(1795660064.5))
    assert str(summary) == f"3 events from a JSON Lines export, {first} to {last}"


@pytest.mark.parametrize("writer", [write_jsonl, write_raw])
def test_a_huge_file_is_read_with_bounded_memory(tmp_path: Path, writer: Writer):
    """40 events of 1 MiB and 5 over the event bound: 55 MiB, read in a few MiB."""
    path = tmp_path / "huge"
    events = [user_event(n, "v" * MIB) for n in range(40)]
    events[5:5] = [user_event(-1, "x" * 3 * MIB)] * 5
    writer(path, events)
    counted = 0
    tracemalloc.start()
    try:
        for batch in stream_events(path, max_event_bytes=2 * MIB, batch_bytes=MIB):
            counted += len(batch.events)
            summary = batch.summary
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert counted == 40 and summary is not None and summary.skipped == 5
    assert path.stat().st_size > 50 * MIB and peak < 12 * MIB


@pytest.mark.parametrize("writer", [write_jsonl, write_raw])
def test_an_event_of_a_great_many_headers_is_refused_before_it_is_decoded(tmp_path: Path, writer: Writer):
    """Hostile like the server's: 600,000 tiny headers in 4 MiB would make 600,000 objects."""
    path = tmp_path / "headers"
    many = Message([("Event", "UserEvent"), *[("a", "b")] * 600_000])
    writer(path, [user_event(1), many, Message([("Event", "UserEvent"), *[("a", "b")] * 1001]), user_event(2)])
    tracemalloc.start()
    try:
        batches = read_all(path, max_event_fields=1000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert names(batches) == ["1", "2"]
    summary = batches[-1].summary
    assert summary is not None and summary.reasons == (("over 1,000 headers", 2),)
    assert peak < 4 * path.stat().st_size


def test_malformed_json_lines_are_skipped_and_reported_with_their_line(tmp_path: Path):
    good = '{"at": null, "fields": [["Event", "Hangup"], ["N", "1"]]}'
    lines = [
        good,
        "{oops",
        '{"at": "noon", "fields": []}',
        '{"at": 1e999, "fields": []}',  # not a time: infinite
        '{"at": ' + "9" * 4000 + ', "fields": []}',  # too large for a float
        '{"at": 1, "fields": [["no value"]]}',
        "[" * 5000 + "]" * 5000,  # deeper than json can read
        '{"at": 1, "fields": [["A", "' + "x" * 30_000 + '"]]}',  # over the event bound
        "",
        good.replace('"1"', '"2"'),
        good[:20],
    ]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines))
    batches = read_all(path, max_event_bytes=20_000)
    assert names(batches) == ["1", "2"]
    summary = batches[-1].summary
    assert summary is not None and summary.skipped == 8
    assert summary.problems == (
        (2, "not JSON"),
        (3, "not an event"),
        (4, "not an event"),
        (5, "not an event"),
        (6, "not an event"),
        (7, "not JSON"),
        (8, "over 20,000 bytes"),
        (11, "not JSON"),
    )
    assert summary.reasons == (("not an event", 4), ("not JSON", 3), ("over 20,000 bytes", 1))
    assert str(summary).endswith("; 8 unreadable lines skipped (4 not an event, 3 not JSON, 1 over 20,000 bytes)")


def test_raw_text_messages_past_the_bounds_are_skipped_and_reported(tmp_path: Path):
    path = tmp_path / "events.txt"
    path.write_bytes(
        b"Asterisk Call Manager/11.0.0\r\n"
        b"Event: A\r\nN: 1\r\n\r\n"
        b"Event: Big\r\nValue: " + b"x" * 500 + b"\r\n\r\n"
        b"\r\n\r\n"
        b"Event: Many\r\n" + b"a: b\r\n" * 20 + b"\r\n"
        b"Event: B\nN: 2\n\nEvent: C\nN: 3"
    )
    batches = read_all(path, max_event_bytes=300, max_event_fields=10)
    assert names(batches) == ["1", "2", "3"]
    summary = batches[-1].summary
    assert summary is not None and summary.greeting == "Asterisk Call Manager/11.0.0"
    assert summary.problems == ((5, "over 300 bytes"), (10, "over 10 headers"))
    assert str(summary).endswith("; 2 unreadable messages skipped (1 over 300 bytes, 1 over 10 headers)")


def test_a_stop_is_taken_within_a_chunk_even_inside_one_huge_line(tmp_path: Path):
    """ctrl+q waited for the whole file; here ``cancelled`` is asked at least once a chunk."""
    path = tmp_path / "one-line.jsonl"
    with path.open("wb") as file:
        file.write(b'{"fields": [["Event", "' + b"x" * (64 * MIB) + b'"]]}\n')
    asked = itertools.count(1)
    batches = read_all(path, cancelled=lambda: next(asked) > 5)
    summary = batches[-1].summary
    assert summary is not None and summary.cancelled and summary.events == 0
    assert batches[-1].read <= 7 * CHUNK and "; reading was stopped" in str(summary)


def test_a_stop_is_taken_between_events(tmp_path: Path):
    path = tmp_path / "events.jsonl"
    write_jsonl(path, [user_event(n) for n in range(1000)])
    asked = itertools.count(1)
    batches = read_all(path, cancelled=lambda: next(asked) > 100)
    assert len(names(batches)) <= 100 and batches[-1].summary is not None and batches[-1].summary.cancelled


def test_progress_comes_while_a_long_stretch_holds_no_event(tmp_path: Path):
    path = tmp_path / "skipped.txt"
    huge = b"Event: Huge\r\n" + (b"x" * 1000 + b"\r\n") * (8 * PROGRESS_BYTES // 1000) + b"\r\n"
    path.write_bytes(b"Event: Before\r\nN: 0\r\n\r\n" + huge + b"Event: After\r\nN: 1\r\n\r\n")
    batches = read_all(path, max_event_bytes=MIB)
    assert names(batches) == ["0", "1"]
    assert len(batches) >= 8 and all(batch.events == [] for batch in batches[1:7])
    summary = batches[-1].summary
    assert summary is not None and summary.problems == ((4, "over 1 MiB"),)


def test_a_named_pipe_or_a_device_is_refused_without_blocking(tmp_path: Path):
    pipe = tmp_path / "events.jsonl"
    os.mkfifo(pipe)
    with pytest.raises(NotRegularFile, match="a named pipe"):
        finishes(lambda: read_all(pipe), pipe)
    (tmp_path / "zero").symlink_to("/dev/zero")
    with pytest.raises(NotRegularFile, match="a character device"):
        read_all(tmp_path / "zero")


def test_read_events_gathers_the_stream(tmp_path: Path):
    path = tmp_path / "events.jsonl"
    write_jsonl(path, [(float(n), user_event(n)) for n in range(3)])
    result = read_events(path)
    assert [(at, message["N"]) for at, message in result.events] == [(0.0, "0"), (1.0, "1"), (2.0, "2")]
    assert str(result.summary) == str(read_all(path)[-1].summary)
    lines = path.read_text().splitlines()
    assert json.loads(lines[0])["seq"] == 1
