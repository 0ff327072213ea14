"""BridgeList, BridgeInfo and BlindTransfer, with the layouts of call_dial_bridge and
call_blind_transfer (Asterisk's res/ari-less ``manager_bridges.c``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import manager_events, wire
from ..perms import CALL
from ..reader import Request
from .registry import ActionTable, Reply

if TYPE_CHECKING:
    from ..manager_session import ManagerSession


ACTIONS = ActionTable()  # this module's actions (actions.catalog gathers the tables)


@ACTIONS.action(
    "BridgeList",
    0,
    "List the bridges up now.",
    description="A BridgeListItem per bridge, then BridgeListComplete.",
    arguments=[("BridgeType", False, "Only bridges of this type (basic, holding...).")],
    see_also=["BridgeInfo"],
    since="12.0.0",
)
async def bridge_list(session: ManagerSession, request: Request) -> Reply:
    wanted = request.header("BridgeType")
    items = [
        wire.list_item(request, "BridgeListItem", manager_events.bridge_fields(*bridge.state))
        for bridge in session.pbx.bridges.values()
        if not wanted or wanted == "basic"
    ]
    return (
        wire.list_start(request, "Bridge listing will follow")
        + "".join(items)
        + wire.list_complete(request, "BridgeListComplete", len(items))
    )


@ACTIONS.action(
    "BridgeInfo",
    0,
    "Show one bridge and the channels in it.",
    description="A BridgeInfoChannel per channel, then BridgeInfoComplete with the bridge's fields.",
    arguments=[("BridgeUniqueid", True, "The bridge, as BridgeList or a Bridge* event names it.")],
    see_also=["BridgeList"],
    since="12.0.0",
)
async def bridge_info(session: ManagerSession, request: Request) -> Reply:
    bridge_id = request.header("BridgeUniqueid")
    if not bridge_id:
        return wire.error(request, "BridgeUniqueid must be provided")
    bridge = session.pbx.bridges.get(bridge_id)
    if bridge is None:
        return wire.error(request, f"Bridge {bridge_id} not found")
    # Asterisk lists the channel that joined last first (call_dial_bridge).
    items = [wire.list_item(request, "BridgeInfoChannel", chan.fields()) for chan in reversed(bridge.channels)]
    fields = manager_events.bridge_fields(*bridge.state)
    return (
        wire.list_start(request, "Bridge channel listing will follow")
        + "".join(items)
        + wire.list_complete(request, "BridgeInfoComplete", len(items), fields)
    )


@ACTIONS.action(
    "BlindTransfer",
    CALL,
    "Transfer the other party of a bridged call to an extension.",
    description=(
        "The channel named is the one transferring (it leaves the call); the party bridged\n"
        "with it goes to Exten in Context, as if the transferring phone had dialled it."
    ),
    arguments=[
        ("Channel", True, "The channel that transfers (its bridged party is sent on)."),
        ("Context", False, "Where to: context (the channel's own if left out)."),
        ("Exten", False, "Where to: extension."),
    ],
    see_also=["Redirect", "BlindTransfer"],
    since="12.0.0",
)
async def blind_transfer(session: ManagerSession, request: Request) -> Reply:
    name, exten = request.header("Channel"), request.header("Exten")
    if not name:
        return wire.error(request, "No channel specified")
    if not exten:
        return wire.error(request, "No extension specified")
    pbx = session.pbx
    chan = pbx.find_channel(name)
    if chan is None:
        return wire.error(request, "Channel specified does not exist")
    context = request.header("Context") or chan.context
    bridge = chan.bridge
    others = [c for c in bridge.channels if c is not chan] if bridge is not None else []
    if bridge is None or len(others) != 1:
        return wire.error(request, "Transfer invalid")
    transferee = others[0]
    if not pbx.extension_exists(context, exten):
        return wire.error(request, "Transfer failed")
    # call_blind_transfer: Unhold on the transferer, the transferee's Newexten at the new
    # extension's priority 1 still naming the application it was in, then it runs on
    # from priority 2 (priority 1 itself is not run), and the BlindTransfer event.
    pbx.publish(manager_events.channel_event("Unhold", chan))
    pbx.publish(manager_events.blind_transfer(chan, transferee, bridge.state, context, exten))
    transferee.context, transferee.exten, transferee.priority = context, exten, 1
    pbx.publish(manager_events.newexten(transferee, transferee.appl, transferee.data))
    transferee.redirect_to = (context, exten, 2)
    transferee.poke()
    return wire.success(request, "Transfer succeeded")
