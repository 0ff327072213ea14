"""QueueStatus and QueueSummary, with app_queue's list items (ActionID comes last)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from .. import wire
from ..channels import shown
from ..reader import Request
from .registry import Reply, action

if TYPE_CHECKING:
    from ..session import Session


@action(
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
async def queue_status(session: Session, request: Request) -> Reply:
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
            ("ServicelevelPerf", "0.0"),
            ("ServicelevelPerf2", "0.0"),
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
                ("LastPause", 0),
                ("LoginTime", int(pbx.started)),
                ("InCall", member.in_call),
                ("Status", member.status),
                ("Paused", int(member.paused)),
                ("PausedReason", ""),
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


@action(
    "QueueSummary",
    0,
    "Show one line of figures per queue.",
    arguments=[("Queue", False, "Only this queue.")],
    see_also=["QueueStatus"],
)
async def queue_summary(session: Session, request: Request) -> Reply:
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
