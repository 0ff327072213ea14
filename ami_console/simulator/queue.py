"""The Queue application: a caller waits in a queue until a member answers.

Members are Local channels (queue ``support`` has ``Local/300@demo``, as in the
captures), so an answered queue call is a Local pair bridged to the caller, and the
member's own dialplan (extension 300: Wait(30), Hangup) decides when the call ends.
"""

from __future__ import annotations

import time

from . import manager_events
from .apps import INTERRUPTED, NEXT, AppTable, run_channel
from .call_control import answer, end_channel, leave_bridge, make_bridge
from .channels import NORMAL_CLEARING, Channel
from .config import Queue, QueueMember
from .originate import fail_local_pair, local_pair
from .pbx import PBX

MEMBER_RING_SECONDS = 15.0  # how long a member rings before the queue tries again
RETRY_SECONDS = 2.0


APPLICATIONS = AppTable()  # Queue (applications.build_apps gathers the tables)


@APPLICATIONS.application("Queue")
async def queue_call(pbx: PBX, chan: Channel, data: str) -> str:
    queue = pbx.queues.get(data.split(",")[0].strip())
    if queue is None:
        pbx.set_variable(chan, "QUEUESTATUS", "UNKNOWN")
        return NEXT
    queue.callers.append(chan.name)
    joined = time.monotonic()
    chan.cdr["queue_joined"] = time.time()
    pbx.publish(
        manager_events.queue_caller_event(
            "QueueCallerJoin",
            chan,
            [
                ("Queue", queue.name),
                ("Position", len(queue.callers)),
                ("Count", len(queue.callers)),
            ],
        )
    )
    while not chan.interrupted:
        member = next((m for m in queue.members if m.status == 1 and not m.paused), None)
        if member is None:
            await chan.wait(pbx.scaled(RETRY_SECONDS))
            continue
        result = await _ring_member(pbx, chan, queue, member, joined)
        if result is not None:
            return result
        await chan.wait(pbx.scaled(RETRY_SECONDS))
    _leave(pbx, queue, chan, abandoned=True, joined=joined)
    return INTERRUPTED


def _leave(pbx: PBX, queue: Queue, chan: Channel, *, abandoned: bool, joined: float) -> None:
    if chan.name not in queue.callers:
        return
    position = queue.callers.index(chan.name) + 1
    queue.callers.remove(chan.name)
    if abandoned:
        queue.abandoned += 1
        queue.abandoned_in_sl += pbx.dialplan_seconds(time.monotonic() - joined) <= 0
        fields = [
            ("Queue", queue.name),
            ("Position", position),
            ("OriginalPosition", position),
            ("HoldTime", int(time.monotonic() - joined)),
        ]
        pbx.publish(manager_events.queue_caller_event("QueueCallerAbandon", chan, fields))
    fields = [("Queue", queue.name), ("Position", position), ("Count", len(queue.callers))]  # call_queue
    pbx.publish(manager_events.queue_caller_event("QueueCallerLeave", chan, fields))


async def _ring_member(pbx: PBX, chan: Channel, queue: Queue, member: QueueMember, joined: float) -> str | None:
    exten, _, context = member.interface.partition("/")[2].partition("@")
    one, two = local_pair(pbx, exten, context, linkedid=chan.linkedid)
    one.appl, one.data = "AppQueue", "(Outgoing Line)"
    one.cdr["last_app"], one.cdr["last_data"] = one.appl, one.data
    one.cdr["record"] = False  # the caller's record covers the agent's outgoing half
    one.owner = chan
    # As Dial does (call_queue): the member's half takes the caller's caller ID, or the
    # caller's extension when it has none, and the other half sees it as connected line.
    one.caller_num, one.caller_name = chan.caller_num or chan.exten, chan.caller_name
    pbx.publish(manager_events.newexten(one, one.appl, one.data))
    pbx.publish(manager_events.newcallerid(one))
    pbx.set_variable(one, "DIALEDPEERNUMBER", f"{exten}@{context}")
    pbx.set_variable(two, "DIALEDPEERNUMBER", f"{exten}@{context}")
    two.connected_num, two.connected_name = one.caller_num, one.caller_name
    pbx.publish(manager_events.newconnectedline(two))
    if not pbx.extension_exists(context, exten):
        fail_local_pair(pbx, one, two)
        return None
    member_fields: list[tuple[str, object]] = [
        ("Queue", queue.name),
        ("Interface", member.interface),
        ("MemberName", member.name),
    ]
    pbx.publish(manager_events.local_bridge(one, two, context, exten))
    # Asterisk's DialBegin carries the member channel's snapshot from before app_queue
    # moved it to the caller's extension, and AgentCalled the one after (call_queue).
    dial_begin = manager_events.dial_begin(chan, one, member.interface)
    one.exten = chan.exten
    pbx.publish(manager_events.agent_event("AgentCalled", chan, one, member_fields))
    pbx.publish(dial_begin)
    rang = time.monotonic()
    pbx.spawn(run_channel(pbx, two))
    deadline = rang + pbx.scaled(MEMBER_RING_SECONDS)
    while not one.answered_event.is_set() and not chan.interrupted and not one.dead:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        await chan.wait(remaining)
    if not one.answered_event.is_set() or one.dead:
        if not one.dead:
            pbx.publish(manager_events.dial_end(chan, one, "CANCEL" if chan.interrupted else "NOANSWER"))
            ring_time = [("RingTime", int(time.monotonic() - rang))]
            pbx.publish(manager_events.agent_event("AgentRingNoAnswer", chan, one, [*member_fields, *ring_time]))
            end_channel(pbx, one, "outside")
        return None
    pbx.publish(manager_events.dial_end(chan, one, "ANSWER"))
    hold = pbx.dialplan_seconds(time.monotonic() - joined)
    connected = [("HoldTime", hold), ("RingTime", pbx.dialplan_seconds(time.monotonic() - rang))]
    # call_queue's order: the caller leaves the queue, the agent connects, then the
    # caller is answered and both are bridged (the agent's half first).
    _leave(pbx, queue, chan, abandoned=False, joined=joined)
    pbx.publish(manager_events.agent_event("AgentConnect", chan, one, [*member_fields, *connected]))
    answer(pbx, chan)
    member.in_call = 1
    bridge = make_bridge(pbx, one, chan, announce=lambda: pbx.publish(manager_events.newexten(one, one.appl, one.data)))
    chan.cdr["destination_channel"] = one.name
    talk_start = time.monotonic()
    completed: list[str] = []

    def complete(reason: str) -> None:
        """AgentComplete, once: right after the caller leaves the bridge, even when the
        caller's hangup is driven from the other half of its Local pair."""
        if completed:
            return
        completed.append(reason)
        talk = pbx.dialplan_seconds(time.monotonic() - talk_start)
        done = [("HoldTime", hold), ("TalkTime", talk), ("Reason", reason)]
        pbx.publish(manager_events.agent_event("AgentComplete", chan, one, [*member_fields, *done]))
        member.in_call = 0
        member.calls_taken += 1
        member.last_call = int(time.time())
        queue.completed += 1
        queue.completed_in_sl += hold <= 0
        queue.holdtime, queue.talktime = hold, talk

    chan.before_hangup = lambda: complete("caller")
    agent_left = False
    while not chan.dead:
        await chan.wait(None)
        agent_left = one.dead or one.softhangup or one.bridge is not bridge
        if agent_left or chan.interrupted:
            break
    if not chan.dead:
        chan.before_hangup = None
        leave_bridge(pbx, chan)
        complete("agent" if agent_left else "caller")
    if not one.dead:
        one.hangup_cause = chan.hangup_cause or NORMAL_CLEARING
        leave_bridge(pbx, one)
        end_channel(pbx, one, "outside")
    return NEXT if agent_left and not chan.dead else INTERRUPTED
