"""Saved actions: one readable TOML file per action, in a folder the user may version.

The folder is ``config_dir()/actions/``; ``AMI_CONSOLE_ACTIONS_DIR`` points elsewhere
(a team's repository, say). A file looks like this::

    # A saved AMI action for ami-console. ...
    name = "Originate a demo call"
    description = \"\"\"
    Calls the demo dialplan's extension 300 ...
    \"\"\"
    action = "Originate"

    [[fields]]
    key = "Channel"
    value = "Local/300@demo"
    enabled = true

Each ``[[fields]]`` table is one header, sent in file order; a key may repeat (two
``Variable`` rows); ``enabled = false`` keeps a row without sending it. File names are
made from names (``originate-a-demo-call.toml``, then ``-2``, ``-3``... if taken), and
the name inside the file is what the browser shows, so renaming by hand is harmless.

Secrets are never written: the value of a ``Secret`` header, and of ``Key`` in a Login
(the MD5 digest), is saved *empty*, keeping the row so that the action loads with a
place to type the secret. Loading blanks them too, should one be typed into a file.

The starter set shipped in ``ami_console/starter_actions/`` is listed alongside the
user's own actions as read-only templates (``starter=True``); nothing is copied into
the user's folder. Copies would freeze our explanations at the version first run (later
fixes never reach them), would fill a folder meant for the user's version control with
files they did not write, and would reappear, or not, after being deleted. Saving a
starter (changed or not) makes it the user's own, which then hides the template of the
same name.

Failures (an unwritable folder, a name already taken, a starter renamed) raise
:class:`SavedActionError` with a message fit to show; :meth:`SavedActions.list` never
raises and reports unreadable files in :attr:`SavedActions.problems`.
"""

from __future__ import annotations

import builtins
import os
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import tomli_w

from ami_console.files.atomic import write_atomic
from ami_console.files.profiles import config_dir
from ami_console.protocol import MASK, mask_secrets

__all__ = [
    "ACTIONS_DIR_ENV",
    "FieldRow",
    "SavedAction",
    "SavedActionError",
    "SavedActions",
    "actions_dir",
    "parse_saved_action",
    "slug",
    "starter_actions",
]

ACTIONS_DIR_ENV = "AMI_CONSOLE_ACTIONS_DIR"
MAX_FILE_SIZE = 1 << 20  # a saved action is a few hundred bytes; bigger is not ours
_HEADER = """\
# A saved AMI action for ami-console. Edit it freely; keep it in version control.
# Each [[fields]] table is one header line, sent in this order (a key may repeat);
# enabled = false keeps a row without sending it. Secrets are never stored here.
"""
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


class SavedActionError(Exception):
    """A saved action could not be read, written, renamed or deleted; the text says why."""


def actions_dir() -> Path:
    """Where saved actions live: ``AMI_CONSOLE_ACTIONS_DIR``, else ``config_dir()/actions``."""
    return Path(os.environ.get(ACTIONS_DIR_ENV) or config_dir() / "actions")


@dataclass
class FieldRow:
    key: str
    value: str = ""
    enabled: bool = True


@dataclass
class SavedAction:
    name: str
    action: str  # the Action header's value, e.g. "Originate"
    fields: list[FieldRow] = field(default_factory=list)  # the other headers, in order
    description: str = ""
    path: Path | None = None  # its file; None until saved (and for starters)
    starter: bool = False  # shipped with ami-console: a read-only template

    def pairs(self) -> list[tuple[str, str]]:
        """What goes out: ``Action`` first, then the enabled rows in order."""
        return [("Action", self.action)] + [(r.key, r.value) for r in self.fields if r.enabled]

    def to_toml(self) -> str:
        """The file's text: the header comment, then tomli-w's TOML, which ``tomllib`` reads
        back unchanged (lone surrogates, which no UTF-8 file can hold, become U+FFFD)."""
        about = {
            "name": text_only(self.name),
            "description": text_only(self.description),
            "action": text_only(self.action),
        }
        rows = [{"key": text_only(r.key), "value": text_only(r.value), "enabled": r.enabled} for r in self.fields]
        # A description with line breaks reads best as a multi-line string, but there
        # tomli-w would write CR LF as a bare LF (as TOML reads it back): not for one with CR.
        text = tomli_w.dumps(about, multiline_strings="\r" not in about["description"])
        if rows:
            text += "\n" + tomli_w.dumps({"fields": rows})
        return _HEADER + text


_SURROGATE = re.compile("[\ud800-\udfff]")


def text_only(value: str) -> str:
    """``value`` with lone surrogates (undecodable bytes from a file name or the
    environment) as U+FFFD, so that it can be written as UTF-8."""
    return value if value.isascii() else _SURROGATE.sub("\ufffd", value)


def _without_secrets(action: str, rows: list[FieldRow]) -> list[FieldRow]:
    """The rows with secret values emptied (see the module docstring)."""
    masked = mask_secrets([("Action", action)] + [(r.key, "x") for r in rows])[1:]
    return [replace(r, value="") if shown == MASK else r for r, (_, shown) in zip(rows, masked)]


def parse_saved_action(text: str, path: Path | None = None) -> SavedAction:
    """Read one file's text. Raises :class:`SavedActionError` saying what is wrong."""
    where = path.name if path else "saved action"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SavedActionError(f"{where}: not valid TOML ({exc})") from None
    action = data.get("action")
    if not isinstance(action, str) or not action.strip():
        raise SavedActionError(f'{where}: no action (add a line like action = "Ping")')
    name = data.get("name", path.stem if path else "")
    description = data.get("description", "")
    if not isinstance(name, str) or not name.strip() or not isinstance(description, str):
        raise SavedActionError(f"{where}: name and description must be text")
    rows = [_row(item, where) for item in _list(data.get("fields", []), where)]
    return SavedAction(name.strip(), action.strip(), _without_secrets(action, rows), description, path)


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise SavedActionError(f"{where}: fields must be [[fields]] tables")
    return value


def _row(item: Any, where: str) -> FieldRow:
    if not isinstance(item, dict) or not isinstance(item.get("key"), str):
        raise SavedActionError(f"{where}: each [[fields]] table needs a key")
    value, enabled = item.get("value", ""), item.get("enabled", True)
    if isinstance(value, bool):
        value = "true" if value else "false"  # as action_fields sends a bool
    if not isinstance(value, (str, int, float)) or not isinstance(enabled, bool):
        raise SavedActionError(f"{where}: field {item['key']!r}: value must be text, enabled true or false")
    return FieldRow(item["key"], str(value), enabled)


def starter_actions() -> list[SavedAction]:
    """The starter set shipped with ami-console, in its teaching order."""
    folder = resources.files(__package__) / "starter_actions"
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            action = parse_saved_action(entry.read_text(encoding="utf-8"))
            found.append(replace(action, starter=True))
    return found


def slug(name: str) -> str:
    """A safe file stem for a name: ``Originate a demo call`` -> ``originate-a-demo-call``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:48].strip("-") or "action"
    return f"{stem}-action" if stem in _RESERVED else stem


class SavedActions:
    """The user's saved actions in one folder, with the starter set alongside."""

    def __init__(self, folder: Path | None = None, *, starters: bool = True) -> None:
        self.folder = folder if folder is not None else actions_dir()
        self.starters = starters
        self.problems: list[str] = []  # files the last list() could not read, and why

    def list(self) -> builtins.list[SavedAction]:
        """The user's actions by name, then the starters they have not replaced. Never raises."""
        own, self.problems = self._own()
        if not self.starters:
            return own
        taken = {a.name.casefold() for a in own}
        return own + [s for s in starter_actions() if s.name.casefold() not in taken]

    def find(self, name: str) -> SavedAction | None:
        """The action called ``name`` (any case): the user's own first, then a starter."""
        wanted = name.strip().casefold()
        return next((a for a in self.list() if a.name.casefold() == wanted), None)

    def load(self, path: Path) -> SavedAction:
        try:
            if path.stat().st_size > MAX_FILE_SIZE:
                raise SavedActionError(f"{path.name}: too large to be a saved action")
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SavedActionError(f"{path.name}: {getattr(exc, 'strerror', None) or exc}") from None
        return parse_saved_action(text, path)

    def save(self, action: SavedAction, *, replace_existing: bool = False) -> SavedAction:
        """Write ``action``; returns it as saved (with its ``path``, secrets emptied).

        Saving the action a file was loaded from overwrites that file. Another action
        of the same name (any case) is replaced only with ``replace_existing``; without
        it, :class:`SavedActionError` says the name is taken. A starter is saved as a
        new action of the user's.
        """
        name, verb = action.name.strip(), action.action.strip()
        if not name:
            raise SavedActionError("Give the action a name")
        if not verb or any(c in verb for c in "\r\n"):
            raise SavedActionError("There is no action to save")
        rows = []
        for row in action.fields:
            if not row.key.strip():
                if row.value.strip():
                    raise SavedActionError("A field has a value but no name")
                continue  # an empty row left in the composer
            if any(c in row.key + row.value for c in "\r\n") or ":" in row.key:
                raise SavedActionError(f"Field {row.key!r} holds a line break or a colon in its name")
            if row.key.lower() != "action":  # the action is kept apart
                rows.append(FieldRow(row.key.strip(), row.value, row.enabled))
        same = self._named(name)
        loaded_from = None if action.starter else action.path
        if same is not None and same.path != loaded_from and not replace_existing:
            raise SavedActionError(f"An action named {same.name!r} already exists")
        path = same.path if same is not None and same.path else self._free_path(name)
        saved = SavedAction(name, verb, _without_secrets(verb, rows), action.description.strip(), path)
        self._write(saved)
        return saved

    def rename(self, action: SavedAction, new_name: str) -> SavedAction:
        """Give a saved action a new name (its file is renamed to match)."""
        if action.starter or action.path is None:
            raise SavedActionError("Starter actions cannot be renamed; save a copy under a new name")
        new_name = new_name.strip()
        if not new_name:
            raise SavedActionError("Give the action a name")
        taken = self._named(new_name, besides=action.path)
        if taken is not None:
            raise SavedActionError(f"An action named {taken.name!r} already exists")
        current = self.load(action.path)  # what is on disk, not unsaved edits
        path = self._free_path(new_name, own=action.path)
        renamed = replace(current, name=new_name, path=path)
        self._write(renamed)
        if path != action.path:
            self._unlink(action.path)
        return renamed

    def delete(self, action: SavedAction) -> None:
        if action.starter or action.path is None:
            raise SavedActionError("Starter actions cannot be deleted; they come with ami-console")
        self._unlink(action.path)

    # -- files ---------------------------------------------------------------------------
    def _own(self) -> tuple[builtins.list[SavedAction], builtins.list[str]]:
        """The user's actions sorted by name, and the files that could not be read."""
        found: builtins.list[SavedAction] = []
        problems: builtins.list[str] = []
        try:
            files = sorted(self.folder.glob("*.toml"))
        except OSError as exc:
            return [], [f"{self.folder}: {exc.strerror or exc}"]
        for path in files:
            try:
                found.append(self.load(path))
            except SavedActionError as exc:
                problems.append(str(exc))
        found.sort(key=lambda a: (a.name.casefold(), a.path.name if a.path else ""))
        return found, problems

    def _named(self, name: str, besides: Path | None = None) -> SavedAction | None:
        """The user's action called ``name`` (any case) other than the file ``besides``."""
        wanted = name.casefold()
        return next((a for a in self._own()[0] if a.name.casefold() == wanted and a.path != besides), None)

    def _free_path(self, name: str, own: Path | None = None) -> Path:
        stem = slug(name)
        for n in range(1, 10_000):
            path = self.folder / (f"{stem}.toml" if n == 1 else f"{stem}-{n}.toml")
            if path == own or not path.exists():
                return path
        raise SavedActionError(f"Too many files named {stem}-N.toml")

    def _write(self, action: SavedAction) -> None:
        assert action.path is not None
        try:
            write_atomic(action.path, action.to_toml().encode("utf-8"))
        except OSError as exc:
            raise SavedActionError(f"Could not save {action.name!r}: {exc.strerror or exc}") from None

    @staticmethod
    def _unlink(path: Path) -> None:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise SavedActionError(f"Could not remove {path.name}: {exc.strerror or exc}") from None
