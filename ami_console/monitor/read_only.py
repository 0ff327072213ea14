"""Read-only mode: the one allow list of what ``--read-only`` lets through, and why
everything else is refused.

The console's promise about what it sends (the connection checks every action here before it
takes an ActionID): an allow list, so an action we do not know (a new one, a module's own)
counts as one that may change the PBX. For a guarantee, give the AMI user only ``read=``
classes in manager.conf.
"""

from __future__ import annotations

import re

from ami_console.protocol import Fields, action_fields

__all__ = ["READ_ONLY_ACTIONS", "changes_pbx"]

#: Actions that only read, or change nothing but this session (Events, Filter: what this
#: connection is sent; Login, Challenge, Logoff: the session itself). Lower case: Asterisk
#: matches action names in any case.
READ_ONLY_ACTIONS: frozenset[str] = frozenset(
    name.lower()
    for name in (
        "Ping",
        "ListCommands",
        "CoreSettings",
        "CoreStatus",
        "CoreShowChannels",
        "Status",
        "BridgeList",
        "BridgeInfo",
        "QueueStatus",
        "QueueSummary",
        "ShowDialPlan",
        "Getvar",
        "ExtensionState",
        "Events",
        "Filter",
        "Login",
        "Challenge",
        "Logoff",
        "Command",  # only with a CLI show command: see _cli_reads
    )
)

# A CLI word as Asterisk's commands spell them. Quotes and backslashes are refused outright:
# Asterisk's CLI parser joins and splits words with them, so the words we check might not be
# the words it runs.
_CLI_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


def _cli_reads(command: str) -> bool:
    """Whether a CLI command is a ``show`` command: ``show ...`` or ``<module> show ...``."""
    if not command.isprintable() or '"' in command or "\\" in command:
        return False
    words = command.split()
    if len(words) >= 1 and words[0].lower() == "show":
        return True
    return len(words) >= 2 and all(_CLI_WORD.fullmatch(w) for w in words[:2]) and words[1].lower() == "show"


def _values(pairs: list[tuple[str, str]], name: str) -> list[str]:
    return [value for key, value in pairs if key.lower() == name]


def changes_pbx(fields: Fields) -> str | None:
    """None when ``--read-only`` lets the action through, else why it is refused (one line).

    ``fields`` as the client takes them; an action the client itself would reject (no
    ``Action``, a line break in a value) is left to it: it is never sent either way.
    """
    try:
        pairs = action_fields(fields)
    except ValueError:
        return None
    action = pairs[0][1].strip()
    name = action.lower()
    why = ""
    if name not in READ_ONLY_ACTIONS:
        why = f"{action} changes the PBX"
    elif name == "command":
        # Asterisk runs the first Command header; every one must be a show command.
        commands = _values(pairs, "command")
        if not commands or not all(_cli_reads(c) for c in commands):
            shown = " ".join(commands[0].split()) if commands else ""
            why = f"Command {shown!r} is not a CLI show command"
    elif name in ("getvar", "status"):
        # A name ending in ")" is a dialplan function, read by calling it; some act when
        # read (DB_DELETE deletes, SHELL runs a program, CURL fetches a URL).
        key = "variable" if name == "getvar" else "variables"
        if any("(" in v or ")" in v for v in _values(pairs, key)):
            why = f"{action} reading a dialplan function may change the PBX (DB_DELETE, SHELL...)"
    if not why:
        return None
    return f"Read-only: {why}; not sent. Start without --read-only (or turn read-only off in the profile) to send it."
