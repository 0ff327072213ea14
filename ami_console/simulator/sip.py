"""The phones' SIP side: their registrations (contacts) and the security events of each
digest-authenticated request, as pjsip_register and the pjsip_call_* captures show them.

The phones are pjproject's pjsua, as in the captures: ``sip:NAME@127.0.0.1:PORT;ob``
from ports 5071 (alice), 5072 (bob), 5073 (carol) to Asterisk on 127.0.0.1:5060 (UDP).
A REGISTER, like every INVITE a phone sends, is challenged first (ChallengeSent, then
SuccessfulAuth, Service PJSIP); a registration then gives ContactStatus NonQualified,
PeerStatus Reachable, ContactStatus Reachable once the first qualify OPTIONS is
answered (with its round trip) and DeviceStateChange NOT_INUSE. Unregistering (REGISTER
with Expires 0) gives PeerStatus Unreachable, DeviceStateChange UNAVAILABLE and
ContactStatus Removed.
"""

from __future__ import annotations

import time

from . import wire
from .config import Endpoint
from .contacts import ASTERISK_ADDRESS, Contact, new_contact
from .pbx import PBX
from .perms import SECURITY, SYSTEM
from .wire import Event


def authenticated(pbx: PBX, endpoint: Endpoint, call_id: str) -> None:
    """A request from the phone, challenged and then accepted (ChallengeSent, SuccessfulAuth)."""
    pbx.publish(_security(endpoint, "ChallengeSent", call_id, [("Challenge", "")]))
    pbx.publish(_security(endpoint, "SuccessfulAuth", call_id, [("UsingPassword", 1)]))


def _security(endpoint: Endpoint, name: str, call_id: str, specific: wire.Fields) -> Event:
    fields = [
        ("EventTV", wire.event_tv(time.time())),
        ("Severity", "Informational"),
        ("Service", "PJSIP"),
        ("EventVersion", 1),
        ("AccountID", endpoint.name),
        ("SessionID", call_id),
        ("LocalAddress", ASTERISK_ADDRESS),
        ("RemoteAddress", f"IPV4/UDP/127.0.0.1/{endpoint.port}"),
        *specific,
    ]
    return Event.build(name, SECURITY, fields)


def phones_off(pbx: PBX) -> None:
    """Every phone off and unregistered, said to nobody: for a PBX that has just
    started, before anyone connects."""
    pbx.contacts.clear()
    for endpoint in pbx.endpoints.values():
        pbx.device_states[endpoint.device] = "UNAVAILABLE"


def register(pbx: PBX, endpoint: Endpoint) -> None:
    """The phone registers (again, if it was: its contact is replaced)."""
    contact = new_contact(endpoint, pbx.sip_rng)
    authenticated(pbx, endpoint, contact.call_id)
    pbx.contacts[endpoint.name] = contact
    pbx.publish(_contact_status(contact, "NonQualified", 0))
    pbx.publish(_peer_status(endpoint, "Reachable"))
    pbx.publish(_contact_status(contact, "Reachable", contact.rtt_usec))
    pbx.phone_changed(endpoint.device)


def unregister(pbx: PBX, endpoint: Endpoint) -> None:
    """The phone quits: a REGISTER with Expires 0 (nothing happens if it had no contact)."""
    contact = pbx.contacts.get(endpoint.name)
    if contact is None:
        return
    authenticated(pbx, endpoint, contact.call_id)
    del pbx.contacts[endpoint.name]
    pbx.publish(_peer_status(endpoint, "Unreachable"))
    pbx.phone_changed(endpoint.device)
    pbx.publish(_contact_status(contact, "Removed", 0))


def _contact_status(contact: Contact, status: str, rtt_usec: int) -> Event:
    fields = [
        ("URI", contact.uri),
        ("ContactStatus", status),
        ("AOR", contact.endpoint.name),
        ("EndpointName", contact.endpoint.name),
        ("RoundtripUsec", rtt_usec),
    ]
    return Event.build("ContactStatus", SYSTEM, fields)


def _peer_status(endpoint: Endpoint, status: str) -> Event:
    fields = [("ChannelType", "PJSIP"), ("Peer", endpoint.device), ("PeerStatus", status)]
    return Event.build("PeerStatus", SYSTEM, fields)
