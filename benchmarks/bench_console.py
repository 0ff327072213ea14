"""Console ingest: the app (headless) connected to a demo PBX sending a storm of events.

The demo PBX runs in its own process (so that it does not share the console's GIL) and
publishes realistic call events at ``--rate`` per second. The console, headless
(``App.run_test``), takes them in for ``--seconds``, then on until ``--total`` events.
Printed:

- events shown per second (events that reached the log), against the rate sent;
- the longest gap between two frames the UI drew;
- key to screen: from a key press (F9, pause/resume) to the first frame showing its
  effect, median and worst of 20 presses made while the storm runs;
- the process's resident memory along the run and at its peak (the log is bounded, so
  memory should stay flat however many events arrive).

With ``--view calls`` the Calls tab is open instead of the event log (what a dialplan
debugger watches): the key pressed is ``s`` (sort), and every few seconds the PBX places
a real call in the middle of the storm; printed, how long until the tab lists it, and
until it shows it ended. ``--filter`` sets the event log's filter first (the log then
matches every event against it).

    python benchmarks/bench_console.py [--rate 10000] [--seconds 30] [--total 1000000]
                                       [--view events|calls] [--filter TEXT]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ami_console.files.profiles import ConnectionSettings, Profiles  # noqa: E402
from ami_console.ui.app import AMIConsoleApp  # noqa: E402
from ami_console.ui.widgets.event_panel import EventPanel  # noqa: E402
from benchmarks.storm import machine  # noqa: E402

PRESSES = 20


def run_pbx(control) -> None:
    """The demo PBX, in its own process: say where it listens, storm when asked."""
    from ami_console.simulator import Simulator

    with Simulator() as pbx:
        control.send(pbx.port)
        while True:
            command = control.recv()
            if command[0] == "storm":
                pbx.start_storm(rate=command[1])
            elif command[0] == "call":  # a real call, 1 s of ringing and 2 s of talk
                pbx.place_call("alice", "1002", outcome="answer", ring=1, talk=2)
            elif command[0] == "stop":
                control.send(pbx.stop_storm())
                return


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def listed(calls, ended: bool) -> bool:
    """The Calls tab lists alice's call to 1002 (ended: shows it ended)."""
    for _, row in calls.list_view.entries:
        if row is not None and "1001" in row.caller and row.dialled == "1002":
            if not ended or row.ended is not None:
                return True
    return False


async def measure(port: int, control, rate: int, seconds: float, total: int, view: str, flt: str) -> None:
    settings = ConnectionSettings(host="127.0.0.1", port=port, username="admin", secret="adminpass")
    app = AMIConsoleApp(settings, autoconnect=True, profiles=Profiles(Path("/nonexistent/profiles.toml")))
    frames: list[float] = []
    original_display = app._display

    def display(*args, **kwargs):
        frames.append(time.monotonic())
        return original_display(*args, **kwargs)

    app._display = display  # type: ignore[method-assign]
    status_changes: list[float] = []
    original_status = EventPanel.update_status

    def update_status(panel: EventPanel) -> None:
        original_status(panel)
        status_changes.append(time.monotonic())

    EventPanel.update_status = update_status  # type: ignore[method-assign]

    async with app.run_test(size=(140, 45), headless=True) as pilot:
        while not app.connected:
            await asyncio.sleep(0.05)
        store = app.models.store
        screen = app.console_screen
        log, calls = screen.events.log_view, screen.calls
        if flt:
            screen.events.filter_input.value = flt
        if view == "calls":
            await pilot.press("ctrl+g")
        control.send(("storm", rate))
        await asyncio.sleep(1)  # let the storm get going
        start_count, start = store.total, time.monotonic()
        frames.clear()
        latencies: list[float] = []
        listing: list[float] = []  # a real call placed mid-storm: until the tab lists it
        ending: list[float] = []  # ... and until it shows it ended
        press_every = seconds / (PRESSES + 1)
        for press in range(PRESSES):
            await asyncio.sleep(press_every)
            if view == "calls" and press % 4 == 0:
                await asyncio.sleep(1.0)  # the call before this one has gone to "recent"
                placed = time.monotonic()
                control.send(("call",))
                while not listed(calls, ended=False) and time.monotonic() - placed < 10:
                    await asyncio.sleep(0.005)
                listing.append(time.monotonic() - placed)
                while not listed(calls, ended=True) and time.monotonic() - placed < 15:
                    await asyncio.sleep(0.005)
                ending.append(time.monotonic() - placed)
            key, state = ("s", lambda: calls.sort_by) if view == "calls" else ("f9", lambda: log.following)
            was = state()
            pressed = time.monotonic()
            app.simulate_key(key)
            while state() == was:  # the key took effect
                await asyncio.sleep(0.001)
            changed = time.monotonic()
            while not any(f > changed for f in frames[-5:]):  # ... and reached the screen
                await asyncio.sleep(0.001)
            latencies.append(next(f for f in frames if f > changed) - pressed)
        if not log.following:
            log.following = True
        elapsed = time.monotonic() - start
        shown = store.total - start_count
        gaps = [b - a for a, b in zip(frames, frames[1:])]
        print(f"\nstorm at {rate:,} events/s for {elapsed:.0f} s:")
        print(f"  events shown      {shown / elapsed:>10,.0f} /s   ({shown / (rate * elapsed):.0%} of the rate sent)")
        print(
            f"  frames drawn      {len(frames) / elapsed:>10,.1f} /s   longest gap between frames {max(gaps) * 1000:.0f} ms"
        )
        print(
            f"  key to screen     median {statistics.median(latencies) * 1000:.0f} ms, "
            f"worst {max(latencies) * 1000:.0f} ms ({PRESSES} presses of F9)"
        )
        print(f"  log               {len(store.entries):,} kept of {store.total:,} received")
        if listing:
            print(
                f"  a call mid-storm  listed after {statistics.median(listing):.2f} s (worst {max(listing):.2f}), "
                f"shown ended {statistics.median(ending):.2f} s after it was placed (it lasts about 3 s)"
            )
        print("\nresident memory along the run:")
        print(f"  {store.total:>10,} events  {rss_mib():7.1f} MiB")
        mark = (store.total // 100_000 + 1) * 100_000
        stalled = time.monotonic()
        while store.total < total:
            await asyncio.sleep(0.2)
            if store.total >= mark:
                print(f"  {store.total:>10,} events  {rss_mib():7.1f} MiB")
                mark += 100_000
                stalled = time.monotonic()
            elif time.monotonic() - stalled > 60:
                print("  (the storm stopped arriving; giving up)")
                break
        control.send(("stop",))
        sent = control.recv()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  peak RSS {peak:.1f} MiB; the PBX sent {sent:,} storm events, the console counted {store.total:,}")
        print(f"  passed over (counted, not kept) {store.passed_over:,}")
        await pilot.press("ctrl+q")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=int, default=10_000, help="events per second sent (default 10000)")
    parser.add_argument("--seconds", type=float, default=30, help="how long to measure (default 30)")
    parser.add_argument("--total", type=int, default=1_000_000, help="run on until this many events (default 1000000)")
    parser.add_argument("--view", choices=("events", "calls"), default="events", help="the tab open (default events)")
    parser.add_argument("--filter", default="", help="the event log's filter (default none)")
    args = parser.parse_args()
    print(machine())
    context = multiprocessing.get_context("spawn")
    here, there = context.Pipe()
    pbx = context.Process(target=run_pbx, args=(there,), daemon=True)
    pbx.start()
    port = here.recv()
    try:
        asyncio.run(measure(port, here, args.rate, args.seconds, args.total, args.view, args.filter))
    finally:
        pbx.join(10)
        if pbx.is_alive():
            pbx.terminate()


if __name__ == "__main__":
    main()
