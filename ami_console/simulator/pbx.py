"""The PBX's state and its event bus: channels, ids, device states, variables, astdb.

Everything here runs on the simulator's event loop thread. Sessions register
themselves in :attr:`PBX.sessions`; :meth:`PBX.publish` offers each event to every
session, which applies its own read classes, event mask and filters.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any

from . import manager_events
from .channels import BUSY, DOWN, RINGING, Channel
from .config import (
    HINT,
    FeatureMap,
    build_dialplan,
    build_endpoints,
    build_queues,
    find_extension,
)
from .contacts import Contact, new_contact
from .wire import Event

if TYPE_CHECKING:
    from .manager_session import ManagerSession

log = logging.getLogger("ami_console.simulator")

# Asterisk's device state names and what a hint shows for each.
EXTENSION_STATES = {
    "NOT_INUSE": (0, "Idle"),
    "INUSE": (1, "InUse"),
    "BUSY": (2, "Busy"),
    "UNAVAILABLE": (4, "Unavailable"),
    "RINGING": (8, "Ringing"),
    "RINGINUSE": (9, "InUse&Ringing"),
    "ONHOLD": (16, "Hold"),
}

# ast_devstate2str: the words for each device state (pjsip show endpoints, EndpointList).
DEVICE_STATE_TEXT = {
    "UNKNOWN": "Unknown",
    "NOT_INUSE": "Not in use",
    "INUSE": "In use",
    "BUSY": "Busy",
    "INVALID": "Invalid",
    "UNAVAILABLE": "Unavailable",
    "RINGING": "Ringing",
    "RINGINUSE": "Ring+Inuse",
    "ONHOLD": "On Hold",
}

# ast_state_chan2dev: what a channel in each state makes its device (others: INUSE).
CHANNEL_DEVICE_STATES = {DOWN: "NOT_INUSE", RINGING: "RINGING", BUSY: "BUSY"}


class PBX:
    """State shared by every session and every call."""

    def __init__(
        self,
        *,
        time_scale: float = 1.0,
        seed: int | None = None,
        apps: dict[str, Callable[[PBX, Channel, str], Awaitable[str]]] | None = None,
    ) -> None:
        self.time_scale = time_scale
        self.apps = apps or {}  # the dialplan applications (applications.build_apps)
        self.rng = random.Random(seed)
        self.sip_rng = random.Random(None if seed is None else f"sip {seed}")
        self.contexts = build_dialplan()
        self.endpoints = build_endpoints()
        self.queues = build_queues()
        self.features = FeatureMap()
        # The phones registered before anyone could connect (:mod:`.sip` changes that).
        self.contacts: dict[str, Contact] = {
            name: new_contact(endpoint, self.sip_rng) for name, endpoint in self.endpoints.items()
        }
        self.sessions: set[ManagerSession] = set()
        self.channels: dict[str, Channel] = {}
        self.bridges: dict[str, Any] = {}  # BridgeUniqueid -> call_control.Bridge, while it exists
        self.global_vars: dict[str, str] = {}
        self.astdb: dict[tuple[str, str], str] = {}
        self.started = time.time()
        self.processed_calls = 0
        self.device_states: dict[str, str] = {}
        self.queue_avail_published = False
        self.phone_scripts: dict[str, deque[Any]] = {}  # endpoint -> phones.Outcome queue
        self._uniqueid = 0
        self._name_seq: dict[str, int] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self.errors: list[BaseException] = []  # bugs caught in calls and sessions

    # -- ids ----------------------------------------------------------------------------
    def new_uniqueid(self) -> str:
        """``<epoch>.<n>``: creation time and a counter that starts at 0."""
        value = f"{int(time.time())}.{self._uniqueid}"
        self._uniqueid += 1
        return value

    def next_seq(self, tech: str) -> int:
        """Each channel technology numbers its channels from its own counter."""
        value = self._name_seq.get(tech, 0)
        self._name_seq[tech] = value + 1
        return value

    def new_bridge_id(self) -> str:
        """A UUID, as Asterisk gives bridges; drawn from the seeded generator so that a
        seeded PBX tells the same story every time."""
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    # -- time ---------------------------------------------------------------------------
    def scaled(self, seconds: float) -> float:
        """Dialplan time (Wait(2), ring times...) in real seconds."""
        return seconds * self.time_scale

    def dialplan_seconds(self, elapsed: float) -> int:
        """Real seconds back in dialplan seconds, as whole seconds (HoldTime, TalkTime)."""
        return int(elapsed / self.time_scale + 0.5) if self.time_scale > 0 else 0

    # -- tasks --------------------------------------------------------------------------
    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.report(task.exception())  # type: ignore[arg-type]

    def report(self, error: BaseException) -> None:
        """A bug in the simulator: logged, and kept for tests to fail on."""
        log.error("simulator error", exc_info=error)
        self.errors.append(error)

    async def shutdown(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # -- events -------------------------------------------------------------------------
    def publish(self, event: Event) -> None:
        for session in list(self.sessions):
            session.offer(event)

    # -- channels -----------------------------------------------------------------------
    def add_channel(self, chan: Channel) -> None:
        self.channels[chan.name] = chan

    def remove_channel(self, chan: Channel) -> None:
        chan.dead = True
        chan.poke()
        self.channels.pop(chan.name, None)

    def find_channel(self, name: str) -> Channel | None:
        """By exact name first, then case-insensitively, as ast_channel_get_by_name does."""
        found = self.channels.get(name)
        if found is None:
            lowered = name.lower()
            found = next((c for c in self.channels.values() if c.name.lower() == lowered), None)
        return found

    def extension_exists(self, context: str, exten: str, priority: int = 1) -> bool:
        found = find_extension(self.contexts, context, exten)
        return found is not None and found.priority(priority) is not None

    # -- device and extension states ------------------------------------------------------
    def device_state(self, device: str) -> str:
        if device.startswith("PJSIP/") and device[6:] not in self.endpoints:
            return "INVALID"
        return self.device_states.get(device, "NOT_INUSE")

    def set_device_state(self, device: str, state: str, *, force: bool = False) -> None:
        """Publish DeviceStateChange when the state changes (``force``: even if not), and
        ExtensionStatus for every hint that watches the device."""
        old = self.device_state(device)
        self.device_states[device] = state
        if old == state and not force:
            return
        self.publish(manager_events.device_state(device, state))
        if old != state:
            for context, exten, hint in self.hints():
                if hint == device:
                    status, text = EXTENSION_STATES.get(state, (-1, "Unknown"))
                    self.publish(manager_events.extension_status(exten, context, hint, status, text))

    def phone_changed(self, device: str) -> None:
        """A phone's device state, recomputed when one of its channels changes state,
        holds or goes (ast_devstate_changed), and published if it differs: a state that
        comes and goes in between is never seen (pjsip_call_busy has no DeviceStateChange)."""
        if device.startswith("PJSIP/") and device[6:] in self.endpoints:
            self.set_device_state(device, self._phone_state(device))

    def _phone_state(self, device: str) -> str:
        """chan_pjsip's device state: its channels' states aggregated, ONHOLD for a held one."""
        chans = [c for c in self.channels.values() if c.device == device]
        if not chans:
            return "NOT_INUSE" if device[6:] in self.contacts else "UNAVAILABLE"
        if any(c.held for c in chans):
            return "ONHOLD"
        states = {CHANNEL_DEVICE_STATES.get(c.state, "INUSE") for c in chans}
        if "RINGING" in states:
            return "RINGINUSE" if "INUSE" in states else "RINGING"
        for state in ("INUSE", "BUSY"):
            if state in states:
                return state
        return "NOT_INUSE"

    def hints(self) -> list[tuple[str, str, str]]:
        found = []
        for context in self.contexts.values():
            for extension in context.extensions:
                hint = extension.priority(HINT)
                if hint is not None:
                    found.append((context.name, extension.name, hint.app))
        return found

    def extension_state(self, context: str, exten: str) -> tuple[str, int, str]:
        """(hint, status, text) for ExtensionState: -1 "Unknown" without a hint."""
        found = self.contexts.get(context)
        extension = found.extension(exten) if found else None
        hint = extension.hint if extension else None
        if hint is None:
            return "", -1, "Unknown"
        status, text = EXTENSION_STATES.get(self.device_state(hint), (4, "Unavailable"))
        return hint, status, text

    # -- variables ------------------------------------------------------------------------
    def get_variable(self, chan: Channel | None, name: str) -> str:
        """A channel variable, a few dialplan functions, or a global variable."""
        if chan is not None:
            builtin = _channel_builtin(chan, name)
            if builtin is not None:
                return builtin
            if name in chan.variables:
                return chan.variables[name]
        if name == "EPOCH":
            return str(int(time.time()))
        if name.startswith("DB(") and name.endswith(")"):
            family, _, key = name[3:-1].partition("/")
            return self.astdb.get((family, key), "")
        if name.startswith("GLOBAL(") and name.endswith(")"):
            return self.global_vars.get(name[7:-1], "")
        return self.global_vars.get(name, "")

    def set_variable(self, chan: Channel | None, name: str, value: str) -> None:
        if chan is None:
            self.global_vars[name] = value
        else:
            chan.variables[name] = value
        self.publish(manager_events.varset(chan, name, value))


def _channel_builtin(chan: Channel, name: str) -> str | None:
    values = {
        "CHANNEL": chan.name,
        "CHANNEL(name)": chan.name,
        "CHANNEL(state)": chan.state_name,
        "UNIQUEID": chan.uniqueid,
        "CHANNEL(uniqueid)": chan.uniqueid,
        "CHANNEL(linkedid)": chan.linkedid,
        "CONTEXT": chan.context,
        "EXTEN": chan.exten,
        "PRIORITY": str(chan.priority),
        "CALLERID(num)": chan.caller_num or "",
        "CALLERID(name)": chan.caller_name or "",
        "CALLERID(all)": chan.caller_id,
        "CONNECTEDLINE(num)": chan.connected_num or "",
        "CONNECTEDLINE(name)": chan.connected_name or "",
        "HANGUPCAUSE": str(chan.hangup_cause),
    }
    return values.get(name)
