"""The simulated AMI actions, registered in :data:`.registry.ACTIONS` on import."""

from .dispatch import dispatch
from .registry import ACTIONS, ActionSpec, sorted_actions

__all__ = ["ACTIONS", "ActionSpec", "dispatch", "sorted_actions"]
