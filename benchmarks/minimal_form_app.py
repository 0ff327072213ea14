"""The floor for ``bench_startup.py``: a minimal Textual app with the widgets of our
connection form (ami_console/ui/screens/connect.py) and nothing else: no AMI library, no
profiles, no other screen. What it takes to its first frame is what Textual itself costs.

    python benchmarks/minimal_form_app.py
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import (
    Button,
    Checkbox,
    Footer,
    Input,
    Label,
    LoadingIndicator,
    RadioButton,
    RadioSet,
    Select,
    Static,
)

# The same title as ours: the benchmark waits for this text on screen.
TITLE = "minimal · connect to the Asterisk Manager Interface"


class MinimalFormApp(App[None]):
    CSS = """
    #page { align-horizontal: center; }
    #form { width: 100; max-width: 100%; height: auto; border: round $primary; padding: 1 2; }
    .row { height: auto; }
    .label { width: 12; padding-top: 1; }
    #busy { display: none; }
    """
    BINDINGS = [("ctrl+q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="page"), Vertical(id="form"):
            yield Static(TITLE)
            with Horizontal(classes="row"):
                yield Label("Profile", classes="label")
                yield Select([], prompt="(none saved)", allow_blank=True)
            with Horizontal(classes="row"):
                yield Label("Host", classes="label")
                yield Input("localhost", placeholder="pbx.example.org")
                yield Label("Port", classes="label")
                yield Input("5038", type="integer")
            with Horizontal(classes="row"):
                yield Label("Username", classes="label")
                yield Input(placeholder="the [user] in manager.conf")
            with Horizontal(classes="row"):
                yield Label("Secret", classes="label")
                yield Input(password=True, placeholder="or set AMI_SECRET")
                yield Checkbox("Show")
            with Horizontal(classes="row"):
                yield Label("Auth", classes="label")
                with RadioSet():
                    yield RadioButton("Plain", value=True)
                    yield RadioButton("MD5 challenge")
            with Horizontal(classes="row"):
                yield Label("TLS", classes="label")
                yield Checkbox("Use TLS")
                yield Checkbox("Allow untrusted certificate")
            with Horizontal(classes="row"):
                yield Label("Events", classes="label")
                yield Input("on", placeholder="on, off, or classes: system,call,dialplan")
            with Horizontal(classes="row"):
                yield Button("Connect", variant="primary")
                yield Input(placeholder="profile name")
                yield Button("Save profile")
                yield Button("Delete")
            with Horizontal(id="busy"):
                yield LoadingIndicator()
                yield Static()
            yield Static()
        yield Footer(compact=True)


if __name__ == "__main__":
    MinimalFormApp().run()
