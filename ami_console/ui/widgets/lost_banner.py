"""A banner that says the connection is gone, why, and how to get it back."""

from __future__ import annotations

from textual.widgets import Static

from ami_console.ui.plaintext import PlainText


class LostBanner(Static):
    DEFAULT_CSS = """
    LostBanner { display: none; height: auto; background: $error; color: $text; padding: 0 1; text-style: bold; }
    LostBanner.-shown { display: block; }
    """

    def show(self, reason: str, retry_in: float | None = None) -> None:
        """Say why the connection went; ``retry_in``: seconds until it reconnects by itself."""
        text = PlainText("Connection lost: ")
        text.append(reason or "unknown reason")
        if retry_in is not None:
            text.append(f"   Reconnecting by itself in {max(1, round(retry_in))} s: ctrl+r now, F10 stops it.")
        else:
            text.append("   Press ctrl+r to reconnect with the same settings; the log and responses stay.")
        self.update(text)
        self.add_class("-shown")

    def hide(self) -> None:
        self.remove_class("-shown")
