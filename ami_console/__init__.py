"""ami-console: a console, a blocking client and a demo PBX for the Asterisk Manager Interface."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported on first use (see __getattr__): the console's modules import
    # ami_console.<module> as the form starts, and need not pay for the client and its TLS
    from ami_console.client import AMIClient, AMIError
    from ami_console.protocol import (
        EventList,
        Greeting,
        Message,
        Parser,
        ProtocolError,
        action_fields,
        mask_secrets,
        parse_greeting,
        serialize_action,
    )

__all__ = [
    "AMIClient",
    "AMIError",
    "EventList",
    "Greeting",
    "Message",
    "Parser",
    "ProtocolError",
    "action_fields",
    "mask_secrets",
    "parse_greeting",
    "serialize_action",
]


def __getattr__(name: str) -> object:
    """The public names, imported on first use, and ``__version__``, read on first use:
    importing importlib.metadata costs some 30 ms, which a console's start should not pay
    for a number it rarely shows."""
    if name == "__version__":
        version = globals()["__version__"] = _read_version()
        return version
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    module = import_module("ami_console.client" if name.startswith("AMI") else "ami_console.protocol")
    value = globals()[name] = getattr(module, name)
    return value


def _read_version() -> str:
    """The version in the installed package's metadata: pyproject.toml's, the one place it
    is written. Run from a source tree without metadata, pyproject.toml itself is read."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ami-console")
    except PackageNotFoundError:
        pass
    import tomllib
    from pathlib import Path

    try:
        with open(Path(__file__).resolve().parent.parent / "pyproject.toml", "rb") as file:
            return str(tomllib.load(file)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "0+unknown"
