"""Parser throughput: messages a second through the sans-IO parser, and its peak memory.

The same storm of realistic call events as bench_client.py, already in memory, fed to
``Parser.receive_data`` in 64 KiB chunks with ``next_message()`` drained after each, as a
client does with what ``recv`` returns. Three consumers, as in bench_client.py: one that
reads nothing of the messages, one that reads each one's name, one that reads the name and
``Uniqueid`` (messages are decoded on first use, so the three differ). Peak memory is what
the parser allocates while it works, measured with tracemalloc in a separate pass (the
messages are dropped as they come, as a client's reader does).

    python benchmarks/bench_parser.py [--events 200000] [--rounds 5] [--source synthetic]
"""

from __future__ import annotations

import gc
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

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


def nothing(message: Message) -> None:
    pass


def name(message: Message) -> str:
    return message.name


def name_and_uniqueid(message: Message) -> tuple[str, str | list[str] | None]:
    return message.name, message.get("Uniqueid")


CONSUMERS = {
    "reading nothing": nothing,
    "reading each name": name,
    "reading name and Uniqueid": name_and_uniqueid,
}


def best_rate(data: bytes, expected: int, consume: Callable[[Message], object], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        gc.collect()
        started = time.perf_counter()
        count = parse_all(data, consume)
        best = min(best, time.perf_counter() - started)
        if count != expected:
            raise RuntimeError(f"parsed {count} messages, expected {expected}")
    return expected / best


def peak_memory(data: bytes) -> int:
    gc.collect()
    tracemalloc.start()
    parse_all(data, name_and_uniqueid)
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
    for title, consume in CONSUMERS.items():
        rate = best_rate(data, args.events, consume, args.rounds)
        print(f"  {title:<27} {rate:>9,.0f} messages/s ({rate * mib_per_message:,.1f} MiB/s)")
    print(f"  peak memory while parsing   {peak_memory(data) / 1024:>9,.0f} KiB (input not counted)")


if __name__ == "__main__":
    main()
