"""Channels: their state, their snapshot fields, and the cause and state names.

A channel here is a record plus two asyncio primitives: ``wake`` (set when something
from outside wants the channel's running code to look up: a hangup or a redirect) and
the task that runs its dialplan or application. The snapshot fields are the fourteen
headers every channel event starts with, in Asterisk's order.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

DOWN, RSRVD, OFFHOOK, DIALING, RING, RINGING, UP, BUSY = range(8)

STATE_NAMES = {
    DOWN: "Down",
    RSRVD: "Rsrvd",
    OFFHOOK: "OffHook",
    DIALING: "Dialing",
    RING: "Ring",
    RINGING: "Ringing",
    UP: "Up",
    BUSY: "Busy",
}

CAUSES = {
    0: "Unknown",
    1: "Unallocated (unassigned) number",
    3: "No route to destination",
    16: "Normal Clearing",
    17: "User busy",
    18: "No user responding",
    19: "User alerting, no answer",
    20: "Subscriber absent",
    21: "Call Rejected",
    26: "Answered elsewhere",
    27: "Destination out of order",
    31: "Normal, unspecified",
    34: "Circuit/channel congestion",
    127: "Interworking, unspecified",
}

NORMAL_CLEARING = 16
USER_BUSY = 17
NO_ANSWER = 19
NO_USER_RESPONSE = 18
SOFTHANGUP_EXPLICIT = 16  # the "Cause" of SoftHangupRequest is this flag, not a Q.850 cause


def cause_text(cause: int) -> str:
    return CAUSES.get(cause, "Unknown")


def shown(value: str | None) -> str:
    """Caller ID parts Asterisk has not been told are ``<unknown>`` on the wire."""
    return "<unknown>" if value is None else value


@dataclass(eq=False)
class Channel:
    name: str
    uniqueid: str
    linkedid: str
    tech: str
    context: str
    exten: str
    priority: int = 1
    state: int = DOWN
    caller_num: str | None = None
    caller_name: str | None = None
    connected_num: str | None = None
    connected_name: str | None = None
    language: str = "en"
    accountcode: str = ""
    appl: str = ""
    data: str = ""
    device: str = ""  # what DeviceStateChange names, e.g. PJSIP/alice or Local/100@demo
    created: float = field(default_factory=lambda: time.time())  # looked up at each call: tests freeze the clock
    created_mono: float = field(default_factory=time.monotonic)
    answered: float | None = None
    variables: dict[str, str] = field(default_factory=dict)
    bridge_id: str = ""
    hangup_cause: int = 0
    tech_cause: int = 0  # the channel driver's cause, e.g. a SIP response code
    peer: Channel | None = None  # the other half of a Local pair
    owner: Channel | None = None  # for a dialled channel: the caller whose Dial runs it
    bridge: Any = None  # the call_control.Bridge it is in
    in_dialplan: bool = False  # running dialplan (as opposed to one application)
    dead: bool = False
    softhangup: bool = False  # someone asked this channel to hang up
    redirect_to: tuple[str, str, int] | None = None
    gosub_stack: list[tuple[str, str, int, dict[str, str]]] = field(default_factory=list)  # Gosub return points
    cdr: dict[str, Any] = field(default_factory=dict)
    before_hangup: Callable[[], None] | None = None  # published just before its Hangup
    can_transfer: bool = False  # the bridge's transfer feature (Dial option t, BRIDGE_FEATURES=t)
    held: bool = False  # put on hold by the party bridged with it (its device shows ONHOLD)
    # A caller ID update that reaches the channel only as it hangs up (shown by its Hangup,
    # then a NewCallerid): a connected line change passed to a Local ;2 half whose
    # application reads no control frames (call_attended_transfer's Echo).
    queued_caller: tuple[str | None, str | None] | None = None
    dtmf: deque[tuple[str, int]] = field(default_factory=deque)  # digits waiting to be read
    dtmf_reader: Any = None  # the task reading them, while there are some
    feature_digits: str = ""  # digits read so far that begin a feature code
    transfer: Any = None  # transfer.Transfer while this channel transfers
    rtcp: bool = False  # its RTCP reports have started (rtcp.py)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    answered_event: asyncio.Event = field(default_factory=asyncio.Event)

    # -- snapshot fields ---------------------------------------------------------------
    def fields(self, prefix: str = "") -> list[tuple[str, object]]:
        """The channel state headers every channel event carries, optionally prefixed
        (``Dest``, ``LocalOne``...)."""
        return [
            (f"{prefix}Channel", self.name),
            (f"{prefix}ChannelState", self.state),
            (f"{prefix}ChannelStateDesc", STATE_NAMES.get(self.state, "Unknown")),
            (f"{prefix}CallerIDNum", shown(self.caller_num)),
            (f"{prefix}CallerIDName", shown(self.caller_name)),
            (f"{prefix}ConnectedLineNum", shown(self.connected_num)),
            (f"{prefix}ConnectedLineName", shown(self.connected_name)),
            (f"{prefix}Language", self.language),
            (f"{prefix}AccountCode", self.accountcode),
            (f"{prefix}Context", self.context),
            (f"{prefix}Exten", self.exten),
            (f"{prefix}Priority", self.priority),
            (f"{prefix}Uniqueid", self.uniqueid),
            (f"{prefix}Linkedid", self.linkedid),
        ]

    @property
    def state_name(self) -> str:
        return STATE_NAMES.get(self.state, "Unknown")

    @property
    def caller_id(self) -> str:
        """The CDR's CallerID form: ``"AMI test" <1234>``."""
        return f'"{self.caller_name or ""}" <{self.caller_num or ""}>'

    # -- waiting, interruptibly ----------------------------------------------------------
    @property
    def interrupted(self) -> bool:
        return self.dead or self.softhangup or self.redirect_to is not None

    async def wait(self, seconds: float | None) -> bool:
        """Wait until poked or ``seconds`` pass (``None``: until poked). False when the
        channel was interrupted by a hangup or a redirect. Callers re-check what they
        wait for: a poke also means "something changed" (an answer, a peer leaving)."""
        if self.interrupted:
            return False
        self.wake.clear()
        try:
            await asyncio.wait_for(self.wake.wait(), seconds)
        except TimeoutError:
            pass
        return not self.interrupted

    async def sleep(self, seconds: float | None) -> bool:
        """Sleep the whole time (``None``: for ever) unless interrupted by a hangup or a
        redirect, which returns False at once: how Wait(), ringing and talking pass."""
        loop = asyncio.get_running_loop()
        deadline = None if seconds is None else loop.time() + seconds
        while not self.interrupted:
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                return True
            await self.wait(remaining)
        return False

    def poke(self) -> None:
        self.wake.set()

    def poke_answer(self) -> None:
        self.answered_event.set()
        self.wake.set()
