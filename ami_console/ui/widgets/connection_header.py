"""The top line: where we are connected, as whom, which versions, and for how long."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from ami_console import clock
from ami_console.monitor.connection import ConnectedInfo
from ami_console.ui.plaintext import PlainText


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class ConnectionHeader(Widget):
    """``● admin@127.0.0.1:5038 · AMI 11.0.0 · Asterisk 22.10.1 · connected 00:01:23``

    With ``read_only``, `` READ-ONLY `` comes first, in black on yellow.
    """

    DEFAULT_CSS = """
    ConnectionHeader { height: 1; background: $panel; padding: 0 1; }
    """

    state: reactive[str] = reactive("disconnected")  # connecting, connected, lost

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.address = ""
        self.username = ""
        self.info: ConnectedInfo | None = None
        self.note = ""  # e.g. "demo PBX"
        self.filters = ""  # the server-side filtering in force, e.g. "events on · 2 filters"
        self.frozen_at: float | None = None  # when the connection was lost
        self.read_only = False  # actions that change the PBX are refused (--read-only)

    def on_mount(self) -> None:
        self.set_interval(1, self.refresh)

    def show(self, state: str, address: str = "", username: str = "", info: ConnectedInfo | None = None) -> None:
        self.address = address or self.address
        self.username = username or self.username
        if info is not None:
            self.info = info
        self.frozen_at = clock.now() if state == "lost" else None
        self.state = state
        self.refresh()

    def render(self) -> Text:
        dots = {"connected": ("● ", "green"), "connecting": ("◌ ", "yellow"), "lost": ("● ", "red")}
        dot, colour = dots.get(self.state, ("○ ", "grey50"))
        text = PlainText(dot, style=f"bold {colour}")
        if self.read_only:  # first, so that no width cuts it off
            text.append(" READ-ONLY ", style="bold black on yellow")
            text.append(" ")
        text.append(f"{self.username}@{self.address}" if self.address else "not connected", style="bold")
        if self.info is not None:
            text.append(f" · AMI {self.info.ami_version}")
            if self.info.asterisk_version:
                text.append(f" · Asterisk {self.info.asterisk_version}")
            end = self.frozen_at or clock.now()
            label = "was connected" if self.state == "lost" else "connected"
            text.append(f" · {label} {_duration(end - self.info.connected_at)}")
        if self.filters and self.state == "connected":
            text.append(f" · {self.filters}")
        if self.note:
            text.append(f" · {self.note}", style="italic")
        return text
