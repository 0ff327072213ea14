"""The table of actions: name, write class needed, synopsis, documentation, handler.

Handlers are ``async def handler(session, request) -> str | Close``: the text to write
back (responses, list items), or a :class:`Close` when the connection should end after
it (Logoff, a failed Login). The documentation feeds ListCommands and the CLI's
``manager show command``; its wording is ours, its layout Asterisk's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..reader import Request

if TYPE_CHECKING:
    from ..session import Session

ACTION_ID_HELP = "Any string you like; the response, and every event of a list it starts, carry it back."


@dataclass(frozen=True)
class Close:
    """Write ``text``, then close the connection."""

    text: str


Reply = str | Close
Handler = Callable[["Session", Request], Awaitable[Reply]]


@dataclass(frozen=True)
class Argument:
    name: str
    required: bool
    help: str


@dataclass
class ActionSpec:
    name: str
    privilege: int
    synopsis: str
    handler: Handler
    description: str = ""
    arguments: list[Argument] = field(default_factory=list)
    see_also: list[str] = field(default_factory=list)
    since: str = "Not available"

    @property
    def all_arguments(self) -> list[Argument]:
        return [Argument("ActionID", False, ACTION_ID_HELP), *self.arguments]


ACTIONS: dict[str, ActionSpec] = {}


def action(
    name: str,
    privilege: int,
    synopsis: str,
    *,
    description: str = "",
    arguments: list[tuple[str, bool, str]] | None = None,
    see_also: list[str] | None = None,
    since: str = "Not available",
) -> Callable[[Handler], Handler]:
    """Register an action. ``arguments``: (name, required, help) in syntax order."""

    def register(handler: Handler) -> Handler:
        ACTIONS[name.lower()] = ActionSpec(
            name,
            privilege,
            synopsis,
            handler,
            description or synopsis,
            [Argument(*item) for item in arguments or []],
            list(see_also or []),
            since,
        )
        return handler

    return register


def sorted_actions() -> list[ActionSpec]:
    """Asterisk keeps its actions sorted case-insensitively."""
    return sorted(ACTIONS.values(), key=lambda spec: spec.name.lower())
