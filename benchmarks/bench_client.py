"""Client throughput, end to end: how many events a second each AMI client takes in.

A loopback storm server (benchmarks/storm.py, in its own process) logs each client in and
sends the same N realistic call events as fast as the socket allows. Timed for each client,
from the start of connecting to the N-th event in the client's hands:

- ami-console's ``AMIClient``: ``connect()``, then ``read_response()`` N times;
- panoramisk (asyncio): ``Manager.register_event("*", callback)``;
- asterisk-ami (python-ami): ``AMIClient.add_event_listener(callback)``, which its reader
  thread calls, at its default 1 KiB reads and with 64 KiB reads.

The consumers are those of benchmarks/consumers.py, each written in every client's own API:
first the seed's shape, every header as a dict (``dict(message)``; panoramisk's event is a
case-insensitive dict, asterisk-ami's carries a dict in ``keys``), then 5 and 10 headers
read by key, then counting the events, reading each one's name (to pick the few wanted),
the name by key (``message["Event"]``; asterisk-ami's dict leaves it out, so its name
again), and the name and ``Uniqueid`` (to route each to its call). The peers parse every event
into a dict before their callback runs; ours decodes a message on first use (the name
from its first line alone), so the cheap consumers show what a client pays for events it
skips or glances at.

Clients take turns, several rounds; the best round of each is printed, with our ratio to
the fastest peer. Needs the bench extra: ``pip install '.[bench]'``.

    python benchmarks/bench_client.py [--events 50000] [--rounds 5] [--source synthetic]
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ami_console.client import AMIClient  # noqa: E402
from benchmarks import consumers  # noqa: E402
from benchmarks.storm import machine, storm_events, storm_options, storm_server  # noqa: E402

USER, SECRET = "bench", "benchpass"
WAIT = 120.0  # seconds any one client may take before the run is declared broken
CONSUMERS = {
    "every": "taking every header (dict)",
    "five": "reading 5 headers by key",
    "ten": "reading 10 headers by key",
    "nothing": "counting the events",
    "name": "reading each event's name",
    "namekey": "reading each event's name by key",
    "uniqueid": "reading name and Uniqueid",
}
OUR_READS: dict[str, Callable[[Any], object]] = {
    "every": consumers.every_header,
    "five": consumers.five_headers,
    "ten": consumers.ten_headers,
    "nothing": consumers.nothing,
    "name": consumers.name,
    "namekey": consumers.name_by_key,
    "uniqueid": consumers.name_and_uniqueid,
}
# panoramisk's event: a case-insensitive dict holding every header, "Event" included.
PANORAMISK_READS: dict[str, Callable[[Any], object]] = {
    "every": dict,
    "five": lambda event: [event.get(key) for key in consumers.FIVE],
    "ten": lambda event: [event.get(key) for key in consumers.TEN],
    "nothing": lambda event: None,
    "name": lambda event: event["Event"],
    "namekey": lambda event: event["Event"],
    "uniqueid": lambda event: (event["Event"], event.get("Uniqueid")),
}
# asterisk-ami's event: the name apart, the other headers in a dict (keys).
PYTHON_AMI_READS: dict[str, Callable[[Any], object]] = {
    "every": lambda event: {"Event": event.name, **event.keys},
    "five": lambda event: [event.name, *[event.keys.get(key) for key in consumers.FIVE[1:]]],
    "ten": lambda event: [event.name, *[event.keys.get(key) for key in consumers.TEN[1:]]],
    "nothing": lambda event: None,
    "name": lambda event: event.name,
    "namekey": lambda event: event.name,  # its dict (keys) leaves the name out
    "uniqueid": lambda event: (event.name, event.keys.get("Uniqueid")),
}

# Each client below takes (host, port, count, reads): reads names the consumer, a key of
# CONSUMERS.


def ami_console(host: str, port: int, count: int, reads: str) -> float:
    consume = OUR_READS[reads]
    started = time.perf_counter()
    ami = AMIClient(USER, SECRET, host=host, port=port, timeout=WAIT)
    if not ami.connect():
        raise RuntimeError(ami.error)
    for _ in range(count):
        message = ami.read_response()
        consume(message)
    elapsed = time.perf_counter() - started
    if not message.raw.startswith(b"Event: "):
        raise RuntimeError(f"expected an event, got {message!r}")
    ami.close()
    return elapsed


def panoramisk(host: str, port: int, count: int, reads: str) -> float:
    from panoramisk import Manager

    consume = PANORAMISK_READS[reads]
    loop = asyncio.new_event_loop()
    done = loop.create_future()
    received = 0

    def on_event(manager: Manager, event: dict) -> None:
        nonlocal received
        received += 1
        consume(event)
        if received == count and not done.done():
            done.set_result(time.perf_counter())

    started = time.perf_counter()
    manager = Manager(
        loop=loop,
        host=host,
        port=port,
        username=USER,
        secret=SECRET,
        ping_delay=3600,
        reconnect_timeout=3600,
    )
    manager.register_event("*", on_event)
    try:
        loop.run_until_complete(manager.connect())
        finished = loop.run_until_complete(asyncio.wait_for(done, WAIT))
    finally:
        manager.close()
        loop.run_until_complete(asyncio.sleep(0))  # let the transport close
        loop.close()
    return finished - started


def python_ami(buffer_size: int) -> Callable[[str, int, int, str], float]:
    def run(host: str, port: int, count: int, reads: str) -> float:
        from asterisk.ami import AMIClient as PythonAMIClient

        consume = PYTHON_AMI_READS[reads]
        done = threading.Event()
        received = 0
        finished = 0.0

        def on_event(event: Any, source: object) -> None:
            nonlocal received, finished
            received += 1
            consume(event)
            if received == count:
                finished = time.perf_counter()
                done.set()

        started = time.perf_counter()
        client = PythonAMIClient(address=host, port=port, buffer_size=buffer_size)
        client.add_event_listener(on_event)
        client.login(username=USER, secret=SECRET)
        try:
            if not done.wait(WAIT):
                raise RuntimeError(f"python-ami got {received} of {count} events")
        finally:
            client.disconnect()
        return finished - started

    return run


CLIENTS: dict[str, Callable[[str, int, int, str], float]] = {
    "ami-console AMIClient": ami_console,
    "panoramisk 1.4": panoramisk,
    "asterisk-ami 0.1.7 (1 KiB reads)": python_ami(1024),
    "asterisk-ami 0.1.7 (64 KiB reads)": python_ami(65536),
}
OURS = "ami-console AMIClient"


def main() -> None:
    args = storm_options(__doc__, events=50_000)
    logging.disable(logging.CRITICAL)  # panoramisk logs every connection loss

    events = storm_events(args.events, args.source)
    print(f"Machine: {machine()}")
    print(
        f"Storm: {args.events} call events from the {args.source} source, "
        f"{len(events) / args.events:.0f} bytes each on average, {len(events) / 2**20:.1f} MiB; "
        f"best of {args.rounds} rounds, clients alternating"
    )
    with storm_server(events) as (host, port):
        for reads, title in CONSUMERS.items():
            times: dict[str, list[float]] = {name: [] for name in CLIENTS}
            for _ in range(args.rounds):
                for name, run in CLIENTS.items():
                    times[name].append(run(host, port, args.events, reads))
            report(title, args.events, times)


def report(title: str, count: int, times: dict[str, list[float]]) -> None:
    print(f"Consumer {title}:")
    rates = {name: count / min(runs) for name, runs in times.items()}
    width = max(map(len, rates))
    for name, rate in rates.items():
        median = count / statistics.median(times[name])
        print(f"  {name:<{width}}  {rate:>9,.0f} events/s (median round {median:>9,.0f})")
    peers = {name: rate for name, rate in rates.items() if name != OURS}
    fastest = max(peers, key=peers.__getitem__)
    print(f"  ratio to the fastest peer ({fastest}): {rates[OURS] / peers[fastest]:.2f}x")


if __name__ == "__main__":
    main()
