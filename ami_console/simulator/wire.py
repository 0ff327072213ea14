"""Building what Asterisk writes: responses, list framing and events, as text.

Everything here returns ``str``; sessions encode it once, on the way to the socket. The
shapes follow Asterisk's astman_send_* helpers byte for byte: ``Response`` first, then
``ActionID`` when the request had a non-empty one, then the rest, then a blank line.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from .perms import authority_to_str
from .reader import Request

Fields = Iterable[tuple[str, object]]


def lines(fields: Fields) -> str:
    """``Key: value`` lines, CRLF-terminated, without the blank line."""
    return "".join(f"{key}: {value}\r\n" for key, value in fields)


def id_line(request: Request | None) -> str:
    action_id = request.action_id if request is not None else ""
    return f"ActionID: {action_id}\r\n" if action_id else ""


def response(
    request: Request | None,
    status: str,
    message: str | None = None,
    fields: Fields = (),
    *,
    event_list: str | None = None,
) -> str:
    """``Response: <status>``, the ActionID, ``EventList``, ``Message``, more fields, end."""
    text = f"Response: {status}\r\n" + id_line(request)
    if event_list:
        text += f"EventList: {event_list}\r\n"
    if message is not None:
        text += f"Message: {message}\r\n"
    return text + lines(fields) + "\r\n"


def success(request: Request | None, message: str | None = None, fields: Fields = ()) -> str:
    return response(request, "Success", message, fields)


def error(request: Request | None, message: str) -> str:
    return response(request, "Error", message)


def list_start(request: Request, message: str) -> str:
    return response(request, "Success", message, event_list="start")


def list_item(request: Request, event: str, fields: Fields, *, id_last: bool = False) -> str:
    """One item of an event list. Most put ActionID right after Event; some (QueueParams,
    QueueMember, DBGetResponse, ...) put it last, as Asterisk's own code does."""
    if id_last:
        return f"Event: {event}\r\n" + lines(fields) + id_line(request) + "\r\n"
    return f"Event: {event}\r\n" + id_line(request) + lines(fields) + "\r\n"


def list_complete(request: Request, event: str, count: int, fields: Fields = ()) -> str:
    return (
        f"Event: {event}\r\n"
        + id_line(request)
        + f"EventList: Complete\r\nListItems: {count}\r\n"
        + lines(fields)
        + "\r\n"
    )


@dataclass(slots=True)
class Event:
    """An event as published: its name, class mask and text (Privilege line included)."""

    name: str
    category: int
    text: str
    _data: bytes | None = None

    def encoded(self) -> bytes:
        """The wire bytes, encoded once however many sessions receive the event."""
        if self._data is None:
            self._data = self.text.encode("utf-8", "surrogateescape")
        return self._data

    @classmethod
    def build(cls, name: str, category: int, fields: Fields, tail: str = "") -> Event:
        head = f"Event: {name}\r\nPrivilege: {authority_to_str(category)}\r\n"
        return cls(name, category, head + lines(fields) + tail + "\r\n")


# -- clocks and formats ------------------------------------------------------------------------
def timestamp(now: float | None = None) -> str:
    """``1795660004.705561``: the Ping and Timestamp format."""
    now = time.time() if now is None else now
    seconds = int(now)
    return f"{seconds}.{int((now - seconds) * 1_000_000):06d}"


def event_tv(now: float) -> str:
    """``2026-11-26T02:27:15.578+0000``: security events' EventTV and SessionTV (local time)."""
    local = time.localtime(now)
    millis = int((now - int(now)) * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", local) + f".{millis:03d}" + time.strftime("%z", local)


def cdr_time(when: float | None) -> str:
    """``2026-11-26 02:26:44`` (local time), or empty for a time that never came."""
    if when is None:
        return ""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(when))


def duration_hms(seconds: float) -> str:
    total = int(seconds)
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"
