"""What the server says about its actions: ListCommands and ``manager show command``.

Both are parsed from the server's own answers, so the composer offers exactly the
actions (and parameters) the PBX at the other end knows. Before login, a short
built-in list of common actions stands in.

What is taken from the server is bounded (see the MAX_ constants): a broken or hostile
server cannot make the console hold, or mount, more than a real Asterisk ever sends.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ami_console.protocol import Fields, Message, action_fields

__all__ = [
    "COMMON_ACTIONS",
    "MAX_ACTIONS",
    "MAX_NAME",
    "MAX_PARAMETERS",
    "MAX_TEXT",
    "ActionDoc",
    "DocCache",
    "Parameter",
    "PastedAction",
    "ACTION_PRIVILEGES",
    "READ_ONLY_ACTIONS",
    "changes_pbx",
    "denied_in_words",
    "is_refusal",
    "parse_action_doc",
    "parse_list_commands",
    "parse_list_privileges",
    "parse_pasted_action",
    "rows_for",
]

# Our Asterisk 22 capture lists 90 actions, none named past 30 characters or described
# past 200, and Originate, among the largest, has 16 parameters: these bounds leave real
# servers whole and stop a hostile one from filling memory or the screen.
MAX_ACTIONS = 2000  # actions kept from ListCommands
MAX_PARAMETERS = 100  # parameters kept from one action's documentation
MAX_NAME = 64  # longer action or parameter names are not real ones: they are left out
MAX_TEXT = 4096  # characters kept of a description, synopsis or parameter's help

#: Offered before login (and when ListCommands is not allowed): name -> one-line description.
COMMON_ACTIONS: dict[str, str] = {
    "Ping": "Check that the server answers (replies Pong).",
    "CoreSettings": "Asterisk and AMI versions and core limits.",
    "CoreStatus": "Start-up time and current call counts.",
    "CoreShowChannels": "List the active channels (an event list).",
    "Command": "Run a CLI command and return its output.",
    "Originate": "Place a call from a channel to an extension or application.",
    "Hangup": "Hang up a channel (a name, or /regex/).",
    "Redirect": "Send a channel to another extension.",
    "Getvar": "Read a channel or global variable.",
    "Setvar": "Set a channel or global variable.",
    "Status": "Status of one or all channels (an event list).",
    "QueueStatus": "Queue parameters and members (an event list).",
    "QueueSummary": "Queue counters (an event list).",
    "ShowDialPlan": "The dialplan, priority by priority (an event list).",
    "ExtensionState": "The state of an extension's hint.",
    "Events": "Turn events for this session on, off, or to some classes.",
    "Filter": "Add a server-side event filter for this session.",
    "UserEvent": "Send a custom event to every listener.",
    "DBGet": "Read an AstDB key.",
    "DBPut": "Write an AstDB key.",
    "DBDel": "Delete an AstDB key.",
    "ListCommands": "Every action this server knows, with its privilege.",
    "Logoff": "End this session.",
}

_PRIV = re.compile(r"\s*\(Priv: ([^)]*)\)\s*$")  # the classes an action needs, in ListCommands
_SYNTAX = re.compile(r"^(?P<optional>\[)?(?P<name>[^\s:\[\]]+):\]?\s*(?P<value>.*)$")
_NOT_ACTIONS = {"response", "actionid", "message"}
_ANY_HEADER = re.compile(r"Header\d+")


@dataclass
class Parameter:
    name: str
    required: bool
    doc: str = ""


@dataclass
class ActionDoc:
    """One action's documentation as the server gives it."""

    name: str
    synopsis: str = ""
    description: str = ""
    parameters: list[Parameter] = field(default_factory=list)

    @property
    def required(self) -> list[Parameter]:
        return [p for p in self.parameters if p.required]

    def takes(self, key: str) -> bool:
        """Whether the action reads a header named ``key``. Asterisk documents "any
        header" as ``Header1`` (UserEvent copies every header into its event)."""
        lowered = key.strip().lower()
        return any(p.name.lower() == lowered or _ANY_HEADER.fullmatch(p.name) for p in self.parameters)


def _cut(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


#: The write classes Asterisk 22 requires of common actions (any one of them will do), as
#: its ListCommands says to a user allowed everything. A user who may not use an action
#: does not see it in ListCommands, so the console needs these to say what is missing.
ACTION_PRIVILEGES: dict[str, str] = {
    "Atxfer": "call",
    "BlindTransfer": "call",
    "Bridge": "call",
    "Command": "command",
    "CoreSettings": "system,reporting",
    "CoreShowChannels": "system,reporting",
    "CoreStatus": "system,reporting",
    "DBDel": "system",
    "DBDelTree": "system",
    "DBGet": "system,reporting",
    "DBGetTree": "system,reporting",
    "DBPut": "system",
    "ExtensionState": "call,reporting",
    "Filter": "system",
    "Getvar": "call,reporting",
    "Hangup": "system,call",
    "MixMonitor": "system",
    "Originate": "originate",
    "PlayDTMF": "call",
    "QueueAdd": "agent",
    "QueuePause": "agent",
    "QueueRemove": "agent",
    "Redirect": "call",
    "Reload": "system,config",
    "SendText": "call",
    "Setvar": "call",
    "ShowDialPlan": "config,reporting",
    "Status": "system,call,reporting",
    "UserEvent": "user",
}


def parse_list_privileges(response: Message) -> dict[str, str]:
    """The write classes each listed action needs, from ListCommands' ``(Priv: ...)``,
    without the ``all`` that every class list ends with."""
    privileges: dict[str, str] = {}
    for key, value in response.fields[: MAX_ACTIONS + len(_NOT_ACTIONS)]:
        match = _PRIV.search(value[-MAX_TEXT:])
        if match and key.lower() not in _NOT_ACTIONS and len(key) <= MAX_NAME:
            classes = [c.strip() for c in match.group(1).split(",") if c.strip() and c.strip() != "all"]
            privileges[key] = ",".join(classes)
    return privileges


def denied_in_words(action: str, username: str, privileges: dict[str, str]) -> str:
    """What a ``Permission denied`` means for ``action``, and where it is put right."""
    needed = privileges.get(action) or ACTION_PRIVILEGES.get(action)
    if needed is None:
        return (
            f"Asterisk refused {action} for the user {username!r}: its write classes (write= in "
            f"manager.conf, section [{username}]) do not include the one {action} needs."
        )
    if needed in ("", "<none>"):
        return f"Asterisk refused {action} for {username!r}, though it needs no privilege: a module or a filter refused it."
    classes = " or ".join(needed.split(","))
    return (
        f"{action} needs the write class {classes}. Add it to write= in the [{username}] section of "
        "manager.conf (then: manager reload); the user has no such class now."
    )


def parse_list_commands(response: Message) -> dict[str, str]:
    """ListCommands answers ``Name: description.  (Priv: ...)``, one header per action."""
    commands: dict[str, str] = {}
    for key, value in response.fields:
        if len(commands) >= MAX_ACTIONS:
            break
        if key.lower() not in _NOT_ACTIONS and len(key) <= MAX_NAME:
            # Cut before the regex: it need not run over a megabyte that is thrown away.
            commands[key] = _cut(_PRIV.sub("", value[: MAX_TEXT * 2]).strip())
    return commands


def _sections(lines: Iterable[str]) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in lines:
        stripped = line.strip()
        if re.fullmatch(r"\[[A-Za-z ]+\]", stripped):
            current = sections.setdefault(stripped[1:-1], [])
        elif current is not None:
            current.append(line.rstrip())
    return sections


def _paragraph(lines: list[str]) -> str:
    return _cut(" ".join(line.strip() for line in lines if line.strip()))


def parse_action_doc(name: str, output: list[str]) -> ActionDoc | None:
    """Parse the Output lines of ``manager show command <name>``.

    The format is Asterisk's: ``[Synopsis]``, ``[Description]``, ``[Syntax]`` with one
    ``Key: <value>`` line per required parameter and ``[Key:] <value>`` per optional one,
    and ``[Arguments]`` with each parameter's name followed by its indented text.
    Returns None when the output holds no syntax (an unknown action).
    """
    sections = _sections(output)
    if "Syntax" not in sections:
        return None
    parameters: dict[str, Parameter] = {}
    for line in sections["Syntax"]:
        match = _SYNTAX.match(line.strip())
        if match is None or len(match["name"]) > MAX_NAME or match["name"].lower() in ("action", "actionid"):
            continue
        parameters.setdefault(match["name"], Parameter(match["name"], not match["optional"]))
        if len(parameters) == MAX_PARAMETERS:
            break
    # Each parameter's help: the indented lines under its name (kept parameters only).
    docs: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in sections.get("Arguments", []):
        if line and not line[0].isspace():
            current = docs.setdefault(line.strip(), []) if line.strip() in parameters else None
        elif current is not None:
            current.append(line)
    for key, lines in docs.items():
        parameters[key].doc = _paragraph(lines)
    return ActionDoc(
        name=name,
        synopsis=_paragraph(sections.get("Synopsis", [])),
        description=_paragraph(sections.get("Description", [])),
        parameters=list(parameters.values()),
    )


# -- what the console asks the server, and what it learnt -------------------------------------
class DocCache:
    """One server's documentation of its actions, and what the console asked it.

    The console asks ``manager show command <Action>`` (the ``Command`` action) in the
    background. Each ask costs a request in the server's log, and for a user without the
    ``command`` privilege a ``RequestNotAllowed`` security event that intrusion detection
    watches: so each name is asked at most once (failures are remembered too), and after
    one refusal nothing more is asked of this server. ``clear()`` starts over (a new session).
    """

    def __init__(self) -> None:
        self._docs: dict[str, ActionDoc | None] = {}  # by lower-case name; None: no doc
        self._asked: set[str] = set()
        self.refused = False  # the server refused a query: this user may not run Command

    def clear(self) -> None:
        self._docs.clear()
        self._asked.clear()
        self.refused = False

    def get(self, action: str) -> ActionDoc | None:
        return self._docs.get(action.lower())

    def __contains__(self, action: object) -> bool:
        return isinstance(action, str) and action.lower() in self._docs

    def __setitem__(self, action: str, doc: ActionDoc | None) -> None:
        self._docs[action.lower()] = doc
        self._asked.add(action.lower())

    def ask(self, action: str) -> bool:
        """Whether to ask the server about ``action`` now; if so, it counts as asked."""
        if self.refused or action.lower() in self._asked:
            return False
        self._asked.add(action.lower())
        return True

    def pending(self, action: str) -> bool:
        """Asked, and no answer yet."""
        return action.lower() in self._asked and action.lower() not in self._docs

    @property
    def waiting(self) -> bool:
        """Some answer has not come yet."""
        return not self._asked <= self._docs.keys()


def is_refusal(response: Message | None) -> bool:
    """The server's answer to an action this user may not send (Asterisk's wording)."""
    return (
        response is not None
        and (response.header("Response") or "").lower() == "error"
        and (response.header("Message") or "").lower() == "permission denied"
    )


Row = tuple[str, str, bool]  # a composer row: key, value, switched on


def rows_for(doc: ActionDoc | None, rows: list[Row], added: int = MAX_PARAMETERS) -> tuple[list[Row], list[Row]]:
    """The rows to keep when ``doc``'s action is chosen over ``rows``, and the rows removed.

    Rows whose keys the action takes stay, in their order, after its required parameters
    that no row holds yet. With no documentation every row with a key stays: nothing the
    user typed is thrown away on a guess. Rows without a key are dropped (nothing to lose).
    At most ``added`` rows are added (a hostile server may document thousands).
    """
    keyed = [row for row in rows if row[0].strip()]
    if doc is None:
        return keyed, []
    kept = [row for row in keyed if doc.takes(row[0])]
    removed = [row for row in keyed if not doc.takes(row[0])]
    held = {row[0].strip().lower() for row in kept}
    missing = [(p.name, "", True) for p in doc.required if p.name.lower() not in held]
    return missing[:added] + kept, removed


# -- an action pasted as text ------------------------------------------------------------
_HEADER_LINE = re.compile(r"([A-Za-z0-9_.\-]+)[ \t]*:[ \t]*(.*)")


@dataclass
class PastedAction:
    """What a pasted block of AMI text holds."""

    action: str | None  # the Action line's value; None if the block has none
    rows: list[tuple[str, str]]  # every other line, in order, repeated keys kept
    action_ids: int = 0  # ActionID lines left out: the client gives each action its own
    more: bool = False  # a second Action line began another action: it was left out


def parse_pasted_action(text: str) -> PastedAction | None:
    """Read ``Key: Value`` lines as a telnet user writes them. Returns None unless the
    text spans lines and every line is a header line: a single line, or any other text,
    is an ordinary paste.

    Line breaks may be CRLF, LF or CR alone: terminals turn LF into CR when pasting, so a
    CRLF block arrives with CR CR between lines and blank lines cannot be told apart from
    line breaks. Blank lines are therefore skipped, and a second ``Action`` line (not a
    blank one) ends the action. Trailing blanks of a line are left out (editors and wikis
    leave them; on the wire they would be part of the value).
    """
    if "\n" not in text and "\r" not in text:
        return None
    pasted = PastedAction(None, [])
    for line in (line.rstrip() for line in text.splitlines()):
        if not line:
            continue
        match = _HEADER_LINE.fullmatch(line)
        if match is None:
            return None
        key, value = match[1], match[2]
        if key.lower() == "action":
            if pasted.action is not None:
                pasted.more = True
                break
            pasted.action = value
        elif key.lower() == "actionid":
            pasted.action_ids += 1
        else:
            pasted.rows.append((key, value))
    return pasted if pasted.action is not None or pasted.rows else None


# -- Read-only mode ----------------------------------------------------------------------
#
# The one list of what ``--read-only`` lets through. Everything else is refused in the
# console, before a byte is sent: an allow list, so an action we do not know (a new one,
# a module's own) counts as one that may change the PBX.

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
