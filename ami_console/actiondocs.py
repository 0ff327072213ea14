"""What the server says about its actions: ListCommands, ``manager show command`` and
``Permission denied``.

:func:`parse_list_commands` and :func:`parse_action_doc` read the server's own answers, so a
program (the console's composer among them) can offer exactly the actions, and parameters,
the PBX at the other end knows; :data:`COMMON_ACTIONS` stands in before login.
:func:`parse_list_privileges`, :data:`ACTION_PRIVILEGES` and :func:`denied_in_words` say which
write class an action needs, and :func:`is_refusal` recognises Asterisk's refusal.

What is taken from the server is bounded (see the MAX_ constants): a broken or hostile
server cannot make the console hold, or mount, more than a real Asterisk ever sends.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ami_console.protocol import Message

__all__ = [
    "COMMON_ACTIONS",
    "MAX_ACTIONS",
    "MAX_NAME",
    "MAX_PARAMETERS",
    "MAX_TEXT",
    "ActionDoc",
    "Parameter",
    "ACTION_PRIVILEGES",
    "denied_in_words",
    "is_refusal",
    "parse_action_doc",
    "parse_list_commands",
    "parse_list_privileges",
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


def is_refusal(response: Message | None) -> bool:
    """The server's answer to an action this user may not send (Asterisk's wording)."""
    return (
        response is not None
        and (response.header("Response") or "").lower() == "error"
        and (response.header("Message") or "").lower() == "permission denied"
    )
