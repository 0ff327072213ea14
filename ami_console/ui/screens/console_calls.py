"""The views of one call the console opens, and the actions it confirms on one.

From the event log (t on an event) and the Calls tab (enter, t, d, h/r/b/o/p): the call
trace, the ladder, the dialplan pane (which asks the server for listings, bounded, as
the model says), and the confirmation of an action on the selected channel, sent only
on enter. The console screen hands each request here; this holds no state of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ami_console.protocol import Message
from ami_console.session import Exchange

if TYPE_CHECKING:
    from ami_console.calls.dialplan import ListingRequest
    from ami_console.ui.screens.console import ConsoleScreen

__all__ = ["CallViews"]


class CallViews:
    def __init__(self, screen: ConsoleScreen) -> None:
        self.screen = screen
        self.models = screen.models

    @property
    def server_name(self) -> str:
        """What an export says the events came from."""
        screen = self.screen
        return f"replay of {screen.replay}" if screen.replay is not None else screen.connection.settings.address

    def trace_event(self, message: Message) -> None:
        """The trace of the call an event of the log belongs to."""
        from ami_console.calls.trace import call_key

        key = call_key(message)
        if key is None:
            self.screen.notify("This event belongs to no call.", severity="warning")
        else:
            self.trace(key)

    def trace(self, key: str) -> None:
        from ami_console.ui.screens.trace import CallTraceScreen

        self.screen.view_opened("trace")
        self.screen.app.push_screen(CallTraceScreen(self.models, key))

    def ladder(self, key: str) -> None:
        from ami_console.ui.screens.ladder import LadderScreen

        self.screen.view_opened("ladder")
        self.screen.app.push_screen(LadderScreen(self.models, key, self.server_name))

    def dialplan(self, key: str, uniqueid: str, expected: tuple[str, list[str]] | None = None) -> None:
        """The dialplan pane of the channel; ``expected``: a failed test's step and words."""
        from ami_console.ui.screens.dialplan import DialplanScreen

        self.screen.view_opened("dialplan")
        fetch = None if self.screen.replay is not None else self.fetch_dialplan
        self.screen.app.push_screen(DialplanScreen(self.models, key, uniqueid, fetch=fetch, expected=expected))

    def fetch_dialplan(self, request: ListingRequest) -> bool:
        """Ask for one listing (bounded: a hostile answer is cut where the model says);
        the dialplan panes redraw when it comes. Every request ends in the model's
        update() or failed(), or it would hold one of its few slots."""
        from ami_console.calls.dialplan import MAX_LISTING_BYTES, MAX_LISTING_ITEMS

        models = self.models
        dialplan = models.dialplan

        def listed(exchange: Exchange) -> None:
            response = exchange.response
            if response is not None and response.header("Response") == "Success":
                dialplan.update(exchange.items, request)
            else:
                dialplan.failed(request, response.header("Message", "") if response is not None else "no answer")
            models.changes.dialplan = True

        with models.lock:
            dialplan.asked(request)
        if self.screen.ask(request.fields(), listed, max_items=MAX_LISTING_ITEMS, max_bytes=MAX_LISTING_BYTES):
            return True
        with models.lock:
            dialplan.failed(request, "not connected")
        return False

    def confirm_action(self, kind: str, key: str, uniqueid: str) -> None:
        """Confirm the action on the selected channel first; send it only on enter."""
        from ami_console.ui.screens.call_action import CallActionScreen

        screen, models = self.screen, self.models
        with models.lock:
            call = models.calls.call_for(key) if key else None
            channel = call.channels.get(uniqueid) if call is not None and uniqueid else None
        if channel is None and kind != "originate":  # Originate is the one that needs no call
            screen.notify("Select a call first: the action applies to the channel shown under the list.")
            return
        connection = screen.connection
        confirmation = CallActionScreen(
            kind,
            call,
            channel,
            next_id=lambda: connection.next_action_id,
            read_only=connection.settings.read_only,
            dialplan=models.dialplan,
            lock=models.lock,
            fetch=self.fetch_dialplan,
        )

        def confirmed(fields: list[tuple[str, str]] | None) -> None:
            if fields:
                screen.send(fields)

        screen.app.push_screen(confirmation, confirmed)
