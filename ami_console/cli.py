"""The ``ami-console`` command line."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ami_console.files.profiles import ConnectionSettings, Profiles

DESCRIPTION = """\
A terminal console for the Asterisk Manager Interface: compose actions, read responses,
watch events live. With no options it opens the connection form.

  ami-console --demo                         try it on the built-in demo PBX
  ami-console --host pbx --user admin        fill in the form (secret from AMI_SECRET)
  ami-console --profile office --connect     connect with a saved profile
  ami-console --replay events.jsonl          browse an exported event log offline
  ami-console --profile live --read-only     watch a live PBX: nothing that changes it is sent
  ami-console simulate --port 5038           run the demo PBX alone (see: simulate --help)
  ami-console learn                          lessons: learn AMI by doing, on the demo PBX
  ami-console test --demo                    dialplan tests: place calls, check each (see: test --help)
"""

LEARN_DESCRIPTION = """\
Learn AMI by doing: the console connects to the built-in demo PBX as admin and opens
the lesson panel beside it. Each step says what to do and ticks itself when it really
happened on the wire. ctrl+l hides or brings back the panel; F1 lists every key.
Progress is kept in the data directory.
"""


def port_number(text: str) -> int:
    """An argparse type: a TCP port, 1 to 65535 (argparse turns the error into exit code 2)."""
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number from 1 to 65535, not {text!r}")
    return port


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ami-console", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--demo", action="store_true", help="start the built-in demo PBX and connect to it")
    parser.add_argument("--host", help="AMI host, also host:port or [v6addr]:port (default localhost)")
    parser.add_argument("--port", type=port_number, help="AMI port (default 5038)")
    parser.add_argument("--user", help="AMI username (a [section] of manager.conf)")
    parser.add_argument(
        "--secret",
        help="AMI secret. Avoid it: other users can read it in the process list. "
        "Prefer the form or the AMI_SECRET environment variable.",
    )
    parser.add_argument("--auth", choices=["plain", "md5"], help="login method (default plain)")
    parser.add_argument("--tls", action="store_true", help="connect with TLS (certificates are verified)")
    parser.add_argument("--insecure", action="store_true", help="with --tls: accept an untrusted certificate")
    parser.add_argument("--events", help="the Events value sent at login: on, off, or classes such as system,call")
    parser.add_argument(
        "--reconnect", action="store_true", help="when the connection drops, connect again by itself, with backoff"
    )
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="refuse, before sending, every action that changes the PBX (Hangup, Originate, Redirect...); "
        "Ping, CoreShowChannels, Status, QueueStatus, Command with a CLI show command... go through",
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for the server (default 10)")
    parser.add_argument("--profile", help="start from a saved connection profile")
    parser.add_argument("--connect", action="store_true", help="connect at once instead of showing the form first")
    parser.add_argument("--log-size", type=int, default=10_000, help="events kept in the log (default 10000)")
    parser.add_argument(
        "--log-bytes",
        type=int,
        default=64,
        metavar="MIB",
        help="megabytes of events kept in the log, as received (default 64)",
    )
    parser.add_argument(
        "--replay",
        metavar="FILE",
        help="browse, filter and trace an exported event log (JSON Lines or raw AMI text) offline, without a server",
    )
    parser.add_argument(
        "--tests",
        metavar="DIR",
        help="the folder of dialplan test scenarios the Tests view lists (kept in the profile)",
    )
    parser.add_argument("--calls-per-minute", type=float, default=4.0, help="with --demo: background calls per minute")
    parser.add_argument("--seed", type=int, help="with --demo: make the background calls reproducible")
    return parser


def build_learn_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ami-console learn", description=LEARN_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--lessons", metavar="DIR", help="a trainer's lessons: every *.toml in DIR (default: the built-in lessons)"
    )
    parser.add_argument(
        "--calls-per-minute", type=float, default=1.0, help="background calls on the demo PBX (default 1)"
    )
    parser.add_argument("--seed", type=int, help="make the background calls reproducible")
    return parser


def settings_from(args: argparse.Namespace, profiles: Profiles) -> ConnectionSettings:
    base = ConnectionSettings()
    if args.profile:
        saved = profiles.load()
        if args.profile not in saved:
            raise SystemExit(f"ami-console: no profile named {args.profile!r} in {profiles.path}")
        base = saved[args.profile]
    values = {
        "host": args.host,
        "port": args.port,
        "username": args.user,
        "auth": args.auth,
        "events": args.events,
    }
    changes = {k: v for k, v in values.items() if v is not None}
    if args.host is not None or args.port is not None:
        from ami_console.transport import split_host

        try:  # said now, not left in the form's Host field for the connection to fail on
            split_host(args.host if args.host is not None else base.host, args.port or base.port)
        except ValueError as error:
            raise SystemExit(f"ami-console: {error}") from None
    if args.tls:
        changes.update(tls=True, tls_verify=not args.insecure)
    if args.reconnect:
        changes["auto_reconnect"] = True
    if args.read_only:  # only ever turns it on: a profile saved read-only stays so
        changes["read_only"] = True
    if args.tests:
        changes["tests_dir"] = str(Path(args.tests).expanduser())
    secret = args.secret or os.environ.get("AMI_SECRET", "")
    return ConnectionSettings(**{**base.__dict__, **changes, "secret": secret, "timeout": args.timeout})


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["simulate"]:
        from ami_console.simulator.standalone import main as simulate

        return simulate(argv[1:])
    if argv[:1] == ["learn"]:
        return run_learn(build_learn_parser().parse_args(argv[1:]))
    if argv[:1] == ["test"]:
        return run_test(argv[1:])
    args = build_parser().parse_args(argv)
    if args.secret:
        print(
            "ami-console: warning: --secret is visible to other users in the process list; "
            "prefer AMI_SECRET or the form.",
            file=sys.stderr,
        )
    profiles = Profiles()
    from ami_console.ui.app import AMIConsoleApp  # Textual loads only when the console runs

    if args.demo:
        return run_demo(args, profiles)
    if args.replay:
        path = Path(args.replay).expanduser()
        if not path.is_file():
            raise SystemExit(f"ami-console: no such file: {path}")
        AMIConsoleApp(
            ConnectionSettings(),
            replay=path,
            profiles=profiles,
            log_capacity=args.log_size,
            log_bytes=args.log_bytes * 2**20,
        ).run()
        return 0
    settings = settings_from(args, profiles)
    app = AMIConsoleApp(
        settings,
        autoconnect=args.connect,
        profiles=profiles,
        log_capacity=args.log_size,
        log_bytes=args.log_bytes * 2**20,
    )
    app.run()
    return 0


def run_learn(args: argparse.Namespace) -> int:
    folder = Path(args.lessons).expanduser() if args.lessons else None
    if folder is not None and not folder.is_dir():
        raise SystemExit(f"ami-console learn: no such folder: {folder}")
    demo = argparse.Namespace(
        calls_per_minute=args.calls_per_minute,
        seed=args.seed,
        timeout=10.0,
        read_only=False,
        log_size=10_000,
        log_bytes=64,
    )
    return run_demo(demo, Profiles(), learn=True, lessons=folder)


def run_test(argv: list[str]) -> int:
    """``ami-console test``: its logic is in ami_console.scenarios.cli; here only the demo PBX."""
    from ami_console.scenarios import cli as dialplan_tests

    args = dialplan_tests.build_parser(port_number).parse_args(argv)
    if not args.demo or args.read_only:
        return dialplan_tests.main(args)
    from ami_console.simulator import Simulator

    with Simulator(calls_per_minute=args.calls_per_minute, seed=args.seed) as pbx:
        demo = ConnectionSettings(host=pbx.host, port=pbx.port, username=pbx.username, secret=pbx.secret)
        return dialplan_tests.main(args, demo=demo)


def run_demo(args: argparse.Namespace, profiles: Profiles, *, learn: bool = False, lessons: Path | None = None) -> int:
    from ami_console.scenarios.cli import examples_folder
    from ami_console.simulator import Simulator
    from ami_console.ui.app import AMIConsoleApp

    with Simulator(calls_per_minute=args.calls_per_minute, seed=args.seed) as pbx:
        settings = ConnectionSettings(
            host=pbx.host,
            port=pbx.port,
            username=pbx.username,
            secret=pbx.secret,
            timeout=args.timeout,
            read_only=args.read_only,
            tests_dir=str(Path(args.tests).expanduser()) if getattr(args, "tests", None) else str(examples_folder()),
        )
        hint = (
            f"Demo PBX listening on {pbx.host}:{pbx.port}. Log in as {pbx.username} / {pbx.secret} "
            f"(or monitor / monpass, who may not originate)."
        )
        note = f"demo PBX on {pbx.host}:{pbx.port} (F1 for help)"
        app = AMIConsoleApp(
            settings,
            autoconnect=True,
            hint=hint,
            note=note,
            profiles=profiles,
            log_capacity=args.log_size,
            log_bytes=args.log_bytes * 2**20,
            learn=learn,
            lessons=lessons,
            demo_address=settings.address,
        )
        app.run()
    return 0
