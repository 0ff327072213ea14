"""The Asterisk CLI commands the Command action can run, with Asterisk's output layout."""

from . import core, data, manager
from .registry import COMMANDS, run_cli

REGISTERED_BY = (core, data, manager)  # importing these modules is what fills COMMANDS

__all__ = ["COMMANDS", "run_cli"]
