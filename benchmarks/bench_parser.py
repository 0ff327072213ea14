"""Parser throughput: messages a second through the sans-IO parser, and its peak memory.

The same storm of realistic call events as bench_client.py, already in memory, fed to
``Parser.receive_data`` in 64 KiB chunks with ``next_message()`` drained after each, as a
client does with what ``recv`` returns. The consumers are those of bench_client.py: one
that takes every header as the Perl module's hashref (``dict(message)``), ones that read 5
and 10 headers by key, and the cheap ones that read nothing, each one's name, or the name and
``Uniqueid`` (messages are decoded on first use, so these differ).

Beside them, the pure-Python limit: a bare loop over the same bytes that splits them into
messages, lines and ``key: value`` pairs and makes a dict of each, with none of the
parser's care (bare LF line ends, a line without ": ", repeated keys, the size bound,
decoding errors). Each consumer's rate is printed with its ratio to that loop.

Peak memory is what the parser allocates while it works, measured with tracemalloc in a
separate pass (the messages are dropped as they come, as a client's reader does).

    python benchmarks/bench_parser.py [--events 200000] [--rounds 5] [--source synthetic]
"""

from __future__ import annotations

import functools
import gc
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import benchmarks.consumers  # noqa: E402
from ami_console.protocol import Message, Parser  # noqa: E402
from benchmarks.storm import machine, storm_events, storm_options  # noqa: E402

CHUNK = 64 * 1024


def parse_all(data: bytes, consume: Callable[[Message], object]) -> int:
    parser = Parser()
    count = 0
    for offset in range(0, len(data), CHUNK):
        parser.receive_data(data[offset : offset + CHUNK])
        while (message := parser.next_message()) is not None:
            consume(message)
            count += 1
    return count


def bare_loop(data: bytes) -> int:
    """The pure-Python limit: split, decode, split, dict; nothing checked."""
    count = 0
    for block in data.split(b"\r\n\r\n")[:-1]:
        dict([line.split(": ", 1) for line in block.decode().split("\r\n")])
        count += 1
    return count


CONSUMERS = {
    "taking every header (dict)": benchmarks.consumers.every_header,
    "reading 5 headers by key": benchmarks.consumers.five_headers,
    "reading 10 headers by key": benchmarks.consumers.ten_headers,
    "reading nothing": benchmarks.consumers.nothing,
    "reading each name": benchmarks.consumers.name,
    "reading each name by key": benchmarks.consumers.name_by_key,
    "reading name and Uniqueid": benchmarks.consumers.name_and_uniqueid,
}


def best_rate(run: Callable[[], int], expected: int, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        gc.collect()
        started = time.process_time()
        count = run()
        best = min(best, time.process_time() - started)
        if count != expected:
            raise RuntimeError(f"parsed {count} messages, expected {expected}")
    return expected / best


def peak_memory(data: bytes) -> int:
    gc.collect()
    tracemalloc.start()
    parse_all(data, benchmarks.consumers.name_and_uniqueid)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main() -> None:
    args = storm_options(__doc__, events=200_000)

    data = storm_events(args.events, args.source)
    print(f"Machine: {machine()}")
    print(
        f"Input: {args.events} call events from the {args.source} source, "
        f"{len(data) / 2**20:.1f} MiB, fed in {CHUNK // 1024} KiB chunks; best of {args.rounds} rounds"
    )
    mib_per_message = len(data) / 2**20 / args.events
    limit = best_rate(lambda: bare_loop(data), args.events, args.rounds)
    print(f"  {'bare split-and-dict loop':<27} {limit:>9,.0f} messages/s ({limit * mib_per_message:,.1f} MiB/s)")
    for title, consume in CONSUMERS.items():
        rate = best_rate(functools.partial(parse_all, data, consume), args.events, args.rounds)
        print(
            f"  {title:<27} {rate:>9,.0f} messages/s ({rate * mib_per_message:,.1f} MiB/s), "
            f"{rate / limit:.2f}x the bare loop"
        )
    print(f"  peak memory while parsing   {peak_memory(data) / 1024:>9,.0f} KiB (input not counted)")


if __name__ == "__main__":
    main()
