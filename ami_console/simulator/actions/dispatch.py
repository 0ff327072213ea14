"""Asterisk's process_message: what happens to a request before (and instead of) its action.

The checks run in Asterisk's order, with its wording: a request with a parse error, no
Action, an action other than Login/Logoff/Challenge before login, an unknown action, an
action the user's write classes do not allow. Refusals publish the security events
Asterisk publishes (RequestBadFormat, RequestNotAllowed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import wire
from ..reader import Request
from .registry import Close

if TYPE_CHECKING:
    from ..manager_session import ManagerSession

PRE_LOGIN = ("login", "logoff", "challenge")


async def dispatch(session: ManagerSession, request: Request) -> bool:
    """Run one request; True when the connection must close afterwards."""
    if request.error:
        session.write(wire.error(request, request.error))
        return False
    name = request.action
    if not name:
        if request.lines:
            session.security("RequestBadFormat", [("RequestType", "Action: NONE")])
        # A bare blank line is answered as Asterisk answers it (the errors capture), but
        # not broadcast to every listener: a flood of them would be a flood of events.
        session.write(wire.error(request, "Missing action in request"))
        return False
    if not session.authenticated and name.lower() not in PRE_LOGIN:
        session.security("RequestNotAllowed", [("RequestType", f"Action: {name}")])
        session.write(wire.error(request, "Permission denied"))
        return False
    spec = session.core.actions.get(name.lower())
    if spec is None:
        session.security("RequestBadFormat", [("RequestType", f"Action: {name}")])
        message = f"Invalid/unknown command: {name}. Use Action: ListCommands to show available commands."
        session.write(wire.error(request, message))
        return False
    if spec.privilege and not session.writeperm & spec.privilege:
        session.security("RequestNotAllowed", [("RequestType", f"Action: {name}")])
        session.write(wire.error(request, "Permission denied"))
        return False
    reply = await spec.handler(session, request)
    if isinstance(reply, Close):
        session.write(reply.text)
        return True
    if reply:
        session.write(reply)
    return False
