"""Event filters, as the Filter action adds them (Asterisk 22 semantics).

A legacy filter is a regular expression run over the whole event text (``Event:
Newchannel`` matches Newchannel events); a leading ``!`` makes it an exclude filter. An
advanced filter has ``MatchCriteria`` such as ``action(exclude),name(VarSet),
header(Channel),method(starts_with)``. With include filters only, an event must match one;
with exclude filters only, it must match none; with both, it must match an include and
then no exclude.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

METHODS = ("regex", "exact", "starts_with", "ends_with", "contains", "none")

COMPILE_FAILED = "Filter did not compile.  Check the syntax of the filter given."
BAD_FORMAT = "Filter was formatted incorrectly.  Check the syntax of the filter given."


class FilterError(ValueError):
    pass


@dataclass
class EventFilter:
    pattern: str
    method: str = "regex"
    event_name: str | None = None
    header: str | None = None  # "Channel:" (with its colon)
    exclude: bool = False
    regex: re.Pattern[str] | None = None

    def matches(self, name: str, text: str) -> bool:
        if self.event_name is not None and self.event_name != name:
            return False
        if self.header is None:
            return self._match(text)
        for line in text.split("\r\n"):
            if line.startswith(self.header):
                value = line[len(self.header) :].lstrip(" \t")
                if value and self._match(value):
                    return True
        return False

    def _match(self, value: str) -> bool:
        if self.method == "regex":
            return self.regex is not None and self.regex.search(value) is not None
        if self.method == "exact":
            return value == self.pattern
        if self.method == "starts_with":
            return value.startswith(self.pattern)
        if self.method == "ends_with":
            return value.endswith(self.pattern)
        if self.method == "contains":
            return self.pattern in value
        return True  # "none": the name or header test alone decides


def parse_filter(criteria: str, pattern: str) -> EventFilter:
    """Build a filter from ``MatchCriteria`` (may be empty) and ``Filter``; raises
    :class:`FilterError` with Asterisk's message."""
    entry = EventFilter(pattern)
    if pattern.startswith("!"):
        entry.exclude = True
        pattern = entry.pattern = pattern[1:]
    if criteria:
        _apply_criteria(entry, criteria)
    elif not pattern:
        raise FilterError(BAD_FORMAT)
    if pattern and entry.method == "regex":
        try:
            entry.regex = re.compile(pattern)
        except re.error:
            raise FilterError(COMPILE_FAILED) from None
    return entry


def _apply_criteria(entry: EventFilter, criteria: str) -> None:
    entry.method = "none"
    found = False
    for option in filter(None, re.split(r"[ ,)]+", criteria.strip())):
        key, paren, value = option.partition("(")
        value = value.strip()
        if not paren or not value or key not in ("action", "name", "header", "method"):
            raise FilterError(BAD_FORMAT)
        found = True
        if key == "action":
            if value not in ("include", "exclude"):
                raise FilterError(BAD_FORMAT)
            entry.exclude = value == "exclude"
        elif key == "name":
            entry.event_name = value
        elif key == "header":
            entry.header = value if value.endswith(":") else value + ":"
        else:
            if value not in METHODS:
                raise FilterError(BAD_FORMAT)
            entry.method = value
    if not found:
        raise FilterError(BAD_FORMAT)
    if bool(entry.pattern) == (entry.method == "none"):
        raise FilterError(BAD_FORMAT)  # a pattern needs a method, "none" takes no pattern
    if entry.method == "none" and entry.event_name is None and entry.header is None:
        raise FilterError(BAD_FORMAT)


def passes(includes: list[EventFilter], excludes: list[EventFilter], name: str, text: str) -> bool:
    if includes and not any(f.matches(name, text) for f in includes):
        return False
    return not any(f.matches(name, text) for f in excludes)
