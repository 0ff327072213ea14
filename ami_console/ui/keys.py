"""Typeahead: keys taken one at a time, each where the focus is when it is taken.

Textual hands a key to the widget focused when the key *arrives*, into that widget's own
queue, and moves on to the next key at once. A terminal delivers typeahead, a paste or a
busy machine's keys in a burst, so several keys are handed out before the first is
handled: ``CoreShowChannels`` then ctrl+s in one burst sent ``Action: Co`` (the send ran
before the name's letters were typed in), and keys typed after enter went into the name
although enter moved the focus to the first field.

The :class:`KeyGate` holds every key (and paste) from the terminal while the one before
it is on its way, and lets the next go only once that one has gone through every queue it
could pass (the focused widget's, each parent's as it bubbles, the app's bindings) and
whatever it made the app do next (a focus change) has happened. So a key acts on what the
keys before it made, exactly as when typed slowly. ctrl+q is never held.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from textual import events
from textual.actions import parse
from textual.app import App as TextualApp

if TYPE_CHECKING:
    from textual.message_pump import MessagePump
    from textual.screen import Screen
    from textual.widget import Widget

__all__ = ["KeyGate", "say_why_unavailable"]

NEVER_HELD = frozenset({"ctrl+q"})
LOOK_AGAIN = 0.5  # seconds between looks at whether the way of the key on its way was cut
SETTLE_FRAMES = 5  # refreshes to wait, at most, for a new screen to take the focus
BUSY_HOPS = 8  # times a hop goes round behind messages still waiting in one queue


class KeyGate:
    def __init__(self, app: TextualApp) -> None:
        self.app = app
        self._held: deque[events.Event] = deque()
        self._busy = False  # a key is on its way
        self._at: MessagePump | None = None  # the queue the key's sweep waits in
        self._turn = 0  # counts keys let go: a late sweep of an older key changes nothing

    @property
    def idle(self) -> bool:
        """Every key taken so far has gone all its way."""
        return not self._busy and not self._held

    @staticmethod
    def _gated(event: events.Event) -> bool:
        if isinstance(event, events.Key):
            return not event.is_forwarded and event.key not in NEVER_HELD
        return isinstance(event, events.Paste) and not event.is_forwarded

    async def hold(self, event: events.Event) -> bool:
        """Called by the app for each event: True when it is held (or was let go and
        handled here); False to let the app handle it as usual."""
        if not self._gated(event):
            return False
        if self._busy and self._way_cut():
            self._busy = False  # never wait on a key whose way was cut
        if self._busy or self._held:
            self._held.append(event)
            if not self._busy:
                await self._next()
            return True
        await self._let_go(event)
        return True

    async def _let_go(self, event: events.Event) -> None:
        app = self.app
        self._turn += 1
        turn = self._turn
        self._busy = True
        target: MessagePump = app.focused or app.screen
        self._at = target
        await TextualApp.on_event(app, event)  # as Textual handles it: bindings, then the focused widget
        self._sweep(target, turn)
        app.set_timer(LOOK_AGAIN, lambda: self._unstick(turn))

    def _way_cut(self) -> bool:
        """The queue the sweep waits in was closed (its widget removed): it will never run.
        Time alone frees nothing: on a loaded machine a key may take seconds, and the next
        key let go early would act on what the screen had before (the race this gate ends)."""
        at = self._at
        return at is None or at._closing or at._closed

    def _sweep(self, node: MessagePump | None, turn: int, waits: int = 0) -> None:
        """Follow the key's way up, one queue at a time. A hop runs after the key in that
        queue; while messages the key caused still wait there (an Input's Changed, a
        picker's Edited), it goes round once more behind them, a few times at most. At
        the app, one more turn for what the key scheduled there (a focus change)."""
        app = self.app
        if turn != self._turn:
            return
        self._at = node
        while node is not None and node is not app:
            if waits < BUSY_HOPS and node._message_queue.qsize():
                if node.call_later(self._sweep, node, turn, waits + 1):
                    return
            elif node.call_later(self._sweep, node._parent, turn):
                return
            node, waits = node._parent, 0  # closing: the key went no further here
            self._at = node
        self._at = app
        app.call_later(self._settled, turn, 0)

    def _settled(self, turn: int, frames: int) -> None:
        if turn != self._turn:
            return
        screen = self.app.screen
        # A screen just pushed takes the focus once mounted: the next key goes there.
        if screen.focused is None and frames < SETTLE_FRAMES and any(w.focusable for w in screen.focus_chain):
            self._at = screen
            screen.call_after_refresh(self._settled, turn, frames + 1)
            return
        self._at = self.app
        self.app.call_later(self._release, turn)

    def _unstick(self, turn: int) -> None:
        if turn != self._turn or not self._busy:
            return
        if self._way_cut():
            self.app.call_later(self._release, turn)
        else:
            self.app.set_timer(LOOK_AGAIN, lambda: self._unstick(turn))

    async def _release(self, turn: int) -> None:
        if turn != self._turn or not self._busy:
            return
        self._busy = False
        await self._next()

    async def _next(self) -> None:
        if self._held:
            await self._let_go(self._held.popleft())


def say_why_unavailable(node: Widget | Screen, event: events.Key, why: str) -> None:
    """A key bound on ``node`` to an action it does not offer now (``check_action`` gives
    None, greyed in the footer, or False, hidden) says ``why`` at once, instead of doing
    nothing (Textual ignores such a key)."""
    for binding in node._bindings.key_to_bindings.get(event.key, ()):
        namespace, action, parameters = parse(binding.action)
        if not namespace and not node.check_action(action, parameters):
            event.stop()
            event.prevent_default()
            node.notify(why, severity="warning", timeout=6)
            return
