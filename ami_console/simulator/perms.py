"""AMI permission classes: the bit masks, and the string forms Asterisk reads and writes.

Asterisk keeps one table of class names (``system``, ``call``, ...) used three ways: a
user's ``read``/``write`` lines in manager.conf, the ``Events``/``EventMask`` a client
asks for, and the ``Privilege:`` line of every event. The parsing quirks below (a class
list matched by prefix, ``on``/``off`` words, bare numbers) are Asterisk's own.
"""

from __future__ import annotations

from dataclasses import dataclass

SYSTEM = 1 << 0
CALL = 1 << 1
LOG = 1 << 2
VERBOSE = 1 << 3
COMMAND = 1 << 4
AGENT = 1 << 5
USER = 1 << 6
CONFIG = 1 << 7
DTMF = 1 << 8
REPORTING = 1 << 9
CDR = 1 << 10
DIALPLAN = 1 << 11
ORIGINATE = 1 << 12
AGI = 1 << 13
CC = 1 << 14
AOC = 1 << 15
TEST = 1 << 16
SECURITY = 1 << 17
MESSAGE = 1 << 18
ALL = 0x7FFFFFFF  # INT_MAX: "all" has every bit, so every Privilege line ends in ",all"

# Order matters: it is the order of the names in a Privilege line.
CLASSES: list[tuple[str, int]] = [
    ("system", SYSTEM),
    ("call", CALL),
    ("log", LOG),
    ("verbose", VERBOSE),
    ("command", COMMAND),
    ("agent", AGENT),
    ("user", USER),
    ("config", CONFIG),
    ("dtmf", DTMF),
    ("reporting", REPORTING),
    ("cdr", CDR),
    ("dialplan", DIALPLAN),
    ("originate", ORIGINATE),
    ("agi", AGI),
    ("cc", CC),
    ("aoc", AOC),
    ("test", TEST),
    ("security", SECURITY),
    ("message", MESSAGE),
    ("all", ALL),
]
_WITH_NONE = CLASSES + [("none", 0)]

_TRUE_WORDS = {"yes", "true", "y", "t", "1", "on"}
_FALSE_WORDS = {"no", "false", "n", "f", "0", "off"}


def authority_to_str(mask: int) -> str:
    """``"call,all"`` for CALL; ``"<none>"`` for 0 (the form of ListCommands and events)."""
    names = [name for name, bit in CLASSES if mask & bit]
    return ",".join(names) if names else "<none>"


def _in_list(text: str, name: str) -> bool:
    """Asterisk's ``ast_instring``: every item but the last is compared as a prefix of
    ``name`` (so ``sys,`` matches ``system``), the last one exactly."""
    items = text.split(",")
    for item in items[:-1]:
        if name.startswith(item):
            return True
    return items[-1] == name


def parse_classes(text: str) -> int:
    """The mask of a class list such as ``system,call`` (manager.conf read/write lines)."""
    mask = 0
    for name, bit in _WITH_NONE:
        if _in_list(text, name):
            mask |= bit
    return mask


def event_mask(text: str) -> int:
    """What ``Events:``/``EventMask:`` asks for: -1 for an empty value (keep the current
    mask), a bare number as is, on/off words, or a class list (``bogus`` gives 0)."""
    if not text:
        return -1
    if text.isdigit() and text.isascii():
        return int(text)
    word = text.lower()
    if word in _FALSE_WORDS:
        return 0
    if word in _TRUE_WORDS:
        return ALL
    return parse_classes(text)


@dataclass
class User:
    """A manager.conf user: name, secret, and the classes it may read and write."""

    username: str
    secret: str
    read: str = "all"
    write: str = "all"

    @property
    def read_mask(self) -> int:
        return parse_classes(self.read)

    @property
    def write_mask(self) -> int:
        return parse_classes(self.write)


def default_users(username: str = "admin", secret: str = "adminpass") -> list[User]:
    """The captures' two users: an administrator with every class, and ``monitor``, who
    reads everything but may not originate calls or run CLI commands."""
    return [
        User(username, secret, "all", "all"),
        User("monitor", "monpass", "all", "system,call,reporting"),
    ]
