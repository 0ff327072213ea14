"""What a program does with each message it takes in, for bench_parser.py and bench_client.py.

First the seed's own shape: the Perl module hands its caller a hashref, every header, so
``dict(message)``. Then reading some headers by key, as the console's log, filters and call
trace do (5 and 10 of the headers a call event carries; some events lack some of them).
Then the cheap ones: nothing, the name (to pick the few events wanted), the same name
through the dict API (``message["Event"]``, as code written for a plain dict reads it), the
name and ``Uniqueid`` (to route each event to its call).
"""

from __future__ import annotations

from typing import Any

FIVE = ("Event", "Channel", "Uniqueid", "Linkedid", "ChannelState")
TEN = (*FIVE, "Context", "Exten", "Priority", "CallerIDNum", "ConnectedLineNum")


def every_header(message: Any) -> object:
    return dict(message)


def five_headers(message: Any) -> object:
    return [message.get(key) for key in FIVE]


def ten_headers(message: Any) -> object:
    return [message.get(key) for key in TEN]


def nothing(message: Any) -> object:
    return None


def name(message: Any) -> object:
    return message.name


def name_by_key(message: Any) -> object:
    return message["Event"]


def name_and_uniqueid(message: Any) -> object:
    return message.name, message.get("Uniqueid")
