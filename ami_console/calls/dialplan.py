"""The dialplan as the console knows it: context listings cached by name, and what to ask next.

:class:`Dialplan` keeps the listings ShowDialPlan gave (:mod:`ami_console.calls.listing`
reads them), follows includes as Asterisk does, offers names for completion, and decides
what is worth asking the server for: :meth:`Dialplan.wanted` gives the one or two
ShowDialPlan requests (:class:`ListingRequest`) that let it show where a channel runs, lazily
(it never fetches a context's includes one by one: ``ShowDialPlan`` with ``Extension:`` has
Asterisk search them, in one answer). A :class:`FetchBudget` per view caps what that view
asks for in all, and says so when the cap stops it.

Bounded: at most :data:`MAX_CONTEXTS` listings and :data:`MAX_CACHED_PRIORITIES`
priorities are cached (the least recently used go first), at most :data:`MAX_PENDING`
requests are out at once. Not thread-safe: one thread (the model's) uses it.

The dialplan pane's model is split by idea; its names are all importable from here:
:mod:`.listing` (one context's listing), :mod:`.path` (one channel's walk),
:mod:`.debugger` (the two drawn together, as a debugger shows source).
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Iterable
from dataclasses import dataclass

from ami_console.calls.debugger import KINDS, debugger_lines
from ami_console.calls.listing import (
    MAX_LISTING_BYTES,
    MAX_LISTING_ITEMS,
    MAX_PRIORITIES,
    ContextListing,
    Extension,
    Priority,
    extension_matches,
    parse_listing,
    render_dialplan,
    render_listing,
)
from ami_console.calls.path import MAX_STEPS, Branch, ChannelPath, Step, dialplan_channels
from ami_console.protocol import Message

__all__ = [
    "KINDS",
    "MAX_CACHED_PRIORITIES",
    "MAX_CONTEXTS",
    "MAX_INCLUDE_FETCHES",
    "MAX_LISTING_BYTES",
    "MAX_LISTING_ITEMS",
    "MAX_PANE_FETCHES",
    "MAX_PENDING",
    "MAX_PRIORITIES",
    "MAX_STEPS",
    "Branch",
    "ChannelPath",
    "ContextListing",
    "Dialplan",
    "Extension",
    "FetchBudget",
    "ListingRequest",
    "Priority",
    "Step",
    "debugger_lines",
    "dialplan_channels",
    "extension_matches",
    "parse_listing",
    "render_dialplan",
    "render_listing",
]

MAX_CONTEXTS = 64  # listings cached
MAX_CACHED_PRIORITIES = 20_000  # priorities cached, all listings together
MAX_PENDING = 4  # ShowDialPlan requests out at once, whoever asked
MAX_PANE_FETCHES = 16  # listings one view asks for in all (a FetchBudget's default)
MAX_INCLUDE_FETCHES = 8  # included contexts missing_includes offers to fetch
_MAX_INCLUDE_DEPTH = 128  # Asterisk's AST_PBX_MAX_STACK bounds its own include walk the same way
_MAX_ADOPTED = 64  # extensions a cut listing takes in from answers about one number
_MAX_HOMES = 1024  # (context, number) -> where it runs, as the server said; refusals kept likewise


@dataclass(frozen=True)
class ListingRequest:
    """One ShowDialPlan: a whole context, or (``exten`` given) where a number dialled in it
    runs: Asterisk then lists the extensions matching it, in the context and, through its
    includes, wherever it finds them."""

    context: str
    exten: str = ""

    def fields(self) -> list[tuple[str, str]]:
        """The action (no ActionID: the client adds it)."""
        fields = [("Action", "ShowDialPlan"), ("Context", self.context)]
        if self.exten:
            fields.append(("Extension", self.exten))
        return fields


class Dialplan:
    """Context listings cached by name, refreshed one context at a time.

    Ask for what :meth:`wanted` names (through a :class:`FetchBudget`, or calling
    :meth:`asked` for each request sent); pass each answer's items to :meth:`update`, an
    error answer to :meth:`failed`. :meth:`listing_for` is the listing a view shows.
    """

    def __init__(self) -> None:
        self._contexts: OrderedDict[str, ContextListing] = OrderedDict()  # least recently used first
        self._priorities = 0  # in all cached listings
        self._homes: OrderedDict[tuple[str, str], str] = OrderedDict()  # "" when the server found none
        self._pending: set[ListingRequest] = set()
        self._errors: dict[ListingRequest, str] = {}
        self.evicted = 0  # listings dropped to stay within the bounds

    @staticmethod
    def request(context: str, exten: str = "") -> list[tuple[str, str]]:
        """The action that lists ``context`` (or only ``exten`` from it)."""
        return ListingRequest(context, exten).fields()

    # -- answers ---------------------------------------------------------------------------

    def update(self, items: Iterable[Message], context: str | ListingRequest | None = None) -> list[str]:
        """Take in one ShowDialPlan answer's items (a cut one too: it says so); ``context``
        is what was asked: a whole context becomes empty when nothing came for it. The
        names of the contexts taken in, in order. Cheap whatever the answer's size: see
        :func:`~ami_console.calls.listing.parse_listing` for what it reads."""
        request = ListingRequest(context) if isinstance(context, str) else context
        only = request.exten if request is not None else ""
        listings = parse_listing(items, only)
        if request is not None:
            self._pending.discard(request)
            self._errors.pop(request, None)
            if only:
                home = next((name for name, listing in listings.items() if listing.extensions), "")
                self._remember_home(request, home)
            elif request.context not in listings:
                unfinished = next(iter(listings.values())).unfinished if listings else False
                listings[request.context] = ContextListing(request.context, unfinished=unfinished)
        for listing in listings.values():
            self._store(listing)
        return list(listings)

    def failed(self, request: str | ListingRequest, error: str) -> None:
        """The server refused ``request`` (``Did not find context X``): not asked again
        until :meth:`forget`; :meth:`error` says why."""
        request = ListingRequest(request) if isinstance(request, str) else request
        self._pending.discard(request)
        self._errors[request] = error
        if len(self._errors) > _MAX_HOMES:
            del self._errors[next(iter(self._errors))]
        if request.exten:
            self._remember_home(request, "")
        else:
            self._drop(request.context)

    def asked(self, request: ListingRequest) -> None:
        """``request`` was sent: :meth:`wanted` leaves it out until its answer comes."""
        self._pending.add(request)

    def forget(self, context: str | None = None) -> None:
        """Drop one context (or all) from the cache, with what the server said about it:
        the next look asks the server again."""
        if context is None:
            self._contexts.clear()
            self._priorities = 0
            self._homes.clear()
            self._errors.clear()
            self._pending.clear()
            return
        self._drop(context)
        for key in [key for key, home in self._homes.items() if context in (key[0], home)]:
            del self._homes[key]
        for request in [r for r in self._errors if r.context == context]:
            del self._errors[request]
        self._pending = {r for r in self._pending if r.context != context}

    def _remember_home(self, request: ListingRequest, home: str) -> None:
        self._homes[(request.context, request.exten)] = home
        if len(self._homes) > _MAX_HOMES:
            self._homes.popitem(last=False)

    def _store(self, listing: ContextListing) -> None:
        old = self._contexts.get(listing.name)
        if old is not None and listing.only:
            # An answer about one number: the whole listing stays, and takes in the
            # extension if it was cut before it.
            if old.truncated or old.only:
                self._adopt(old, listing.extensions)
            self._contexts.move_to_end(listing.name)
            return
        if old is not None and listing.truncated:
            self._adopt(listing, _adopted(old))
        self._drop(listing.name)
        self._contexts[listing.name] = listing
        self._priorities += listing.priority_count
        while len(self._contexts) > 1 and (
            len(self._contexts) > MAX_CONTEXTS or self._priorities > MAX_CACHED_PRIORITIES
        ):
            oldest = next(iter(self._contexts))
            self._drop(oldest)
            self.evicted += 1

    def _adopt(self, listing: ContextListing, extensions: Iterable[Extension]) -> None:
        for exten in extensions:
            if len(listing.adopted) >= _MAX_ADOPTED:
                return
            if listing.extension(exten.name) is None:
                listing.add_extension(exten)
                listing.adopted.append(exten.name)
                if self._contexts.get(listing.name) is listing:
                    self._priorities += len(exten.priorities)

    def _drop(self, context: str) -> None:
        listing = self._contexts.pop(context, None)
        if listing is not None:
            self._priorities -= listing.priority_count

    # -- what is known ---------------------------------------------------------------------

    def get(self, context: str) -> ContextListing | None:
        listing = self._contexts.get(context)
        if listing is not None:
            self._contexts.move_to_end(context)  # used: the last to be dropped
        return listing

    def __contains__(self, context: object) -> bool:
        return context in self._contexts

    def error(self, context: str) -> str:
        """Why the server did not list ``context`` ("" when it did, or was not asked)."""
        return self._errors.get(ListingRequest(context), "")

    def locate(self, context: str, exten: str) -> tuple[ContextListing, Extension] | None:
        """Where a channel in ``context`` dialling ``exten`` runs: the context itself or one it
        includes (depth first, in order, as Asterisk looks), among the cached listings; or
        where the server said it runs."""
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

        found = walk(context, 0)
        if found is None and (home := self._homes.get((context, exten))):
            listing = self._contexts.get(home)
            if listing is not None and (exten_found := listing.find(exten)) is not None:
                found = listing, exten_found
        return found

    def listing_for(self, context: str, exten: str = "") -> ContextListing | None:
        """The listing a view of a channel in ``context`` at ``exten`` shows: the one that
        holds the extension it runs, else the context's own; None when not cached."""
        found = self.locate(context, exten) if exten else None
        return self.get(found[0].name) if found is not None else self.get(context)

    def wanted(self, context: str, exten: str = "") -> list[ListingRequest]:
        """What to ask next to show where a channel in ``context`` dialling ``exten`` runs:
        nothing when it is known (or asked, or refused), else one request: the context; or,
        when the extension is not in what is cached, where the server finds it (Asterisk
        walks the includes itself); or the listing of that place. Never more than the room
        left under :data:`MAX_PENDING`."""
        if not context:
            return []
        listing = self._contexts.get(context)
        if listing is None or listing.only:
            return self._new(ListingRequest(context))
        if not exten:
            return []
        found = self.locate(context, exten)
        if found is not None:
            return self._new(ListingRequest(found[0].name)) if found[0].only else []
        home = self._homes.get((context, exten))
        if home is None:
            if listing.includes or listing.truncated:
                return self._new(ListingRequest(context, exten))
            return []  # it is nowhere: the view says it ran where the listing has nothing
        home_listing = self._contexts.get(home) if home else None
        if home and (home_listing is None or home_listing.only):
            return self._new(ListingRequest(home))
        return []

    def _new(self, request: ListingRequest) -> list[ListingRequest]:
        if request in self._pending or request in self._errors or len(self._pending) >= MAX_PENDING:
            return []
        return [request]

    def missing_includes(self, context: str, limit: int = MAX_INCLUDE_FETCHES) -> list[str]:
        """Contexts ``context`` includes (directly or not) that are not cached yet, nearest
        first, at most ``limit``: fetch them to complete the extensions a channel there
        can reach (finding one extension needs none of them: see :meth:`wanted`)."""
        missing: list[str] = []
        seen: set[str] = set()
        todo = deque([context])
        while todo and len(missing) < limit and len(seen) <= MAX_CONTEXTS:
            name = todo.popleft()
            if name in seen:
                continue
            seen.add(name)
            listing = self._contexts.get(name)
            if listing is None:
                if name != context and ListingRequest(name) not in self._errors:
                    missing.append(name)
                continue
            todo.extend(included for included, _ in listing.includes)
        return missing

    def context_names(self) -> list[str]:
        return sorted(self._contexts, key=str.lower)

    def extension_names(self, context: str) -> list[str]:
        """The extensions of ``context`` and of the cached contexts it includes, without repeats."""
        names: dict[str, None] = {}
        seen: set[str] = set()
        todo = deque([context])
        while todo:
            listing = self._contexts.get(todo.popleft())
            if listing is None or listing.name in seen:
                continue
            seen.add(listing.name)
            names.update(dict.fromkeys(e.name for e in listing.extensions))
            todo.extend(included for included, _ in listing.includes)
        return list(names)

    def priority_names(self, context: str, exten: str) -> list[str]:
        """The numbers, then the labels, of the priorities ``exten`` runs from ``context``."""
        found = self.locate(context, exten)
        if found is None:
            return []
        priorities = [p for p in found[1].priorities if p.number is not None]
        return [str(p.number) for p in priorities] + [p.label for p in priorities if p.label]


def _adopted(listing: ContextListing) -> list[Extension]:
    """The extensions a listing took in from answers about one number (all, for such an answer)."""
    if listing.only:
        return listing.extensions
    return [e for name in listing.adopted if (e := listing.extension(name)) is not None]


class FetchBudget:
    """What one view (a dialplan pane) asks the server for: at most ``limit`` requests in
    all, so a channel that walks through many contexts cannot make the console flood the
    server. :meth:`note` says when the cap stopped a request; :meth:`reset` (the view's
    refresh) starts again."""

    def __init__(self, limit: int = MAX_PANE_FETCHES) -> None:
        self.limit = limit
        self.asked: list[ListingRequest] = []
        self.stopped = False  # something was wanted when the budget was spent

    def take(self, dialplan: Dialplan, context: str, exten: str = "") -> list[ListingRequest]:
        """The requests to send now for a channel in ``context`` at ``exten`` (marked asked)."""
        taken = []
        for request in dialplan.wanted(context, exten):
            if len(self.asked) >= self.limit:
                self.stopped = True
                break
            self.asked.append(request)
            dialplan.asked(request)
            taken.append(request)
        return taken

    def note(self) -> str:
        if not self.stopped:
            return ""
        return f"Stopped asking the server for listings after {self.limit} for this view (r asks again)."

    def reset(self) -> None:
        self.asked.clear()
        self.stopped = False
