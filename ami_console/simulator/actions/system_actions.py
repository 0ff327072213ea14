"""Actions about the PBX rather than one call: core settings and status, the CLI, the
Asterisk database, the dialplan, hints and queues."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from .. import wire
from ..cli.registry import run_cli
from ..config import HINT, REGISTRAR, extension_matches
from ..manager_events import extension_fields
from ..perms import CALL, COMMAND, CONFIG, REPORTING, SYSTEM
from ..reader import Request
from .registry import ActionTable, Reply

if TYPE_CHECKING:
    from ..manager_session import ManagerSession

ASTERISK_VERSION = "22.10.1"
AMI_VERSION = "11.0.0"


ACTIONS = ActionTable()  # this module's actions (actions.catalog gathers the tables)


@ACTIONS.action(
    "CoreSettings",
    SYSTEM | REPORTING,
    "Show the PBX's version and core settings.",
    description="Versions of Asterisk and of AMI, and the limits and switches of the core.",
)
async def core_settings(session: ManagerSession, request: Request) -> Reply:
    return wire.success(
        request,
        fields=[
            ("AMIversion", AMI_VERSION),
            ("AsteriskVersion", ASTERISK_VERSION),
            ("SystemName", ""),
            ("CoreMaxCalls", 0),
            ("CoreMaxLoadAvg", "0.000000"),
            ("CoreRunUser", ""),
            ("CoreRunGroup", ""),
            ("CoreMaxFilehandles", 0),
            ("CoreRealTimeEnabled", "No"),
            ("CoreCDRenabled", "Yes"),
            ("CoreHTTPenabled", "No"),
            ("SoundsSearchCustomDir", "No"),
        ],
    )


@ACTIONS.action(
    "CoreStatus",
    SYSTEM | REPORTING,
    "Show when the PBX started and how many calls it carries.",
    description="Start and reload times, channels up now, and calls handled since the start.",
)
async def core_status(session: ManagerSession, request: Request) -> Reply:
    started = time.localtime(session.pbx.started)
    date, clock = time.strftime("%Y-%m-%d", started), time.strftime("%H:%M:%S", started)
    return wire.success(
        request,
        fields=[
            ("CoreStartupDate", date),
            ("CoreStartupTime", clock),
            ("CoreReloadDate", date),
            ("CoreReloadTime", clock),
            ("CoreCurrentCalls", len(session.pbx.channels)),
            ("CoreProcessedCalls", session.pbx.processed_calls),
        ],
    )


@ACTIONS.action(
    "Command",
    COMMAND,
    "Run a command of the Asterisk CLI.",
    description=(
        "Runs one CLI command and returns its output, one Output header per line. The\n"
        "response is Error when the command does not exist or was used wrongly."
    ),
    arguments=[("Command", True, "The CLI command line, e.g. core show channels.")],
    since="0.2.0",
)
async def command(session: ManagerSession, request: Request) -> Reply:
    line = request.header("Command")
    if not line:
        return wire.error(request, "No command provided")
    words = line.split()
    if [w.lower() for w in words[:2]] in (["module", "load"], ["module", "unload"]) or [
        w.lower() for w in words[:2]
    ] == ["restart", "gracefully"]:
        return wire.error(request, "Command blacklisted")
    ok, output = run_cli(session, line)
    if output.endswith("\n"):
        output = output[:-1]
    body = "".join(f"Output: {text}\r\n" for text in output.split("\n"))
    status = "Success" if ok else "Error"
    return f"Response: {status}\r\n{wire.id_line(request)}Message: Command output follows\r\n{body}\r\n"


# -- the Asterisk database ---------------------------------------------------------------------
@ACTIONS.action(
    "DBPut",
    SYSTEM,
    "Store a value in the Asterisk database.",
    arguments=[
        ("Family", True, "The family (the first part of the key path)."),
        ("Key", True, "The key within the family."),
        ("Val", False, "The value; empty if left out."),
    ],
    see_also=["DBGet", "DBDel"],
)
async def db_put(session: ManagerSession, request: Request) -> Reply:
    family, key = request.header("Family"), request.header("Key")
    if not family:
        return wire.error(request, "No family specified")
    if not key:
        return wire.error(request, "No key specified")
    session.pbx.astdb[(family, key)] = request.header("Val")
    return wire.success(request, "Updated database successfully")


def _family_and_key(request: Request) -> tuple[str, str, Reply | None]:
    """The Family and Key an AstDB action names, or Asterisk's error for a missing one."""
    family, key = request.header("Family") or "", request.header("Key") or ""
    if not family:
        return family, key, wire.error(request, "No family specified.")
    if not key:
        return family, key, wire.error(request, "No key specified.")
    return family, key, None


def _tree(astdb: dict[tuple[str, str], str], family: str, key: str | None) -> list[tuple[str, str]]:
    """The (family, key) entries of ``family``, only those at or under the key path ``key`` if given."""
    return [(f, k) for f, k in sorted(astdb) if f == family and (not key or k == key or k.startswith(key + "/"))]


@ACTIONS.action(
    "DBGet",
    SYSTEM | REPORTING,
    "Read a value from the Asterisk database.",
    description="Answers with a one-item list: a DBGetResponse event, then DBGetComplete.",
    arguments=[("Family", True, "The family."), ("Key", True, "The key within the family.")],
    see_also=["DBPut", "DBGetTree"],
)
async def db_get(session: ManagerSession, request: Request) -> Reply:
    family, key, missing = _family_and_key(request)
    if missing:
        return missing
    value = session.pbx.astdb.get((family, key))
    if value is None:
        return wire.error(request, "Database entry not found")
    item = [("Family", family), ("Key", key), ("Val", value)]
    return (
        wire.list_start(request, "Result will follow")
        + wire.list_item(request, "DBGetResponse", item, id_last=True)
        + wire.list_complete(request, "DBGetComplete", 1)
    )


@ACTIONS.action(
    "DBGetTree",
    SYSTEM | REPORTING,
    "Read every value of a family (or of a key path within it).",
    arguments=[("Family", True, "The family."), ("Key", False, "Only keys under this path.")],
    see_also=["DBGet"],
)
async def db_get_tree(session: ManagerSession, request: Request) -> Reply:
    family, key = request.header("Family"), request.header("Key")
    if not family:
        return wire.error(request, "No family specified.")
    astdb = session.pbx.astdb
    found = [(f, k, astdb[f, k]) for f, k in _tree(astdb, family, key)]
    if not found:
        return wire.error(request, "Database entry not found")
    items = "".join(
        wire.list_item(request, "DBGetTreeResponse", [("Family", f), ("Key", k), ("Val", v)], id_last=True)
        for f, k, v in found
    )
    return (
        wire.list_start(request, "Result will follow")
        + items
        + wire.list_complete(request, "DBGetTreeComplete", len(found))
    )


@ACTIONS.action(
    "DBDel",
    SYSTEM,
    "Delete a value from the Asterisk database.",
    arguments=[("Family", True, "The family."), ("Key", True, "The key to delete.")],
    see_also=["DBPut", "DBDelTree"],
)
async def db_del(session: ManagerSession, request: Request) -> Reply:
    family, key, missing = _family_and_key(request)
    if missing:
        return missing
    if session.pbx.astdb.pop((family, key), None) is None:
        return wire.error(request, "Database entry not found")
    return wire.success(request, "Key deleted successfully")


@ACTIONS.action(
    "DBDelTree",
    SYSTEM,
    "Delete a whole family (or a key path within it) from the Asterisk database.",
    arguments=[("Family", True, "The family."), ("Key", False, "Only keys under this path.")],
    see_also=["DBDel"],
)
async def db_del_tree(session: ManagerSession, request: Request) -> Reply:
    family, key = request.header("Family"), request.header("Key")
    if not family:
        return wire.error(request, "No family specified.")
    doomed = _tree(session.pbx.astdb, family, key)
    if not doomed:
        return wire.error(request, "Database entry not found")
    for item in doomed:
        del session.pbx.astdb[item]
    return wire.success(request, "Key tree deleted successfully")


# -- dialplan and hints ------------------------------------------------------------------------
@ACTIONS.action(
    "ShowDialPlan",
    CONFIG | REPORTING,
    "List the dialplan: contexts, extensions and their priorities.",
    description="One ListDialplan event per priority (and per included context).",
    arguments=[
        ("Extension", False, "Only this extension."),
        ("Context", False, "Only this context."),
    ],
    see_also=["ExtensionState"],
)
async def show_dialplan(session: ManagerSession, request: Request) -> Reply:
    wanted_context, wanted_exten = request.header("Context"), request.header("Extension")
    contexts = session.pbx.contexts
    if wanted_context and wanted_context not in contexts:
        return wire.error(request, f"Did not find context {wanted_context}")
    items: list[str] = []
    extensions = priorities = used_contexts = 0
    for context in contexts.values():
        if wanted_context and context.name != wanted_context:
            continue
        before = len(items)
        for extension in context.extensions:
            if wanted_exten and not extension_matches(extension.name, wanted_exten):
                continue
            extensions += 1
            for step in extension.priorities:
                priorities += 1
                fields: list[tuple[str, object]] = [
                    ("Context", context.name),
                    ("Extension", extension.name),
                ]
                if step.label:
                    fields.append(("ExtensionLabel", step.label))  # manager_show_dialplan_helper's order
                if step.number == HINT:
                    fields += [("Priority", "hint"), ("Application", step.app)]
                else:
                    fields += [
                        ("Priority", step.number),
                        ("Application", step.app),
                        ("AppData", step.data),
                    ]
                items.append(wire.list_item(request, "ListDialplan", [*fields, ("Registrar", REGISTRAR)]))
        if not wanted_exten:
            for included in context.includes:
                fields = [
                    ("Context", context.name),
                    ("IncludeContext", included),
                    ("Registrar", REGISTRAR),
                ]
                items.append(wire.list_item(request, "ListDialplan", fields))
        if len(items) > before:
            used_contexts += 1
    if wanted_exten and not extensions:
        where = f"@{wanted_context}" if wanted_context else " in any context"
        return wire.error(request, f"Did not find extension {wanted_exten}{where}")
    if not items:
        return wire.error(request, "No dialplan found")
    counts = [
        ("ListExtensions", extensions),
        ("ListPriorities", priorities),
        ("ListContexts", used_contexts),
    ]
    return (
        wire.list_start(request, "DialPlan list will follow")
        + "".join(items)
        + wire.list_complete(request, "ShowDialPlanComplete", len(items), counts)
    )


@ACTIONS.action(
    "ExtensionState",
    CALL | REPORTING,
    "Show the state of an extension's hint.",
    description=(
        "Status is the hint's state: 0 idle, 1 in use, 2 busy, 4 unavailable, 8 ringing;\n"
        "-1 when the extension has no hint."
    ),
    arguments=[
        ("Exten", True, "The extension."),
        ("Context", False, "Its context (default if left out)."),
    ],
    see_also=["ExtensionStateList"],
)
async def extension_state(session: ManagerSession, request: Request) -> Reply:
    exten = request.header("Exten")
    if not exten:
        return wire.error(request, "Extension not specified")
    context = request.header("Context") or "default"
    hint, status, text = session.pbx.extension_state(context, exten)
    return wire.success(request, "Extension Status", extension_fields(exten, context, hint, status, text))


@ACTIONS.action(
    "ExtensionStateList",
    CALL | REPORTING,
    "List the state of every hint.",
    see_also=["ExtensionState"],
)
async def extension_state_list(session: ManagerSession, request: Request) -> Reply:
    items = []
    for context, exten, hint in session.pbx.hints():
        _, status, text = session.pbx.extension_state(context, exten)
        items.append(wire.list_item(request, "ExtensionStatus", extension_fields(exten, context, hint, status, text)))
    return (
        wire.list_start(request, "Extension Statuses will follow")
        + "".join(items)
        + wire.list_complete(request, "ExtensionStateListComplete", len(items))
    )


@ACTIONS.action(
    "DeviceStateList",
    CALL | REPORTING,
    "List the state of every known device.",
)
async def device_state_list(session: ManagerSession, request: Request) -> Reply:
    pbx = session.pbx
    devices = [endpoint.device for endpoint in pbx.endpoints.values()]
    devices += [d for d in pbx.device_states if d not in devices]
    items = [
        wire.list_item(request, "DeviceStateChange", [("Device", d), ("State", pbx.device_state(d))]) for d in devices
    ]
    return (
        wire.list_start(request, "Device State Changes will follow")
        + "".join(items)
        + wire.list_complete(request, "DeviceStateListComplete", len(items))
    )
