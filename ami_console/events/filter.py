"""The event log's filter language, typed as you go.

    Newchannel,Hangup   event names (globs, comma lists), any of them
    !VarSet,Newexten    event names to leave out
    Channel=PJSIP/*     a header's value (glob, any case); !Channel=Local/* leaves out
    alice "two words"   free text, searched in every header; quotes keep spaces

Terms combine with AND, except event names, which are alternatives. A bare word is an
event name when it looks like one (it starts with a capital: ``Hangup``, ``New*``);
otherwise it is free text (``alice``, ``100``, ``PJSIP/bob``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Protocol

from ami_console.protocol import Message

__all__ = ["EventFilter", "FollowedCall"]


class FollowedCall(Protocol):
    """The call being followed (``ami_console.calls.trace.CallFilter`` is one): it names
    the call and says, event by event, which belong to it."""

    key: str

    def matches(self, message: Message) -> bool: ...


_EVENT_NAME = re.compile(r"^[A-Z*?][A-Za-z0-9_*?\-]*$")
_TOKEN = re.compile(r'"([^"]*)"?|(\S+)')  # a quoted phrase (closed or still being typed), or a word


def _glob(pattern: str, value: str) -> bool:
    return fnmatchcase(value.lower(), pattern.lower())


@dataclass
class EventFilter:
    text: str = ""
    names: list[str] = field(default_factory=list)
    excluded_names: list[str] = field(default_factory=list)
    headers: list[tuple[str, str, bool]] = field(default_factory=list)  # (name, glob, wanted)
    words: list[str] = field(default_factory=list)
    call: FollowedCall | None = None  # following one call

    @classmethod
    def parse(cls, text: str) -> EventFilter:
        result = cls(text=text)
        for match in _TOKEN.finditer(text):
            quoted, token = match.group(1), match.group(2)
            if quoted is not None:
                if quoted:
                    result.words.append(quoted.lower())
                continue
            negated = token.startswith("!")
            body = token[1:] if negated else token
            parts = [p for p in body.split(",") if p]
            if not body:
                continue
            if "=" in body and not body.startswith("="):
                name, _, pattern = body.partition("=")
                result.headers.append((name.lower(), pattern, not negated))
            elif negated:
                result.excluded_names.extend(parts)
            elif parts and all(_EVENT_NAME.match(part) for part in parts):
                result.names.extend(parts)
            else:
                result.words.append(body.lower())
        return result

    @property
    def empty(self) -> bool:
        return not (self.names or self.excluded_names or self.headers or self.words or self.call)

    def matches(self, message: Message) -> bool:
        if self.empty:
            return True
        if self.call is not None and not self.call.matches(message):
            return False
        name = message.name
        if self.names and not any(_glob(p, name) for p in self.names):
            return False
        if any(_glob(p, name) for p in self.excluded_names):
            return False
        for header, pattern, wanted in self.headers:
            values = [v for k, v in message.fields if k.lower() == header]
            if any(_glob(pattern, v) for v in values) != wanted:
                return False
        if self.words:
            haystack = "\n".join(f"{k}: {v}" for k, v in message.fields).lower()
            if not all(word in haystack for word in self.words):
                return False
        return True
