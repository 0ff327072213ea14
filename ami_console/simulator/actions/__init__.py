"""The simulated AMI actions, and :func:`dispatch`, which runs a request through them.

Each action module registers its actions in :data:`.registry.ACTIONS` when imported;
this package imports them all, so importing anything from it (``actions.dispatch``
included) fills the table. The action modules and :mod:`.dispatch` import the
registry and the PBX's modules, never this package.
"""

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
from .dispatch import dispatch
from .registry import ACTIONS, ActionSpec, sorted_actions

REGISTERED_BY = (
    bridge_actions,
    call_actions,
    channel_actions,
    pjsip_actions,
    queue_actions,
    session_actions,
    system_actions,
    transfer_actions,
)

__all__ = ["ACTIONS", "ActionSpec", "dispatch", "sorted_actions"]
