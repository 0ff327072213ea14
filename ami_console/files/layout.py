"""The console's layout, remembered between runs: how much of the height the event log takes.

A small JSON file beside the profiles. A missing, unreadable or odd file means the
default layout: the layout is a comfort, never a reason to fail.
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


def clamp_share(share: int) -> int:
    """``share`` within the allowed range, on a step."""
    share = max(MIN_LOG_SHARE, min(MAX_LOG_SHARE, share))
    return share - share % LOG_SHARE_STEP


class LayoutFile:
    """``layout.json`` in the user's config directory."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / "layout.json"

    def load_log_share(self) -> int:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return DEFAULT_LOG_SHARE
        share = data.get("log_share") if isinstance(data, dict) else None
        if not isinstance(share, int) or isinstance(share, bool):
            return DEFAULT_LOG_SHARE
        return clamp_share(share)

    def save_log_share(self, share: int) -> None:
        """Raises ``OSError`` when the file cannot be written."""
        write_atomic(self.path, json.dumps({"log_share": clamp_share(share)}).encode("utf-8") + b"\n")
