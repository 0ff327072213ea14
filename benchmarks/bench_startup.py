"""Start-up: from launching ``ami-console --demo`` to the first frame of the connection
form, and to connected (the header shows "connected"), in a real pseudo-terminal.

    python benchmarks/bench_startup.py [--runs 5]
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
import termios
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.storm import machine  # noqa: E402

ANSI = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[\]P^_].*?(?:\x07|\x1b\\)|\x1b.", re.S)
FORM = b"connect to the Asterisk Manager Interface"
CONNECTED = b"connected 00:00"


def launch(command: list[str], timeout: float = 30.0) -> tuple[float, float]:
    """Seconds to the form's first frame and to connected."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: a 140x45 terminal running the console
        os.environ.update(TERM="xterm-256color", COLUMNS="140", LINES="45")
        os.execvp(command[0], command)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 45, 140, 0, 0))
    started = time.monotonic()
    screen, form_at, connected_at = b"", None, None
    try:
        while connected_at is None and time.monotonic() - started < timeout:
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
            if CONNECTED in screen:
                connected_at = now - started
                form_at = form_at if form_at is not None else connected_at
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
    if form_at is None or connected_at is None:
        raise SystemExit(f"the console did not come up within {timeout:.0f} s")
    return form_at, connected_at


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    console = shutil.which("ami-console", path=str(Path(sys.executable).parent)) or "ami-console"
    command = [console, "--demo", "--calls-per-minute", "0"]
    print(machine())
    forms, connects = [], []
    for _ in range(args.runs):
        form_at, connected_at = launch(command)
        forms.append(form_at)
        connects.append(connected_at)
    print(f"\n`ami-console --demo`, {args.runs} launches in a 140x45 pseudo-terminal:")
    print(
        f"  first frame (connection form)  median {statistics.median(forms) * 1000:.0f} ms, "
        f"worst {max(forms) * 1000:.0f} ms"
    )
    print(
        f"  connected to the demo PBX      median {statistics.median(connects) * 1000:.0f} ms, "
        f"worst {max(connects) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
