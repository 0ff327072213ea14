"""QueueStatus and QueueSummary, with app_queue's list items (ActionID comes last)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from .. import manager_events, wire
from ..channels import shown
from ..perms import AGENT
from ..reader import Request
from .registry import ActionTable, Reply

if TYPE_CHECKING:
    from ..manager_session import ManagerSession


ACTIONS = ActionTable()  # this module's actions (actions.catalog gathers the tables)


@ACTIONS.action(
    "QueueStatus",
    0,
    "Show queues, their members and the callers waiting.",
    description="A QueueParams event per queue, then a QueueMember per member and a QueueEntry per caller.",
    arguments=[
        ("Queue", False, "Only this queue."),
        ("Member", False, "Only members with this name or interface."),
    ],
    see_also=["QueueSummary"],
)
async def queue_status(session: ManagerSession, request: Request) -> Reply:
    wanted, member_filter = request.header("Queue"), request.header("Member")
    pbx = session.pbx
    items: list[str] = []
    for queue in pbx.queues.values():
        if wanted and queue.name != wanted:
            continue
        params = [
            ("Queue", queue.name),
            ("Max", 0),
            ("Strategy", queue.strategy),
            ("Calls", len(queue.callers)),
            ("Holdtime", queue.holdtime),
            ("TalkTime", queue.talktime),
            ("Completed", queue.completed),
            ("Abandoned", queue.abandoned),
            ("ServiceLevel", 0),
            ("ServicelevelPerf", _percent(queue.completed_in_sl, queue.completed)),
            (
                "ServicelevelPerf2",
                _percent(queue.completed_in_sl + queue.abandoned_in_sl, queue.completed + queue.abandoned),
            ),
            ("Weight", 0),
        ]
        items.append(wire.list_item(request, "QueueParams", params, id_last=True))
        for member in queue.members:
            if member_filter and member_filter not in (member.name, member.interface):
                continue
            fields = [
                ("Queue", queue.name),
                ("Name", member.name),
                ("Location", member.interface),
                ("StateInterface", member.interface),
                ("Membership", "static"),
                ("Penalty", member.penalty),
                ("CallsTaken", member.calls_taken),
                ("LastCall", member.last_call),
                ("LastPause", member.last_pause),
                ("LoginTime", int(pbx.started)),
                ("InCall", member.in_call),
                ("Status", member.status),
                ("Paused", int(member.paused)),
                ("PausedReason", member.paused_reason),
                ("Wrapuptime", 0),
            ]
            items.append(wire.list_item(request, "QueueMember", fields, id_last=True))
        for position, name in enumerate(queue.callers, 1):
            chan = pbx.channels.get(name)
            if chan is None:
                continue
            joined = chan.cdr.get("queue_joined", chan.created)
            fields = [
                ("Queue", queue.name),
                ("Position", position),
                ("Channel", chan.name),
                ("Uniqueid", chan.uniqueid),
                ("CallerIDNum", shown(chan.caller_num)),
                ("CallerIDName", shown(chan.caller_name)),
                ("ConnectedLineNum", shown(chan.connected_num)),
                ("ConnectedLineName", shown(chan.connected_name)),
                ("Priority", 0),
                ("Wait", int(time.time() - joined)),
            ]
            items.append(wire.list_item(request, "QueueEntry", fields, id_last=True))
    return (
        wire.list_start(request, "Queue status will follow")
        + "".join(items)
        + wire.list_complete(request, "QueueStatusComplete", len(items))
    )


def _percent(part: int, whole: int) -> str:
    """app_queue's service level figures: a percentage with one decimal, 0.0 for none."""
    return f"{100 * part / whole:.1f}" if whole else "0.0"


@ACTIONS.action(
    "QueueSummary",
    0,
    "Show one line of figures per queue.",
    arguments=[("Queue", False, "Only this queue.")],
    see_also=["QueueStatus"],
)
async def queue_summary(session: ManagerSession, request: Request) -> Reply:
    wanted = request.header("Queue")
    pbx = session.pbx
    items = []
    for queue in pbx.queues.values():
        if wanted and queue.name != wanted:
            continue
        waits = [
            time.time() - pbx.channels[name].cdr.get("queue_joined", pbx.channels[name].created)
            for name in queue.callers
            if name in pbx.channels
        ]
        fields = [
            ("Queue", queue.name),
            ("LoggedIn", len(queue.members)),
            ("Available", sum(1 for m in queue.members if m.status == 1 and not m.paused)),
            ("Callers", len(queue.callers)),
            ("HoldTime", queue.holdtime),
            ("TalkTime", queue.talktime),
            ("LongestHoldTime", int(max(waits, default=0))),
        ]
        items.append(wire.list_item(request, "QueueSummary", fields, id_last=True))
    return (
        wire.list_start(request, "Queue summary will follow")
        + "".join(items)
        + wire.list_complete(request, "QueueSummaryComplete", len(items))
    )


@ACTIONS.action(
    "QueuePause",
    AGENT,
    "Pause or unpause a queue member.",
    description=(
        "A paused member is not offered calls. QueueMemberPause is the event this raises;\n"
        "there is no action of that name."
    ),
    arguments=[
        ("Interface", True, "The member's interface, e.g. Local/300@demo."),
        ("Paused", True, "true to pause, false to unpause."),
        ("Queue", False, "Only in this queue (every queue the member is in if left out)."),
        ("Reason", False, "Why: shown as PausedReason."),
    ],
    see_also=["QueueStatus"],
    since="1.6.0",
)
async def queue_pause(session: ManagerSession, request: Request) -> Reply:
    interface, paused = request.header("Interface"), request.header("Paused")
    wanted, reason = request.header("Queue"), request.header("Reason") or ""
    if not interface or not paused:
        return wire.error(request, "Need 'Interface' and 'Paused' parameters.")
    pause = paused.strip().lower() in ("1", "true", "yes", "on", "y", "t")
    pbx = session.pbx
    found = False
    for queue in pbx.queues.values():
        if wanted and queue.name != wanted:
            continue
        for member in queue.members:
            if member.interface != interface:
                continue
            found = True
            member.paused = pause
            member.paused_reason = reason if pause else ""
            if pause:
                member.last_pause = int(time.time())
            # call_queue: the pause device, the queue's availability, then the event.
            state = "INUSE" if pause else "NOT_INUSE"
            pbx.set_device_state(f"Queue:{queue.name}_pause_{interface}", state, force=True)
            pbx.set_device_state(f"Queue:{queue.name}_avail", state, force=True)
            pbx.publish(manager_events.queue_member_status(queue.name, member, int(pbx.started), "QueueMemberPause"))
    if not found:
        return wire.error(request, "Interface not found")
    return wire.success(request, f"Interface {'paused' if pause else 'unpaused'} successfully")
