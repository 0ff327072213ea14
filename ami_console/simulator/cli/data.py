"""CLI commands about stored and configured things: the Asterisk database, queues, phones."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from ami_console.printable import plural

from ..pbx import DEVICE_STATE_TEXT
from .registry import SHOW_USAGE, CommandTable, lines

if TYPE_CHECKING:
    from ..manager_session import ManagerSession

MEMBER_STATES = {1: "Not in use", 2: "In use", 3: "Busy", 6: "Ringing"}


COMMANDS = CommandTable()  # this module's commands (cli.catalog gathers the tables)


@COMMANDS.cli(
    "database show",
    "Show the Asterisk database, or one family or key path of it",
    "database show [family [keytree]]",
)
def show(session: ManagerSession, args: list[str]) -> object:
    if len(args) > 2:
        return SHOW_USAGE
    prefix = "/" + "/".join(args) if args else ""
    rows = [(f"/{f}/{k}", v) for (f, k), v in sorted(session.pbx.astdb.items())]
    rows = [(key, value) for key, value in rows if key.startswith(prefix)]
    return lines([f"{key:<50}: {value:<25}" for key, value in rows] + [f"{len(rows)} results found."])


@COMMANDS.cli("database get", "Read one value from the Asterisk database", "database get <family> <key>")
def get(session: ManagerSession, args: list[str]) -> object:
    if len(args) != 2:
        return SHOW_USAGE
    value = session.pbx.astdb.get((args[0], args[1]))
    return "Database entry not found.\n" if value is None else f"Value: {value}\n"


@COMMANDS.cli(
    "database put",
    "Store one value in the Asterisk database",
    "database put <family> <key> <value>",
)
def put(session: ManagerSession, args: list[str]) -> object:
    if len(args) != 3:
        return SHOW_USAGE
    session.pbx.astdb[(args[0], args[1])] = args[2]
    return "Updated database successfully\n"


@COMMANDS.cli("database del", "Delete one value from the Asterisk database", "database del <family> <key>")
def delete(session: ManagerSession, args: list[str]) -> object:
    if len(args) != 2:
        return SHOW_USAGE
    gone = session.pbx.astdb.pop((args[0], args[1]), None)
    return "Database entry does not exist.\n" if gone is None else "Database entry removed.\n"


@COMMANDS.cli("queue show", "Show the queues, their members and who is waiting", "queue show [queue]")
def queues(session: ManagerSession, args: list[str]) -> object:
    pbx = session.pbx
    chosen = [q for q in pbx.queues.values() if not args or q.name == args[0]]
    if args and not chosen:
        return f"No such queue: {args[0]}.\n"
    rows = []
    for queue in chosen:
        rows.append(
            f"{queue.name} has {plural(len(queue.callers), 'call')} (max unlimited) in "
            f"'{queue.strategy}' strategy ({queue.holdtime}s holdtime, {queue.talktime}s talktime), "
            f"W:0, C:{queue.completed}, A:{queue.abandoned}, SL:0.0%, SL2:0.0% within 0s"
        )
        rows.append("   Members: ")
        for member in queue.members:
            taken = f"has taken {member.calls_taken} calls" if member.calls_taken else "has taken no calls yet"
            state = MEMBER_STATES.get(member.status, "Unknown")
            login = int(time.time() - pbx.started)
            rows.append(
                f"      {member.name} ({member.interface}) (ringinuse enabled) ({state}) {taken} "
                f"(login was {login} secs ago)"
            )
        if queue.callers:
            rows.append("   Callers: ")
            rows += [f"      {n}. {name} (wait: 0:00, prio: 0)" for n, name in enumerate(queue.callers, 1)]
        else:
            rows.append("   No Callers")
        rows.append("")
    return lines(rows)


@COMMANDS.cli("pjsip show endpoints", "List the phones, their state and their calls")
def endpoints(session: ManagerSession, args: list[str]) -> object:
    pbx = session.pbx
    rows = [
        "",
        " Endpoint:  <Endpoint/CID.....................................>  <State.....>  <Channels.>",
        "=" * 90,
        "",
    ]
    for endpoint in pbx.endpoints.values():
        calls = [c for c in pbx.channels.values() if c.device == endpoint.device]
        state = DEVICE_STATE_TEXT.get(pbx.device_state(endpoint.device), "Unknown")
        label = f"{endpoint.name}/{endpoint.number}"
        rows.append(f" Endpoint:  {label:<53}{state:<15}{len(calls)} of inf")
        rows += [f"     Channel: {c.name:<48}{c.state_name:<15}" for c in calls]
        rows.append("")
    rows.append(f"Objects found: {len(pbx.endpoints)}")
    return lines(rows)
