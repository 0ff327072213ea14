"""Tables of actions: name, write class needed, synopsis, documentation, handler.

Each action module keeps the table of its own actions (``ACTIONS = ActionTable()``, which
its ``@ACTIONS.action(...)`` decorators fill as the module defines its handlers);
:func:`.catalog.build_actions` makes the PBX's registry of them all, which the server
builds once (``ServerCore.actions``) for dispatch, ListCommands and the CLI. Nothing is
registered anywhere else by importing a module.

Handlers are ``async def handler(session, request) -> str | Close``: the text to write
back (responses, list items), or a :class:`Close` when the connection should end after
it (Logoff, a failed Login). The documentation feeds ListCommands and the CLI's
``manager show command``; its wording is ours, its layout Asterisk's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..reader import Request

if TYPE_CHECKING:
    from ..manager_session import ManagerSession

ACTION_ID_HELP = "Any string you like; the response, and every event of a list it starts, carry it back."


@dataclass(frozen=True)
class Close:
    """Write ``text``, then close the connection."""

    text: str


Reply = str | Close
Handler = Callable[["ManagerSession", Request], Awaitable[Reply]]


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


class ActionTable(list[ActionSpec]):
    """The actions one module defines, in the order it defines them."""

    def action(
        self,
        name: str,
        privilege: int,
        synopsis: str,
        *,
        description: str = "",
        arguments: list[tuple[str, bool, str]] | None = None,
        see_also: list[str] | None = None,
        since: str = "Not available",
    ) -> Callable[[Handler], Handler]:
        """Add an action to this table. ``arguments``: (name, required, help) in syntax order."""

        def add(handler: Handler) -> Handler:
            self.append(
                ActionSpec(
                    name,
                    privilege,
                    synopsis,
                    handler,
                    description or synopsis,
                    [Argument(*item) for item in arguments or []],
                    list(see_also or []),
                    since,
                )
            )
            return handler

        return add


def index_actions(tables: Iterable[ActionTable]) -> dict[str, ActionSpec]:
    """The actions of all ``tables`` by lower-case name (Asterisk matches names in any case)."""
    actions: dict[str, ActionSpec] = {}
    for table in tables:
        for spec in table:
            if spec.name.lower() in actions:
                raise ValueError(f"two actions named {spec.name}")
            actions[spec.name.lower()] = spec
    return actions


def sorted_actions(actions: Mapping[str, ActionSpec]) -> list[ActionSpec]:
    """Asterisk keeps its actions sorted case-insensitively."""
    return sorted(actions.values(), key=lambda spec: spec.name.lower())
