"""Background calls for the demo, and the event storm for benchmarks.

Demo traffic: the phones register as the PBX starts, then calls arrive at random (a
Poisson process of ``calls_per_minute``) and each picks a caller, a destination and an
outcome from the PBX's seeded random source, so ``--seed`` replays the same sequence of
choices. Most calls are phone to phone (answered, some of them held a while, busy or
unanswered); some go to the support queue or a demo extension.

The storm publishes realistic call events (whole answered calls: Newchannel, Dial*,
Newstate, Bridge*, Hangup...; mostly 16 to 18 headers each) at ``rate`` per second, or as fast as
the clients read them when ``rate`` is ``None``: it waits whenever a session's socket
buffer is full; a session that takes nothing for ``write_timeout`` is dropped (see
:mod:`.manager_session`), so a client that never reads holds the others up that long at most.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import manager_events
from .call_control import request_hangup
from .channels import RING, RINGING, UP, Channel
from .config import Endpoint
from .pbx import PBX
from .phones import Outcome, script_outcome, start_call
from .sip import phones_off, register
from .wire import Event

if TYPE_CHECKING:
    from .server_core import ServerCore

# Caller names of many scripts, so clients meet what real switchboards send.
STORM_NAMES = [
    "Alice",
    "Bob",
    "Zoë Ångström",
    "Jürgen Groß",
    "李小龙",
    "Алёна",
    "Support Line",
    "<unknown>",
]
OUTCOME_WEIGHTS = (("answer", 0.6), ("busy", 0.15), ("noanswer", 0.25))


@dataclass(frozen=True)
class CallPlan:
    """One demo call: who calls, which number, and (for a phone) what it will do."""

    caller: str
    number: str
    outcome: Outcome | None = None
    patience: float = 0.0  # a queue caller hangs up after this many seconds unanswered


def random_outcome(rng: random.Random) -> Outcome:
    """A phone that rings a while, then answers (one call in five held a while), is
    busy at once (486) or rings out."""
    kind = rng.choices([k for k, _ in OUTCOME_WEIGHTS], [w for _, w in OUTCOME_WEIGHTS])[0]
    talk = round(rng.uniform(5.0, 45.0), 1)
    hold = None
    if kind == "answer" and rng.random() < 0.2:
        hold = (round(rng.uniform(1.0, talk / 2), 1), round(rng.uniform(2.0, 6.0), 1))
    return Outcome(
        kind,
        ring=round(rng.uniform(1.5, 6.0), 1) if kind != "busy" else 0.0,
        talk=talk,
        callee_hangs_up=rng.random() < 0.5,
        hold=hold,
    )


def plan_call(rng: random.Random, idle: list[Endpoint], phones: list[Endpoint]) -> CallPlan | None:
    """Choose the next demo call from the random source (``None`` if every phone is busy):
    mostly phone to phone, sometimes the support queue (500) or a demo extension."""
    if not idle:
        return None
    caller = rng.choice(idle)
    roll = rng.random()
    if roll < 0.12:
        return CallPlan(caller.name, "500", patience=rng.uniform(40.0, 90.0))
    if roll < 0.22:
        return CallPlan(caller.name, rng.choice(["100", "400"]))
    callee = rng.choice([e for e in phones if e is not caller])
    return CallPlan(caller.name, callee.number, random_outcome(rng))


def place_random_call(pbx: PBX) -> Channel | None:
    """Place the next demo call."""
    phones = list(pbx.endpoints.values())
    idle = [e for e in phones if pbx.device_state(e.device) == "NOT_INUSE"]
    plan = plan_call(pbx.rng, idle, phones)
    if plan is None:
        return None
    if plan.outcome is not None:
        callee = next(e for e in phones if e.number == plan.number)
        script_outcome(pbx, callee.name, plan.outcome)
    chan = start_call(pbx, pbx.endpoints[plan.caller], plan.number)
    if plan.patience:
        pbx.spawn(_give_up_later(pbx, chan, plan.patience))
    return chan


async def _give_up_later(pbx: PBX, chan: Channel, seconds: float) -> None:
    await chan.sleep(pbx.scaled(seconds))
    if not chan.dead and chan.bridge is None:
        request_hangup(pbx, chan, 16, remote=True)


async def demo_traffic(core: ServerCore) -> None:
    """Place calls at ``core.calls_per_minute`` until cancelled. A lively PBX starts as
    its phones start: they register one after another, a second apart (pjsip_register)."""
    pbx = core.pbx
    if core.calls_per_minute > 0:
        phones_off(pbx)
        for endpoint in list(pbx.endpoints.values()):
            await asyncio.sleep(pbx.scaled(1.0))
            register(pbx, endpoint)
    while True:
        rate = core.calls_per_minute
        if rate <= 0:
            core.traffic_changed.clear()
            await core.traffic_changed.wait()
            continue
        delay = pbx.rng.expovariate(rate / 60.0)
        core.traffic_changed.clear()
        try:
            await asyncio.wait_for(core.traffic_changed.wait(), delay)
            continue  # the rate changed: draw the next gap at the new rate
        except TimeoutError:
            pass
        place_random_call(pbx)


# -- storm -------------------------------------------------------------------------------------
class Storm:
    """Publishes synthetic call events until ``total`` are out or it is stopped."""

    BATCH = 256

    def __init__(self, core: ServerCore, rate: float | None, total: int | None) -> None:
        self.core = core
        self.rate = rate if rate and rate > 0 else None
        self.total = total
        self.sent = 0
        self.done = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self._call = 0
        self._epoch = int(time.time())
        self._rng = random.Random(5038)

    def _call_events(self) -> list[Event]:
        """The events of one answered call between two made-up phones, as a busy PBX
        sends them: 19 events of 7 to 33 headers (mostly 16 to 18)."""
        number = self._call
        self._call += 1
        rng = self._rng
        caller_name = rng.choice(STORM_NAMES)
        # Ids and name sequences from the PBX's own counters, as Asterisk gives every
        # channel: a real call placed during the storm must never share one with it.
        pbx = self.core.pbx
        caller_id, callee_id = pbx.new_uniqueid(), pbx.new_uniqueid()
        caller_seq, callee_seq = pbx.next_seq("PJSIP"), pbx.next_seq("PJSIP")
        caller = Channel(
            name=f"PJSIP/{200 + number % 50}-{caller_seq:08x}",
            uniqueid=caller_id,
            linkedid=caller_id,
            tech="PJSIP",
            context="internal",
            exten=str(300 + number % 40),
            state=RING,
            caller_num=str(200 + number % 50),
            caller_name=caller_name,
        )
        callee = Channel(
            name=f"PJSIP/{caller.exten}-{callee_seq:08x}",
            uniqueid=callee_id,
            linkedid=caller.uniqueid,
            tech="PJSIP",
            context="internal",
            exten=caller.exten,
            caller_num=caller.exten,
            caller_name=rng.choice(STORM_NAMES),
            connected_num=caller.caller_num,
            connected_name=caller_name,
        )
        bridge = f"{number:08x}-5038-4000-8000-{self._epoch:012x}"
        made = [manager_events.newchannel(caller)]
        made.append(manager_events.varset(caller, "CALLERID(name)", caller_name))
        made.append(manager_events.newexten(caller, "Dial", f"PJSIP/{caller.exten},30"))
        made.append(manager_events.newchannel(callee))
        made.append(manager_events.dial_begin(caller, callee, caller.exten))
        callee.state = RINGING
        made.append(manager_events.newstate(callee))
        made.append(manager_events.dial_state(caller, callee, "RINGING"))
        made.append(manager_events.device_state(f"PJSIP/{caller.exten}", "RINGING"))
        callee.state = caller.state = UP
        made.append(manager_events.newstate(callee))
        made.append(manager_events.newstate(caller))
        made.append(manager_events.dial_end(caller, callee, "ANSWER"))
        made.append(manager_events.bridge_event("BridgeCreate", bridge, 0))
        made.append(manager_events.bridge_event("BridgeEnter", bridge, 1, caller))
        made.append(manager_events.bridge_event("BridgeEnter", bridge, 2, callee))
        callee.hangup_cause = caller.hangup_cause = 16
        made.append(manager_events.bridge_event("BridgeLeave", bridge, 1, callee))
        made.append(manager_events.hangup(callee))
        made.append(manager_events.bridge_event("BridgeLeave", bridge, 0, caller))
        made.append(manager_events.bridge_event("BridgeDestroy", bridge, 0))
        made.append(manager_events.hangup(caller))
        return made

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        pending: list[Event] = []
        try:
            while self.total is None or self.sent < self.total:
                want = self.BATCH
                if self.rate is not None:
                    due = int((loop.time() - started) * self.rate) - self.sent
                    if due <= 0:
                        await asyncio.sleep(min(0.05, 1.0 / self.rate))
                        continue
                    want = min(want, due)
                if self.total is not None:
                    want = min(want, self.total - self.sent)
                for _ in range(want):
                    if not pending:
                        pending = self._call_events()
                    self.core.pbx.publish(pending.pop(0))
                self.sent += want
                await self._backpressure()
        finally:
            self.done.set()

    async def _backpressure(self) -> None:
        for session in list(self.core.pbx.sessions):
            await session.drain()
        await asyncio.sleep(0)
