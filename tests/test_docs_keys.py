"""The documentation's keys page is made from the console's bindings (docs/gen_keys.py): every
key of the console screen and of the widgets a user meets first is on it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from textual.binding import Binding

from ami_console.ui.screens.console import ConsoleScreen
from ami_console.ui.widgets.calls_view import CallsView

GEN_KEYS = Path(__file__).parent.parent / "docs" / "gen_keys.py"


def gen_keys():
    spec = importlib.util.spec_from_file_location("gen_keys", GEN_KEYS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_binding_of_the_console_and_the_calls_tab_is_on_the_keys_page():
    keys = gen_keys()
    page = keys.keys_page()
    for cls in (ConsoleScreen, CallsView):
        assert f"### {cls.__name__}" in page
        for binding in cls.BINDINGS:
            binding = binding if isinstance(binding, Binding) else Binding(*binding)
            assert f"| {keys.key_text(binding.key)} | {binding.description} |" in page, binding


def test_textuals_own_keys_of_a_reading_area_are_left_to_textual():
    page = gen_keys().keys_page()
    section = page.split("### ReadingArea", 1)[1].split("###", 1)[0]
    assert "`w`" in section and "Move cursor" not in section and "cursor_left" not in section
