"""ami-console: a console, a blocking client and a demo PBX for the Asterisk Manager Interface."""

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
__version__ = "0.1.0"
