"""PJSIPShowEndpoints, PJSIPShowEndpoint, PJSIPShowContacts and PJSIPShowAors: res_pjsip's
lists of its phones, their registrations and settings, as pjsip_register shows them
(the messages and refusals are res_pjsip's, trailing newline included)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import wire
from ..config import Endpoint
from ..pbx import DEVICE_STATE_TEXT, PBX
from ..perms import SYSTEM
from ..pjsip_objects import (
    aor,
    aor_detail,
    auth_detail,
    contact_list,
    contact_status_detail,
    endpoint_detail,
    endpoint_list,
)
from ..reader import Request
from .registry import ActionTable, Reply

if TYPE_CHECKING:
    from ..manager_session import ManagerSession


def _state(pbx: PBX, endpoint: Endpoint) -> list[tuple[str, object]]:
    """The DeviceState and ActiveChannels every endpoint item ends with."""
    channels = sum(c.device == endpoint.device for c in pbx.channels.values())
    return [
        ("DeviceState", DEVICE_STATE_TEXT.get(pbx.device_state(endpoint.device), "Unknown")),
        ("ActiveChannels", channels),
    ]


ACTIONS = ActionTable()  # this module's actions (actions.catalog gathers the tables)


@ACTIONS.action(
    "PJSIPShowEndpoints",
    SYSTEM,
    "List the PJSIP endpoints (the phones).",
    description="An EndpointList per endpoint (its AOR, auth, contacts, device state, channels), then EndpointListComplete.",
    see_also=["PJSIPShowEndpoint", "PJSIPShowContacts"],
)
async def show_endpoints(session: ManagerSession, request: Request) -> Reply:
    pbx = session.pbx
    endpoints = sorted(pbx.endpoints.values(), key=lambda e: e.name)
    if not endpoints:
        return wire.error(request, "No endpoints found\n")
    items = [
        wire.list_item(request, "EndpointList", [*endpoint_list(e, pbx.contacts.get(e.name)), *_state(pbx, e)])
        for e in endpoints
    ]
    return (
        wire.list_start(request, "A listing of Endpoints follows, presented as EndpointList events")
        + "".join(items)
        + wire.list_complete(request, "EndpointListComplete", len(items))
    )


@ACTIONS.action(
    "PJSIPShowEndpoint",
    SYSTEM,
    "Show one PJSIP endpoint and what belongs to it.",
    description=(
        "EndpointDetail (every setting of the endpoint), then its AuthDetail, AorDetail and a\n"
        "ContactStatusDetail per registered contact, then EndpointDetailComplete."
    ),
    arguments=[("Endpoint", True, "The endpoint's name (a PJSIP/ prefix is allowed).")],
    see_also=["PJSIPShowEndpoints"],
)
async def show_endpoint(session: ManagerSession, request: Request) -> Reply:
    name = request.header("Endpoint")
    if not name:
        return wire.error(request, "PJSIPShowEndpoint requires an endpoint name\n")
    if name[:6].lower() == "pjsip/":
        name = name[6:]
    pbx = session.pbx
    endpoint = pbx.endpoints.get(name)
    if endpoint is None:
        return wire.error(request, f"Unable to retrieve endpoint {name}\n")
    contact = pbx.contacts.get(endpoint.name)
    items = [
        wire.list_item(request, "EndpointDetail", [*endpoint_detail(endpoint), *_state(pbx, endpoint)]),
        wire.list_item(request, "AuthDetail", auth_detail(endpoint)),
        wire.list_item(request, "AorDetail", aor_detail(endpoint, contact)),
    ]
    if contact is not None:
        items.append(wire.list_item(request, "ContactStatusDetail", contact_status_detail(contact)))
    return (
        wire.list_start(request, "Following are Events for each object associated with the Endpoint")
        + "".join(items)
        + wire.list_complete(request, "EndpointDetailComplete", len(items))
    )


@ACTIONS.action(
    "PJSIPShowContacts",
    SYSTEM,
    "List the phones' registered contacts.",
    description="A ContactList per contact (its URI, user agent, expiry and qualify status), then ContactListComplete.",
    see_also=["PJSIPShowAors", "PJSIPShowEndpoint"],
)
async def show_contacts(session: ManagerSession, request: Request) -> Reply:
    contacts = sorted(session.pbx.contacts.values(), key=lambda c: c.id)
    if not contacts:
        return wire.error(request, "No Contacts found\n")
    items = [wire.list_item(request, "ContactList", contact_list(c)) for c in contacts]
    return (
        wire.list_start(request, "A listing of Contacts follows, presented as ContactList events")
        + "".join(items)
        + wire.list_complete(request, "ContactListComplete", len(items))
    )


@ACTIONS.action(
    "PJSIPShowAors",
    SYSTEM,
    "List the PJSIP AORs (where each phone registers).",
    description="An AorList per AOR (its settings and contacts), then AorListComplete.",
    see_also=["PJSIPShowContacts"],
)
async def show_aors(session: ManagerSession, request: Request) -> Reply:
    pbx = session.pbx
    endpoints = sorted(pbx.endpoints.values(), key=lambda e: e.name)
    if not endpoints:
        return wire.error(request, "No AORs found\n")
    items = [wire.list_item(request, "AorList", aor(e, pbx.contacts.get(e.name))) for e in endpoints]
    return (
        wire.list_start(request, "A listing of AORs follows, presented as AorList events")
        + "".join(items)
        + wire.list_complete(request, "AorListComplete", len(items))
    )
