"""What a lesson step waits for, and what the console tells it happened.

The console reports each thing the learner does or sees as an :class:`Observation`
(an action sent, its answer, an event, the event log's filter, a view opened). A step's
:class:`Check` says whether one observation is the one it waits for. Checks read only
what really crossed the wire (or the filter really in force): a Ping answered with
Error does not pass "send a Ping and get Success".

Names and values are globs (``*``, ``?``, ``[...]``) compared in any case, as Asterisk
compares header names: ``sent = "Ping"`` passes for ``Action: ping`` too.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from ami_console.events.filter import EventFilter
from ami_console.protocol import Message

__all__ = ["CHECK_KEYS", "KINDS", "VIEWS", "Check", "CheckProblem", "Observation", "parse_check"]

# The views a lesson may ask the learner to open, by the names the console reports.
VIEWS = (
    "transcript",
    "trace",
    "fields",
    "list",
    "raw",
    "calls",
    "ladder",
    "dialplan",
    "follow",
    "server_filters",
    "help",
    "history",
    "saved",
)

# Each kind of check, with the keys that may go with it in the same table.
KINDS: dict[str, tuple[str, ...]] = {
    "sent": ("response", "response_header", "equals", "user"),
    "event": ("header", "matches"),
    "filter_keeps": ("drops",),
    "view": (),
    "list_item": (),
    "list_complete": (),
}
RESPONSES_SHOWN = ("Success", "Error", "Goodbye", "Follows")  # what Asterisk's Response header says
RESPONSES = {r.lower() for r in RESPONSES_SHOWN}
CHECK_KEYS = frozenset(KINDS) | {key for extra in KINDS.values() for key in extra}


@dataclass(frozen=True)
class Observation:
    """Something that happened in the console, as the lesson checks see it."""

    kind: str  # "sent" | "answered" | "event" | "filter" | "view"
    action: str = ""  # sent/answered: the action name (Action header value)
    fields: tuple[tuple[str, str], ...] = ()  # sent: the pairs as sent (ActionID included)
    message: Message | None = None  # answered: the response (or the list's response); event: the event
    items: tuple[Message, ...] = ()  # answered: the event-list items, if a list
    text: str = ""  # filter: the filter text as typed; view: the view's name
    filter: EventFilter | None = None  # filter: the parsed filter now in force
    user: str = ""  # sent/answered: the AMI username of the connection


def _like(value: str | None, pattern: str) -> bool:
    """A glob, any case; None (no such header) never matches, even ``*``."""
    return value is not None and fnmatchcase(value.lower(), pattern.lower())


@dataclass(frozen=True)
class Check:
    """One step's test, read from its ``check`` table (see :func:`parse_check`).

    ``kind`` is the table's main key; ``name`` its value (an action, event or item name,
    or a view). ``header``/``value``: the response's header and its glob (``sent``), or the
    event's (``event``). ``keeps``/``drops``: the events the log's filter must keep and drop.
    """

    kind: str
    name: str = ""
    response: str = ""
    header: str = ""
    value: str | None = None  # None: the header need only be there
    user: str = ""
    keeps: tuple[tuple[str, str], ...] = ()
    drops: tuple[tuple[str, str], ...] = ()

    def passes(self, obs: Observation) -> bool:
        """Whether this observation is what the step waits for."""
        if self.kind == "sent":
            return self._sent(obs)
        if self.kind == "event":
            return obs.kind == "event" and obs.message is not None and self._event(obs.message)
        if self.kind == "view":
            return obs.kind == "view" and obs.text == self.name
        if self.kind == "filter_keeps":
            return obs.kind == "filter" and self._filter(obs)
        if obs.kind != "answered" or obs.message is None:
            return False
        if self.kind == "list_item":
            return any(_like(item.name, self.name) for item in obs.items)
        if self.kind == "list_complete":
            last = obs.items[-1] if obs.items else None
            return (
                _like(obs.action, self.name)
                and _like(obs.message.header("Response"), "success")
                and last is not None
                and _like(last.header("EventList"), "complete")
            )
        return False

    def _sent(self, obs: Observation) -> bool:
        if not _like(obs.action, self.name) or (self.user and not _like(obs.user, self.user)):
            return False
        if not (self.response or self.header):
            return obs.kind == "sent"
        response = obs.message
        if obs.kind != "answered" or response is None:
            return False
        if self.response and not _like(response.header("Response"), self.response):
            return False
        return not self.header or self._carries(response)

    def _event(self, event: Message) -> bool:
        return _like(event.header("Event"), self.name) and (not self.header or self._carries(event))

    def _carries(self, message: Message) -> bool:
        """The header is there (with a value like ``value``, if given), any one of its repeats."""
        values = message.headers(self.header)
        return bool(values) if self.value is None else any(_like(v, self.value) for v in values)

    def _filter(self, obs: Observation) -> bool:
        found = obs.filter if obs.filter is not None else EventFilter.parse(obs.text)
        if found.empty:  # keeps everything: nothing was filtered yet
            return False
        if not found.matches(Message(list(self.keeps))):
            return False
        return not self.drops or not found.matches(Message(list(self.drops)))

    def describe(self) -> str:
        """In plain words, what the step waits for: ``Send Ping and get Success``."""
        if self.kind == "sent":
            text = f"Send {'any action' if self.name == '*' else self.name}" + (f" as {self.user}" if self.user else "")
            if self.response:
                text += f" and get {self.response}"
            if self.header:
                text += f"; the answer has {self.header}" + (f" like {self.value}" if self.value is not None else "")
            return text
        if self.kind == "event":
            text = f"A {self.name} event arrives"
            if self.header:
                text += f" with {self.header}" + (f" like {self.value}" if self.value is not None else "")
            return text
        if self.kind == "view":
            return _VIEW_WORDS.get(self.name, f"Open the {self.name} view")
        if self.kind == "filter_keeps":
            text = "The event log's filter keeps " + _pairs(self.keeps)
            return text + (" but not " + _pairs(self.drops) if self.drops else "")
        if self.kind == "list_item":
            return f"An answer's event list holds a {self.name} item"
        return f"The {self.name} event list arrives complete"


_VIEW_WORDS = {
    "follow": "Follow a call in the event log",
    "server_filters": "Open the server filters",
    "help": "Open the help",
}


def _pairs(pairs: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f"{key}={value}" for key, value in pairs)


class CheckProblem(Exception):
    """A check table that cannot be used; ``key`` is the key at fault (its line is reported)."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(problem)
        self.key = key
        self.problem = problem


def parse_check(table: Any) -> Check:
    """A step's ``check`` table as a :class:`Check`; :class:`CheckProblem` says what is wrong."""
    if not isinstance(table, dict):
        raise CheckProblem("check", f'check must be a table such as {{ sent = "Ping" }}, not {_kind_of(table)}')
    for key in table:
        if key not in CHECK_KEYS:
            raise CheckProblem(key, f"unknown check key {key!r}: a check is one of {', '.join(KINDS)}")
    kinds = [key for key in table if key in KINDS]
    if not kinds:
        raise CheckProblem("check", f"the check names nothing to wait for: use one of {', '.join(KINDS)}")
    if len(kinds) > 1:
        raise CheckProblem(kinds[1], f"two checks in one step ({kinds[0]} and {kinds[1]}): a step has exactly one")
    kind = kinds[0]
    for key in table:
        if key != kind and key not in KINDS[kind]:
            owner = next(k for k, extra in KINDS.items() if key in extra)
            raise CheckProblem(key, f"{key!r} goes with {owner!r}, not with {kind!r}")
    if kind == "filter_keeps":
        return Check(kind, keeps=_event_table(table, kind), drops=_event_table(table, "drops"))
    text = {key: _text(table, key) for key in table}
    name = text[kind]
    if text.get("response", "Success").lower() not in RESPONSES:
        raise CheckProblem("response", f"response must be one of {', '.join(RESPONSES_SHOWN)}")
    if kind == "view" and name not in VIEWS:
        raise CheckProblem(kind, f"unknown view {name!r}: one of {', '.join(VIEWS)}")
    header_key, value_key = ("response_header", "equals") if kind == "sent" else ("header", "matches")
    if value_key in text and header_key not in text:
        raise CheckProblem(value_key, f"{value_key!r} needs {header_key!r}: the header whose value it is")
    return Check(
        kind,
        name,
        response=text.get("response", ""),
        header=text.get(header_key, ""),
        value=text.get(value_key),
        user=text.get("user", ""),
    )


def _text(table: dict[str, Any], key: str) -> str:
    value = table[key]
    if not isinstance(value, str) or not value.strip():
        raise CheckProblem(key, f"{key!r} must be text in quotes, not {_kind_of(value)}")
    return value.strip()


def _event_table(table: dict[str, Any], key: str) -> tuple[tuple[str, str], ...]:
    value = table.get(key)
    if value is None:
        return ()
    if not isinstance(value, dict) or not value or not all(isinstance(v, str) for v in value.values()):
        raise CheckProblem(key, f'{key!r} must be a table of headers, e.g. {{ Event = "Newexten" }}')
    # Event first, as Asterisk sends it (the filter reads an event's name from it).
    return tuple(sorted(value.items(), key=lambda pair: pair[0].lower() != "event"))


def _kind_of(value: Any) -> str:
    if isinstance(value, str):
        return "empty text" if not value.strip() else "text"
    names = {bool: "true/false", int: "a number", float: "a number", list: "a list", dict: "a table"}
    return next((name for cls, name in names.items() if isinstance(value, cls)), type(value).__name__)
