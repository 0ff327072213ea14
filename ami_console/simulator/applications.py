"""Every dialplan application of the demo PBX: the one place that names the tables it is
made of (the interpreter's own, Dial's and Queue's)."""

from __future__ import annotations

from . import apps, dial, queue
from .apps import App


def build_apps() -> dict[str, App]:
    """The PBX's applications by lower-case name."""
    return {**apps.APPLICATIONS, **dial.APPLICATIONS, **queue.APPLICATIONS}
