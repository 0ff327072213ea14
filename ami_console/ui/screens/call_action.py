"""Confirm one action on a live call: which call, what it needs, and the exact bytes it sends.

Opened from the Calls tab (:class:`CallsView.ActionRequested`) for the channel selected
there. The fields come from :mod:`ami_console.calls.actions`; the preview is the
composer's (the same serialisation, with the ActionID the app will give it). The screen
dismisses with the fields, which the console sends as any action (so ``--read-only``
refuses them in the same one place); Esc dismisses with None and nothing is sent.

| Key | Does |
|---|---|
| enter | send it (when every field it needs is filled and read-only does not refuse it) |
| escape | cancel: nothing is sent |
| tab, shift+tab | next, previous field |
| right (at the end of a field) | take the dialplan completion shown in grey |
| space (on Paused) | pause or unpause |
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Checkbox, Footer, Input, Label, Static

from ami_console import clock
from ami_console.calls import actions
from ami_console.calls.dialplan import Dialplan, ListingRequest
from ami_console.calls.live import Call, ChannelState, short_channel
from ami_console.monitor.composing import Composed
from ami_console.monitor.read_only import changes_pbx
from ami_console.ui.plaintext import PlainText, clean, wire_preview

Fields = list[tuple[str, str]]

# kind -> (title, what it does, the fields it asks for: (id, label, placeholder))
KINDS: dict[str, tuple[str, str, tuple[tuple[str, str, str], ...]]] = {
    "hangup": ("Hang up", "Hang up this channel.", ()),
    "redirect": (
        "Redirect",
        "Send this channel to another place in the dialplan.",
        (("context", "Context", "e.g. demo"), ("exten", "Exten", "e.g. 100"), ("priority", "Priority", "1")),
    ),
    "transfer": (
        "Blind transfer",
        "Send the party bridged with this channel to an extension; this channel leaves the call.",
        (("context", "Context", "e.g. demo"), ("exten", "Exten", "e.g. 100")),
    ),
    "originate": (
        "Originate",
        "Place a new call: ring Channel; when it answers, it runs Context,Exten,1.",
        (("channel", "Channel", "PJSIP/alice or Local/100@demo"), ("context", "Context", ""), ("exten", "Exten", "")),
    ),
    "pause": (
        "Queue pause",
        "Pause (or unpause) a queue member: a paused member is offered no calls.",
        (("queue", "Queue", "every queue if empty"), ("interface", "Interface", "e.g. Local/300@demo")),
    ),
}
ACTION_OF = {
    "hangup": "Hangup",
    "redirect": "Redirect",
    "transfer": "BlindTransfer",
    "originate": "Originate",
    "pause": "QueuePause",
}
COMPLETIONS_SHOWN = 8  # candidates listed under the fields
MAX_FETCHES = 16  # listings one dialog asks for, at most: completion must not flood the server


def device_of(channel: str) -> str:
    """What Originate or a queue dials to reach a channel's phone: ``PJSIP/alice-00000001``
    -> ``PJSIP/alice``, ``Local/300@demo-00000011;1`` -> ``Local/300@demo``."""
    return short_channel(channel).partition(";")[0]


def queue_member(call: Call | None, channel: ChannelState) -> tuple[str, str]:
    """(queue, interface) of the queue member this channel is or talks to, as far as known:
    the latest queue event of the call naming an Interface, else the channel's own queue
    and, for a Local channel (a member's own leg), its device."""
    queue, interface = channel.queue, ""
    for _, message in reversed(call.events if call is not None else ()):
        member = message.header("Interface")
        if member and message.header("Queue"):
            return message.header("Queue") or queue, member
    if channel.name.startswith("Local/"):
        interface = device_of(channel.name)
    return queue, interface


class _DialplanSuggester(Suggester):
    """Completes a field from the dialplan the console has cached (contexts, their
    extensions, an extension's priorities); it reads the other fields each time."""

    def __init__(self, screen: CallActionScreen, field: str) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.screen, self.field = screen, field

    async def get_suggestion(self, value: str) -> str | None:
        found = self.screen.completions(self.field, value)
        return found[0] if found else None


class CallActionScreen(ModalScreen[Fields | None]):
    BINDINGS = [
        # Priority: enter in a field sends rather than submitting the field.
        Binding("enter", "send", "Send", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    DEFAULT_CSS = """
    CallActionScreen { align: center middle; }
    CallActionScreen > Vertical {
        width: 84; max-width: 100%; height: auto; max-height: 100%;
        border: round $warning; background: $surface; padding: 0 1;
    }
    CallActionScreen .call-line { height: auto; }
    CallActionScreen #call-what { color: $text-muted; margin-bottom: 1; }
    CallActionScreen .call-row { height: 1; }
    CallActionScreen .call-row Label { width: 11; text-style: bold; }
    CallActionScreen .call-row Input { width: 1fr; }
    CallActionScreen Checkbox { border: none; padding: 0; height: 1; margin-right: 2; }
    CallActionScreen #call-choices { color: $text-muted; height: auto; }
    CallActionScreen .section { color: $text-muted; text-style: bold; margin-top: 1; height: 1; }
    CallActionScreen #call-preview { height: auto; background: $boost; padding: 0 1; }
    CallActionScreen #call-preview.-invalid { color: $error; }
    CallActionScreen #call-refusal { color: $error; text-style: bold; height: auto; margin-bottom: 1; }
    """

    def __init__(
        self,
        kind: str,
        call: Call | None,
        channel: ChannelState | None,
        *,
        next_id: Callable[[], str],
        read_only: bool = False,
        dialplan: Dialplan | None = None,
        lock: AbstractContextManager[object] | None = None,
        fetch: Callable[[ListingRequest], object] | None = None,
    ) -> None:
        super().__init__()
        if kind not in KINDS:
            raise ValueError(f"no call action {kind!r}: one of {', '.join(KINDS)}")
        self.kind, self.call, self.channel = kind, call, channel
        self.next_id = next_id  # read at each refresh: the console's own queries take ids meanwhile
        self.read_only = read_only
        self.dialplan = dialplan  # read under ``lock``: the model thread fills it
        self.model_lock = lock or nullcontext()
        self.fetch = fetch  # asks for a context's listing (None: no server to ask)
        self._shown: tuple[tuple[tuple[str, str], ...], str, int] | None = None  # fields, problem and ActionID, width
        self._asked: set[str] = set()  # contexts whose listing this dialog asked for

    # -- what is on screen -------------------------------------------------------------
    def compose(self) -> ComposeResult:
        title, what, asked = KINDS[self.kind]
        chan = self.channel
        start = {"priority": "1"}
        if chan is not None:
            queue, interface = queue_member(self.call, chan)
            start.update(context=chan.context, channel=device_of(chan.name), queue=queue, interface=interface)
        with Vertical() as box:
            box.border_title = f"{title}: confirm"
            yield Static(PlainText(self.naming()), classes="call-line", id="call-name")
            yield Static(PlainText(what), classes="call-line", id="call-what")
            yield Static(id="call-refusal")  # first: read-only says so before anything is typed
            for field, label, placeholder in asked:
                with Horizontal(classes="call-row"):
                    yield Label(label)
                    suggester = _DialplanSuggester(self, field) if field in ("context", "exten", "priority") else None
                    yield Input(
                        clean(start.get(field, "")),
                        placeholder=placeholder,
                        id=f"call-{field}",
                        compact=True,
                        suggester=suggester,
                    )
            if self.kind == "pause":
                with Horizontal(classes="call-row"):
                    yield Label("Paused")
                    yield Checkbox("paused (untick to unpause)", True, id="call-paused")
                with Horizontal(classes="call-row"):
                    yield Label("Reason")
                    yield Input(placeholder="optional: shown as PausedReason", id="call-reason", compact=True)
            yield Static(id="call-choices").set_styles("display: none;")
            heading = (
                "Would send, if not read-only  (esc: close)"
                if self.read_only
                else "Will send  (enter: send · esc: cancel)"
            )
            yield Static(heading, classes="section")
            yield Static(id="call-preview")
        yield Footer(compact=True)

    def naming(self) -> str:
        """``Call "Alice" <1001> -> 600 · bridged with ... · channel PJSIP/alice-00000001 (Up, Dial)``"""
        chan = self.channel
        if chan is None:
            return "A new call, not tied to a call up now."
        parts = []
        if self.call is not None:
            row = self.call.row(clock.now())
            who = row.caller or "unknown caller"
            parts.append(f"Call {who} -> {row.dialled or '?'} · {row.state}")
        doing = ", ".join(p for p in (chan.state, chan.doing) if p)
        parts.append(f"Channel {chan.name or chan.uniqueid}" + (f" ({doing})" if doing else ""))
        return "\n".join(parts)

    def on_mount(self) -> None:
        inputs = list(self.query(Input))
        empty = next((i for i in inputs if not i.value), None)
        if inputs:
            (empty or inputs[0]).focus()
        self._fetch_context()
        self.refresh_preview()
        # The console's own queries (parameter help, the Calls tab's refreshes) may take
        # ActionIDs while this is open: the preview follows.
        self.set_interval(0.5, self._tick)

    def _tick(self) -> None:
        self._fetch_context()
        self.refresh_preview()

    def _fetch_context(self) -> None:
        """Ask for the listing of the context typed (the channel's at first) and of the
        contexts it includes (read-only ShowDialPlans, each once), so that their extensions
        complete; the app keeps them in ``dialplan`` for next time."""
        fetch, dialplan = self.fetch, self.dialplan
        if fetch is None or dialplan is None:
            return
        context = self.value("context")
        with self.model_lock:
            wanted = [context] if context not in dialplan else dialplan.missing_includes(context)
        for name in wanted:
            if name and name not in self._asked and len(self._asked) < MAX_FETCHES:
                self._asked.add(name)
                fetch(ListingRequest(name))

    # -- the action ----------------------------------------------------------------------
    def value(self, field: str) -> str:
        found = self.query(f"#call-{field}")
        if not found:
            return ""
        widget = found.first()
        if isinstance(widget, Checkbox):
            return "true" if widget.value else "false"
        return widget.value.strip() if isinstance(widget, Input) else ""

    def build(self) -> tuple[Fields | None, str]:
        """The fields to send, or None and what is missing."""
        name = self.channel.name if self.channel is not None else ""
        get = self.value
        missing = [
            label for field, label, _ in KINDS[self.kind][2] if field not in ("priority", "queue") and not get(field)
        ]
        if missing:
            return None, f"Fill in {' and '.join(missing)}."
        if self.kind == "hangup":
            return actions.hangup(name), ""
        if self.kind == "redirect":
            return actions.redirect(name, get("context"), get("exten"), get("priority") or "1"), ""
        if self.kind == "transfer":
            return actions.blind_transfer(name, get("context"), get("exten")), ""
        if self.kind == "originate":
            return actions.originate(get("channel"), get("context"), get("exten")), ""
        return actions.queue_pause(get("queue"), get("interface"), get("paused") == "true", get("reason")), ""

    def refusal(self) -> str | None:
        """Why the console would refuse it (read-only), or None."""
        if not self.read_only:
            return None
        fields, _ = self.build()
        # Every action here changes the PBX: refused even before its fields are complete.
        return changes_pbx(fields or [("Action", ACTION_OF[self.kind])])

    def refresh_preview(self) -> None:
        fields, problem = self.build()
        action_id = self.next_id()
        preview = self.query_one("#call-preview", Static)
        key = (tuple(fields or ()), problem + action_id, preview.content_size.width)
        if key == self._shown:
            return
        self._shown = key
        preview.set_class(fields is None, "-invalid")
        if fields is None:
            preview.update(Text(f"Cannot send yet: {problem}"))
        else:
            try:
                wire = Composed(tuple(fields), None).wire(action_id)
            except ValueError as error:  # a line break pasted into a field
                preview.set_class(True, "-invalid")
                preview.update(Text(f"Cannot send: {error}"))
            else:
                preview.update(wire_preview(wire, preview.content_size.width))
        refusal = self.query_one("#call-refusal", Static)
        refusal.update(PlainText(self.refusal() or ""))
        refusal.display = self.read_only

    @property
    def preview_text(self) -> str:
        return str(self.query_one("#call-preview", Static).render()).replace("\n↪ ", "")  # unwrapped

    # -- completion from the cached dialplan --------------------------------------------------
    def completions(self, field: str, prefix: str) -> list[str]:
        with self.model_lock:
            return self._completions(field, prefix)

    def _completions(self, field: str, prefix: str) -> list[str]:
        if self.dialplan is None:
            return []
        if field == "context":
            return actions.completions(self.dialplan, prefix=prefix)
        context = self.value("context")
        if not context:
            return []
        if field == "exten":
            return actions.completions(self.dialplan, context, prefix=prefix)
        if field == "priority":
            return actions.completions(self.dialplan, context, self.value("exten"), prefix=prefix)
        return []

    def _show_choices(self) -> None:
        focused = self.focused
        field = (focused.id or "").removeprefix("call-") if isinstance(focused, Input) else ""
        found = self.completions(field, focused.value.strip()) if isinstance(focused, Input) else []
        text = ""
        if found:
            more = len(found) - COMPLETIONS_SHOWN
            text = (
                "From the dialplan: " + "  ".join(found[:COMPLETIONS_SHOWN]) + (f"  … {more} more" if more > 0 else "")
            )
        choices = self.query_one("#call-choices", Static)
        choices.update(PlainText(clean(text)))
        choices.display = bool(text)

    @on(Input.Changed)
    @on(Checkbox.Changed)
    def changed(self) -> None:
        self.refresh_preview()
        self._show_choices()

    def on_descendant_focus(self) -> None:
        self._show_choices()

    # -- keys ------------------------------------------------------------------------------
    def action_send(self) -> None:
        refusal = self.refusal()
        fields, problem = self.build()
        if refusal is not None:
            self.notify(refusal, title="Read-only", severity="error")
        elif fields is None:
            self.notify(f"Not sent: {problem}", severity="warning")
        else:
            self.dismiss(fields)

    def action_cancel(self) -> None:
        self.dismiss(None)
