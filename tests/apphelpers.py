"""Driving the console in tests: run a scenario against an app, wait for conditions."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot

from ami_console.files.profiles import ConnectionSettings, Profiles
from ami_console.simulator import Simulator
from ami_console.ui.app import AMIConsoleApp

SIZE = (140, 45)


def console(pbx: Simulator | None, tmp_path: Path, **options) -> AMIConsoleApp:
    """An app pointed at ``pbx`` (connecting at once unless told otherwise)."""
    settings = options.pop("settings", None) or ConnectionSettings(
        host=pbx.host, port=pbx.port, username=pbx.username, secret=pbx.secret, timeout=3
    )
    options.setdefault("autoconnect", True)
    if pbx is not None:  # the demo PBX, as ami-console --demo starts it: the lessons are for it
        options.setdefault("demo_address", f"{pbx.host}:{pbx.port}")
    return AMIConsoleApp(settings, profiles=Profiles(tmp_path / "profiles.toml"), **options)


def run(app: AMIConsoleApp, scenario: Callable[[Pilot], Awaitable[None]], size=SIZE) -> None:
    """Run ``scenario`` in the headless app; the app (and every worker) ends with it."""

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await scenario(pilot)

    asyncio.run(main())


async def until(pilot: Pilot, condition: Callable[[], object], timeout: float = 10.0, what: str = "") -> None:
    """Let the app run until ``condition()`` holds; fail after ``timeout`` seconds.

    It only sleeps between looks: ``pilot.pause`` would post a message to every widget
    and redraw the whole screen each time, which made waiting the suite's largest cost."""
    deadline = time.monotonic() + timeout
    while not condition():
        if pilot.app._exception is not None:  # the app crashed: say so now, not at the deadline
            raise AssertionError(f"the app failed while waiting for {what or condition}") from pilot.app._exception
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what or condition}")
        await asyncio.sleep(0.01)


async def connected(pilot: Pilot) -> None:
    app = pilot.app
    await until(pilot, lambda: app.connected and app.screen is app.console_screen, what="connected")
    await until(pilot, lambda: app.console_screen.composer.picker.actions.get("Originate"), what="ListCommands")


async def compose(pilot: Pilot, action: str, rows: list[tuple[str, str]] = ()) -> None:
    """Fill the composer: the action name (then enter, as a user confirms it), then the rows.
    Typing itself is tested in test_app.py; here it would only cost time."""
    screen = pilot.app.console_screen
    await pilot.press("f2")
    screen.composer.picker.input.value = action
    await pilot.press("enter")
    await pilot.pause()
    fields = screen.composer.fields
    await fields.load([(k, v, True) for k, v in rows])
    await pilot.pause()


def burst(app: AMIConsoleApp, keys: list[str]) -> None:
    """Deliver ``keys`` as a terminal does typeahead: all at once, through the driver,
    without waiting for any to be handled (``pilot.press`` waits after each key)."""
    import unicodedata

    from textual import events
    from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key

    driver = app._driver
    assert driver is not None
    for key in keys:
        if len(key) == 1 and not key.isalnum():
            key = _character_to_key(key)
        original = REPLACED_KEYS.get(key, key)
        try:
            char: str | None = unicodedata.lookup(_get_unicode_name_from_key(original))
        except KeyError:
            char = key if len(key) == 1 else None
        event = events.Key(key, char)
        event.set_sender(app)
        driver.send_message(event)


def typed(text: str) -> list[str]:
    """The keys that type ``text``."""
    return list(text)


async def after_a_ping(pilot: Pilot) -> None:
    """Send a Ping of the console's own and wait for its answer. One connection keeps
    order: whatever the console sent before it has reached the server, and the models
    have taken in every answer before it. Assert that something did not happen after
    this, never after a fixed pause."""
    from ami_console.session import Exchange

    done: list[Exchange] = []
    sent = pilot.app.connection.send([("Action", "Ping")], own=True, on_answered=done.append)
    assert isinstance(sent, Exchange), sent
    await until(pilot, lambda: done, what="the console's Ping answered")


# The models change on their own thread: tests read them as the screen does, under their lock.
def kept(app: AMIConsoleApp) -> list:
    """Every event the log keeps (a copy)."""
    with app.models.lock:
        return list(app.models.store.entries)


def shown(app: AMIConsoleApp) -> list:
    """The events the log's filter lets through (a copy)."""
    with app.models.lock:
        return list(app.models.store.view)


def channels(app: AMIConsoleApp) -> list:
    """The channels the Calls model knows (a copy)."""
    with app.models.lock:
        return list(app.models.calls.channels.values())
