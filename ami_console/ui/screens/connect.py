"""The connection form: where to connect, as whom, how; and saved profiles.

Every failure is shown here in plain words and the form keeps what was typed.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.events import Resize
from textual.message import Message
from textual.screen import Screen
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

from ami_console.files.profiles import ConnectionSettings, Profiles
from ami_console.ui.plaintext import PlainText, clean


def explain(error: str, settings: ConnectionSettings) -> str:
    """A client error, in words an operator can act on."""
    where = settings.address
    if error.startswith("Connection failed: Connection refused"):
        return f"{where} refused the connection. Is Asterisk running there, with AMI enabled (manager.conf: enabled = yes, port = {settings.port})?"
    if error.startswith("Connection failed: unknown host"):
        return f"Unknown host {settings.host!r}: the name could not be resolved."
    if error.startswith("Connection failed: timed out"):
        return f"No answer from {where} within {settings.timeout:g} s. Wrong address, or a firewall in the way?"
    if error.startswith("Connection failed: TLS certificate not trusted"):
        return (
            f"{where}: the server's TLS certificate is not trusted ({error.partition('(')[2].rstrip(')')}). "
            "Tick 'Allow untrusted certificate' only if you know this server."
        )
    if error.startswith("Timed out after") and "greeting" in error:
        return f"{where} accepted the connection but sent no AMI greeting within {settings.timeout:g} s. Is that an AMI port?"
    if error.startswith("Unknown Protocol"):
        said = clean(error.partition(": ")[2]).strip()
        instead = f"it greeted with {said!r}" if said else "it did not greet"
        return f"{where} is not an AMI server: {instead}, not 'Asterisk Call Manager/...'."
    if error.startswith("Login failed: Authentication failed"):
        return "Asterisk refused the login: Authentication failed. Check the username and secret (manager.conf)."
    if error.startswith("Login failed: "):
        return f"The login did not succeed: {error.removeprefix('Login failed: ')}"
    if error.startswith("Connection failed: TLS failed (WRONG_VERSION_NUMBER"):
        return (
            f"{where} does not speak TLS on port {settings.port}: it answered the TLS handshake in plain text "
            "(WRONG_VERSION_NUMBER). Untick TLS, or use the TLS port (manager.conf: tlsbindport, often 5039)."
        )
    if error.startswith("Connection failed: TLS failed"):
        return f"The TLS handshake with {where} failed ({error.partition('(')[2].rstrip(')')}). Is TLS enabled there (manager.conf: tlsenable)?"
    if error == "Connection failed: cancelled":
        return "Cancelled: not connected."
    if error.startswith("Connection failed: closed by the server before the greeting"):
        return (
            f"{where} accepted the connection, then closed it before greeting. Too many unauthenticated "
            "connections (manager.conf: authlimit), or this address is not allowed (permit/deny)?"
        )
    if error.startswith("Connection failed: Connection reset"):
        return f"{where} reset the connection before greeting. Is that an AMI port, and is this address allowed (permit/deny)?"
    if error.startswith("Invalid port"):
        return f"{error}. AMI listens on 5038 unless manager.conf says otherwise."
    if error.endswith("cannot be encoded as utf-8"):
        return f"{error}: it holds bytes that are not text. Type it again in the form."
    if error.startswith("Connection failed: "):
        return f"Could not connect to {where}: {error.removeprefix('Connection failed: ')}."
    return error


# Below this height the form drops the borders of its fields (one line each), so that the
# Connect button, the busy line and the error stay on screen with the fields at 80x24.
ROOMY_HEIGHT = 42


class ConnectScreen(Screen):
    """The connection form.

    | Key | Does |
    |---|---|
    | enter | connect, from any field (a button presses itself, the profile name saves) |
    | ctrl+s | connect |
    | ctrl+t | show or hide the secret |
    | escape | cancel connecting, or go back to the console |
    """

    BINDINGS = [
        Binding("ctrl+s", "connect", "Connect", priority=True),
        # Enter on a checkbox or a radio set would tick it: on this form it connects, as it
        # does in a text field (space still ticks).
        Binding("enter", "connect_from_field", "Connect", show=False, priority=True),
        Binding("escape", "cancel", "Cancel / back"),
        Binding("ctrl+t", "toggle_secret", "Show/hide secret"),
        Binding("f1", "app.help", "Help"),
    ]

    class ConnectRequested(Message):
        def __init__(self, settings: ConnectionSettings) -> None:
            super().__init__()
            self.settings = settings

    class CancelRequested(Message):
        pass

    def __init__(self, settings: ConnectionSettings, profiles: Profiles, hint: str = "") -> None:
        super().__init__()
        self.settings = settings
        self.profiles = profiles
        self.hint = hint
        self.busy = False

    def compose(self) -> ComposeResult:
        s = self.settings
        # Compact from the first frame when the terminal is short: restyling the whole form
        # on the first resize cost a third of a second at 80x24.
        compact = self.app.size.height < ROOMY_HEIGHT
        self.set_class(compact, "-compact")
        with VerticalScroll(id="connect-page"), Vertical(id="connect-form"):
            yield Static("ami-console · connect to the Asterisk Manager Interface", id="connect-title")
            if self.hint:
                yield Static(PlainText(self.hint), id="connect-hint")
            with Horizontal(classes="form-row"):
                yield Label("Profile", classes="form-label")
                yield Select([], prompt="(none saved)", id="profile", allow_blank=True, compact=compact)
            with Horizontal(classes="form-row"):
                yield Label("Host", classes="form-label")
                yield Input(s.host, placeholder="pbx.example.org", id="host", compact=compact)
                yield Label("Port", classes="form-label-short")
                yield Input(str(s.port), id="port", type="integer", classes="short", compact=compact)
            with Horizontal(classes="form-row"):
                yield Label("Username", classes="form-label")
                yield Input(s.username, placeholder="the [user] in manager.conf", id="username", compact=compact)
            with Horizontal(classes="form-row"):
                yield Label("Secret", classes="form-label")
                yield Input(s.secret, password=True, placeholder="or set AMI_SECRET", id="secret", compact=compact)
                yield Checkbox("Show", id="show-secret")
            with Horizontal(classes="form-row"):
                yield Label("Auth", classes="form-label")
                with RadioSet(id="auth"):
                    yield RadioButton("Plain", value=s.auth != "md5", id="auth-plain")
                    yield RadioButton("MD5 challenge", value=s.auth == "md5", id="auth-md5")
            with Horizontal(classes="form-row"):
                yield Label("TLS", classes="form-label")
                yield Checkbox("Use TLS", s.tls, id="tls")
                yield Checkbox("Allow untrusted certificate", not s.tls_verify, id="tls-untrusted")
            with Horizontal(classes="form-row"):
                yield Label("Events", classes="form-label")
                yield Input(
                    s.events, placeholder="on, off, or classes: system,call,dialplan", id="events", compact=compact
                )
                # On the Events row, not a row of its own: the form must still fit 80x24.
                read_only = Checkbox("Read-only", s.read_only, id="read-only")
                read_only.tooltip = "Refuse, before sending, every action that changes the PBX"
                yield read_only
            with Horizontal(classes="form-row", id="connect-buttons"):
                yield Button("Connect", variant="primary", id="connect", compact=compact)
                yield Input(placeholder="profile name", id="profile-name", compact=compact)
                yield Button("Save profile", id="save-profile", compact=compact)
                yield Button("Delete", id="delete-profile", compact=compact)
            with Horizontal(id="connect-busy"):
                yield LoadingIndicator()
                yield Static(id="busy-text")
            yield Static(id="connect-error")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._fill_profiles()
        first_empty = next(
            (i for i in self.query(Input) if not i.value and i.id in ("host", "username", "secret")), None
        )
        (first_empty or self.query_one("#connect", Button)).focus()

    def on_resize(self, event: Resize) -> None:
        compact = event.size.height < ROOMY_HEIGHT
        if compact == self.has_class("-compact"):
            return
        self.set_class(compact, "-compact")
        for widget in self.query("Input, Select, Button"):
            widget.compact = compact  # type: ignore[attr-defined]

    # -- reading the form ----------------------------------------------------------------------
    def read(self) -> ConnectionSettings:
        value = lambda widget_id: self.query_one(f"#{widget_id}", Input).value.strip()  # noqa: E731
        port = value("port")
        return ConnectionSettings(
            host=value("host") or "localhost",
            port=int(port) if port.isdigit() else 5038,
            username=value("username"),
            secret=self.query_one("#secret", Input).value,
            auth="md5" if self.query_one("#auth-md5", RadioButton).value else "plain",
            tls=self.query_one("#tls", Checkbox).value,
            tls_verify=not self.query_one("#tls-untrusted", Checkbox).value,
            events=value("events"),
            timeout=self.settings.timeout,
            auto_reconnect=self.settings.auto_reconnect,
            read_only=self.query_one("#read-only", Checkbox).value,
        )

    def fill(self, settings: ConnectionSettings) -> None:
        for widget_id, value in (
            ("host", settings.host),
            ("port", str(settings.port)),
            ("username", settings.username),
            ("events", settings.events),
        ):
            self.query_one(f"#{widget_id}", Input).value = value
        self.query_one("#auth-md5", RadioButton).value = settings.auth == "md5"
        self.query_one("#auth-plain", RadioButton).value = settings.auth != "md5"
        self.query_one("#tls", Checkbox).value = settings.tls
        self.query_one("#tls-untrusted", Checkbox).value = not settings.tls_verify
        self.query_one("#read-only", Checkbox).value = settings.read_only

    # -- connecting ---------------------------------------------------------------------------
    @on(Button.Pressed, "#connect")
    @on(Input.Submitted)
    def connect(self, event: Message | None = None) -> None:
        if isinstance(event, Input.Submitted) and event.input.id == "profile-name":
            self.save_profile()
            return
        if self.busy:
            return
        settings = self.read()
        # A port typed in the host ("127.0.0.1:5039") wins: the fields show what is used.
        self.query_one("#host", Input).value = settings.host
        self.query_one("#port", Input).value = str(settings.port)
        if not settings.username:
            self.show_error("Enter a username (a [section] of manager.conf).")
            self.query_one("#username", Input).focus()
            return
        self.settings = settings
        self.post_message(self.ConnectRequested(settings))

    def action_connect(self) -> None:
        self.connect()

    def action_connect_from_field(self) -> None:
        self.connect()

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        # A class, not the widget's display: it holds before the form is mounted, too.
        self.set_class(busy, "-busy")
        if not self.is_mounted:
            return
        self.query_one("#connect", Button).disabled = busy
        self.refresh_bindings()
        if busy:
            self.show_error("")
            self.query_one("#busy-text", Static).update(
                PlainText(
                    f"Connecting to {clean(self.settings.address)} as {clean(self.settings.username)}… (Esc to cancel)"
                )
            )
            self.query_one("#connect-busy").scroll_visible(animate=False)

    def show_error(self, error: str) -> None:
        widget = self.query_one("#connect-error", Static)
        widget.update(PlainText(clean(explain(error, self.settings))) if error else "")
        if error:
            widget.scroll_visible(animate=False)  # on a terminal too small for the whole form
        # Put the cursor where the fix is most likely to be typed.
        if error.startswith("Login failed"):
            self.screen.set_focus(self.query_one("#secret", Input))
        elif error.startswith("Connection failed") or "greeting" in error or error == "Unknown Protocol":
            self.screen.set_focus(self.query_one("#host", Input))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            return self.busy or self._over_console
        if action == "connect_from_field":
            # A button presses itself, the profile list opens, the profile name saves.
            focused = self.focused
            return isinstance(focused, Input | Checkbox | RadioSet) and focused.id != "profile-name"
        return True

    @property
    def _over_console(self) -> bool:
        """Opened over the console (to connect elsewhere), rather than at start-up."""
        stack = self.app.screen_stack
        return self in stack and stack.index(self) > 1

    def action_cancel(self) -> None:
        if self.busy:
            self.post_message(self.CancelRequested())
        elif self._over_console:
            self.dismiss()

    def action_toggle_secret(self) -> None:
        box = self.query_one("#show-secret", Checkbox)
        box.value = not box.value

    @on(Checkbox.Changed, "#show-secret")
    def show_secret(self, event: Checkbox.Changed) -> None:
        self.query_one("#secret", Input).password = not event.value

    # -- profiles -------------------------------------------------------------------------------
    def _fill_profiles(self, selected: str | None = None) -> None:
        names = sorted(self.profiles.load())
        select = self.query_one("#profile", Select)
        select.set_options([(name, name) for name in names])
        if selected in names:
            select.value = selected

    @on(Select.Changed, "#profile")
    def profile_chosen(self, event: Select.Changed) -> None:
        if event.value is Select.NULL or event.value is None:
            return
        settings = self.profiles.load().get(str(event.value))
        if settings is not None:
            self.fill(settings)
            self.query_one("#profile-name", Input).value = str(event.value)

    @on(Button.Pressed, "#save-profile")
    def save_profile(self) -> None:
        name = self.query_one("#profile-name", Input).value.strip()
        if not name:
            self.show_error("Type a name for the profile next to 'Save profile'.")
            self.query_one("#profile-name", Input).focus()
            return
        try:
            self.profiles.save(name, self.read())
        except OSError as error:
            self.show_error(f"The profile was not saved: {error.strerror or error} ({self.profiles.path})")
            return
        self._fill_profiles(selected=name)
        self.notify(f"Saved profile {name!r} (without the secret).")

    @on(Button.Pressed, "#delete-profile")
    def delete_profile(self) -> None:
        select = self.query_one("#profile", Select)
        if select.value is Select.NULL:
            return
        try:
            self.profiles.delete(str(select.value))
        except OSError as error:
            self.show_error(f"The profile was not deleted: {error.strerror or error} ({self.profiles.path})")
            return
        self._fill_profiles()
        self.notify(f"Deleted profile {select.value!r}.")
