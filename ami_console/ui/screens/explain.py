"""Explain this: a small popup with what an event or a header means, in our words (from
the lessons' catalogue); for an event it does not know, what the server's own
``manager show event`` documentation says, when the server offers it.

| Key | Does |
|---|---|
| escape, q, ? | close |
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static

from ami_console.protocol import Message as AMIMessage
from ami_console.ui.plaintext import PlainText


class ExplainScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close")]

    DEFAULT_CSS = """
    ExplainScreen { align: center middle; }
    ExplainScreen VerticalScroll {
        width: 72; max-width: 95%; height: auto; max-height: 80%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    ExplainScreen #explain-text { height: auto; }
    """

    class ServerAnswered(Message):
        """The server answered ``manager show event NAME`` (``response`` None: it did not)."""

        def __init__(self, name: str, response: AMIMessage | None) -> None:
            super().__init__()
            self.name, self.response = name, response

    def __init__(self, title: str, text: str, *, asking: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.text = text
        self.asking = asking  # the event name asked of the server, while its answer is awaited

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = PlainText(self.title_text)  # a str title is parsed as markup
            scroll.border_subtitle = "esc closes"
            yield Static(PlainText(self.text), id="explain-text")

    def on_explain_screen_server_answered(self, event: ServerAnswered) -> None:
        response, name = event.response, event.name
        output = "\n".join(response.headers("Output")) if response is not None else ""
        if response is None:
            said = "The server did not answer."
        elif output.strip():
            said = f"ami-console has no explanation of {name}. Asterisk's own documentation says:\n\n{output}"
        else:
            said = f"ami-console has no explanation of {name}, and the server said: {response.header('Message', 'nothing')}"
        self.server_said(name, said)

    def server_said(self, name: str, text: str) -> None:
        """The server's documentation of ``name`` (or why there is none) arrived."""
        if name != self.asking:
            return
        self.asking = ""
        self.text = text
        self.query_one("#explain-text", Static).update(PlainText(text))

    def action_close(self) -> None:
        self.dismiss(None)
