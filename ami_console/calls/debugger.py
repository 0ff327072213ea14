"""A channel's path drawn on a listing, as a debugger shows source.

:func:`debugger_lines` draws a listing with a path on it: the current line, the lines run
with their times, variables and jumps beside them; with no listing (a replay file), the
steps the events record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ami_console.calls.listing import MAX_PRIORITIES, ContextListing, Extension
from ami_console.calls.path import ChannelPath, Step
from ami_console.calls.words import hangup_cause
from ami_console.printable import clean

if TYPE_CHECKING:
    from ami_console.calls.dialplan import Dialplan

__all__ = ["KINDS", "debugger_lines"]

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
