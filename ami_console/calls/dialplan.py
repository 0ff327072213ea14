"""The dialplan as a debugger shows source: the listing, and one channel's walk through it.

- :func:`parse_listing` reads ShowDialPlan's ``ListDialplan`` items into
  :class:`ContextListing` objects (extensions in Asterisk's order, their priorities with
  application, data and label; includes, ignore patterns, switches). :class:`Dialplan`
  caches them by context, follows includes and offers names for completion.
- :func:`render_listing` writes a listing as ``dialplan show`` does. ShowDialPlan gives no
  file and line, so where Asterisk prints ``[extensions.conf:10]`` we print the registrar
  (``[pbx_config]``), as Asterisk itself does for extensions without a file.
- :class:`ChannelPath` follows one channel from its events alone (Newexten, VarSet,
  BlindTransfer, Hangup): the steps it ran with their times, the variables each set, and
  every jump that was not to the next priority (Goto, GotoIf, Gosub, Return, a Redirect
  or transfer from outside).
- :func:`debugger_lines` draws a listing with a path on it: the current line, the lines
  run with their times, variables and jumps beside them; with no listing (a replay file),
  the steps the events record.
- Which extension a number runs is :func:`ami_console.patterns.extension_matches`, the one
  matcher the demo PBX uses too, so a channel running 123 lights up the ``_1XX`` lines.

Every server value shown goes through :func:`ami_console.printable.clean`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ami_console.calls.words import hangup_cause
from ami_console.events.timed import EventLike, as_timed
from ami_console.patterns import extension_matches
from ami_console.printable import clean
from ami_console.protocol import Message

__all__ = [
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

# A real context holds a few thousand priorities at most: past this, a server is broken or
# hostile, and the rest of its items are dropped (the listing says so).
MAX_PRIORITIES = 20_000  # kept per context
MAX_STEPS = 1000  # kept per channel path: a dialplan loop must not grow it without end
_MAX_INCLUDE_DEPTH = 128  # Asterisk's AST_PBX_MAX_STACK bounds its own include walk the same way

# Applications that move the channel elsewhere in the dialplan by themselves.
_BRANCH_APPS = {"goto", "gotoif", "gotoiftime", "gosub", "gosubif", "return", "stackpop"}
# Pseudo-applications Asterisk reports for outgoing channels (the dialled side of Dial,
# Queue, Originate): no dialplan runs on them.
_OUTGOING_APPS = {"appdial", "appdial2", "appqueue"}


# -- The listing ---------------------------------------------------------------------------


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


# -- One channel's path --------------------------------------------------------------------


@dataclass
class Branch:
    """How the channel reached a step other than by going on to the next priority."""

    source: str  # "demo,300,3": where it was
    how: str  # the application that jumped (Goto, GotoIf, Gosub, Return...), or "" when moved from outside
    via: str = ""  # "blind transfer" when a BlindTransfer event names the channel

    def words(self, target: str) -> str:
        """``→ jumped to demo,100,1 (Goto)`` and the like."""
        if self.how.lower() in ("gosub", "gosubif"):
            return f"→ {self.how} called {target}"
        if self.how.lower() in ("return", "stackpop"):
            return f"→ {self.how} back to {target}"
        if self.how:
            return f"→ jumped to {target} ({self.how})"
        if self.via:
            return f"→ jumped to {target} ({self.via})"
        return f"→ jumped to {target} (Redirect or transfer)"


@dataclass
class Step:
    """One dialplan step a channel took (a Newexten event)."""

    context: str
    exten: str
    priority: int
    app: str
    data: str
    at: float | None  # when (the event's Timestamp, else its arrival); None if unknown
    variables: dict[str, str] = field(default_factory=dict)  # set during this step, last value
    branch: Branch | None = None
    # False when the event only says the channel was moved here while still inside the
    # previous application (after BlindTransfer, Asterisk reports priority 1 with the app
    # it was in, then runs priority 2): nothing of this priority ran.
    ran: bool = True

    @property
    def where(self) -> str:
        return f"{self.context},{self.exten},{self.priority}"

    def text(self) -> str:
        return f"{self.priority}. {clean(self.app)}({clean(self.data)})"


class ChannelPath:
    """The dialplan steps of one channel, from its events alone.

    Give the channel's ``uniqueid`` (best: it never changes) or its name; events of other
    channels are ignored, so the whole event stream can be fed to :meth:`add`.
    """

    def __init__(self, channel: str = "", uniqueid: str = "") -> None:
        self.channel = channel
        self.uniqueid = uniqueid
        self.steps: list[Step] = []
        self.early_variables: dict[str, str] = {}  # set before its first step
        self.dropped = 0  # steps dropped from the front past MAX_STEPS
        self.ended = False
        self.hangup_cause = ""

    @classmethod
    def from_events(cls, events: Iterable[EventLike], channel: str = "", uniqueid: str = "") -> ChannelPath:
        path = cls(channel, uniqueid)
        for item in events:
            path.add(item)
        return path

    @property
    def current(self) -> Step | None:
        """The step the channel is on (its last, once it has hung up)."""
        return self.steps[-1] if self.steps else None

    def contexts(self) -> list[str]:
        """The contexts it has been in, first visit order."""
        return list(dict.fromkeys(step.context for step in self.steps))

    def _mine(self, message: Message) -> bool:
        if self.uniqueid:
            return message.header("Uniqueid") == self.uniqueid
        if message.header("Channel") == self.channel and self.channel:
            self.uniqueid = message.header("Uniqueid", "")  # from now on, by Uniqueid
            return True
        return False

    def add(self, item: EventLike) -> bool:
        """Take one event into account; whether it changed the path."""
        arrived, message = as_timed(item)
        name = message.header("Event")
        if name == "BlindTransfer":
            return self._transferred(message)
        if name not in ("Newexten", "VarSet", "Hangup") or not self._mine(message):
            return False
        if not self.channel:
            self.channel = message.header("Channel", "")
        if name == "Hangup":
            self.ended = True
            self.hangup_cause = message.header("Cause", "")
            return True
        if name == "VarSet":
            target = self.steps[-1].variables if self.steps else self.early_variables
            target[message.header("Variable", "")] = message.header("Value", "")
            return True
        return self._newexten(message, _time(message, arrived))

    def _newexten(self, message: Message, at: float | None) -> bool:
        try:
            priority = int(message.header("Priority", ""))
        except ValueError:
            return False
        app = message.header("Application", "")
        if app.lower() in _OUTGOING_APPS:
            return False  # the dialled side of a Dial or Queue: no dialplan runs here
        exten = message.header("Exten") or message.header("Extension", "")
        step = Step(message.header("Context", ""), exten, priority, app, message.header("AppData", ""), at)
        previous = self.current
        if previous is not None:
            if (step.where, step.app, step.data) == (previous.where, previous.app, previous.data):
                return False  # the same step reported again
            onward = (step.context, step.exten) == (previous.context, previous.exten) and (
                step.priority == previous.priority + 1
            )
            if not onward:
                how = previous.app if previous.app.lower() in _BRANCH_APPS else ""
                # After a hangup, Asterisk runs the "h" extension, if there is one.
                step.branch = Branch(previous.where, how, "hung up: h extension" if step.exten == "h" else "")
                step.ran = (step.app, step.data) != (previous.app, previous.data)
        self.steps.append(step)
        if len(self.steps) > MAX_STEPS:
            del self.steps[0]
            self.dropped += 1
        return True

    def _transferred(self, message: Message) -> bool:
        """A BlindTransfer naming this channel as the one moved: the last jump to its
        target was the transfer (the event comes after the channel's first step there)."""
        by_id = bool(self.uniqueid) and message.header("TransfereeUniqueid") == self.uniqueid
        by_name = bool(self.channel) and message.header("TransfereeChannel") == self.channel
        if not (by_id or by_name):
            return False
        target = (message.header("Context", ""), message.header("Extension", ""))
        for step in reversed(self.steps):
            if step.branch is not None and (step.context, step.exten) == target:
                step.branch.via = "blind transfer"
                return True
        return False


def _time(message: Message, arrived: float | None) -> float | None:
    try:
        return float(message.header("Timestamp", ""))
    except ValueError:
        return arrived


# -- The debugger view ---------------------------------------------------------------------

#: Line kinds of :func:`debugger_lines`, for the UI's styles.
KINDS = ("header", "current", "executed", "not-run", "branch", "variable", "note")


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def _suffix(steps: list[Step], start: float | None) -> str:
    times = [s.at for s in steps if s.at is not None]
    suffix = f"+{times[-1] - start:.1f}s" if times and start is not None else ""
    if len(steps) > 1:
        suffix += f" ×{len(steps)}"
    return suffix


def _line(text: str, suffix: str, width: int) -> str:
    if not suffix:
        return _fit(text, width)
    room = width - len(suffix) - 2
    if room < 10:
        return _fit(text, width)
    return f"{_fit(text, room):<{room}}  {suffix}"


def _variables(steps: list[Step], indent: int, width: int) -> list[tuple[str, str]]:
    merged: dict[str, str] = {}
    for step in steps:
        merged.update(step.variables)
    # An empty value is Dial or Queue clearing its result variables first: noise beside the line.
    shown = [f"{clean(k)}={clean(v)}" for k, v in merged.items() if v]
    return [(_fit(" " * indent + "  ".join(shown), width), "variable")] if shown else []


def debugger_lines(
    listing: ContextListing | None, path: ChannelPath | None, width: int, dialplan: Dialplan | None = None
) -> list[tuple[str, str]]:
    """The listing with the channel's path on it, as ``(plain text, kind)`` lines.

    Kinds (see :data:`KINDS`): ``header`` (context), ``current`` (the priority the channel
    runs now), ``executed`` (run, with the time since its first step and ``×n`` when run
    more than once), ``not-run``, ``branch`` (a jump out of the line above), ``variable``
    (what the line above set), ``note``. A step belongs to this listing when its context is
    the listing's, or, given ``dialplan``, when its context reaches the listing by includes.
    With no listing, the steps the events record, in order.
    """
    if listing is None:
        return _steps_only(path, width)
    steps = path.steps if path is not None else []
    start = next((s.at for s in steps if s.at is not None), None)
    current = path.current if path is not None and not path.ended else None

    def home(step: Step) -> Extension | None:
        if dialplan is not None:
            found = dialplan.locate(step.context, step.exten)
            return found[1] if found is not None and found[0] is listing else None
        return listing.find(step.exten) if step.context == listing.name else None

    at_line: dict[tuple[int, int | None], list[Step]] = {}
    lost: list[Step] = []
    for step in steps:
        exten = home(step)
        if exten is None or exten.priority(step.priority) is None:
            if step.context == listing.name:
                lost.append(step)
            continue
        at_line.setdefault((id(exten), step.priority), []).append(step)
    # Who left each step by a jump: the branch is written under the line it left from.
    jumps: dict[int, list[Step]] = {}
    for before, after in zip(steps, steps[1:]):
        if after.branch is not None:
            jumps.setdefault(id(before), []).append(after)

    heads = [f"'{clean(e.name)}' =>" for e in listing.extensions]
    column = max(
        [len(h) for h in heads]
        + [len(f"   [{clean(p.label)}]") for e in listing.extensions for p in e.priorities if p.label]
        + [0]
    )
    lines: list[tuple[str, str]] = [
        (_fit(f"[ Context '{clean(listing.name)}' created by '{clean(listing.registrar)}' ]", width), "header")
    ]
    for exten, head in zip(listing.extensions, heads):
        for index, priority in enumerate(exten.priorities):
            left = head if index == 0 else (f"   [{clean(priority.label)}]" if priority.label else "")
            here = at_line.get((id(exten), priority.number), [])
            ran = [s for s in here if s.ran]
            is_current = any(s is current for s in here)
            kind = "current" if is_current else "executed" if ran else "not-run"
            marker = "▶ " if is_current else "✓ " if ran else "  "
            text = f"{marker}{left:<{column}} {priority.text()}"
            lines.append((_line(text, _suffix(ran, start) if ran else "", width), kind))
            indent = 2 + column + 1 + len(f"{priority.number}. ")
            lines += _variables(here, indent, width)
            for step in here:
                for target in jumps.get(id(step), []):
                    if target.branch is not None:  # always: jumps holds steps with a branch
                        lines.append((_fit(" " * indent + target.branch.words(target.where), width), "branch"))
    for name, _ in listing.includes:
        lines.append((_fit(f"  Include => '{clean(name)}'", width), "note"))
    if lost:
        places = ", ".join(dict.fromkeys(clean(s.where) for s in lost))
        lines.append((_fit(f"Ran where this listing has nothing (refresh it?): {places}", width), "note"))
    if current is not None and home(current) is None and current.context != listing.name:
        lines.append((_fit(f"The channel is now in {clean(current.where)}: another context.", width), "note"))
    if listing.truncated:
        lines.append((_fit(f"Listing cut at {MAX_PRIORITIES} priorities.", width), "note"))
    return lines + _ending(path, width)


def _ending(path: ChannelPath | None, width: int) -> list[tuple[str, str]]:
    if path is None or not path.ended:
        return []
    where = f" at {clean(path.current.where)}" if path.current is not None else ""
    cause = hangup_cause(clean(path.hangup_cause))
    return [(_fit(f"Hung up{where}" + (f": {cause}" if cause else ""), width), "note")]


def _steps_only(path: ChannelPath | None, width: int) -> list[tuple[str, str]]:
    """The steps the events record, grouped by context and extension as Asterisk lists them."""
    if path is None or not path.steps:
        return [(_fit("No dialplan steps recorded for this channel.", width), "note")]
    lines = [(_fit("No dialplan listing: the steps the events record, in order.", width), "note")]
    start = next((s.at for s in path.steps if s.at is not None), None)
    column = max(len(f"'{clean(s.exten)}' =>") for s in path.steps)
    if path.dropped:
        lines.append((_fit(f"… {path.dropped} earlier steps not kept", width), "note"))
    context = exten = None
    current = path.current if not path.ended else None
    for step in path.steps:
        if step.branch is not None:
            lines.append((_fit(" " * (column + 3) + step.branch.words(step.where), width), "branch"))
        if step.context != context:
            context, exten = step.context, None
            lines.append((_fit(f"[ Context '{clean(step.context)}' ]", width), "header"))
        left = f"'{clean(step.exten)}' =>" if step.exten != exten else ""
        exten = step.exten
        kind = "current" if step is current else "executed" if step.ran else "not-run"
        marker = {"current": "▶ ", "executed": "✓ "}.get(kind, "  ")
        lines.append((_line(f"{marker}{left:<{column}} {step.text()}", _suffix([step], start), width), kind))
        lines += _variables([step], 2 + column + 1 + len(f"{step.priority}. "), width)
    return lines + _ending(path, width)
