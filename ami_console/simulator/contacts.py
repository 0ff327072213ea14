"""The phones' registered contacts, as res_pjsip keeps them (:mod:`.sip` registers them).

Call-IDs and round trips are drawn from the PBX's ``sip_rng``, a seeded source of its
own, so that they do not change the calls a seeded PBX places.
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from dataclasses import dataclass

from .config import Endpoint

ASTERISK_ADDRESS = "IPV4/UDP/127.0.0.1/5060"
USER_AGENT = "PJSUA/v2.17 Linux-6.18.44 x86_64 glibc-2.36"
DEFAULT_EXPIRATION = 3600  # the aor's default_expiration: pjsua asks for no other
QUALIFY_FREQUENCY = 30


@dataclass
class Contact:
    """A phone's registered contact (one per AOR: max_contacts = 1)."""

    endpoint: Endpoint
    call_id: str  # the REGISTER's Call-ID
    registered: float  # when, in epoch seconds
    rtt_usec: int  # the last qualify's round trip
    status: str = "Reachable"

    @property
    def uri(self) -> str:
        return f"sip:{self.endpoint.name}@127.0.0.1:{self.endpoint.port};ob"

    @property
    def id(self) -> str:
        """res_pjsip's contact id: the AOR, then ``;@`` and the MD5 of the URI."""
        return f"{self.endpoint.name};@{hashlib.md5(self.uri.encode()).hexdigest()}"

    @property
    def expiration(self) -> int:
        return int(self.registered) + DEFAULT_EXPIRATION


def new_call_id(rng: random.Random) -> str:
    """pjsua's Call-IDs look like UUIDs."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def new_contact(endpoint: Endpoint, rng: random.Random) -> Contact:
    return Contact(endpoint, new_call_id(rng), time.time(), rng.randint(500, 900))
