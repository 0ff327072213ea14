"""Tables of CLI commands, and how a command line finds its command.

Each CLI module keeps the table of its own commands (``COMMANDS = CommandTable()``,
filled by its ``@COMMANDS.cli(...)`` decorators); :func:`.catalog.build_commands` makes
the PBX's list of them all, which the server builds once (``ServerCore.commands``).

A command is matched word by word, case-insensitively; the words after it are its
arguments. An unknown command gets Asterisk's "No such command" line, including
Asterisk's guess of how far the words made sense (``core show help no such`` for
``no such command``). The summaries and usage texts are our own words.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..manager_session import ManagerSession

SHOW_USAGE = object()  # what a handler returns to print its usage (and answer Error)

Handler = Callable[["ManagerSession", list[str]], object]


@dataclass(frozen=True)
class CliCommand:
    words: tuple[str, ...]
    summary: str
    syntax: str
    handler: Handler

    @property
    def usage(self) -> str:
        return f"Usage: {self.syntax}\n       {self.summary}.\n"


class CommandTable(list[CliCommand]):
    """The commands one module defines."""

    def cli(self, command: str, summary: str, syntax: str = "") -> Callable[[Handler], Handler]:
        """Add a handler for ``command`` (words), described by ``summary``."""

        def add(handler: Handler) -> Handler:
            self.append(CliCommand(tuple(command.split()), summary, syntax or command, handler))
            return handler

        return add


def run_cli(session: ManagerSession, line: str) -> tuple[bool, str]:
    """Run a CLI line: (succeeded, output text)."""
    commands = session.core.commands
    try:
        words = shlex.split(line)
    except ValueError:
        words = line.split()
    command = find_command(commands, words)
    if command is None:
        guess = best_guess(commands, words)
        shown = " ".join(words)
        return False, (f"No such command '{shown}' (type 'core show help {guess}' for other possible commands)\n")
    result = command.handler(session, words[len(command.words) :])
    if result is SHOW_USAGE:
        return False, command.usage
    return True, str(result)


def find_command(commands: list[CliCommand], words: list[str]) -> CliCommand | None:
    lowered = [w.lower() for w in words]
    matches = [c for c in commands if list(c.words) == lowered[: len(c.words)]]
    return max(matches, key=lambda c: len(c.words), default=None)


def best_guess(commands: list[CliCommand], words: list[str]) -> str:
    """Asterisk's find_best: keep words while some command could still be meant, and
    stop after the first word that rules every command out."""
    guess: list[str] = []
    for word in words:
        guess.append(word.lower())
        if not any(_near(command.words, guess) for command in commands):
            break
    return " ".join(words[: len(guess)])


def _near(entry: tuple[str, ...], words: list[str]) -> bool:
    """Same length, every word equal except perhaps the last one."""
    return len(entry) == len(words) and list(entry[:-1]) == words[:-1]


def lines(rows: list[str]) -> str:
    return "".join(row + "\n" for row in rows)
