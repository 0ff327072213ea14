"""A channel's path drawn on a listing, as a debugger shows source.

:func:`debugger_lines` gives the lines of the dialplan pane: the listing, the line the
channel runs now, the lines it ran with their times, the variables each set and the jumps
it took beside them. Steps run elsewhere (a Gosub's subroutine in another context, a Goto
there and back) are written under the line the channel left from, as the call trace writes
them (``greet,s,1  Set(GREETING=Hello newcomer)``), so every step shows. A step the channel
was only moved to (a transfer lands inside the application it was in) shows the
application the listing has there, not the one the event named. With no listing (a replay),
the steps the events record.

Linear in the listing and the path (each bounded where it is made), and the lines are
bounded too: repeated jumps and detours under one line are written once with ``×n``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ami_console.calls.listing import ContextListing, Extension
from ami_console.calls.path import ChannelPath, Step
from ami_console.calls.words import hangup_cause
from ami_console.printable import clean

if TYPE_CHECKING:
    from ami_console.calls.dialplan import Dialplan

__all__ = ["KINDS", "debugger_lines"]

#: Line kinds of :func:`debugger_lines`, for the UI's styles.
KINDS = ("header", "current", "executed", "not-run", "branch", "variable", "note")

RUN_ENDS = 4  # steps shown at each end of a detour elsewhere; the middle is counted
MAX_DETOURS = 3  # different ways on written under one line; the others are counted

Line = tuple[str, str]


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def _suffix(steps: Sequence[Step], start: float | None) -> str:
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


def _variables(steps: Sequence[Step], indent: int, width: int) -> list[Line]:
    merged: dict[str, str] = {}
    for step in steps:
        merged.update(step.variables)
    # An empty value is Dial or Queue clearing its result variables first: noise beside the line.
    shown = [f"{clean(k)}={clean(v)}" for k, v in merged.items() if v]
    return [(_fit(" " * indent + "  ".join(shown), width), "variable")] if shown else []


def _kind(step: Step, current: Step | None) -> str:
    return "current" if step is current else "executed" if step.ran else "not-run"


_MARKERS = {"current": "▶ ", "executed": "✓ "}


class _Places:
    """Where each step's extension is, asked once per (context, exten) for the whole drawing."""

    def __init__(self, listing: ContextListing | None, dialplan: Dialplan | None) -> None:
        self.listing = listing
        self.dialplan = dialplan
        self._known: dict[tuple[str, str], tuple[ContextListing, Extension] | None] = {}

    def of(self, step: Step) -> tuple[ContextListing, Extension] | None:
        key = (step.context, step.exten)
        if key not in self._known:
            found: tuple[ContextListing, Extension] | None = None
            if self.dialplan is not None:
                found = self.dialplan.locate(step.context, step.exten)
            elif self.listing is not None and step.context == self.listing.name:
                exten = self.listing.find(step.exten)
                found = (self.listing, exten) if exten is not None else None
            self._known[key] = found
        return self._known[key]

    def home(self, step: Step) -> Extension | None:
        """The step's extension when it is in the listing drawn (and has the step's priority)."""
        found = self.of(step)
        if found is None or found[0] is not self.listing or found[1].priority(step.priority) is None:
            return None
        return found[1]

    def text(self, step: Step) -> str:
        """What ran at the step: the event's application, or for a step the channel was
        only moved to, what the dialplan has there (the event names the old one)."""
        if step.ran:
            return f"{clean(step.app)}({clean(step.data)})"
        found = self.of(step)
        there = found[1].priority(step.priority) if found is not None else None
        if there is not None:
            return f"{clean(there.app)}({clean(there.data)})  (not run)"
        return f"(not run: moved here while in {clean(step.app)})"


def debugger_lines(
    listing: ContextListing | None,
    path: ChannelPath | None,
    width: int,
    dialplan: Dialplan | None = None,
    notes: Sequence[str] = (),
) -> list[Line]:
    """The listing with the channel's path on it, as ``(plain text, kind)`` lines.

    Kinds (see :data:`KINDS`): ``header`` (context), ``current`` (the priority the channel
    runs now), ``executed`` (run, with the time since its first step and ``×n`` when run
    more than once), ``not-run``, ``branch`` (a jump out of the line above), ``variable``
    (what the line above set), ``note``. A step belongs to this listing when its context is
    the listing's, or, given ``dialplan``, when its context reaches the listing by includes.
    Steps elsewhere are written under the line they left from. ``notes`` (e.g. a
    :class:`~ami_console.calls.dialplan.FetchBudget`'s) end the lines. With no listing, the
    steps the events record, in order.
    """
    places = _Places(listing, dialplan)
    if listing is None:
        lines = _steps_only(path, width, places)
    else:
        lines = _on_listing(listing, path, width, places)
    return lines + [(_fit(note, width), "note") for note in notes if note] + _ending(path, width)


def _on_listing(listing: ContextListing, path: ChannelPath | None, width: int, places: _Places) -> list[Line]:
    steps = path.steps if path is not None else []
    start = next((s.at for s in steps if s.at is not None), None)
    current = path.current if path is not None and not path.ended else None

    at_line: dict[tuple[int, int | None], list[Step]] = {}
    after: dict[int, list[Step]] = {}  # a step drawn here -> the steps elsewhere that followed it
    prologue: list[Step] = []  # steps elsewhere before the first one here
    differ: list[Step] = []  # ran here, but the listing has another application there
    lost: list[Step] = []  # in this context, where the listing has nothing
    last_here: Step | None = None
    for step in steps:
        exten = places.home(step)
        if exten is None:
            found = places.of(step)
            if step.context == listing.name and (found is None or found[0] is listing):
                lost.append(step)  # not in the listing, or without this priority
            (after.setdefault(id(last_here), []) if last_here is not None else prologue).append(step)
            continue
        there = exten.priority(step.priority)
        if step.ran and there is not None and there.app.lower() != step.app.lower():
            differ.append(step)
        at_line.setdefault((id(exten), step.priority), []).append(step)
        last_here = step
    following = {id(before): after_step for before, after_step in zip(steps, steps[1:])}

    def way_on(step: Step, indent: int) -> list[Line]:
        """The jump out of ``step`` and the steps elsewhere up to where it comes back."""
        block: list[Line] = []
        nxt = following.get(id(step))
        if nxt is not None and nxt.branch is not None:
            block.append((" " * indent + nxt.branch.words(nxt.where), "branch"))
        detour = after.get(id(step), [])
        if detour:
            block += _detour(detour, indent + 2, width, start, current, places)
            back = following.get(id(detour[-1]))
            if back is not None and back.branch is not None:
                block.append((" " * indent + back.branch.words(back.where), "branch"))
        return block

    heads = [f"'{clean(e.name)}' =>" for e in listing.extensions]
    column = max(
        [len(h) for h in heads]
        + [len(f"   [{clean(p.label)}]") for e in listing.extensions for p in e.priorities if p.label]
        + [0]
    )
    lines: list[Line] = [
        (_fit(f"[ Context '{clean(listing.name)}' created by '{clean(listing.registrar)}' ]", width), "header")
    ]
    if prologue:
        lines.append((_fit("Before this context:", width), "note"))
        lines += _detour(prologue, 2, width, start, current, places)
        first_here = following.get(id(prologue[-1]))
        if first_here is not None and first_here.branch is not None:
            lines.append((_fit(first_here.branch.words(first_here.where), width), "branch"))
    for exten, head in zip(listing.extensions, heads):
        for index, priority in enumerate(exten.priorities):
            left = head if index == 0 else (f"   [{clean(priority.label)}]" if priority.label else "")
            here = at_line.get((id(exten), priority.number), [])
            ran = [s for s in here if s.ran]
            kind = "current" if any(s is current for s in here) else "executed" if ran else "not-run"
            text = f"{_MARKERS.get(kind, '  ')}{left:<{column}} {priority.text()}"
            lines.append((_line(text, _suffix(ran, start) if ran else "", width), kind))
            indent = 2 + column + 1 + len(f"{priority.number}. ")
            lines += _variables(here, indent, width)
            lines += _once_each([way_on(step, indent) for step in here], indent, width)
    for name, _ in listing.includes:
        lines.append((_fit(f"  Include => '{clean(name)}'", width), "note"))
    notes = listing.cuts()
    if lost:
        wheres = ", ".join(dict.fromkeys(clean(s.where) for s in lost[-20:]))
        notes.append(f"Ran where this listing has nothing (refresh it?): {wheres}")
    for step in list({s.where: s for s in differ}.values())[-5:]:
        exten = places.home(step)
        listed = exten.priority(step.priority) if exten is not None else None
        if listed is not None:
            notes.append(
                f"At {clean(step.where)} the channel ran {clean(step.app)}; the listing has {clean(listed.app)} (refresh it?)"
            )
    if current is not None and places.home(current) is None and current.context != listing.name:
        notes.append(f"The channel is now in {clean(current.where)}: another context.")
    return lines + [(_fit(note, width), "note") for note in notes]


def _once_each(blocks: list[list[Line]], indent: int, width: int) -> list[Line]:
    """The blocks written under one line, each different one once (the last of its kind,
    with ``×n`` when it happened more often), at most MAX_DETOURS of them."""
    latest: dict[tuple[str, ...], list[Line]] = {}
    counts: dict[tuple[str, ...], int] = {}
    for block in blocks:
        if not block:
            continue
        key = tuple(_untimed(text) for text, _ in block)
        latest.pop(key, None)  # re-inserted: the order is that of the last occurrence
        latest[key] = block
        counts[key] = counts.get(key, 0) + 1
    lines: list[Line] = []
    shown = list(latest.items())[-MAX_DETOURS:]
    if len(latest) > len(shown):
        hidden = len(latest) - len(shown)
        lines.append((_fit(" " * indent + f"… {hidden} other ways on from here, earlier", width), "note"))
    for key, block in shown:
        (text, kind), rest = block[0], block[1:]
        if counts[key] > 1:
            text = f"{text} ×{counts[key]}"
        lines += [(_fit(text, width), kind)] + [(_fit(t, width), k) for t, k in rest]
    return lines


def _untimed(text: str) -> str:
    """A line without its time and count, to tell blocks that differ only by when apart."""
    head, sep, tail = text.rpartition("  +")
    return head if sep and tail.rstrip("0123456789.s× ") == "" else text


def _detour(
    steps: list[Step], indent: int, width: int, start: float | None, current: Step | None, places: _Places
) -> list[Line]:
    """Steps run outside the listing, as the call trace writes them: where, then what."""
    shown: list[Step | int] = list(steps)
    if len(steps) > 2 * RUN_ENDS + 1:
        shown = [*steps[:RUN_ENDS], len(steps) - 2 * RUN_ENDS, *steps[-RUN_ENDS:]]
    lines: list[Line] = []
    previous: Step | None = None
    for item in shown:
        if isinstance(item, int):
            lines.append((_fit(" " * indent + f"… {item} more steps", width), "note"))
            previous = None
            continue
        if previous is not None and item.branch is not None:
            lines.append((_fit(" " * indent + item.branch.words(item.where), width), "branch"))
        kind = _kind(item, current)
        text = f"{' ' * indent}{_MARKERS.get(kind, '  ')}{clean(item.where)}  {places.text(item)}"
        lines.append((_line(text, _suffix([item], start), width), kind))
        lines += _variables([item], indent + 4, width)
        previous = item
    return lines


def _ending(path: ChannelPath | None, width: int) -> list[Line]:
    if path is None or not path.ended:
        return []
    where = f" at {clean(path.current.where)}" if path.current is not None else ""
    cause = hangup_cause(clean(path.hangup_cause))
    return [(_fit(f"Hung up{where}" + (f": {cause}" if cause else ""), width), "note")]


def _steps_only(path: ChannelPath | None, width: int, places: _Places) -> list[Line]:
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
        kind = _kind(step, current)
        text = f"{_MARKERS.get(kind, '  ')}{left:<{column}} {step.priority}. {places.text(step)}"
        lines.append((_line(text, _suffix([step], start), width), kind))
        lines += _variables([step], 2 + column + 1 + len(f"{step.priority}. "), width)
    return lines
