"""The model thread's own work: events a second through ``Models._feed``, and the rows a
Calls tab asks for.

The demo PBX's storm (recorded once, cached in the temporary folder) is parsed again for
every round, as the reader parses it (the messages come undecoded), then fed to a fresh
:class:`ami_console.monitor.models.Models` a chunk at a time, as its thread feeds them,
each chunk stamped as if the events came at ``--rate`` a second (so calls end and leave
the grace period as they would). Printed, per round: the events a second taken in (CPU
time of the feeding alone: the parsing is timed apart, then the models), and, with
``--rows``, the time a Calls tab's rebuild takes every 0.25 s of the storm's time
(``calls.rows`` and ``recent_rows``, as ui/widgets/calls_view.py asks them).

``--profile`` runs one more round under cProfile and prints the 25 costliest functions.

    python benchmarks/bench_models.py [--events 60000] [--rounds 5] [--filter TEXT] [--rows]
                                      [--rate 30000] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ami_console.events.filter import EventFilter  # noqa: E402
from ami_console.monitor.models import CHUNK, Models  # noqa: E402
from ami_console.protocol import Message, Parser  # noqa: E402
from benchmarks.storm import machine, simulator_events  # noqa: E402

REBUILD_EVERY = 0.25  # seconds of the storm's time between two rebuilds of the Calls tab


def recorded(count: int) -> bytes:
    cache = Path(tempfile.gettempdir()) / f"ami-console-storm-{count}.bin"
    if not cache.exists():
        cache.write_bytes(simulator_events(count))
    return cache.read_bytes()


def parse(data: bytes) -> list[Message]:
    parser = Parser()
    parser.receive_data(data)
    messages = []
    while (message := parser.next_message()) is not None:
        messages.append(message)
    return messages


def feed(models: Models, messages: list[Message], rate: float, rows: list[float] | None) -> None:
    step = 1.0 / rate
    start = 1_800_000_000.0
    next_rebuild = start + REBUILD_EVERY
    for first in range(0, len(messages), CHUNK):
        at = start + first * step
        with models.lock:
            models._feed([(at, message) for message in messages[first : first + CHUNK]])
        if rows is not None and at >= next_rebuild:
            next_rebuild += REBUILD_EVERY
            began = time.process_time()
            with models.lock:
                models.calls.rows(at)
                models.calls.recent_rows(at)
            rows.append(time.process_time() - began)


def one_round(data: bytes, rate: float, flt: str, with_rows: bool) -> tuple[float, float, list[float]]:
    began = time.process_time()
    messages = parse(data)
    parsed = time.process_time() - began
    models = Models()
    if flt:
        models.store.set_filter(EventFilter.parse(flt))
    rows: list[float] | None = [] if with_rows else None
    began = time.process_time()
    feed(models, messages, rate, rows)
    fed = time.process_time() - began - sum(rows or [])
    return len(messages) / parsed, len(messages) / fed, rows or []


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--events", type=int, default=60_000)
    options.add_argument("--rounds", type=int, default=5)
    options.add_argument("--rate", type=float, default=30_000.0, help="events a second the stamps say (default 30000)")
    options.add_argument("--filter", default="", help="the event log's filter (default none)")
    options.add_argument("--rows", action="store_true", help="time the Calls tab's rebuilds too")
    options.add_argument("--profile", action="store_true", help="one more round under cProfile")
    args = options.parse_args()
    print(machine())
    data = recorded(args.events)
    print(f"{args.events:,} storm events, filter {args.filter!r}, stamped at {args.rate:,.0f}/s")
    fed_rates = []
    for n in range(1, args.rounds + 1):
        parsed, fed, rows = one_round(data, args.rate, args.filter, args.rows)
        fed_rates.append(fed)
        said = f"round {n}: parse {parsed:>9,.0f}/s   models {fed:>9,.0f}/s"
        if rows:
            said += f"   rebuild median {statistics.median(rows) * 1000:.1f} ms, worst {max(rows) * 1000:.1f} ms"
        print(said)
    print(f"models: best {max(fed_rates):,.0f} events/s, median {statistics.median(fed_rates):,.0f}")
    if args.profile:
        messages = parse(data)
        models = Models()
        if args.filter:
            models.store.set_filter(EventFilter.parse(args.filter))
        profile = cProfile.Profile()
        profile.runcall(feed, models, messages, args.rate, [] if args.rows else None)
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
