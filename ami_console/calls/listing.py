"""A context as ShowDialPlan lists it, and as ``dialplan show`` writes it.

- :func:`parse_listing` reads ShowDialPlan's ``ListDialplan`` items into
  :class:`ContextListing` objects (extensions in Asterisk's order, their priorities with
  application, data and label; includes, ignore patterns, switches).
- :func:`render_listing` writes a listing as ``dialplan show`` does. ShowDialPlan gives no
  file and line, so where Asterisk prints ``[extensions.conf:10]`` we print the registrar
  (``[pbx_config]``), as Asterisk itself does for extensions without a file.

Which extension a number runs is :func:`ami_console.patterns.extension_matches`. Every
server value shown goes through :func:`ami_console.printable.clean`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ami_console.patterns import extension_matches
from ami_console.printable import clean
from ami_console.protocol import Message

__all__ = [
    "MAX_PRIORITIES",
    "ContextListing",
    "Extension",
    "Priority",
    "extension_matches",
    "parse_listing",
    "render_dialplan",
    "render_listing",
]

# A real context holds a few thousand priorities at most: past this, a server is broken or
# hostile, and the rest of its items are dropped (the listing says so).
MAX_PRIORITIES = 20_000  # kept per context


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
    """An extension (or pattern, ``_1XX``) and its priorities, lowest first."""

    name: str
    registrar: str = ""
    priorities: list[Priority] = field(default_factory=list)

    @property
    def is_pattern(self) -> bool:
        return self.name.startswith("_")

    def priority(self, number: int) -> Priority | None:
        return next((p for p in self.priorities if p.number == number), None)

    def labelled(self, label: str) -> Priority | None:
        return next((p for p in self.priorities if p.label == label), None)


@dataclass
class ContextListing:
    """One context as ShowDialPlan lists it.

    ``registrar`` is the first item's: ShowDialPlan names each extension's registrar, not
    the context's. ``includes``, ``ignore_patterns`` and ``switches`` are (name, registrar).
    """

    name: str
    registrar: str = ""
    extensions: list[Extension] = field(default_factory=list)
    includes: list[tuple[str, str]] = field(default_factory=list)
    ignore_patterns: list[tuple[str, str]] = field(default_factory=list)
    switches: list[tuple[str, str]] = field(default_factory=list)
    truncated: bool = False  # more than MAX_PRIORITIES were sent; the rest were dropped

    def extension(self, name: str) -> Extension | None:
        """The extension named exactly ``name`` (``_1XX`` finds the pattern itself)."""
        return next((e for e in self.extensions if e.name == name), None)

    def find(self, exten: str) -> Extension | None:
        """The extension a channel dialling ``exten`` runs here (includes aside).

        Asterisk keeps a context's extensions sorted: plain ones first, then patterns from
        the most specific; the first that matches is the one it runs.
        """
        return next((e for e in self.extensions if extension_matches(e.name, exten)), None)

    @property
    def priority_count(self) -> int:
        return sum(len(e.priorities) for e in self.extensions)


def parse_listing(items: Iterable[Message]) -> dict[str, ContextListing]:
    """ShowDialPlan's ``ListDialplan`` items, by context, in the order they came.

    Other messages (the response, ShowDialPlanComplete) are skipped, so the whole list of
    an ``action_list`` answer can be passed. Items with a ``Priority`` that is neither a
    number nor ``hint`` are skipped.
    """
    listings: dict[str, ContextListing] = {}
    extensions: dict[tuple[str, str], Extension] = {}
    for item in items:
        if item.header("Event") != "ListDialplan":
            continue
        context = item.header("Context", "")
        registrar = item.header("Registrar", "")
        listing = listings.get(context)
        if listing is None:
            listing = listings[context] = ContextListing(context, registrar)
        if (included := item.header("IncludeContext")) is not None:
            listing.includes.append((included, registrar))
        elif (ignored := item.header("IgnorePattern")) is not None:
            listing.ignore_patterns.append((ignored, registrar))
        elif (switch := item.header("Switch")) is not None:
            listing.switches.append((switch, registrar))
        elif (name := item.header("Extension")) is not None:
            priority = _priority(item)
            if priority is None:
                continue
            if listing.priority_count >= MAX_PRIORITIES:
                listing.truncated = True
                continue
            exten = extensions.get((context, name))
            if exten is None:
                exten = extensions[(context, name)] = Extension(name, registrar)
                listing.extensions.append(exten)
            exten.priorities.append(priority)
    return listings


def _priority(item: Message) -> Priority | None:
    text = item.header("Priority", "").strip()
    app = item.header("Application", "")
    label = item.header("ExtensionLabel", "")
    if text == "hint":
        return Priority(None, app, "", label)
    if not text.isdigit():
        return None
    return Priority(int(text), app, item.header("AppData", ""), label)


def render_listing(listing: ContextListing) -> list[str]:
    """The listing as ``dialplan show CONTEXT`` writes it, blank line after included."""
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
