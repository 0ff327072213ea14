"""The console stays responsive whatever size of documentation or event a server sends."""

from __future__ import annotations

import asyncio
import time

from ami_console.actiondocs import ActionDoc, Parameter
from ami_console.events.store import DISPLAY_LIMIT
from ami_console.files.profiles import ConnectionSettings, Profiles
from ami_console.protocol import Message
from ami_console.ui.app import AMIConsoleApp
from ami_console.ui.widgets.fields_editor import MAX_TEMPLATE_ROWS
from tests.apphelpers import run, until


def offline(tmp_path) -> AMIConsoleApp:
    return AMIConsoleApp(ConnectionSettings(), profiles=Profiles(tmp_path / "profiles.toml"))


def test_a_doc_with_thousands_of_required_parameters_leaves_the_console_responsive(tmp_path):
    """At 3,000 required parameters the composer used to mount 3,000 rows of 3,000
    suggestions each: minutes and gigabytes. Now a few rows, one shared suggestion list."""
    app = offline(tmp_path)
    doc = ActionDoc(
        "Big", "A big action.", parameters=[Parameter(f"Param{i:04d}", True, "h" * 1000) for i in range(3000)]
    )
    timing = {}

    async def scenario(pilot):
        await app.push_screen(app.console_screen)
        composer = app.console_screen.composer
        await pilot.press("f2", *"Big", "enter")  # not connected: no docs query goes out
        # As app.py hands over the server's answer.
        await asyncio.wait_for(composer.set_doc("Big", doc), timeout=5)
        rows = composer.fields.rows
        assert [row.key for row in rows] == [f"Param{i:04d}" for i in range(MAX_TEMPLATE_ROWS)]
        assert len({id(row.key_input.suggester) for row in rows}) == 1  # one list, shared
        # Before the bound, this key took minutes. (A key takes ~0.1 s; the margin is for a busy machine.)
        await pilot.press("x")
        await until(pilot, lambda: rows[0].value == "x", timeout=3, what="the key typed")
        # The other parameters are still offered: a new row completes them.
        await pilot.press("ctrl+n", *"Param29")
        await until(pilot, lambda: composer.fields.rows[1].key_input._suggestion == "Param2900", timeout=1)
        timing["start"] = time.monotonic()
        await pilot.press("ctrl+q")

    run(app, scenario)
    assert time.monotonic() - timing["start"] < 1


def test_a_huge_value_is_shown_cut_but_copied_whole(tmp_path):
    app = offline(tmp_path)
    value = "v" * (1024 * 1024)

    async def scenario(pilot):
        await app.push_screen(app.console_screen)
        app.models.store.add([Message([("Event", "UserEvent"), ("Data", value)])])
        detail = app.console_screen.query_one("EventDetail")
        detail.show(app.models.store.entries[-1])
        shown = detail.get_row_at(1)[1].plain
        assert len(shown) < DISPLAY_LIMIT + 40 and shown.endswith(" more bytes)")
        detail.focus()
        detail.move_cursor(row=1)
        await pilot.press("c")
        await until(pilot, lambda: app.clipboard == value, timeout=2, what="the whole value copied")

    run(app, scenario)
