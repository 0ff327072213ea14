"""Fault modes for reliability tests: what the server does wrong, on purpose.

One fault is active at a time, for every session (present and future):

``drop``      the next message each session sends is cut after ``after`` bytes (half of
              it by default) and the connection is closed: the greeting of a new
              connection, or the answer to the next request;
``silence``   the server stops answering: no greeting, no responses, no events, while
              connections stay open; requests are read and thrown away;
``garbage``   ``data`` (bytes that are not AMI) go out just before the next message;
``oversize``  an event of ``size`` bytes goes out just before the next message;
``delay``     every write waits ``seconds`` first (order is kept).
"""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("drop", "silence", "garbage", "oversize", "delay")

DEFAULT_GARBAGE = (
    b"\x00\x01\x02\xff\xfe\x80\x9fnot AMI\x1b[2J\r\n"
    b"@@@@ this line has no colon @@@@\r\n"
    b"\xc3\x28\xa0\xa1 broken UTF-8\r\n\r\n"
)


@dataclass(frozen=True)
class Fault:
    kind: str
    after: int | None = None
    data: bytes = DEFAULT_GARBAGE
    size: int = 17 * 1024 * 1024
    seconds: float = 0.5
    generation: int = 0

    @property
    def once(self) -> bool:
        """Faults that hit each session's next message once, rather than every write."""
        return self.kind in ("drop", "garbage", "oversize")


def make_fault(kind: str, generation: int, **params: object) -> Fault:
    if kind not in KINDS:
        raise ValueError(f"unknown fault {kind!r}; choose one of {', '.join(KINDS)}")
    allowed = {"drop": {"after"}, "garbage": {"data"}, "oversize": {"size"}, "delay": {"seconds"}}
    unexpected = set(params) - allowed.get(kind, set())
    if unexpected:
        raise ValueError(f"fault {kind!r} takes no {', '.join(sorted(unexpected))}")
    return Fault(kind, generation=generation, **params)  # type: ignore[arg-type]


def oversized_event(size: int) -> bytes:
    """One well-formed event of at least ``size`` bytes."""
    head = b"Event: SimulatorOversized\r\nPrivilege: system,all\r\nData: "
    filler = max(0, size - len(head) - 4)
    return head + b"x" * filler + b"\r\n\r\n"
