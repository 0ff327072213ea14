"""How fast the live calls model (ami_console.calls.live.LiveCalls) keeps up.

Replays the real ``call_dial_bridge`` capture (an Originate, a Dial answered and bridged,
the hangups: about 80 events a call) as ``--calls`` simultaneous calls, each with its
channels, Uniqueids, Linkedid and bridge renamed, their events interleaved round-robin
and stamped as if they came at ``--rate`` events a second. Prints the events a second
``feed`` takes (wall clock, parsing excluded: the messages are made beforehand), and the
time to produce the sorted rows of all the calls while they are up (what a Calls view
redraws), by duration and by state, and with a filter.

    python benchmarks/bench_calls.py [--calls 500] [--rate 10000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ami_console.calls.live import LiveCalls  # noqa: E402
from ami_console.events.filter import EventFilter  # noqa: E402
from ami_console.protocol import Message, Parser  # noqa: E402

CAPTURE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "asterisk" / "call_dial_bridge.txt"
IDS = ("1796002848.32", "1796002848.33", "1796002848.34", "1796002848.35")
NAMES = ("00000010", "00000011")
BRIDGE = "8bb4e8b5-368b-42c4-9f02-cee557a3bef3"


def template() -> list[Message]:
    parser = Parser(greeting=True)
    parser.receive_data(CAPTURE.read_bytes())
    messages = []
    while (message := parser.next_message()) is not None:
        if message.is_event and not message.action_id:  # the call's events, not list rows
            messages.append(message)
    return messages


def renamed(message: Message, n: int) -> Message:
    def swap(value: str) -> str:
        for i, old in enumerate(IDS):
            value = value.replace(old, f"{1900000000 + n}.{i}")
        for i, old in enumerate(NAMES):
            value = value.replace("-" + old, f"-{n * 2 + i:08x}")  # the dash: not inside a Uniqueid
        return value.replace(BRIDGE, f"bridge-{n:06d}")

    return Message([(key, swap(value)) for key, value in message.fields])


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    options.add_argument("--calls", type=int, default=500)
    options.add_argument("--rate", type=float, default=10_000.0)
    options.add_argument("--rounds", type=int, default=3)
    args = options.parse_args()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )

    base = template()
    # Round-robin: every call's first event, then every call's second... so all are up at once.
    calls = [[renamed(m, n) for m in base] for n in range(args.calls)]
    stream = [calls[n][i] for i in range(len(base)) for n in range(args.calls)]
    halfway = len(stream) // 2  # by then every call is bridged and none has hung up
    print(f"{args.calls} calls, {len(base)} events each, {len(stream)} events; stamped at {args.rate:,.0f} events/s")

    for round_ in range(1, args.rounds + 1):
        live = LiveCalls(grace=3600.0)
        step = 1.0 / args.rate
        began = time.perf_counter()
        for i, message in enumerate(stream[:halfway]):
            live.feed(message, i * step)
        first_half = time.perf_counter() - began
        now = halfway * step
        timings = {}
        for label, kwargs in (
            ("by duration", {"by": "duration"}),
            ("by state", {"by": "state"}),
            ("filtered", {"flt": EventFilter.parse("Channel=Local/300@demo")}),
        ):
            began = time.perf_counter()
            rows = live.rows(now, **kwargs)
            timings[label] = (time.perf_counter() - began, len(rows))
        began = time.perf_counter()
        for i, message in enumerate(stream[halfway:], halfway):
            live.feed(message, i * step)
        elapsed = first_half + time.perf_counter() - began
        rows_said = ", ".join(f"{label} {t * 1000:.1f} ms ({n} rows)" for label, (t, n) in timings.items())
        print(
            f"round {round_}: feed {len(stream) / elapsed:,.0f} events/s "
            f"({elapsed:.2f} s for {len(stream)}); rows of {len(live.calls)} calls at the midpoint: {rows_said}"
        )


if __name__ == "__main__":
    main()
