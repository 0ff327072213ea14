"""The console's layout, remembered between runs: how much of the height the event log takes.

A small JSON file beside the profiles, one share per mode (``console``, ``learn``): a log
given 90% while debugging must not leave the next ``ami-console learn`` a one-line
composer. A missing, unreadable or odd file means the default layout: the layout is a
comfort, never a reason to fail. (A file of before, ``{"log_share": 60}``, is the
console's.)
"""

from __future__ import annotations

import json
from pathlib import Path

from ami_console.files.atomic import write_atomic
from ami_console.files.profiles import config_dir

__all__ = ["DEFAULT_LOG_SHARE", "LOG_SHARE_STEP", "MAX_LOG_SHARE", "MIN_LOG_SHARE", "LayoutFile", "clamp_share"]

DEFAULT_LOG_SHARE = 40  # percent of the height below the header
MIN_LOG_SHARE = 15
MAX_LOG_SHARE = 90  # a dialplan debugger gives the log most of the screen
LOG_SHARE_STEP = 5
MODES = 8  # modes read from the file at most (a hostile file cannot make it a long list)


def clamp_share(share: int) -> int:
    """``share`` within the allowed range, on a step."""
    share = max(MIN_LOG_SHARE, min(MAX_LOG_SHARE, share))
    return share - share % LOG_SHARE_STEP


class LayoutFile:
    """``layout.json`` in the user's config directory."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / "layout.json"

    def _shares(self) -> dict[str, int]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        shares = data.get("log_share") if isinstance(data, dict) else None
        if isinstance(shares, int):
            shares = {"console": shares}
        if not isinstance(shares, dict):
            return {}
        return {
            mode: clamp_share(share)
            for mode, share in list(shares.items())[:MODES]
            if isinstance(mode, str) and isinstance(share, int) and not isinstance(share, bool)
        }

    def load_log_share(self, mode: str = "console") -> int:
        return self._shares().get(mode, DEFAULT_LOG_SHARE)

    def save_log_share(self, share: int, mode: str = "console") -> None:
        """Raises ``OSError`` when the file cannot be written."""
        shares = {**self._shares(), mode: clamp_share(share)}
        write_atomic(self.path, json.dumps({"log_share": shares}).encode("utf-8") + b"\n")
