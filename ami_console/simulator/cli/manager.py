"""CLI commands about the manager interface itself: its actions, users and sessions."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from ..actions.docs import describe
from ..actions.registry import sorted_actions
from ..perms import authority_to_str
from .registry import SHOW_USAGE, CommandTable, lines

if TYPE_CHECKING:
    from ..manager_session import ManagerSession


COMMANDS = CommandTable()  # this module's commands (cli.catalog gathers the tables)


@COMMANDS.cli("manager show commands", "List every manager action with a line about it")
def commands(session: ManagerSession, args: list[str]) -> object:
    specs = sorted_actions(session.core.actions)
    width = max(len(spec.name) for spec in specs)
    room = max(0, 80 - width - 4)
    rows = [("Action", "Synopsis"), ("------", "--------")] + [(s.name, s.synopsis) for s in specs]
    return lines([f"  {name:<{width}.{width}}  {text[:room]}" for name, text in rows])


@COMMANDS.cli(
    "manager show command",
    "Show the documentation of one or more manager actions",
    "manager show command <action> [<action> ...]",
)
def command(session: ManagerSession, args: list[str]) -> object:
    if not args:
        return SHOW_USAGE
    wanted = {a.lower() for a in args}
    return "".join(describe(spec) for spec in sorted_actions(session.core.actions) if spec.name.lower() in wanted)


@COMMANDS.cli("manager show connected", "List the sessions connected to the manager interface")
def connected(session: ManagerSession, args: list[str]) -> object:
    row = "  {:<15.15}  {:<55.55}  {:<10.10}  {:<10.10}  {:<8.8}  {:<8.8}  {:<10.10}  {:<10.10}"
    heads = (
        "Username",
        "IP Address",
        "Start",
        "Elapsed",
        "FileDes",
        "HttpCnt",
        "ReadPerms",
        "WritePerms",
    )
    rows = [row.format(*heads)]
    now = time.time()
    sessions = sorted(session.pbx.sessions, key=lambda s: s.number)
    for other in sessions:
        start = int(other.login_time or now)
        values = (other.username, other.remote[0], start, int(now - start), other.number, 0)
        rows.append(row.format(*map(str, values), str(other.readperm), str(other.writeperm)))
    rows.append(f"{len(sessions)} users connected.")
    return lines(rows)


@COMMANDS.cli("manager show users", "List the manager users this PBX knows")
def users(session: ManagerSession, args: list[str]) -> object:
    names = [user.username for user in session.core.users]
    return lines(
        [
            "",
            "username",
            "--------",
            *names,
            "-------------------",
            f"{len(names)} manager users configured.",
        ]
    )


@COMMANDS.cli("manager show user", "Show what one manager user may read and write", "manager show user <user>")
def user(session: ManagerSession, args: list[str]) -> object:
    if len(args) != 1:
        return SHOW_USAGE
    found = session.core.find_user(args[0])
    if found is None:
        return f"There is no manager called {args[0]}\n"
    return lines(
        [
            "",
            f"          username: {found.username}",
            "            secret: <Set>",
            "               ACL: yes",
            f"         read perm: {_classes(found.read_mask)}",
            f"        write perm: {_classes(found.write_mask)}",
            "   displayconnects: yes",
            "allowmultiplelogin: yes",
            "         Variables: ",
        ]
    )


def _classes(mask: int) -> str:
    names = [name for name in authority_to_str(mask).split(",") if name != "all"]
    return ",".join(names) or "<none>"
