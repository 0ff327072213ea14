"""``ami-console test PATH...``: run dialplan scenarios against a PBX, headless, for people and CI.

Exit status: 0 when every scenario passed; 1 when one failed (or could not run); 2 when
nothing could be checked as asked (a file that cannot be used, no connection, a refusal).
The secret comes from ``AMI_SECRET`` or a prompt, and is never printed. ``--demo`` is
handled by :mod:`ami_console.cli`, which starts the demo PBX and passes its settings here.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from ami_console.files.atomic import write_atomic
from ami_console.files.profiles import ConnectionSettings
from ami_console.scenarios.checks import CheckResult
from ami_console.scenarios.report import junit_xml, result_lines, summary_line
from ami_console.scenarios.runner import Listener, ScenarioResult, ScenarioRunner
from ami_console.scenarios.scenario import Scenario, load_scenarios
from ami_console.session import Session

__all__ = ["build_parser", "connect", "main"]

DESCRIPTION = """\
Run dialplan scenarios: each places one call with Originate and checks what that call
did (its dialplan steps, dial status, hangup cause, queue, bridge...), from the events
of its Linkedid alone. PATHs are scenario files (*.toml) or folders of them.

  ami-console test --demo                           the demo PBX's own examples
  ami-console test tests/dialplan --host pbx --user ci --yes --junit report.xml

The secret comes from AMI_SECRET, else a prompt. Against a server that is not the demo
PBX, the command asks once before placing the first call (--yes: do not ask, for CI).
Every call a scenario placed is hung up when it ends or times out, and CoreShowChannels
confirms none of its channels is left. Exit status: 0 all passed, 1 a scenario failed,
2 a file could not be used or the PBX could not be reached.
"""


def build_parser(port_type: Callable[[str], int] = int) -> argparse.ArgumentParser:
    """The command's options; ``port_type`` checks ``--port`` (the command line's own check)."""
    parser = argparse.ArgumentParser(
        prog="ami-console test", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "paths", nargs="*", metavar="PATH", help="scenario files or folders (--demo: default its examples)"
    )
    parser.add_argument("--demo", action="store_true", help="start the built-in demo PBX and run against it")
    parser.add_argument("--host", help="AMI host, also host:port (default localhost)")
    parser.add_argument("--port", type=port_type, help="AMI port (default 5038)")
    parser.add_argument("--user", help="AMI username (it needs the originate class)")
    parser.add_argument("--tls", action="store_true", help="connect with TLS (certificates are verified)")
    parser.add_argument("--insecure", action="store_true", help="with --tls: accept an untrusted certificate")
    parser.add_argument("--junit", metavar="FILE", help="also write the results as JUnit XML, for CI")
    parser.add_argument("--jobs", type=_jobs, default=1, metavar="N", help="run N scenarios at once (default 1)")
    parser.add_argument("--yes", action="store_true", help="do not ask before placing calls (for CI)")
    parser.add_argument("--read-only", action="store_true", help="refused: tests place calls")
    parser.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="the longest any scenario's call may take (default: each file's timeout, else 30)",
    )
    parser.add_argument("--calls-per-minute", type=float, default=0.0, help="with --demo: background calls per minute")
    parser.add_argument("--seed", type=int, help="with --demo: make the background calls reproducible")
    return parser


def _jobs(text: str) -> int:
    try:
        jobs = int(text)
    except ValueError:
        jobs = 0
    if not 1 <= jobs <= 32:
        raise argparse.ArgumentTypeError(f"must be a number from 1 to 32, not {text!r}")
    return jobs


def examples_folder() -> Path:
    return Path(__file__).parent / "examples"


def connect(settings: ConnectionSettings, runner: ScenarioRunner) -> Session:
    """A session to ``settings``' server feeding ``runner`` (raises ConnectionError with
    the client's reason; ValueError for settings that cannot be sent)."""
    client = settings.client(events=None)  # every event: a scenario checks what its call did
    session = Session(client, on_events=runner.feed, on_lost=runner.lost)
    runner.session = session
    if not session.connect():
        raise ConnectionError(session.error or "connection failed")
    return session


class _Printer(Listener):
    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.lock = threading.Lock()

    def started(self, scenario: Scenario, linkedid: str) -> None:
        pass

    def checked(self, scenario: Scenario, result: CheckResult) -> None:
        pass

    def finished(self, result: ScenarioResult) -> None:
        with self.lock:  # with --jobs, a scenario's lines stay together
            print("\n".join(result_lines(result)), file=self.out, flush=True)


def main(
    args: argparse.Namespace,
    *,
    demo: ConnectionSettings | None = None,
    out: TextIO | None = None,
    ask: Callable[[str], str] | None = None,
) -> int:
    """Run the command; ``demo``: the demo PBX's settings (``--demo``, started by the caller)."""
    out = out or sys.stdout
    err = sys.stderr
    if args.read_only:
        print(
            "ami-console test: refused with --read-only: a test places calls (Originate) and hangs them up (Hangup)",
            file=err,
        )
        return 2
    paths = [Path(p).expanduser() for p in args.paths] or ([examples_folder()] if demo is not None else [])
    if not paths:
        print("ami-console test: give scenario files or folders (or --demo for the demo PBX's examples)", file=err)
        return 2
    loaded = load_scenarios(paths)
    for error in loaded.errors:
        print(f"ami-console test: {error}", file=err)
    scenarios: Sequence[Scenario] = loaded.scenarios
    if args.timeout:
        scenarios = [_capped(s, args.timeout) for s in scenarios]
    settings = demo or _settings(args, err)
    if settings is None:
        return 2
    if scenarios and demo is None and not args.yes and not _agreed(settings, len(scenarios), ask, err):
        return 2
    results = _run(settings, scenarios, args.jobs, out, err) if scenarios else []
    if results is None:
        return 2
    print(summary_line(results, loaded.errors), file=out)
    if args.junit:
        try:
            write_atomic(Path(args.junit).expanduser(), junit_xml(results, loaded.errors))
        except OSError as exc:
            print(f"ami-console test: cannot write {args.junit}: {exc.strerror or exc}", file=err)
            return 2
    if loaded.errors or not scenarios:
        return 2
    return 0 if all(r.passed for r in results) else 1


def _capped(scenario: Scenario, seconds: float) -> Scenario:
    from dataclasses import replace

    return replace(scenario, timeout=min(scenario.timeout, seconds))


def _settings(args: argparse.Namespace, err: TextIO) -> ConnectionSettings | None:
    secret = os.environ.get("AMI_SECRET", "")
    if not secret:
        if not sys.stdin.isatty():
            print("ami-console test: no secret: set AMI_SECRET (there is no terminal to ask on)", file=err)
            return None
        secret = getpass.getpass("AMI secret: ")
    values = {"host": args.host, "port": args.port, "username": args.user}
    changes = {k: v for k, v in values.items() if v is not None}
    if args.tls:
        changes.update(tls=True, tls_verify=not args.insecure)
    return ConnectionSettings(**{**ConnectionSettings().__dict__, **changes, "secret": secret})


def _agreed(settings: ConnectionSettings, count: int, ask: Callable[[str], str] | None, err: TextIO) -> bool:
    question = (
        f"This places {count} real call{'' if count == 1 else 's'} on {settings.address} as "
        f"{settings.username or '(no user)'} (each is hung up at its end). Go on? [y/N] "
    )
    if ask is None:
        if not sys.stdin.isatty():
            print("ami-console test: this places real calls: pass --yes to run without asking", file=err)
            return False
        ask = input
    try:
        return ask(question).strip().lower() in ("y", "yes")
    except EOFError:
        return False


def _run(
    settings: ConnectionSettings, scenarios: Sequence[Scenario], jobs: int, out: TextIO, err: TextIO
) -> list[ScenarioResult] | None:
    stop = threading.Event()
    runner = ScenarioRunner(listener=_Printer(out), cancelled=stop.is_set)
    try:
        session = connect(settings, runner)
    except (ConnectionError, ValueError) as exc:
        print(f"ami-console test: cannot connect to {settings.address}: {exc}", file=err)
        return None
    results: list[ScenarioResult] = []
    worker = threading.Thread(target=lambda: results.extend(runner.run_all(scenarios, jobs)), name="scenarios")
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.2)
    except KeyboardInterrupt:  # stop: the runner hangs up what it placed before it returns
        print("ami-console test: stopping; hanging up the calls placed...", file=err)
        stop.set()
        worker.join()
    finally:
        session.close()
    return results
