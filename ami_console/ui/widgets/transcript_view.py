"""The transcript pane: every line sent (``>>``) and received (``<<``), secrets masked.

Newcomers learn the protocol by watching it. New lines are taken from the session's
:class:`Transcript` a few times a second, in one batch each time.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Log

from ami_console.files.transcript import Transcript

MAX_LINES = 20_000
MOST_PER_UPDATE = 300  # messages turned into lines at each update, the newest


class TranscriptView(Log):
    """``s`` saves the transcript to a file."""

    BINDINGS = [Binding("s", "save", "Save transcript")]

    class SaveRequested(Message):
        """Write the transcript to a file."""

    DEFAULT_CSS = """
    TranscriptView { height: 1fr; }
    """

    def __init__(self, transcript: Transcript, *, id: str | None = None) -> None:
        super().__init__(max_lines=MAX_LINES, id=id)
        self.transcript = transcript
        self._seen = 0

    def on_mount(self) -> None:
        self.set_interval(0.25, self.catch_up)
        self.catch_up()

    def action_save(self) -> None:
        self.post_message(self.SaveRequested())

    def catch_up(self) -> None:
        # Hidden behind the Events tab, it does nothing: decoding every message of a busy
        # PBX for no one would slow the whole console down.
        if self.parent is not None and not self.parent.display:
            return
        self._seen, lines = self.transcript.since(self._seen, MOST_PER_UPDATE)
        if lines:
            self.write_lines(lines)

    def on_show(self) -> None:
        self.catch_up()
