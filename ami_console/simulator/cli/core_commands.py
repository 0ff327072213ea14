"""CLI commands about the core and the dialplan: versions, uptime, channels, hints."""

from __future__ import annotations

import platform
import time
from typing import TYPE_CHECKING

from ami_console.printable import plural

from ..config import HINT, extension_matches
from .registry import SHOW_USAGE, CommandTable, lines

if TYPE_CHECKING:
    from ..manager_session import ManagerSession

VERSION = "22.10.1"


def uptime_text(seconds: int) -> str:
    """``1 hour, 2 minutes, 5 seconds``, the way Asterisk prints uptimes."""
    if seconds <= 0:
        return "<1 second"
    parts = []
    units = ((604800, "week"), (86400, "day"), (3600, "hour"), (60, "minute"), (1, "second"))
    for size, name in units:
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(plural(count, name))
    return ", ".join(parts)


COMMANDS = CommandTable()  # this module's commands (cli.catalog gathers the tables)


@COMMANDS.cli("!", "Run a shell command on the console (the server runs nothing)", "!<command>")
def shell(session: ManagerSession, args: list[str]) -> object:
    return ""


@COMMANDS.cli("core show version", "Show the version of Asterisk this PBX claims to be")
def version(session: ManagerSession, args: list[str]) -> object:
    if args:
        return SHOW_USAGE
    built = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(session.pbx.started))
    machine = platform.machine() or "x86_64"
    return f"Asterisk {VERSION} built by ami-console @ simulator on a {machine} running Linux on {built} UTC\n"


@COMMANDS.cli("core show uptime", "Show how long the PBX has run", "core show uptime [seconds]")
def uptime(session: ManagerSession, args: list[str]) -> object:
    seconds = int(time.time() - session.pbx.started)
    if args == ["seconds"]:
        return f"System uptime: {seconds}\nLast reload: {seconds}\n"
    if args:
        return SHOW_USAGE
    return f"System uptime: {uptime_text(seconds)}\nLast reload: {uptime_text(seconds)}\n"


@COMMANDS.cli("core show calls", "Count the calls up now and those handled since the start")
def calls(session: ManagerSession, args: list[str]) -> object:
    pbx = session.pbx
    active = sum(1 for c in pbx.channels.values() if c.in_dialplan)
    return lines([plural(active, "active call"), f"{plural(pbx.processed_calls, 'call')} processed"])


@COMMANDS.cli(
    "core show channels",
    "List the channels up now, one line each",
    "core show channels [concise|verbose|count]",
)
def channels(session: ManagerSession, args: list[str]) -> object:
    mode = args[0].lower() if args else ""
    if len(args) > 1 or mode not in ("", "concise", "verbose", "count"):
        return SHOW_USAGE
    pbx = session.pbx
    found = list(pbx.channels.values())
    now = time.monotonic()
    rows = []
    if mode == "concise":
        for c in found:
            rows.append(
                f"{c.name}!{c.context}!{c.exten}!{c.priority}!{c.state_name}!{c.appl}!{c.data}!"
                f"{c.caller_num or ''}!{c.accountcode}!!3!{int(now - c.created_mono)}!"
                f"{c.bridge_id or '(None)'}!{c.uniqueid}"
            )
        return lines(rows)
    if mode == "":
        rows.append(f"{'Channel':<64} {'Location':<32} {'State':<7} {'Application(Data)':<30}")
        for c in found:
            where = f"{c.exten}@{c.context}:{c.priority}" if c.context and c.exten else "(None)"
            app = f"{c.appl}({c.data})" if c.appl else "(None)"
            rows.append(f"{c.name:<64.64} {where:<32.32} {c.state_name:<7.7} {app:<30.30}")
    elif mode == "verbose":
        rows.append(
            _verbose(
                "Channel",
                "Context",
                "Extension",
                "Prio",
                "State",
                "Application",
                "Data",
                "CallerID",
                "Duration",
                "Accountcode",
                "PeerAccount",
                "BridgeID",
            )
        )
        for c in found:
            held = int(now - c.created_mono)
            duration = f"{held // 3600:02d}:{held % 3600 // 60:02d}:{held % 60:02d}"
            rows.append(
                _verbose(
                    c.name,
                    c.context,
                    c.exten,
                    str(c.priority),
                    c.state_name,
                    c.appl,
                    c.data,
                    c.caller_num or "",
                    duration,
                    c.accountcode,
                    "",
                    c.bridge_id,
                )
            )
    active = sum(1 for c in found if c.in_dialplan)
    rows += [
        plural(len(found), "active channel"),
        plural(active, "active call"),
        f"{plural(pbx.processed_calls, 'call')} processed",
    ]
    return lines(rows)


def _verbose(*values: str) -> str:
    widths = (80, 24, 24, 4, 7, 12, 25, 15, 8, 11, 11, 20)
    return " ".join(f"{value:<{w}.{w}}" for value, w in zip(values, widths, strict=True))


@COMMANDS.cli("core show help", "List the commands, or explain one", "core show help [command]")
def show_help(session: ManagerSession, args: list[str]) -> object:
    wanted = [a.lower() for a in args]
    chosen = [c for c in session.core.commands if list(c.words[: len(wanted)]) == wanted]
    if len(chosen) == 1 and list(chosen[0].words) == wanted:
        return chosen[0].usage
    chosen.sort(key=lambda c: c.words)
    return lines([f"{' '.join(c.words):<30} -- {c.summary}" for c in chosen])


@COMMANDS.cli("core show hints", "List the dialplan hints and the state of each")
def hints(session: ManagerSession, args: list[str]) -> object:
    pbx = session.pbx
    found = pbx.hints()
    rows = ["    -= Registered Asterisk Dial Plan Hints =-"]
    for context, exten, hint in found:
        _, _, text = pbx.extension_state(context, exten)
        where = f"{exten}@{context}"
        rows.append(f"{where:<20.20}: {hint:<20.20}  State:{text:<15.15} Presence:{'not_set':<15.15} Watchers  0")
    rows += ["----------------", f"- {plural(len(found), 'hint')} registered"]
    return lines(rows)


@COMMANDS.cli("core reload", "Reload every module (nothing to reload here)")
def reload(session: ManagerSession, args: list[str]) -> object:
    return ""


@COMMANDS.cli(
    "dialplan show",
    "Show the dialplan, or one context or extension of it",
    "dialplan show [[exten@]context]",
)
def dialplan(session: ManagerSession, args: list[str]) -> object:
    if len(args) > 1:
        return SHOW_USAGE
    target = args[0] if args else ""
    exten, _, context = target.rpartition("@") if "@" in target else ("", "", target)
    contexts = session.pbx.contexts
    if context and context not in contexts:
        return f"There is no existence of '{context}' context\n"
    rows: list[str] = []
    extensions = priorities = used = 0
    for ctx in contexts.values():
        shown = [e for e in ctx.extensions if not exten or extension_matches(e.name, exten)]
        if (context and ctx.name != context) or (exten and not shown):
            continue
        used += 1
        rows.append(f"[ Context '{ctx.name}' created by 'pbx_config' ]")
        for extension in shown:
            extensions += 1
            for index, step in enumerate(extension.priorities):
                priorities += 1
                # The first line names the extension; later ones show a label as "   [label]".
                label = f"'{extension.name}' =>" if index == 0 else (f"   [{step.label}]" if step.label else "")
                text = f"hint: {step.app}" if step.number == HINT else f"{step.number}. {step.app}({step.data})"
                rows.append(f"  {label:<17} {text:<45} [extensions.conf:{step.line}]")
        if not exten:
            rows += [f"  Include =>        {name!r:<45} [pbx_config]" for name in ctx.includes]
        rows.append("")
    if exten and not extensions:
        return f"There is no existence of '{target}' extension\n"
    rows.append(
        f"-= {plural(extensions, 'extension')} ({plural(priorities, 'priority', 'priorities')}) "
        f"in {plural(used, 'context')}. =-"
    )
    return lines(rows)
