"""The demo PBX's configuration: dialplan, phones (PJSIP endpoints) and the queue.

Context ``demo`` is the captures' extensions.conf, priority for priority and line for
line, so replaying a capture gives the same answers. Context ``internal`` holds the
PJSIP captures' extensions_internal.conf, where the three phones call each other by
number (1001 alice, 1002 bob, 1003 carol), with a hint each, and some of ours: 1100 rings
bob, who holds the call for a while, 1200 rings bob, who never answers (see
:data:`.phones.HABITS`), 500 reaches queue ``support`` (answering first, as a phone caller
expects); it includes ``demo``. ``default`` includes ``demo``
too, as in the captures. Contexts ``teach`` and ``greet`` are a small tour of dialplan
features for newcomers: labels, Goto, GotoIf, Gosub/Return and a pattern extension.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ami_console.patterns import extension_matches, is_pattern

HINT = 0  # the priority number Asterisk gives hints (shown as "hint")
REGISTRAR = "pbx_config"


@dataclass(frozen=True)
class Priority:
    number: int
    app: str
    data: str = ""
    line: int = 0  # where it would sit in extensions.conf (for "dialplan show")
    label: str = ""  # same => n(label),...


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
        """The extension named exactly ``name`` (a pattern by its own name, ``_1XX``)."""
        for extension in self.extensions:
            if extension.name == name:
                return extension
        return None

    def match(self, exten: str) -> Extension | None:
        """The extension a call to ``exten`` runs here: the first that matches, plain
        names before patterns (Asterisk keeps a context's patterns after its plain names)."""
        plain = (e for e in self.extensions if not is_pattern(e.name) and extension_matches(e.name, exten))
        patterns = (e for e in self.extensions if is_pattern(e.name) and extension_matches(e.name, exten))
        return next(plain, None) or next(patterns, None)


@dataclass(frozen=True)
class Endpoint:
    """A PJSIP endpoint: one simulated phone."""

    name: str
    number: str
    display: str
    port: int  # where its SIP user agent listens (pjsua in the captures)
    context: str = "internal"

    @property
    def device(self) -> str:
        return f"PJSIP/{self.name}"


@dataclass
class FeatureMap:
    """features.conf as the captures' Asterisk had it: ``[featuremap] atxfer => *2`` (the
    attended transfer code has no default), the in-transfer codes at their defaults, and
    no transfer announcement (``transferannouncesound =``)."""

    atxfer: str = "*2"
    atxfercomplete: str = "*2"
    atxferabort: str = "*1"
    transferdigittimeout: float = 3.0  # seconds to wait for the next digit of the extension
    atxfernoanswertimeout: float = 15.0  # seconds the transfer target may ring


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
    paused_reason: str = ""
    last_pause: int = 0  # when it was last paused (epoch seconds)


@dataclass
class Queue:
    name: str
    strategy: str = "ringall"
    members: list[QueueMember] = field(default_factory=list)
    callers: list[str] = field(default_factory=list)  # channel names, in order
    completed: int = 0
    abandoned: int = 0
    completed_in_sl: int = 0  # calls answered within the service level (0 s: held 0 s)
    abandoned_in_sl: int = 0
    holdtime: int = 0
    talktime: int = 0


def _ext(name: str, start_line: int, *steps: tuple[str, str] | tuple[str, str, str]) -> Extension:
    """An extension written ``exten => name,1,...`` then ``same => n,...`` one line each;
    a step's third item is its label."""
    priorities = [
        Priority(i + 1, step[0], step[1], start_line + i, step[2] if len(step) > 2 else "")
        for i, step in enumerate(steps)
    ]
    return Extension(name, priorities)


def _phone_ext(number: str, endpoint: str, line: int) -> Extension:
    extension = _ext(number, line + 1, ("Dial", f"PJSIP/{endpoint},20"), ("Hangup", ""))
    extension.priorities.insert(0, Priority(HINT, f"PJSIP/{endpoint}", "", line))
    return extension


def build_dialplan() -> dict[str, Context]:
    demo = Context(
        "demo",
        [
            _ext("100", 10, ("Answer", ""), ("Set", "FOO=bar"), ("Wait", "2"), ("Hangup", "")),
            _ext("200", 16, ("Answer", ""), ("Set", "CALLTYPE=echo"), ("Echo", ""), ("Hangup", "")),
            _ext("300", 22, ("Answer", ""), ("Set", "CALLTYPE=wait30"), ("Wait", "30"), ("Hangup", "")),
            _ext(
                "400",
                28,
                ("Answer", ""),
                ("UserEvent", "DemoEvent,Foo: bar,Answer: 42"),
                ("Wait", "1"),
                ("Hangup", ""),
            ),
            _ext("500", 34, ("Set", "CALLTYPE=queue"), ("Queue", "support,,,,20"), ("Hangup", "")),
            _ext("600", 39, ("Dial", "Local/300@demo,20"), ("Hangup", "")),
            _ext("700", 43, ("Dial", "Local/800@demo,10"), ("Hangup", "")),
            _ext("800", 47, ("Busy", "2")),
            _ext("900", 50, ("Dial", "Local/950@demo,3"), ("Hangup", "")),
            _ext("950", 54, ("Wait", "10")),
        ],
    )
    # Our own contexts follow the captures' file: [default] sits at lines 56-57.
    internal = Context(
        "internal",
        [
            _phone_ext("1001", "alice", 61),
            _phone_ext("1002", "bob", 65),
            _phone_ext("1003", "carol", 69),
            _ext("1100", 74, ("Dial", "PJSIP/bob,20"), ("Hangup", "")),
            _ext("1200", 77, ("Dial", "PJSIP/bob,20"), ("Hangup", "")),
            _ext("500", 80, ("Answer", ""), ("Queue", "support"), ("Hangup", "")),
        ],
        includes=["demo"],
    )
    # The tour (Originate Local/10@teach): literal names first, then patterns, as
    # Asterisk sorts them. Its Waits give a person time to follow each step in the
    # dialplan pane: 27.5 s in all, within the README's Originate (Wait, Data 30).
    teach = Context(
        "teach",
        [
            _ext(
                "10",
                86,
                ("Answer", ""),
                ("Set", "TRIES=1"),
                ("Wait", "5", "again"),
                ("GotoIf", "$[${TRIES} >= 2]?done"),
                ("Set", "TRIES=$[${TRIES} + 1]"),
                ("Goto", "again"),
                ("Gosub", "greet,s,1(newcomer)", "done"),
                ("Goto", "150,1"),
            ),
            _ext(
                "_1XX",
                96,
                ("NoOp", "Dialled ${EXTEN}: ${GOSUB_RETVAL}"),
                ("Wait", "12"),
                ("Hangup", ""),
            ),
        ],
    )
    greet = Context(
        "greet",
        [_ext("s", 103, ("Set", "GREETING=Hello ${ARG1}"), ("Wait", "5"), ("Return", "${GREETING}"))],
    )
    default = Context("default", [], includes=["demo"])
    return {context.name: context for context in (demo, default, internal, teach, greet)}


def build_endpoints() -> dict[str, Endpoint]:
    phones = [
        Endpoint("alice", "1001", "Alice", 5071),
        Endpoint("bob", "1002", "Bob", 5072),
        Endpoint("carol", "1003", "Carol", 5073),
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
    extension = found.match(exten)
    if extension is not None and any(p.number != HINT for p in extension.priorities):
        return extension
    for included in found.includes:
        extension = find_extension(contexts, included, exten, _seen | {context})
        if extension is not None:
            return extension
    return None
