"""Asterisk's extension patterns: which extension a dialled number runs.

One pure function, :func:`extension_matches`, for the console (which lights up the
``_1XX`` lines a channel dialling 123 runs) and the demo PBX (which runs them). It follows
``_extension_match_core`` in Asterisk's ``main/pbx.c`` (mode ``E_MATCH``, as
``ast_extension_match`` calls it) and the wiki's "Pattern Matching" page:

- A name without a leading ``_`` is plain: it matches that exact text (case counts).
- ``_`` starts a pattern. ``X`` is any digit 0-9, ``Z`` 1-9, ``N`` 2-9 (either case);
  ``[15-7a]`` is one character of a set, with ranges; ``.`` at the end is one or more
  characters more, ``!`` zero or more; any other character is itself (case counts).
- ``-`` is decoration, skipped on both sides (``_555-XXXX`` matches ``5551234`` and
  ``555-1234``), except inside a set, where it makes a range.
- ``name/cid``: the part after the first ``/`` matches the caller's number, as
  ``exten => _1XX/100,1,...`` does (:func:`split_caller_id`); an empty one only a caller
  without a number. Without a caller ID to check, the extension part alone decides.
- A set without its ``]`` matches nothing (Asterisk warns "Wrong usage of [] in the
  extension"), an empty set ``[]`` is skipped; no pattern raises.
- A pattern matches itself, and any pattern Asterisk holds to be the same
  (``_1xx`` and ``_1-XX`` are ``_1XX``), so a pattern's own name finds it.

Linear in the length of the pattern and the number: each character is looked at once.
"""

from __future__ import annotations

__all__ = ["extension_matches", "is_pattern", "split_caller_id"]

_DIGITS = {"X": "0123456789", "Z": "123456789", "N": "23456789"}
_ONE_OR_MORE, _ZERO_OR_MORE, _BROKEN_SET = "\x00.", "\x00!", "\x00["  # tokens no text can be


def is_pattern(name: str) -> bool:
    return name.startswith("_")


def split_caller_id(name: str) -> tuple[str, str | None]:
    """``("_1XX", "100")`` for ``_1XX/100``; ``(name, None)`` when it names no caller."""
    exten, slash, caller = name.partition("/")
    return (exten, caller) if slash else (name, None)


def extension_matches(name: str, exten: str, caller_id: str | None = None) -> bool:
    """Whether a channel dialling ``exten`` (from ``caller_id``, if known) runs extension ``name``."""
    name, caller_pattern = split_caller_id(name)
    if not _matches(name, exten):
        return False
    if caller_pattern is None or caller_id is None:
        return True
    if not caller_id:  # Asterisk's matchcid: no number matches only an empty caller pattern
        return not caller_pattern
    return _matches(caller_pattern, caller_id)


def _matches(pattern: str, data: str) -> bool:
    if not is_pattern(pattern):
        return pattern.replace("-", "") == data.replace("-", "")
    if is_pattern(data) and _canonical(pattern[1:]) == _canonical(data[1:]):
        return True
    p, d = 1, 0
    size, length = len(pattern), len(data)
    while True:
        while d < length and data[d] == "-":
            d += 1
        while p < size and pattern[p] == "-":
            p += 1
        if d >= length or p >= size or pattern[p] == "/":  # "/" (a caller ID's) ends it too
            break
        token = pattern[p]
        char = data[d]
        if token == "[":
            end = pattern.find("]", p + 1)
            if end < 0:
                return False
            if end == p + 1:  # "[]" is skipped without using up a character
                p = end + 1
                continue
            if not _in_set(pattern, p + 1, end, char):
                return False
            p = end
        elif token in ".!":
            return True
        elif token.upper() in _DIGITS:
            if char not in _DIGITS[token.upper()]:
                return False
        elif token != char:
            return False
        p += 1
        d += 1
    if d < length:
        return False  # the number is longer than the pattern
    # The number is used up: a match if the pattern is too, or only "!" (zero or more) is next.
    return p >= size or pattern[p] in "/!"


def _in_set(pattern: str, start: int, end: int, char: str) -> bool:
    """Whether ``char`` is in the set ``pattern[start:end]`` (the text between ``[`` and ``]``)."""
    index = start
    while index < end:
        if index + 2 < end and pattern[index + 1] == "-":
            if pattern[index] <= char <= pattern[index + 2]:
                return True
            index += 3
        else:
            if pattern[index] == char:
                return True
            index += 1
    return False


def _canonical(body: str) -> list[str | frozenset[str]]:
    """A pattern (without its ``_``) as Asterisk compares two patterns (``ext_cmp_pattern``):
    each position as the set of characters it takes, ``-`` and empty sets left out."""
    tokens: list[str | frozenset[str]] = []
    index, size = 0, len(body)
    while index < size:
        char = body[index]
        index += 1
        if char == "-":
            continue
        if char.upper() in _DIGITS:
            tokens.append(frozenset(_DIGITS[char.upper()]))
        elif char == ".":
            tokens.append(_ONE_OR_MORE)
        elif char == "!":
            tokens.append(_ZERO_OR_MORE)
        elif char != "[":
            tokens.append(frozenset(char))
        elif (end := body.find("]", index)) < 0:
            tokens.append(_BROKEN_SET)  # and the rest is read as plain characters, as Asterisk does
        else:
            members = _set_members(body, index, end)
            if members:
                tokens.append(members)
            index = end + 1
    return tokens


def _set_members(body: str, start: int, end: int) -> frozenset[str]:
    members: set[str] = set()
    index = start
    while index < end:
        first = last = body[index]
        if index + 2 < end and body[index + 1] == "-":
            last = body[index + 2]
            index += 2
        index += 1
        # A range is walked character by character (as Asterisk fills its bitmap): bound it,
        # so that "[\x00-\U0010ffff]" costs no more than a byte-wide one.
        members.update(chr(code) for code in range(ord(first), min(ord(last), ord(first) + 255) + 1))
    return frozenset(members)
