"""The dialplan as the console knows it: context listings cached by name.

:class:`Dialplan` caches the listings ShowDialPlan gave (:mod:`ami_console.calls.listing`
reads them) by context, follows includes and offers names for completion.

The dialplan pane's model is split by idea; its names are all importable from here:
:mod:`.listing` (one context's listing), :mod:`.path` (one channel's walk),
:mod:`.debugger` (the two drawn together, as a debugger shows source).
"""

from __future__ import annotations

from collections.abc import Iterable

from ami_console.calls.debugger import KINDS, debugger_lines
from ami_console.calls.listing import (
    MAX_PRIORITIES,
    ContextListing,
    Extension,
    Priority,
    extension_matches,
    parse_listing,
    render_dialplan,
    render_listing,
)
from ami_console.calls.path import MAX_STEPS, Branch, ChannelPath, Step
from ami_console.protocol import Message

__all__ = [
    "KINDS",
    "MAX_PRIORITIES",
    "MAX_STEPS",
    "Branch",
    "ChannelPath",
    "ContextListing",
    "Dialplan",
    "Extension",
    "Priority",
    "Step",
    "debugger_lines",
    "extension_matches",
    "parse_listing",
    "render_dialplan",
    "render_listing",
]

_MAX_INCLUDE_DEPTH = 128  # Asterisk's AST_PBX_MAX_STACK bounds its own include walk the same way


class Dialplan:
    """Context listings cached by name, refreshed one context at a time.

    The UI sends ``ShowDialPlan`` with ``Context: X`` (:meth:`request`) and passes the
    answer's items to :meth:`update`. An error answer (``Did not find context X``) is
    passed to :meth:`forget`.
    """

    def __init__(self) -> None:
        self._contexts: dict[str, ContextListing] = {}

    @staticmethod
    def request(context: str) -> list[tuple[str, str]]:
        """The action that lists ``context`` (no ActionID: the client adds it)."""
        return [("Action", "ShowDialPlan"), ("Context", context)]

    def update(self, items: Iterable[Message], context: str | None = None) -> list[str]:
        """Replace the listings the items hold; ``context`` (the one asked for) becomes
        empty when none came for it. The names of the contexts replaced, in order."""
        listings = parse_listing(items)
        if context is not None and context not in listings:
            listings[context] = ContextListing(context)
        self._contexts.update(listings)
        return list(listings)

    def forget(self, context: str | None = None) -> None:
        """Drop one context (or all) from the cache: the next look asks the server again."""
        if context is None:
            self._contexts.clear()
        else:
            self._contexts.pop(context, None)

    def get(self, context: str) -> ContextListing | None:
        return self._contexts.get(context)

    def __contains__(self, context: object) -> bool:
        return context in self._contexts

    def locate(self, context: str, exten: str) -> tuple[ContextListing, Extension] | None:
        """Where a channel in ``context`` dialling ``exten`` runs: the context itself or one it
        includes (depth first, in order, as Asterisk looks), among the cached listings."""
        seen: set[str] = set()

        def walk(name: str, depth: int) -> tuple[ContextListing, Extension] | None:
            listing = self._contexts.get(name)
            if listing is None or name.lower() in seen or depth > _MAX_INCLUDE_DEPTH:
                return None
            seen.add(name.lower())
            if (found := listing.find(exten)) is not None:
                return listing, found
            for included, _ in listing.includes:
                if (hit := walk(included, depth + 1)) is not None:
                    return hit
            return None

        return walk(context, 0)

    def missing_includes(self, context: str) -> list[str]:
        """Contexts ``context`` includes (directly or not) that are not cached yet: fetch
        them to know every extension a channel there can reach."""
        missing: list[str] = []
        seen: set[str] = set()
        todo = [context]
        while todo and len(seen) <= _MAX_INCLUDE_DEPTH * 8:
            name = todo.pop(0)
            if name in seen:
                continue
            seen.add(name)
            listing = self._contexts.get(name)
            if listing is None:
                if name != context:
                    missing.append(name)
                continue
            todo.extend(included for included, _ in listing.includes)
        return missing

    def context_names(self) -> list[str]:
        return sorted(self._contexts, key=str.lower)

    def extension_names(self, context: str) -> list[str]:
        """The extensions of ``context`` and of the cached contexts it includes, without repeats."""
        names: list[str] = []
        seen: set[str] = set()
        todo = [context]
        while todo:
            listing = self._contexts.get(todo.pop(0))
            if listing is None or listing.name in seen:
                continue
            seen.add(listing.name)
            names += [e.name for e in listing.extensions if e.name not in names]
            todo.extend(included for included, _ in listing.includes)
        return names

    def priority_names(self, context: str, exten: str) -> list[str]:
        """The numbers, then the labels, of the priorities ``exten`` runs from ``context``."""
        found = self.locate(context, exten)
        if found is None:
            return []
        priorities = [p for p in found[1].priorities if p.number is not None]
        return [str(p.number) for p in priorities] + [p.label for p in priorities if p.label]
