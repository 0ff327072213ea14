"""Start-up, in a real pseudo-terminal: from launch to the first frame of the connection
form, for ``ami-console``, ``ami-console --demo`` and, as the floor, a minimal Textual app
with the same widgets (``minimal_form_app.py``); and for ``--demo``, from launch to
connected (the header shows "connected").

    python benchmarks/bench_startup.py [--runs 7]

The three are launched in turn, round after round, so that a noisy neighbour slows them
alike. Each child gets its own empty config and data directories (no saved profiles), and
compiled bytecode in a cache of its own (``PYTHONPYCACHEPREFIX``), filled by a first launch
that is not counted: that is how an installed console starts from the second time on. With
``--from-source`` nothing is cached and every launch compiles every module first, as in a
checkout run with ``PYTHONDONTWRITEBYTECODE=1``.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import re
import select
import shutil
import statistics
import struct
import sys
import tempfile
import termios
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.storm import machine  # noqa: E402

ANSI = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[\]P^_].*?(?:\x07|\x1b\\)|\x1b.", re.S)
FORM = b"connect to the Asterisk Manager Interface"  # in our form's title and the minimal app's
CONNECTED = b"connected 00:00"


def launch(command: list[str], env: dict[str, str], until: bytes, timeout: float = 30.0) -> tuple[float, float]:
    """Seconds from launch to the form's first frame, and to ``until`` on screen."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: a 140x45 terminal running the app
        os.environ.update(env, TERM="xterm-256color", COLUMNS="140", LINES="45")
        os.execvp(command[0], command)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 45, 140, 0, 0))
    started = time.monotonic()
    screen, form_at, until_at = b"", None, None
    try:
        while until_at is None and time.monotonic() - started < timeout:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            screen = (screen + ANSI.sub(b"", chunk))[-20000:]
            now = time.monotonic()
            if form_at is None and FORM in screen:
                form_at = now - started
            if until in screen:
                until_at = now - started
                form_at = form_at if form_at is not None else until_at
        os.write(fd, b"\x11")  # ctrl+q
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            finished, _ = os.waitpid(pid, os.WNOHANG)
            if finished:
                break
            select.select([fd], [], [], 0.05)
            try:
                os.read(fd, 65536)
            except OSError:
                pass
        else:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
    finally:
        os.close(fd)
    if form_at is None or until_at is None:
        raise SystemExit(f"{' '.join(command)} did not come up within {timeout:.0f} s")
    return form_at, until_at


def figures(name: str, seconds: list[float]) -> str:
    return (
        f"  {name:<40} median {statistics.median(seconds) * 1000:4.0f} ms, "
        f"best {min(seconds) * 1000:4.0f} ms, worst {max(seconds) * 1000:4.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--from-source", action="store_true", help="no bytecode cache: compile on every launch")
    args = parser.parse_args()
    bin_dir = str(Path(sys.executable).parent)
    console = shutil.which("ami-console", path=bin_dir) or "ami-console"
    minimal = [sys.executable, str(Path(__file__).with_name("minimal_form_app.py"))]
    print(machine())
    ours, demo_forms, demo_connects, floor = [], [], [], []
    demo = [console, "--demo", "--calls-per-minute", "0"]
    with tempfile.TemporaryDirectory() as home:
        env = {"AMI_CONSOLE_CONFIG_DIR": f"{home}/config", "AMI_CONSOLE_DATA_DIR": f"{home}/data"}
        if args.from_source:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        else:
            os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # the children inherit the rest
            env["PYTHONPYCACHEPREFIX"] = f"{home}/bytecode"
            launch(minimal, env, FORM)  # compiles and caches what each one imports
            launch(demo, env, CONNECTED)
        for _ in range(args.runs):
            floor.append(launch(minimal, env, FORM)[0])
            ours.append(launch([console], env, FORM)[0])
            form_at, connected_at = launch(demo, env, CONNECTED)
            demo_forms.append(form_at)
            demo_connects.append(connected_at)
    how = "compiling every module (no bytecode cache)" if args.from_source else "bytecode cached"
    print(f"\n{args.runs} launches of each, in turn, in a 140x45 pseudo-terminal, {how}:")
    print(figures("first frame: ami-console (the form)", ours))
    print(figures("first frame: minimal app, same widgets", floor))
    print(figures("first frame: ami-console --demo", demo_forms))
    print(figures("connected: ami-console --demo", demo_connects))
    ratio = statistics.median(ours) / statistics.median(floor)
    demo_ratio = statistics.median(demo_forms) / statistics.median(floor)
    best_ratio = min(ours) / min(floor)
    print(
        f"\n  ours / minimal, first frame: {ratio:.2f}x at the median, {best_ratio:.2f}x best to best; "
        f"with --demo {demo_ratio:.2f}x"
    )


if __name__ == "__main__":
    main()
