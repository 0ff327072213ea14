"""The composer's model: the action as composed, the rows an action keeps when chosen, an
action pasted as ``Key: Value`` lines, and what the composer asked the server about its actions.

Plain Python, no Textual: the composer widget (:mod:`ami_console.ui.widgets.composer`) draws
these and the call-action confirmation previews with :class:`Composed`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ami_console.actiondocs import MAX_PARAMETERS, ActionDoc
from ami_console.protocol import mask_secrets, serialize_action

__all__ = ["Composed", "DocCache", "PastedAction", "Row", "parse_pasted_action", "rows_for"]


@dataclass(frozen=True)
class Composed:
    """The action as it stands: what the preview shows is what ctrl+s sends."""

    pairs: tuple[tuple[str, str], ...]  # Action first, then the rows switched on, in order
    problem: str | None  # why it cannot be sent, or None

    def wire(self, action_id: str) -> str:
        """The bytes on the wire as text, secrets masked (the preview)."""
        return serialize_action(mask_secrets(list(self.pairs)), action_id).decode()

    def block(self) -> str:
        """``Key: Value`` lines without the ActionID: pasted back, they compose the same
        action (secrets masked, as everywhere the console shows them)."""
        return "".join(f"{key}: {value}\r\n" for key, value in mask_secrets(list(self.pairs)))


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
