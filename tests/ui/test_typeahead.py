"""Keys delivered in a burst, as a terminal delivers typeahead, a paste or a busy machine's
keys: every key before ctrl+s is applied before the send reads the composer, keys after a
key that moves the focus land where it moved, and the bytes the server receives are the
preview shown at the send and what the screen shows."""

from __future__ import annotations

import random

from ami_console.simulator import Simulator
from ami_console.ui.screens.console import ConsoleScreen
from tests.apphelpers import burst, connected, console, run, typed, until

# (name, value typed after tab into its first row, or None): names that share prefixes
# (CoreS..., Queue...), one with a required parameter, names typed over each other.
ROUNDS = 100
PLANS = [
    ("Ping", None),
    ("CoreSettings", None),
    ("CoreShowChannels", None),
    ("CoreStatus", None),
    ("QueueSummary", None),
    ("QueueStatus", None),
    ("Command", "dialplan show demo"),
    ("Command", "core show version"),
    ("ListCommands", None),
]


def wire_of(preview: str) -> bytes:
    """The preview's text back to wire bytes (it shows each line end as \\r\\n)."""
    return preview.replace("\\r\\n\n", "\r\n").replace("\\r\\n", "\r\n").encode()


def test_hundreds_of_random_bursts_send_exactly_what_the_screen_shows(tmp_path, monkeypatch):
    shown_at_send: list[str] = []
    original_send = ConsoleScreen.send

    def send(self: ConsoleScreen, pairs):
        shown_at_send.append(self.composer.preview_text)
        return original_send(self, pairs)

    monkeypatch.setattr(ConsoleScreen, "send", send)
    rng = random.Random(1807)
    with Simulator(time_scale=0.02) as pbx:
        app = console(pbx, tmp_path)

        def received(wire: bytes) -> bool:
            return any(m.raw == wire for log in pbx.session_logs() for m in log.requests)

        async def scenario(pilot) -> None:
            await connected(pilot)
            composer = app.console_screen.composer
            for round_ in range(ROUNDS):
                name, value = rng.choice(PLANS)
                keys = ["f2", *typed(name)]
                if value is not None:  # tab to the Command row; ctrl+u clears what it held
                    keys += ["tab", "ctrl+u", *typed(value)]
                keys.append("ctrl+s")
                before = len(shown_at_send)
                burst(app, keys)
                await until(pilot, lambda n=before: len(shown_at_send) > n, what=f"round {round_}: {keys}")
                sent = shown_at_send[-1]
                # The bytes the server received are the preview as it showed at the send.
                await until(pilot, lambda s=sent: received(wire_of(s)), what=f"round {round_}: {sent!r} at the server")
                # What the screen shows after the burst is what went out (ActionID aside).
                screen_pairs = list(composer.composed().pairs)
                assert screen_pairs[0] == ("Action", name), (round_, keys, screen_pairs)
                if value is not None:
                    assert ("Command", value) in screen_pairs, (round_, keys, screen_pairs)
                wire = wire_of(sent).decode()
                assert wire.startswith(f"Action: {name}\r\nActionID: ")
                rest = [line for line in wire.split("\r\n") if line and not line.startswith("ActionID:")]
                assert rest == [f"{k}: {v}" for k, v in screen_pairs], (round_, keys)

        run(app, scenario, size=(80, 24))  # small: the test is the keys, not the drawing


def test_the_secret_and_enter_in_one_burst_log_in_with_the_whole_secret(tmp_path):
    """The form opens on the empty secret; the secret and enter come in one burst: enter
    connects with every letter typed before it."""
    from ami_console.files.profiles import ConnectionSettings

    with Simulator(time_scale=0.02, auth_failure_delay=0.05) as pbx:
        settings = ConnectionSettings(host=pbx.host, port=pbx.port, username=pbx.username, secret="", timeout=3)
        app = console(pbx, tmp_path, settings=settings, autoconnect=False)

        async def scenario(pilot) -> None:
            await until(pilot, lambda: app.screen.focused is not None and app.screen.focused.id == "secret")
            burst(app, [*typed(pbx.secret), "enter"])
            await until(pilot, lambda: app.connected, what="logged in with the whole secret")

        run(app, scenario, size=(80, 24))


def test_moving_down_and_hanging_up_in_one_burst_asks_about_the_call_moved_to(tmp_path):
    """In the Calls tab, down then h in one burst: the confirmation names the call the
    cursor moved to, not the one it was on when the keys arrived."""
    from ami_console.ui.screens.call_action import CallActionScreen

    with Simulator(time_scale=1.0, auth_failure_delay=0.05) as pbx:
        app = console(pbx, tmp_path)

        async def scenario(pilot) -> None:
            await connected(pilot)
            for exten in ("300", "100"):
                app.console_screen.send(
                    [
                        ("Action", "Originate"),
                        ("Channel", f"Local/{exten}@demo"),
                        ("Application", "Wait"),
                        ("Data", "60"),
                    ]
                )
            calls = app.console_screen.calls
            await pilot.press("ctrl+g")

            def rows() -> list:
                return [row for _, row in calls.list_view.entries if row is not None]

            # Sorted by start: a call answered, or ringing longer, never reorders the rows under the burst.
            await pilot.press("s", "s")
            await until(pilot, lambda: calls.sort_by == "started", what="sorted by start")
            await until(pilot, lambda: len(rows()) == 2 and calls.selected_key, timeout=10, what="two calls listed")
            second = rows()[1].key
            burst(app, ["down", "h"])
            await until(pilot, lambda: isinstance(app.screen, CallActionScreen), what="the confirmation")
            assert app.screen.call is not None and app.screen.call.key == second
            burst(app, ["escape"])

        run(app, scenario, size=(120, 36))
