"""Each expectation of a scenario, evaluated against what its call did (a :class:`CallRecord`).

:func:`evaluate` answers while the call goes on (a step reached, a dial status seen: such a
check can tick at once) and once it is over (``final``): then every check is decided, and
the ones that wait for an absence (``never``, ``no_events``, ``within``) too. A result
says what was expected and what really happened, in words a report prints side by side.

Texts are globs in any case, as the lessons' checks compare them (whose ``event`` checks,
scoped to the call, are the ``events`` and ``no_events`` here).
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from ami_console.calls import words
from ami_console.scenarios.record import CallRecord
from ami_console.scenarios.scenario import Expectation

__all__ = ["CheckResult", "evaluate", "first_missing_step", "like"]


@dataclass(frozen=True)
class CheckResult:
    expectation: Expectation
    passed: bool
    actual: str  # what the call did, as far as this check goes

    @property
    def expected(self) -> str:
        return self.expectation.describe()


def like(value: str | None, pattern: str) -> bool:
    """A glob, any case; None never matches."""
    return value is not None and fnmatchcase(value.lower(), pattern.lower())


def evaluate(expectation: Expectation, record: CallRecord, *, final: bool) -> CheckResult | None:
    """The check's result, or None while it cannot be decided yet (not ``final``)."""
    passed, actual = _decide(expectation, record)
    if passed is None:
        if not final:
            return None
        # An absence is decided by the end: a call that had to be hung up still never
        # reached the step, but it was not over in time.
        passed = expectation.kind in ("never", "no_events") or (expectation.kind == "within" and record.ended)
    elif not passed and not final:
        return None  # what has not happened yet may still happen
    return CheckResult(expectation, passed, actual)


def _decide(e: Expectation, record: CallRecord) -> tuple[bool | None, str]:
    """(passed, actual); passed None: only the end of the call can tell."""
    kind = e.kind
    if kind in ("steps", "reaches", "never"):
        went = record.where()
        actual = "went " + (" then ".join(_squeeze(went)) if went else "through no dialplan step")
        if kind == "steps":
            return first_missing_step(e.items, went) is None, actual
        if kind == "reaches":
            return all(any(like(w, item) for w in went) for item in e.items), actual
        hit = [item for item in e.items if any(like(w, item) for w in went)]
        return (False, actual) if hit else (None, actual)
    if kind == "variables":
        values = next((v for name, v in record.variables.items() if like(name, e.name)), [])
        shown = f"{e.name} was set to {', '.join(repr(v) for v in values)}" if values else f"{e.name} was never set"
        return any(like(v, e.text) for v in values), shown
    if kind == "dial_status":
        statuses = record.dial_statuses
        shown = "dial status " + ", ".join(statuses) if statuses else "no Dial ended"
        return any(like(s, e.text) for s in statuses), shown
    if kind == "cause":
        return any(_cause_is(h.cause, h.cause_txt, e.text) for h in record.hangups), _causes(record)
    if kind == "bridged_with":
        shown = "bridged with " + ", ".join(record.peers) if record.peers else "never bridged"
        return any(like(p, e.text) for p in record.peers), shown
    if kind == "queue":
        shown = "joined queue " + ", ".join(record.queues) if record.queues else "joined no queue"
        return any(like(q, e.text) for q in record.queues), shown
    if kind == "answered_by":
        shown = "answered by " + ", ".join(record.agents) if record.agents else "no queue member answered"
        return any(like(a, e.text) for a in record.agents), shown
    if kind == "within":
        took = record.duration
        if took is None:
            return None, "still up" if not record.ended else "over"
        return (None if took <= e.seconds else False), f"over after {took:.1f} s"
    index = next(i for i, check in enumerate(record.watch) if check is e.check)
    message = record.matched.get(index)
    if kind == "events":
        return message is not None, f"seen: {message.name}" if message is not None else "no such event in the call"
    return (False, f"seen: {message.name}") if message is not None else (None, "no such event in the call")


def first_missing_step(expected: tuple[str, ...], went: list[str]) -> int | None:
    """The index of the first expected step the path did not reach in order, or None
    when it reached them all in order (others may come between)."""
    position = 0
    for index, item in enumerate(expected):
        while position < len(went) and not like(went[position], item):
            position += 1
        if position == len(went):
            return index
        position += 1
    return None


def _cause_is(code: str, text: str, wanted: str) -> bool:
    if wanted.isdigit():
        return code == wanted
    return like(text, wanted) or like(words.hangup_cause(code).split(":")[0], wanted)


def _causes(record: CallRecord) -> str:
    if not record.hangups:
        return "no channel hung up"
    return "hung up: " + ", ".join(f"{h.channel} {h.cause} ({h.cause_txt or '?'})" for h in record.hangups)


def _squeeze(went: list[str], limit: int = 30) -> list[str]:
    """The path for one line: its first steps and its last, when long."""
    if len(went) <= limit:
        return went
    return [*went[: limit // 2], f"... {len(went) - limit} more ...", *went[-limit // 2 :]]
