"""Every action of the demo PBX: the one place that names the tables it is made of."""

from __future__ import annotations

from . import (
    bridge_actions,
    call_actions,
    channel_actions,
    pjsip_actions,
    queue_actions,
    session_actions,
    system_actions,
    transfer_actions,
)
from .registry import ActionSpec, index_actions

MODULES = (
    bridge_actions,
    call_actions,
    channel_actions,
    pjsip_actions,
    queue_actions,
    session_actions,
    system_actions,
    transfer_actions,
)


def build_actions() -> dict[str, ActionSpec]:
    """The PBX's actions by lower-case name, from each module's table."""
    return index_actions(module.ACTIONS for module in MODULES)
