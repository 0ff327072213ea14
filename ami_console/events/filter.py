"""The event log's filter language, typed as you go.

    NOANSWER alice     bare words: an event name (glob) or text in any header's value
    Newchannel,Hangup  a comma list: any one of these words
    "two words"        text only, spaces kept (a quote still being typed counts too)
    Event=Hangup,New*  event names only (globs); !VarSet,Newexten leaves names out
    Cause=17           a header's value (glob, any case); !Channel=Local/* leaves out
    Channel=PJSIP/bob  a channel header without a glob matches the channels that start
                       with it (Asterisk names them PJSIP/bob-00000001)

Terms combine with AND; a comma list's words are alternatives. Case never matters.
:meth:`EventFilter.explain` says in words how the text was read, so a word that matched
nothing is seen for what it was taken as.

It runs on every event of a storm (10,000 a second), so each term is compiled once,
and text is looked for in the raw bytes first: most events do not hold the word at all,
and those are turned down without decoding them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import translate
from typing import Protocol

from ami_console.protocol import Message

__all__ = ["EventFilter", "FollowedCall"]


class FollowedCall(Protocol):
    """The call being followed (``ami_console.calls.trace.CallFilter`` is one): it names
    the call and says, event by event, which belong to it."""

    key: str

    def matches(self, message: Message) -> bool: ...


_TOKEN = re.compile(r'"([^"]*)"?|(\S+)')  # a quoted phrase (closed or still being typed), or a word
_GLOB = re.compile(r"[*?\[]")
Matcher = Callable[[str], object]  # truthy when a value matches


def _matcher(pattern: str) -> Matcher:
    """A glob (any case) compiled once: exact names are the common case, kept cheapest."""
    if not _GLOB.search(pattern):
        lowered = pattern.lower()
        return lambda value: value.lower() == lowered
    return re.compile(translate(pattern), re.IGNORECASE).match


def _by_prefix(key: str, pattern: str) -> bool:
    """A channel without a glob: PJSIP/bob stands for PJSIP/bob-00000001, as Asterisk
    names the channels of endpoint bob (and Local/100@demo for its ;1 and ;2 halves)."""
    return key.lower().endswith("channel") and bool(pattern) and not _GLOB.search(pattern)


class Text:
    """Text looked for in the values of an event's headers (its name aside), any case."""

    __slots__ = ("typed", "_needle", "_raw")

    def __init__(self, typed: str) -> None:
        self.typed = typed
        self._needle = typed.lower()
        # ASCII text is looked for in the bytes as received, undecoded: a storm's events
        # are mostly turned down without being split into fields (ASCII letters fold the
        # same in bytes and text). Other text is looked for in the decoded values.
        self._raw = self._needle.encode() if self._needle.isascii() else b""

    def within(self, message: Message) -> bool:
        if self._raw and message.raw:
            return _in_values(message.raw.lower(), self._raw)
        fields = message.fields
        start = 1 if fields and fields[0][0].lower() == "event" else 0  # the name is not text
        needle = self._needle
        return any(needle in value.lower() for _, value in fields[start:])


def _in_values(raw: bytes, needle: bytes) -> bool:
    """Whether ``needle`` is in a header's value of the message ``raw`` (both in lower case),
    not in a key nor in the event's name: the rule of ``Message.fields``, on bytes."""
    found = raw.find(needle)
    while found >= 0:
        start = raw.rfind(b"\n", 0, found) + 1
        colon = raw.find(b":", start, found)  # none before it: the text is in the key
        if colon >= 0 and not (start == 0 and raw.startswith(b"event:")):
            value = colon + 1 + (raw[colon + 1 : colon + 2] == b" ")
            if found >= value:
                return True
        found = raw.find(needle, found + 1)
    return False


class Word:
    """A bare word: the event's name (a glob) or text in a header's value."""

    __slots__ = ("word", "_name", "_text")

    def __init__(self, word: str) -> None:
        self.word = word
        self._name = _matcher(word)
        self._text = Text(word)

    def matches(self, message: Message) -> bool:
        return bool(self._name(message.name)) or self._text.within(message)


@dataclass
class EventFilter:
    text: str = ""
    any_of: list[list[Word]] = field(default_factory=list)  # bare words; each list: alternatives
    phrases: list[Text] = field(default_factory=list)  # quoted: text only
    names: list[str] = field(default_factory=list)  # Event=...: any of these names
    excluded_names: list[str] = field(default_factory=list)
    headers: list[tuple[str, str, bool]] = field(default_factory=list)  # (name, glob, wanted)
    call: FollowedCall | None = None  # following one call

    def __post_init__(self) -> None:
        self._names = [_matcher(p) for p in self.names]
        self._excluded = [_matcher(p) for p in self.excluded_names]
        self._headers = [
            (key.lower(), _matcher(pattern + "*" if _by_prefix(key, pattern) else pattern), wanted)
            for key, pattern, wanted in self.headers
        ]
        # The spelling Asterisk gives each header typed (learned from the first event that
        # has it): then a look-up is one dict access, not a walk through every field.
        self._spelled: dict[str, str] = {}

    @classmethod
    def parse(cls, text: str) -> EventFilter:
        any_of: list[list[Word]] = []
        phrases: list[Text] = []
        names: list[str] = []
        excluded: list[str] = []
        headers: list[tuple[str, str, bool]] = []
        for match in _TOKEN.finditer(text):
            quoted, token = match.group(1), match.group(2)
            if quoted is not None:
                if quoted:
                    phrases.append(Text(quoted))
                continue
            negated = token.startswith("!")
            body = token[1:] if negated else token
            if not body:
                continue
            if "=" in body and not body.startswith("="):
                key, _, pattern = body.partition("=")
                if key.lower() == "event":
                    (excluded if negated else names).extend(p for p in pattern.split(",") if p)
                    continue
                headers.append((key, pattern, not negated))
            elif negated:
                excluded.extend(p for p in body.split(",") if p)
            elif words := [Word(w) for w in body.split(",") if w]:
                any_of.append(words)
        return cls(text, any_of, phrases, names, excluded, headers)

    @property
    def empty(self) -> bool:
        return not (self.any_of or self.phrases or self.names or self.excluded_names or self.headers or self.call)

    def matches(self, message: Message) -> bool:
        # Asked of every event of a storm: loops, not generators, and nothing to do for an
        # empty filter but find every list empty.
        if self.call is not None and not self.call.matches(message):
            return False
        if self._names or self._excluded:
            name = message.name
            if self._names and not any(match(name) for match in self._names):
                return False
            if any(match(name) for match in self._excluded):
                return False
        # Bare words before headers: a word most often turns an event down by its name and
        # bytes alone, a header needs the event's fields decoded.
        for words in self.any_of:
            for word in words:
                if word.matches(message):
                    break
            else:
                return False
        for key, match, wanted in self._headers:
            if any(match(v) for v in self._values(message, key)) != wanted:
                return False
        for phrase in self.phrases:
            if not phrase.within(message):
                return False
        return True

    def _values(self, message: Message, key: str) -> list[str]:
        """Every value of header ``key`` (lower case) in ``message``, any case as typed."""
        spelled = self._spelled.get(key)
        if spelled is not None:  # Asterisk spells a header the same way in every event
            value = message.get(spelled)
            return [] if value is None else value if isinstance(value, list) else [value]
        values = message.headers(key)
        if values:
            self._spelled[key] = next(k for k, _ in message.fields if k.lower() == key)
        return values

    def explain(self) -> str:
        """How the typed text was read, in words: ``name or text: NOANSWER · Cause is 17``."""
        parts = [f"name or text: {' or '.join(w.word for w in words)}" for words in self.any_of]
        parts += [f'text: "{phrase.typed}"' for phrase in self.phrases]
        if self.names:
            parts.append(f"name: {' or '.join(self.names)}")
        if self.excluded_names:
            parts.append(f"not named: {', '.join(self.excluded_names)}")
        for key, pattern, wanted in self.headers:
            if _by_prefix(key, pattern):
                how = "starts with" if wanted else "does not start with"
            elif _GLOB.search(pattern):
                how = "matches" if wanted else "does not match"
            else:
                how = "is" if wanted else "is not"
            parts.append(f"{key} {how} {pattern or '(empty)'}")
        return " · ".join(parts)
