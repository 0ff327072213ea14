"""The demo PBX's configuration: dialplan, phones (PJSIP endpoints) and the queue.

Context ``demo`` is the captures' extensions.conf, priority for priority, so replaying a
capture gives the same answers. Context ``internal`` is ours: the three phones call each
other by number (1001 alice, 1002 bob, 1003 carol), 500 reaches queue ``support``, and
it includes ``demo``. ``default`` includes ``demo`` too, as in the captures.
"""

from __future__ import annotations

from dataclasses import dataclass, field

HINT = 0  # the priority number Asterisk gives hints (shown as "hint")
REGISTRAR = "pbx_config"


@dataclass(frozen=True)
class Priority:
    number: int
    app: str
    data: str = ""
    line: int = 0  # where it would sit in extensions.conf (for "dialplan show")


@dataclass
class Extension:
    name: str
    priorities: list[Priority]

    def priority(self, number: int) -> Priority | None:
        for priority in self.priorities:
            if priority.number == number:
                return priority
        return None

    @property
    def hint(self) -> str | None:
        found = self.priority(HINT)
        return found.app if found else None


@dataclass
class Context:
    name: str
    extensions: list[Extension] = field(default_factory=list)
    includes: list[str] = field(default_factory=list)

    def extension(self, name: str) -> Extension | None:
        for extension in self.extensions:
            if extension.name == name:
                return extension
        return None


@dataclass(frozen=True)
class Endpoint:
    """A PJSIP endpoint: one simulated phone."""

    name: str
    number: str
    display: str
    context: str = "internal"

    @property
    def device(self) -> str:
        return f"PJSIP/{self.name}"


@dataclass
class QueueMember:
    name: str
    interface: str
    penalty: int = 0
    calls_taken: int = 0
    last_call: int = 0
    in_call: int = 0
    status: int = 1  # Asterisk device state numbers: 1 not in use, 2 in use, 6 ringing
    paused: bool = False


@dataclass
class Queue:
    name: str
    strategy: str = "ringall"
    members: list[QueueMember] = field(default_factory=list)
    callers: list[str] = field(default_factory=list)  # channel names, in order
    completed: int = 0
    abandoned: int = 0
    holdtime: int = 0
    talktime: int = 0


def _ext(name: str, start_line: int, *steps: tuple[str, str]) -> Extension:
    return Extension(name, [Priority(i + 1, app, data, start_line + i) for i, (app, data) in enumerate(steps)])


def _phone_ext(number: str, endpoint: str, line: int) -> Extension:
    extension = _ext(number, line + 1, ("Dial", f"PJSIP/{endpoint},20"), ("Hangup", ""))
    extension.priorities.insert(0, Priority(HINT, f"PJSIP/{endpoint}", "", line))
    return extension


def build_dialplan() -> dict[str, Context]:
    demo = Context(
        "demo",
        [
            _ext("100", 9, ("Answer", ""), ("Set", "FOO=bar"), ("Wait", "2"), ("Hangup", "")),
            _ext("200", 15, ("Answer", ""), ("Set", "CALLTYPE=echo"), ("Echo", ""), ("Hangup", "")),
            _ext(
                "300",
                21,
                ("Answer", ""),
                ("Set", "CALLTYPE=wait30"),
                ("Wait", "30"),
                ("Hangup", ""),
            ),
            _ext(
                "400",
                27,
                ("Answer", ""),
                ("UserEvent", "DemoEvent,Foo: bar,Answer: 42"),
                ("Wait", "1"),
                ("Hangup", ""),
            ),
        ],
    )
    internal = Context(
        "internal",
        [
            _phone_ext("1001", "alice", 40),
            _phone_ext("1002", "bob", 44),
            _phone_ext("1003", "carol", 48),
            _ext("500", 52, ("Answer", ""), ("Queue", "support"), ("Hangup", "")),
        ],
        includes=["demo"],
    )
    default = Context("default", [], includes=["demo"])
    return {context.name: context for context in (demo, default, internal)}


def build_endpoints() -> dict[str, Endpoint]:
    phones = [
        Endpoint("alice", "1001", "Alice"),
        Endpoint("bob", "1002", "Bob"),
        Endpoint("carol", "1003", "Carol"),
    ]
    return {phone.name: phone for phone in phones}


def build_queues() -> dict[str, Queue]:
    return {"support": Queue("support", members=[QueueMember("Agent300", "Local/300@demo")])}


def find_extension(
    contexts: dict[str, Context], context: str, exten: str, _seen: frozenset[str] = frozenset()
) -> Extension | None:
    """The extension ``exten`` in ``context`` or in a context it includes."""
    found = contexts.get(context)
    if found is None or context in _seen:
        return None
    extension = found.extension(exten)
    if extension is not None and any(p.number != HINT for p in extension.priorities):
        return extension
    for included in found.includes:
        extension = find_extension(contexts, included, exten, _seen | {context})
        if extension is not None:
            return extension
    return None
