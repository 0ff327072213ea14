"""Every action sent, this session and before: a JSON Lines file in the data directory.

One line per action, oldest first, at ``data_dir()/history.jsonl``::

    {"v": 1, "at": 1795665050.25, "server": "127.0.0.1:5038", "user": "admin",
     "action": "Originate", "fields": [["Action", "Originate"], ["Channel", "PJSIP/alice"],
     ["Variable", "A=1"], ["Variable", "B=2"]], "status": "Success",
     "response": [["Response", "Success"], ["ActionID", "7"], ["Message", "..."]],
     "elapsed_ms": 12.5, "action_id": "7", "items": 0}

(one line in the file; wrapped here). ``fields`` are the action's headers in the order
sent, repeated keys kept, without the ActionID the client added. Secrets never reach the
file: fields and response go through :func:`~ami_console.protocol.mask_secrets` when an
entry is made, whoever made it. A long response is cut (``"response_truncated": true``).

The file stays bounded: appending is cheap, and once it holds half as many lines again
as ``limit`` it is rewritten with the newest ``limit`` entries (so a trim happens once
every ``limit / 2`` actions, not on every one). Two consoles appending at once each
write whole lines; a trim by one may drop a line the other wrote in the same instant.

Nothing here raises for a file problem: a corrupt or half-written line (a crash
mid-write) is skipped and the rest kept, and when the folder cannot be written,
:meth:`History.add` returns ``False`` with :attr:`History.error` saying why.
"""

from __future__ import annotations

import json
import os
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ami_console.files.atomic import atomic_writer
from ami_console.files.profiles import data_dir
from ami_console.protocol import MASK, Message, mask_secrets

if TYPE_CHECKING:
    from ami_console.session import Exchange

__all__ = ["History", "HistoryEntry", "key_fields"]

VERSION = 1
MAX_RESPONSE_CHARS = 16_000  # a Command's output can be huge; history keeps its start
MAX_LINE = 1 << 20  # a longer line is not ours: skipped unread

# The headers that say most about an action, best first; the rest follow in order.
_TELLING = [
    "channel",
    "command",
    "exten",
    "context",
    "application",
    "data",
    "variable",
    "value",
    "queue",
    "interface",
    "family",
    "key",
    "val",
    "userevent",
    "username",
    "extrachannel",
    "device",
    "mailbox",
    "filter",
    "eventmask",
    "endpoint",
    "id",
]
# Headers that rarely tell entries apart: shown only when nothing else is there.
_DULL = {"async", "timeout", "priority", "callerid", "codecs", "earlymedia", "account", "channelid", "otherchannelid"}


def key_fields(fields: list[tuple[str, str]], limit: int = 3, width: int = 28) -> str:
    """The few headers that tell this action apart, e.g. ``Channel=PJSIP/alice Exten=1002``.

    Leaves out Action, ActionID and secrets; picks the most telling ``limit`` headers
    (Channel, Command, Exten, Context, ...), shows them in the order sent, and cuts
    each value to ``width`` characters.
    """
    masked = mask_secrets([(k, "x") for k, _ in fields])  # which positions are secrets
    candidates = [
        (i, key, value)
        for i, ((key, value), (_, shown)) in enumerate(zip(fields, masked))
        if key.lower() not in ("action", "actionid") and shown != MASK
    ]

    def rank(item: tuple[int, str, str]) -> tuple[int, int]:
        key = item[1].lower()
        if key in _TELLING:
            return 0, _TELLING.index(key)
        return (2 if key in _DULL else 1), item[0]

    chosen = sorted(sorted(candidates, key=rank)[:limit])
    return " ".join(f"{key}={_cut(value, width)}" for _, key, value in chosen)


def _cut(value: str, width: int) -> str:
    return value if len(value) <= width else value[: width - 1] + "…"


@dataclass
class HistoryEntry:
    """One action sent. Secrets are masked as the entry is made."""

    at: float  # wall-clock time it was sent (time.time())
    fields: list[tuple[str, str]]  # as sent, Action first, without the client's ActionID
    status: str = ""  # Success, Error, Goodbye...; empty when no answer came
    server: str = ""  # host:port
    username: str = ""
    response: Message | None = None
    elapsed_ms: float | None = None
    action_id: str = ""
    items: int = 0  # event-list items that came with the response
    response_truncated: bool = False

    def __post_init__(self) -> None:
        self.fields = mask_secrets([(str(k), str(v)) for k, v in self.fields])
        if self.response is not None:
            self.response, cut = _bounded(self.response)
            self.response_truncated = self.response_truncated or cut

    @classmethod
    def of(cls, exchange: Exchange, server: str = "", username: str = "") -> HistoryEntry:
        """An exchange (finished or not) as the history keeps it, secrets masked there."""
        response = exchange.response
        elapsed = exchange.elapsed
        return cls(
            at=exchange.sent_wall,
            fields=list(exchange.request),
            status=(response.header("Response") or response.name) if response is not None else "",
            server=server,
            username=username,
            response=response,
            elapsed_ms=None if elapsed is None else round(elapsed * 1000, 3),
            action_id=exchange.action_id,
            items=len(exchange.items),
        )

    @property
    def action(self) -> str:
        return next((v for k, v in self.fields if k.lower() == "action"), "")

    @property
    def key_fields(self) -> str:
        return key_fields(self.fields)

    @property
    def has_masked_values(self) -> bool:
        """True when a value is ``********``: re-sending it as is would send the mask."""
        return any(v == MASK for _, v in self.fields)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "v": VERSION,
            "at": self.at,
            "server": self.server,
            "user": self.username,
            "action": self.action,
            "fields": [list(p) for p in self.fields],
            "status": self.status,
            "response": [list(p) for p in self.response.fields] if self.response else None,
            "elapsed_ms": self.elapsed_ms,
            "action_id": self.action_id,
            "items": self.items,
        }
        if self.response_truncated:
            data["response_truncated"] = True
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HistoryEntry:
        """Raises ValueError, KeyError or TypeError for anything that is not an entry."""
        response = data.get("response")
        elapsed = data.get("elapsed_ms")
        return cls(
            at=float(data["at"]),
            fields=_pairs(data["fields"]),
            status=str(data.get("status") or ""),
            server=str(data.get("server") or ""),
            username=str(data.get("user") or ""),
            response=Message(_pairs(response)) if response is not None else None,
            elapsed_ms=float(elapsed) if elapsed is not None else None,
            action_id=str(data.get("action_id") or ""),
            items=int(data.get("items") or 0),
            response_truncated=bool(data.get("response_truncated")),
        )


def _pairs(value: Any) -> list[tuple[str, str]]:
    if not isinstance(value, list):
        raise TypeError("fields must be a list of [key, value] pairs")
    pairs = []
    for pair in value:
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
            raise TypeError("a field must be a [key, value] pair of strings")
        pairs.append((pair[0], pair[1]))
    return pairs


def _bounded(response: Message) -> tuple[Message, bool]:
    """The response with secrets masked and at most MAX_RESPONSE_CHARS of fields."""
    fields: list[tuple[str, str]] = []
    size = 0
    for key, value in response.fields:
        size += len(key) + len(value) + 2
        if size > MAX_RESPONSE_CHARS:
            return Message(mask_secrets(fields)), True
        fields.append((key, value))
    masked = mask_secrets(fields)
    return (response if masked == response.fields else Message(masked)), False


class History:
    """The history file: append entries, read them back, keep the file bounded."""

    def __init__(self, path: Path | None = None, limit: int = 1000) -> None:
        self.path = path if path is not None else data_dir() / "history.jsonl"
        self.limit = max(1, limit)
        self.error: str | None = None  # why the last add/read/clear failed, else None
        self._lines: int | None = None  # lines in the file, counted once, then tracked

    @property
    def trim_at(self) -> int:
        """Line count past which the file is rewritten with the newest ``limit`` entries."""
        return self.limit + max(self.limit // 2, 10)

    def add(self, entry: HistoryEntry) -> bool:
        """Append one entry. False, with :attr:`error` set, when it could not be written."""
        line = json.dumps(entry.to_json(), ensure_ascii=False, separators=(",", ":")) + "\n"
        try:
            if self._lines is None:
                self._lines = self._count_lines()
            self._append(line.encode("utf-8", "replace"))
            self._lines += 1
            if self._lines > self.trim_at:
                self._trim()
        except OSError as exc:
            self.error = f"History not saved: {exc.strerror or exc}"
            return False
        self.error = None
        return True

    def entries(self) -> list[HistoryEntry]:
        """The newest ``limit`` readable entries, oldest first. [] when there is no file."""
        try:
            found = self._read()
        except FileNotFoundError:
            return []
        except OSError as exc:
            self.error = f"History not read: {exc.strerror or exc}"
            return []
        return list(found)

    def clear(self) -> bool:
        """Forget every entry. False, with :attr:`error` set, if the file stays."""
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            self.error = f"History not cleared: {exc.strerror or exc}"
            return False
        self._lines = 0
        self.error = None
        return True

    # -- the file ------------------------------------------------------------------------
    def _append(self, line: bytes) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # 0o600: the history is the user's own business, even with secrets masked.
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a+b") as file:
            if file.seek(0, os.SEEK_END) > 0:
                file.seek(-1, os.SEEK_END)
                if file.read(1) != b"\n":
                    line = b"\n" + line  # a crash left half a line: don't glue onto it
            file.write(line)

    def _count_lines(self) -> int:
        try:
            with open(self.path, "rb") as file:
                return sum(chunk.count(b"\n") for chunk in iter(lambda: file.read(1 << 16), b""))
        except FileNotFoundError:
            return 0

    def _read(self) -> deque[HistoryEntry]:
        found: deque[HistoryEntry] = deque(maxlen=self.limit)
        with open(self.path, encoding="utf-8", errors="replace") as file:
            while line := file.readline(MAX_LINE):
                if not line.endswith("\n") and len(line) >= MAX_LINE:
                    while (rest := file.readline(MAX_LINE)) and not rest.endswith("\n"):
                        pass  # skip the rest of an overlong line
                    continue
                try:
                    found.append(HistoryEntry.from_json(json.loads(line)))
                except (ValueError, KeyError, TypeError, AttributeError):
                    continue  # half-written or hand-edited: skip it, keep the rest
        return found

    def _trim(self) -> None:
        kept = self._read()
        with atomic_writer(self.path) as file:
            for entry in kept:
                line = json.dumps(entry.to_json(), ensure_ascii=False, separators=(",", ":"))
                file.write(line.encode("utf-8", "replace") + b"\n")
        self._lines = len(kept)
