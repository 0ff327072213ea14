"""Scenario files: how to place one call, and what must happen to that call.

A scenario is a small TOML file::

    name = "A busy callee: 700 dials 800, which answers Busy"   # optional: the file's name
    timeout = 20              # seconds the call may take before it is hung up (default 30)

    [call]                    # Originate's fields
    channel = "Local/700@demo"
    application = "Wait"      # the originator's side runs this application...
    data = "5"
    # context = "demo"        # ...or goes to this place in the dialplan
    # exten = "700"
    # priority = 1
    # caller_id = '"Test" <555>'
    # variables = { TESTING = "yes" }
    # ring_timeout = 30       # seconds the channel may ring (Originate's Timeout)

    [expect]                  # each key is one check; all are optional
    steps = ["demo,700,1", "demo,800,1", "demo,700,2"]  # reached in this order (others may come between)
    reaches = ["demo,800,1"]                            # reached, in any order
    never = ["demo,700,3"]                              # never reached
    variables = { DIALSTATUS = "BUSY" }                 # set to these values, on any channel of the call
    dial_status = "BUSY"                                # a Dial of the call ended so (ANSWER, NOANSWER...)
    cause = "17"                                        # a channel hung up with this cause (or its words: "User busy")
    bridged_with = "Local/300@demo-*"                   # one of its channels was bridged with this one
    queue = "support"                                   # it joined this queue
    answered_by = "Agent300"                            # a queue member answered it (MemberName or interface)
    within = 10                                         # it was over within this many seconds
    events = [{ event = "UserEvent", header = "UserEvent", matches = "DemoEvent" }]  # the lessons' checks
    no_events = [{ event = "QueueCallerAbandon" }]      # no such event in the call

Steps are ``context,extension,priority``; texts are globs (``*``, ``?``, ``[...]``),
compared in any case. Only the call placed counts: the events of its Linkedid (see
:mod:`.record`), never other traffic on the PBX.

A file is untrusted: it is read within bounds (at most :data:`MAX_FILE_SIZE` bytes, then
the lessons' :func:`~ami_console.lessons.source.scan` before the TOML reader), and a file
that cannot be used gives a :class:`ScenarioError` (``file:line: problem``) while the
others still load.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ami_console.files.regular import FileTooLarge, read_regular, size_text
from ami_console.lessons.checks import Check, CheckProblem, parse_check
from ami_console.lessons.source import LessonProblem, scan

__all__ = [
    "EXPECT_KEYS",
    "MAX_FILES",
    "MAX_FILE_SIZE",
    "Expectation",
    "Placement",
    "Scenario",
    "ScenarioError",
    "ScenarioSet",
    "load_scenarios",
    "parse_scenario",
]

MAX_FILE_SIZE = 64 * 1024
MAX_FILES = 500  # scenario files read from all the paths given; the rest are reported
MAX_LISTED = 10_000  # entries of a folder looked at
MAX_ITEMS = 200  # steps in a list, variables, event checks
DEFAULT_TIMEOUT = 30.0
MAX_TIMEOUT = 3600.0

_TOP_KEYS = ("name", "timeout", "call", "expect")
_CALL_KEYS = (
    "channel",
    "application",
    "data",
    "context",
    "exten",
    "priority",
    "caller_id",
    "variables",
    "ring_timeout",
)
# Each check, in the order a report lists them.
EXPECT_KEYS = (
    "steps",
    "reaches",
    "never",
    "variables",
    "dial_status",
    "cause",
    "bridged_with",
    "queue",
    "answered_by",
    "within",
    "events",
    "no_events",
)
_STEP = re.compile(r"^[^,\s]+,[^,\s]+,[^,\s]+$")


@dataclass(frozen=True)
class Placement:
    """How the scenario's call is placed: an Originate."""

    channel: str
    application: str = ""
    data: str = ""
    context: str = ""
    exten: str = ""
    priority: str = "1"
    caller_id: str = ""
    variables: tuple[tuple[str, str], ...] = ()
    ring_timeout: float = 30.0

    def originate(self, channel_id: str) -> list[tuple[str, str]]:
        """The Originate action's fields; ``channel_id`` becomes the call's Uniqueid and
        Linkedid (Asterisk's ChannelId), so the call is known before its first event."""
        fields = [("Action", "Originate"), ("Channel", self.channel)]
        if self.application:
            fields += [("Application", self.application), ("Data", self.data)]
        else:
            fields += [("Context", self.context), ("Exten", self.exten), ("Priority", self.priority)]
        if self.caller_id:
            fields.append(("CallerID", self.caller_id))
        fields += [("Variable", f"{name}={value}") for name, value in self.variables]
        fields += [
            ("Timeout", str(int(self.ring_timeout * 1000))),
            ("ChannelId", channel_id),
            ("Async", "true"),
        ]
        return fields

    def words(self) -> str:
        """``Local/700@demo to Wait(5)``, ``PJSIP/alice to demo,700,1``."""
        if self.application:
            return f"{self.channel} to {self.application}({self.data})"
        return f"{self.channel} to {self.context},{self.exten},{self.priority}"


@dataclass(frozen=True)
class Expectation:
    """One check of a scenario: ``kind`` is its key in ``[expect]``.

    ``items``: the steps (steps, reaches, never); ``name``/``text``: a variable and its
    value (variables), or the text of dial_status, cause, bridged_with, queue,
    answered_by; ``seconds``: within; ``check``: events and no_events.
    """

    kind: str
    line: int = 0
    items: tuple[str, ...] = ()
    name: str = ""
    text: str = ""
    seconds: float = 0.0
    check: Check | None = None

    def describe(self) -> str:
        """What it expects, in a few words: ``reaches demo,700,1 then demo,700,2``."""
        if self.kind == "steps":
            return "reaches " + " then ".join(self.items)
        if self.kind == "reaches":
            return "reaches " + " and ".join(self.items)
        if self.kind == "never":
            return "never reaches " + " nor ".join(self.items)
        if self.kind == "variables":
            return f"sets {self.name}={self.text}"
        if self.kind == "within":
            return f"is over within {self.seconds:g} s"
        if self.check is not None:
            said = self.check.describe()
            return said if self.kind == "events" else "no such event: " + said[0].lower() + said[1:]
        words = {
            "dial_status": "dial status",
            "cause": "hangup cause",
            "bridged_with": "bridged with",
            "queue": "joins queue",
            "answered_by": "answered by",
        }
        return f"{words[self.kind]} {self.text}"


@dataclass(frozen=True)
class Scenario:
    name: str
    placement: Placement
    expectations: tuple[Expectation, ...]
    timeout: float = DEFAULT_TIMEOUT
    path: Path | None = None

    @property
    def label(self) -> str:
        """What a report calls it: its file's name, and its own name if it has one."""
        return self.path.name if self.path is not None else self.name


@dataclass(frozen=True)
class ScenarioError:
    """A scenario file (or a path given) that could not be used; ``line`` 0: as a whole."""

    path: Path
    line: int
    problem: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.problem}" if self.line else f"{self.path}: {self.problem}"


@dataclass
class ScenarioSet:
    scenarios: list[Scenario] = field(default_factory=list)
    errors: list[ScenarioError] = field(default_factory=list)


class _Problem(Exception):
    def __init__(self, line: int, problem: str) -> None:
        super().__init__(problem)
        self.line, self.problem = line, problem


# -- loading -----------------------------------------------------------------------------------
def load_scenarios(paths: Iterable[Path]) -> ScenarioSet:
    """The scenarios of ``paths`` (files, or folders whose ``*.toml`` are read, by name), and
    the problems of those that cannot be used. Bounded (see the module); never raises for
    what a file holds."""
    found = ScenarioSet()
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            try:
                names, more = _toml_names(path)
            except OSError as exc:
                found.errors.append(ScenarioError(path, 0, f"cannot be listed: {exc.strerror or exc}"))
                continue
            if more:
                found.errors.append(ScenarioError(path, 0, f"only the first {MAX_LISTED:,} entries were looked at"))
            if not names:
                found.errors.append(ScenarioError(path, 0, "no scenario files (*.toml) in this folder"))
            files += [path / name for name in names]
        elif path.exists():
            files.append(path)
        else:
            found.errors.append(ScenarioError(path, 0, "no such file or folder"))
    if len(files) > MAX_FILES:
        found.errors.append(ScenarioError(files[MAX_FILES], 0, f"not read: at most {MAX_FILES:,} scenarios a run"))
    for path in files[:MAX_FILES]:
        try:
            source = read_regular(path, MAX_FILE_SIZE).decode("utf-8")
            found.scenarios.append(parse_scenario(source, path))
        except _Problem as bad:
            found.errors.append(ScenarioError(path, bad.line, bad.problem))
        except FileTooLarge:
            found.errors.append(ScenarioError(path, 0, f"larger than {size_text(MAX_FILE_SIZE)}: not a scenario"))
        except UnicodeDecodeError:
            found.errors.append(ScenarioError(path, 0, "not UTF-8 text"))
        except OSError as exc:
            found.errors.append(ScenarioError(path, 0, f"cannot be read: {exc.strerror or exc}"))
    return found


def _toml_names(folder: Path) -> tuple[list[str], bool]:
    names: list[str] = []
    with os.scandir(folder) as entries:
        for seen, entry in enumerate(entries):
            if seen == MAX_LISTED:
                return sorted(names), True
            if entry.name.endswith(".toml"):
                names.append(entry.name)
    return sorted(names), False


def parse_scenario(source: str, path: Path | None = None) -> Scenario:
    """The scenario in ``source``; raises an exception whose ``line`` and ``problem`` say
    what is wrong (:func:`load_scenarios` turns it into a :class:`ScenarioError`)."""
    try:
        scan(source)  # the lessons' bounds on lines, nesting and keys, before the TOML reader
    except LessonProblem as bad:
        raise _Problem(bad.line, bad.problem) from None
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        at = re.search(r"\s*\(at line (\d+), column (\d+)\)$", str(exc))
        line = int(at.group(1)) if at else 0
        raise _Problem(line, f"not valid TOML: {str(exc)[: at.start()] if at else exc}") from None
    except Exception as exc:  # whatever the reader raises is this file's problem
        raise _Problem(0, f"cannot be read: the TOML reader failed ({type(exc).__name__})") from None
    lines = _Lines(source)
    for key in data:
        if key not in _TOP_KEYS:
            raise _Problem(lines.section(key), f"unknown key {key!r}: a scenario has {', '.join(_TOP_KEYS)}")
    name = data.get("name", path.stem if path is not None else "scenario")
    if not isinstance(name, str) or not name.strip():
        raise _Problem(lines.find("name"), "'name' must be text in quotes")
    timeout = _seconds(data.get("timeout", DEFAULT_TIMEOUT), "timeout", lines.find("timeout"))
    call = data.get("call")
    if not isinstance(call, dict):
        raise _Problem(lines.find("call", table=True) or 1, "a scenario needs a [call] table: how to place the call")
    placement = _placement(call, lines)
    expect = data.get("expect", {})
    if not isinstance(expect, dict):
        raise _Problem(lines.find("expect"), "'expect' must be a table: [expect]")
    expectations = _expectations(expect, lines)
    if not expectations:
        raise _Problem(lines.find("expect", table=True) or 1, "the scenario expects nothing: add checks under [expect]")
    return Scenario(name.strip(), placement, expectations, timeout, path)


def _placement(call: dict[str, Any], lines: _Lines) -> Placement:
    at = lines.section("call")
    for key in call:
        if key not in _CALL_KEYS:
            raise _Problem(lines.find(key, at), f"unknown key {key!r} in [call]: one of {', '.join(_CALL_KEYS)}")
    text = {key: _text(call, key, lines.find(key, at)) for key in _CALL_KEYS if key in call and key != "variables"}
    for key in ("priority", "ring_timeout"):
        if isinstance(call.get(key), int | float) and not isinstance(call.get(key), bool):
            text[key] = str(call[key])
    if "channel" not in text:
        raise _Problem(at or 1, "[call] needs 'channel': the channel Originate calls, e.g. \"Local/700@demo\"")
    if ("application" in text) == ("exten" in text):
        raise _Problem(
            at or 1, "[call] needs either 'application' (and 'data') or 'context' and 'exten': where the call goes"
        )
    if "exten" in text and "context" not in text:
        raise _Problem(lines.find("exten", at), "'exten' needs 'context'")
    ring = _seconds(call.get("ring_timeout", 30.0), "ring_timeout", lines.find("ring_timeout", at))
    variables = _pairs(call.get("variables", {}), "variables", lines.find("variables", at))
    return Placement(
        text["channel"],
        text.get("application", ""),
        text.get("data", ""),
        text.get("context", ""),
        text.get("exten", ""),
        text.get("priority", "1"),
        text.get("caller_id", ""),
        variables,
        ring,
    )


def _expectations(expect: dict[str, Any], lines: _Lines) -> tuple[Expectation, ...]:
    at = lines.section("expect")
    for key in expect:
        if key not in EXPECT_KEYS:
            raise _Problem(lines.find(key, at), f"unknown check {key!r} in [expect]: one of {', '.join(EXPECT_KEYS)}")
    found: list[Expectation] = []
    for kind in EXPECT_KEYS:  # the report's order, whatever the file's
        if kind not in expect:
            continue
        value, line = expect[kind], lines.find(kind, at)
        if kind in ("steps", "reaches", "never"):
            found.append(Expectation(kind, line, items=_steps(value, kind, line)))
        elif kind == "variables":
            pairs = _pairs(value, kind, line)
            if not pairs:
                raise _Problem(line, "'variables' names no variable")
            found += [Expectation(kind, line, name=name, text=text) for name, text in pairs]
        elif kind == "within":
            found.append(Expectation(kind, line, seconds=_seconds(value, kind, line)))
        elif kind in ("events", "no_events"):
            found += [Expectation(kind, line, check=check) for check in _event_checks(value, kind, line)]
        else:
            found.append(Expectation(kind, line, text=_text(expect, kind, line)))
    return tuple(found)


def _steps(value: Any, key: str, line: int) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or len(value) > MAX_ITEMS:
        raise _Problem(line, f'{key!r} must be a list of steps such as ["demo,700,1"] (1 to {MAX_ITEMS})')
    for item in value:
        if not isinstance(item, str) or not _STEP.match(item.strip()):
            raise _Problem(line, f'{key!r}: {item!r} is not a step: write context,extension,priority ("demo,700,1")')
    return tuple(item.strip() for item in value)


def _event_checks(value: Any, key: str, line: int) -> list[Check]:
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not value or len(value) > MAX_ITEMS:
        raise _Problem(line, f'{key!r} must be a list of checks such as [{{ event = "UserEvent" }}]')
    checks = []
    for table in value:
        try:
            check = parse_check(table)
        except CheckProblem as problem:
            raise _Problem(line, f"{key!r}: {problem.problem}") from None
        if check.kind != "event":
            raise _Problem(line, f"{key!r}: only event checks ({{ event = ..., header = ..., matches = ... }}) apply")
        checks.append(check)
    return checks


def _text(table: dict[str, Any], key: str, line: int) -> str:
    value = table[key]
    if isinstance(value, int | float) and not isinstance(value, bool) and key in ("cause", "priority", "data"):
        return str(value)
    if not isinstance(value, str) or not value.strip():
        raise _Problem(line, f"{key!r} must be text in quotes")
    if "\n" in value or "\r" in value:
        raise _Problem(line, f"{key!r} must be one line")
    return value.strip()


def _seconds(value: Any, key: str, line: int) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= MAX_TIMEOUT:
        raise _Problem(line, f"{key!r} must be a number of seconds, more than 0 and at most {MAX_TIMEOUT:g}")
    return float(value)


def _pairs(value: Any, key: str, line: int) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict) or len(value) > MAX_ITEMS:
        raise _Problem(line, f'{key!r} must be a table such as {{ NAME = "value" }}')
    for name, text in value.items():
        if isinstance(text, int | float) and not isinstance(text, bool):
            text = str(text)
        if not isinstance(text, str) or "\n" in text or "\n" in name or "=" in name:
            raise _Problem(line, f"{key!r}: {name} must be set to one line of text in quotes")
    return tuple((name, str(text)) for name, text in value.items())


class _Lines:
    """The line of a key, for problems: tomllib gives none. A table's keys are looked for
    from its ``[table]`` line on (or on its inline line)."""

    def __init__(self, source: str) -> None:
        self.lines = source.splitlines()

    def section(self, name: str) -> int:
        return self.find(name, table=True) or self.find(name)

    def find(self, key: str, start: int = 0, *, table: bool = False) -> int:
        if table:
            pattern = re.compile(rf"^\s*\[\s*{re.escape(key)}\s*\]")
        else:
            pattern = re.compile(rf"(?:^|[{{,\s])[\"']?{re.escape(key)}[\"']?\s*=")
        begin = max(start - 1, 0)
        for number in range(begin, len(self.lines)):
            if number > begin and start and self.lines[number].lstrip().startswith("["):
                break  # the next table: the key is not in this one
            if pattern.search(self.lines[number]):
                return number + 1
        return start
