"""``ami-console simulate``: run the demo PBX in the foreground until Ctrl+C."""

from __future__ import annotations

import argparse
import ipaddress
import signal
import sys
import threading
from collections.abc import Callable
from typing import TextIO

from .server import (
    AUTH_LIMIT,
    AUTH_TIMEOUT,
    DEMO_CALLS_PER_MINUTE,
    DEMO_SECRET,
    DEMO_USERNAME,
    WRITE_TIMEOUT,
    Simulator,
)

DESCRIPTION = """\
Run the demo PBX: an AMI server that answers like Asterisk 22, with three phones
(alice 1001, bob 1002, carol 1003), a queue "support" (dial 500) and the dialplan
context "demo" (extensions 100, 200, 300, 400). Connect to it with ami-console, telnet
or any AMI library. It runs until Ctrl+C.
"""

EPILOG = """\
users:
  <user>/<secret>    every class (read=all write=all)
  monitor/monpass    reads everything; may not Originate or run Command

examples:
  ami-console simulate
  ami-console simulate --port 5039 --calls-per-minute 10 --seed 7
  telnet 127.0.0.1 5038     (then type: Action: Login, Username: admin, Secret: adminpass)
"""


def port_number(text: str) -> int:
    """An argparse type: a TCP port to listen on, or 0 for a free one."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number from 1 to 65535 (0 picks a free port), not {text!r}")
    return port


def positive(kind: Callable[[str], float]) -> Callable[[str], float]:
    """An argparse type: a number greater than 0."""

    def convert(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            value = 0
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be a number greater than 0, not {text!r}")
        return value

    return convert


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ami-console simulate",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: %(default)s, loopback only)",
    )
    parser.add_argument(
        "--port",
        type=port_number,
        default=5038,
        help="TCP port; 0 picks a free one (default: %(default)s)",
    )
    parser.add_argument("--user", default=DEMO_USERNAME, help="administrator's user name (default: %(default)s)")
    parser.add_argument("--secret", default=DEMO_SECRET, help="administrator's secret (default: %(default)s)")
    parser.add_argument(
        "--calls-per-minute",
        type=float,
        default=DEMO_CALLS_PER_MINUTE,
        metavar="N",
        help="background calls between the phones, on average per minute; 0 for none (default: %(default)s)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=None,
        metavar="N",
        help="seed for the background calls, to replay the same day",
    )
    parser.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        metavar="F",
        help="dialplan time factor: 0.1 makes Wait(10) take one second (default: %(default)s)",
    )
    # Asterisk's manager.conf limits, with its defaults.
    parser.add_argument(
        "--auth-timeout",
        type=positive(float),
        default=AUTH_TIMEOUT,
        metavar="SECONDS",
        help="close connections that have not logged in by then (default: %(default)s)",
    )
    parser.add_argument(
        "--auth-limit",
        type=positive(int),
        default=AUTH_LIMIT,
        metavar="N",
        help="connections that may wait to log in at once; more are closed at once (default: %(default)s)",
    )
    parser.add_argument(
        "--write-timeout",
        type=positive(float),
        default=WRITE_TIMEOUT,
        metavar="SECONDS",
        help="drop a client that reads none of its waiting output for this long (default: %(default)s)",
    )
    return parser


def main(argv: list[str] | None = None, *, out: TextIO | None = None, stop: threading.Event | None = None) -> int:
    """Run until Ctrl+C (or until ``stop`` is set: tests use that). Returns an exit code."""
    out = out or sys.stdout
    args = build_parser().parse_args(argv)
    if args.calls_per_minute < 0 or args.time_scale <= 0:
        print(
            "ami-console simulate: --calls-per-minute must be >= 0 and --time-scale > 0",
            file=sys.stderr,
        )
        return 2
    simulator = Simulator(
        args.host,
        args.port,
        username=args.user,
        secret=args.secret,
        calls_per_minute=args.calls_per_minute,
        seed=args.seed,
        time_scale=args.time_scale,
        auth_timeout=args.auth_timeout,
        auth_limit=args.auth_limit,
        write_timeout=args.write_timeout,
    )
    try:
        simulator.start()
    except OSError as exc:
        print(
            f"ami-console simulate: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 1
    stop = stop or threading.Event()
    previous = _install_sigint(stop)
    try:
        print(f"Demo PBX listening on {simulator.address}", file=out)
        print(
            f"  log in as {args.user} / {args.secret} (everything) or monitor / monpass (read-only)",
            file=out,
        )
        if not _is_loopback(args.host):
            print("  warning: not a loopback address; anyone who can reach it can log in", file=out)
        rate = f"{args.calls_per_minute:g} a minute" if args.calls_per_minute else "none"
        seed = f", seed {args.seed}" if args.seed is not None else ""
        print(f"  background calls: {rate}{seed}. Press Ctrl+C to stop.", file=out, flush=True)
        while not stop.wait(0.2):
            pass
    finally:
        _restore_sigint(previous)
        simulator.stop()
    print("Demo PBX stopped.", file=out, flush=True)
    return 0


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _install_sigint(stop: threading.Event) -> object:
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGINT, lambda *_: stop.set())


def _restore_sigint(previous: object) -> None:
    if previous is not None:
        signal.signal(signal.SIGINT, previous)  # type: ignore[arg-type]


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
