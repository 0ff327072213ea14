"""Every CLI command of the demo PBX: the one place that names the tables it is made of."""

from __future__ import annotations

from . import core_commands, data, manager
from .registry import CliCommand

MODULES = (core_commands, data, manager)


def build_commands() -> list[CliCommand]:
    """The PBX's CLI commands, from each module's table."""
    return [command for module in MODULES for command in module.COMMANDS]
