"""A context as ShowDialPlan lists it, read within bounds, and written as ``dialplan show`` does.

- :func:`parse_listing` reads the ``ListDialplan`` items of one answer into
  :class:`ContextListing` objects: extensions in Asterisk's order, their priorities with
  application, data and label; includes, ignore patterns, switches.
- :func:`render_listing` and :func:`render_dialplan` write listings as ``dialplan show``
  does. ShowDialPlan gives no file and line, so where Asterisk prints
  ``[extensions.conf:10]`` we print the registrar (``[pbx_config]``), as Asterisk itself
  does for extensions without a file.

A listing comes from the server, so it is hostile: reading it is linear in its size (one
pass, counters kept as it goes, names found through dicts), and what is kept is bounded by
the ``MAX_*`` constants below; what was left out is counted, and :meth:`ContextListing.cuts`
says so in words for the views. Every server value shown goes through
:func:`ami_console.printable.clean`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import islice

from ami_console.patterns import extension_matches, is_pattern
from ami_console.printable import clean
from ami_console.protocol import Message

__all__ = [
    "MAX_APP_DATA",
    "MAX_ENTRIES",
    "MAX_EXTENSIONS",
    "MAX_LISTING_BYTES",
    "MAX_LISTING_ITEMS",
    "MAX_NAME",
    "MAX_PRIORITIES",
    "MAX_READ",
    "ContextListing",
    "Extension",
    "Priority",
    "extension_matches",
    "parse_listing",
    "render_dialplan",
    "render_listing",
]

# What one context keeps. A real context holds a few thousand priorities at most; past these
# a server is broken or hostile (or the dialplan is generated): the rest is counted, not kept.
MAX_EXTENSIONS = 1_000
MAX_PRIORITIES = 5_000
MAX_ENTRIES = 100  # includes, ignore patterns and switches, each
MAX_APP_DATA = 300  # characters of one priority's AppData; a longer one is cut and ends in …
MAX_TEXT = 120  # characters of an application, label or registrar name
MAX_NAME = 256  # characters of a context or extension name; an item with a longer one is skipped

# One ShowDialPlan answer, as the session should bound its event list (items, and bytes of
# the items as received): a ListDialplan item is about 150 bytes, so a context of 50,000
# priorities still ends with its ShowDialPlanComplete, whose counts the views then give.
# Held undecoded, that is about 20 MB at most; the parser decodes only what it reads.
MAX_LISTING_ITEMS = 60_000
MAX_LISTING_BYTES = 12 * 1024 * 1024
# Of one answer, the parser reads (and so decodes) this many items from the front, and the
# includes, ignore patterns, switches and ShowDialPlanComplete that end it.
MAX_READ = MAX_PRIORITIES + 3 * MAX_ENTRIES + 100

_MEMO = 512  # dialled numbers whose extension a listing remembers (a redraw asks the same ones)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Priority:
    """One priority of an extension; ``number`` is None for a hint."""

    number: int | None
    app: str
    data: str = ""
    label: str = ""

    @property
    def is_hint(self) -> bool:
        return self.number is None

    def text(self) -> str:
        """As ``dialplan show`` writes it: ``1. Answer()`` or ``hint: PJSIP/100``."""
        if self.number is None:
            return f"hint: {clean(self.app)}"
        return f"{self.number}. {clean(self.app)}({clean(self.data)})"


@dataclass
class Extension:
    """An extension (or pattern, ``_1XX``) and its priorities, lowest first (add them with
    :meth:`add`, which keeps the lookups by number and label current)."""

    name: str
    registrar: str = ""
    priorities: list[Priority] = field(default_factory=list)
    _numbers: dict[int, Priority] = field(default_factory=dict, repr=False, compare=False)
    _labels: dict[str, Priority] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        given, self.priorities = self.priorities, []
        for priority in given:
            self.add(priority)

    @property
    def is_pattern(self) -> bool:
        return is_pattern(self.name)

    def add(self, priority: Priority) -> None:
        self.priorities.append(priority)
        if priority.number is not None:
            self._numbers.setdefault(priority.number, priority)
        if priority.label:
            self._labels.setdefault(priority.label, priority)

    def priority(self, number: int | None) -> Priority | None:
        return self._numbers.get(number) if number is not None else None

    def labelled(self, label: str) -> Priority | None:
        return self._labels.get(label)


@dataclass
class ContextListing:
    """One context as ShowDialPlan lists it.

    ``registrar`` is the first item's: ShowDialPlan names each extension's registrar, not
    the context's. ``includes``, ``ignore_patterns`` and ``switches`` are (name, registrar).
    ``only`` is the number the answer was asked for (``ShowDialPlan`` with ``Extension:``
    lists only the extensions matching it), ``""`` for the whole context.

    What was not kept is counted: ``dropped_extensions`` and ``dropped_priorities`` past
    :data:`MAX_EXTENSIONS` and :data:`MAX_PRIORITIES`, ``dropped_entries`` past
    :data:`MAX_ENTRIES`, ``skipped`` items that made no sense, ``unread`` items of the
    answer not read at all (past :data:`MAX_READ`); ``listed`` is what the server said it
    listed (ShowDialPlanComplete's extensions and priorities), when the answer was this
    context's alone; ``unfinished`` when the answer stopped before its end.
    """

    name: str
    registrar: str = ""
    extensions: list[Extension] = field(default_factory=list)
    includes: list[tuple[str, str]] = field(default_factory=list)
    ignore_patterns: list[tuple[str, str]] = field(default_factory=list)
    switches: list[tuple[str, str]] = field(default_factory=list)
    only: str = ""
    priority_count: int = 0  # priorities kept, hints included
    dropped_extensions: int = 0
    dropped_priorities: int = 0
    dropped_entries: int = 0
    skipped: int = 0
    unread: int = 0
    listed: tuple[int, int] | None = None  # (extensions, priorities)
    unfinished: bool = False
    adopted: list[str] = field(default_factory=list)  # extensions past the cut, from answers about them
    _by_name: dict[str, Extension] = field(default_factory=dict, repr=False, compare=False)
    _plain: dict[str, Extension] = field(default_factory=dict, repr=False, compare=False)
    _patterns: list[Extension] = field(default_factory=list, repr=False, compare=False)
    _found: dict[str, Extension | None] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        given, self.extensions = self.extensions, []
        for exten in given:
            self.add_extension(exten)

    def add_extension(self, exten: Extension) -> None:
        self.extensions.append(exten)
        self.priority_count += len(exten.priorities)
        self._by_name.setdefault(exten.name, exten)
        if exten.is_pattern:
            self._patterns.append(exten)
        else:
            self._plain.setdefault(exten.name.partition("/")[0].replace("-", ""), exten)
        self._found.clear()

    def extension(self, name: str) -> Extension | None:
        """The extension named exactly ``name`` (``_1XX`` finds the pattern itself)."""
        return self._by_name.get(name)

    def find(self, exten: str) -> Extension | None:
        """The extension a channel dialling ``exten`` runs here (includes aside).

        Asterisk keeps a context's extensions sorted, plain names before patterns, and
        runs the first that matches: a plain name if one is ``exten``, else the first
        pattern in the listing's order that matches it.
        """
        if exten in self._found:
            return self._found[exten]
        found = self._plain.get(exten.replace("-", ""))
        if found is None:
            found = next((e for e in self._patterns if extension_matches(e.name, exten)), None)
        if len(self._found) >= _MEMO:
            self._found.clear()
        self._found[exten] = found
        return found

    @property
    def truncated(self) -> bool:
        """Part of what the server listed is not here (see :meth:`cuts`)."""
        return bool(
            self.dropped_extensions or self.dropped_priorities or self.dropped_entries or self.unread or self.unfinished
        )

    def cuts(self) -> list[str]:
        """What is missing from this listing and why, one sentence each (none when whole)."""
        notes = []
        if self.only:
            notes.append(f"Only the extensions {clean(self.only)} runs are listed here (r lists the whole context).")
        adopted = [e for name in self.adopted if (e := self.extension(name)) is not None]
        kept = (len(self.extensions) - len(adopted), self.priority_count - sum(len(e.priorities) for e in adopted))
        if self.listed is not None:
            more_extensions, more_priorities = (max(listed - have, 0) for listed, have in zip(self.listed, kept))
            at_least = ""
        else:
            more_extensions, more_priorities = self.dropped_extensions, self.dropped_priorities + self.unread
            at_least = "at least " if self.unread or self.unfinished else ""
        if more_priorities or more_extensions:
            notes.append(
                f"… {at_least}{more_priorities:,} more priorities ({more_extensions:,} more extensions) not shown: "
                f"the console keeps {MAX_PRIORITIES:,} priorities and {MAX_EXTENSIONS:,} extensions of a context."
            )
        if adopted:
            notes.append(f"Listed on their own, past the cut: {', '.join(clean(e.name) for e in adopted)}.")
        if self.dropped_entries:
            notes.append(f"… {self.dropped_entries:,} more includes, ignore patterns or switches not shown.")
        if self.skipped:
            notes.append(f"{self.skipped:,} listing items made no sense and were skipped.")
        if self.unfinished:
            notes.append("The server's answer stopped before its end: more may be missing (r asks again).")
        return notes


def parse_listing(items: Iterable[Message], only: str = "") -> dict[str, ContextListing]:
    """ShowDialPlan's ``ListDialplan`` items, by context, in the order they came.

    Other messages (the response) are skipped, so the whole list of an ``action_list``
    answer can be passed; without its ShowDialPlanComplete the answer was cut short, and
    every listing says so (``unfinished``). ``only`` is the ``Extension:`` the answer was
    asked for, if any.

    Bounded work whatever is passed: the first :data:`MAX_READ` items are read, and of a
    longer list (a sequence) only the includes, ignore patterns, switches and
    ShowDialPlanComplete that end it; the items between are counted (``unread``), never
    decoded, so a huge answer costs no more than its bound to read or to hold.
    """
    reader = _Reader(only)
    iterator = iter(items)
    for item in islice(iterator, MAX_READ):
        reader.read(item)
    if isinstance(items, Sequence) and len(items) > MAX_READ:
        tail = _tail(items, MAX_READ)
        reader.unread(len(items) - MAX_READ - len(tail))
        for item in tail:
            reader.read(item)
    elif next(iterator, None) is not None:
        reader.unread(1)  # and maybe more: an iterator is not read past the bound
    return reader.finish()


def _tail(items: Sequence[Message], start: int) -> list[Message]:
    """The items ending a long answer that are not priorities (Asterisk lists a context's
    includes, ignore patterns and switches after its extensions), in order; at most as
    many as a listing keeps, and never before ``start``."""
    tail: list[Message] = []
    index = len(items) - 1
    while index >= start and len(tail) <= 3 * MAX_ENTRIES:
        item = items[index]
        if item.header("Event") == "ListDialplan" and item.header("Extension") is not None:
            break
        tail.append(item)
        index -= 1
    return tail[::-1]


class _Reader:
    """One pass over an answer's items; each item costs the same whatever came before."""

    def __init__(self, only: str) -> None:
        self.only = only
        self.listings: dict[str, ContextListing] = {}
        self.current: dict[str, Extension] = {}  # context -> the extension its last item was of
        self.keeping: dict[str, bool] = {}  # context -> whether that extension is kept
        self.last: ContextListing | None = None  # the listing of the last item read
        self.complete: Message | None = None

    def unread(self, count: int) -> None:
        """``count`` items were not read: they are counted against the listing read last."""
        if self.last is not None:
            self.last.unread += count

    def read(self, item: Message) -> None:
        event = item.header("Event")
        if event == "ShowDialPlanComplete":
            self.complete = item
        if event != "ListDialplan":
            return
        context = item.header("Context", "")
        registrar = _clip(item.header("Registrar", ""), MAX_TEXT)
        if len(context) > MAX_NAME:
            return  # no context has such a name; nothing to count it against either
        listing = self.listings.get(context)
        if listing is None:
            listing = self.listings[context] = ContextListing(context, registrar, only=self.only)
        self.last = listing
        for header, entries in (
            ("IncludeContext", listing.includes),
            ("IgnorePattern", listing.ignore_patterns),
            ("Switch", listing.switches),
        ):
            if (entry := item.header(header)) is not None:
                if len(entries) >= MAX_ENTRIES or len(entry) > MAX_NAME:
                    listing.dropped_entries += 1
                else:
                    entries.append((entry, registrar))
                return
        name = item.header("Extension")
        priority = _priority(item)
        if name is None or priority is None or len(name) > MAX_NAME:
            listing.skipped += 1
            return
        exten = self.current.get(context)
        if exten is None or exten.name != name:
            # Priorities of one extension come together; the same name again after another
            # is another extension (Asterisk lists ``_1XX`` and ``_1XX/100`` both as _1XX).
            exten = self.current[context] = Extension(name, registrar)
            self.keeping[context] = len(listing.extensions) < MAX_EXTENSIONS and listing.priority_count < MAX_PRIORITIES
            if self.keeping[context]:
                listing.add_extension(exten)
            else:
                listing.dropped_extensions += 1
        if not self.keeping[context] or listing.priority_count >= MAX_PRIORITIES:
            listing.dropped_priorities += 1
            return
        exten.add(priority)
        listing.priority_count += 1

    def finish(self) -> dict[str, ContextListing]:
        for listing in self.listings.values():
            listing.unfinished = self.complete is None
        if self.complete is not None and len(self.listings) == 1 and not self.only:
            counts = [_count(self.complete.header(name, "")) for name in ("ListExtensions", "ListPriorities")]
            if counts[0] is not None and counts[1] is not None:
                next(iter(self.listings.values())).listed = (counts[0], counts[1])
        return self.listings


def _count(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def _priority(item: Message) -> Priority | None:
    text = item.header("Priority", "").strip()
    app = _clip(item.header("Application", ""), MAX_TEXT)
    label = _clip(item.header("ExtensionLabel", ""), MAX_TEXT)
    if text == "hint":
        return Priority(None, app, "", label)
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        return None
    return Priority(int(text), app, _clip(item.header("AppData", ""), MAX_APP_DATA), label)


def render_listing(listing: ContextListing) -> list[str]:
    """The listing as ``dialplan show CONTEXT`` writes it, blank line after included;
    what the console did not keep is said before that line."""
    lines = [f"[ Context '{clean(listing.name)}' created by '{clean(listing.registrar)}' ]"]
    for exten in listing.extensions:
        registrar = clean(exten.registrar)
        for index, priority in enumerate(exten.priorities):
            if index == 0:
                left = f"'{clean(exten.name)}' =>"
            else:
                left = f"   [{clean(priority.label)}]" if priority.label else ""
            lines.append(f"  {left:<17} {priority.text():<45} [{registrar}]")
    for title, entries in (
        ("Include =>       ", listing.includes),
        ("Ignore pattern =>", listing.ignore_patterns),
        ("Alt. Switch =>   ", listing.switches),
    ):
        for name, registrar in entries:
            quoted = f"'{clean(name)}'"
            lines.append(f"  {title} {quoted:<45} [{clean(registrar)}]")
    lines += [f"  {note}" for note in listing.cuts()]
    lines.append("")
    return lines


def render_dialplan(listings: Iterable[ContextListing]) -> list[str]:
    """Several listings and the closing count line, as ``dialplan show`` ends its output."""
    lines: list[str] = []
    extens = priorities = contexts = 0
    for listing in listings:
        lines += render_listing(listing)
        contexts += 1
        extens += len(listing.extensions)
        priorities += listing.priority_count
    lines.append(
        f"-= {extens} {'extension' if extens == 1 else 'extensions'} "
        f"({priorities} {'priority' if priorities == 1 else 'priorities'}) "
        f"in {contexts} {'context' if contexts == 1 else 'contexts'}. =-"
    )
    return lines
