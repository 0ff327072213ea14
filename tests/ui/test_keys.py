"""One meaning per key: no widget that can have the focus binds a key the console binds
for itself (F-keys, ctrl+letters): wherever the focus is, such a key does what the footer
and the help say."""

from __future__ import annotations

from textual.binding import Binding

from ami_console.simulator import Simulator
from ami_console.ui.screens.console import ConsoleScreen
from tests.apphelpers import connected, console, run, until


def keys_of(bindings) -> set[str]:
    found: set[str] = set()
    for binding in bindings:
        key = binding.key if isinstance(binding, Binding) else binding[0]
        found |= {part.strip() for part in key.split(",")}
    return found


def test_no_focusable_widget_shadows_a_key_of_the_console(tmp_path):
    with Simulator(time_scale=0.02) as pbx:
        app = console(pbx, tmp_path)

        async def scenario(pilot) -> None:
            await connected(pilot)
            screen = app.console_screen
            await pilot.press("ctrl+l")  # the lesson panel too
            await until(pilot, lambda: screen.lesson_panel is not None and screen.lesson_panel.is_mounted)
            # The console's own keys, and the app's quit and palette (Textual's ctrl+c, "how to
            # quit", gives way to an input's copy by Textual's design).
            global_keys = keys_of(ConsoleScreen.BINDINGS) | {"ctrl+q", "ctrl+p"}
            global_keys -= {"escape"}  # a widget's own escape (close its list) comes first, by design
            shadowed: dict[str, set[str]] = {}
            for widget in screen.query("*"):
                if not widget.focusable and not widget.can_focus:
                    continue
                # Everything between the widget and the screen, as Textual walks the bindings.
                for node in [widget, *widget.ancestors]:
                    if node is screen:
                        break
                    clash = (
                        keys_of(
                            node._bindings.key_to_bindings
                            and [b for bs in node._bindings.key_to_bindings.values() for b in bs]
                        )
                        & global_keys
                    )
                    if clash:
                        shadowed.setdefault(f"{type(node).__name__} (focus on {type(widget).__name__})", set()).update(
                            clash
                        )
            assert shadowed == {}

        run(app, scenario)
