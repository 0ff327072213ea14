"""Actions about the session itself: Login, Challenge, Logoff, Ping, Events, Filter,
ListCommands and UserEvent."""

from __future__ import annotations

import asyncio
import hashlib
import random
import time
from typing import TYPE_CHECKING

from .. import wire
from ..filters import FilterError, parse_filter
from ..perms import SYSTEM, USER, authority_to_str, event_mask
from ..reader import Request
from .registry import ActionTable, Close, Reply, sorted_actions

if TYPE_CHECKING:
    from ..manager_session import ManagerSession

_challenges = random.SystemRandom()


ACTIONS = ActionTable()  # this module's actions (actions.catalog gathers the tables)


@ACTIONS.action(
    "Login",
    0,
    "Log in to the manager interface.",
    description=(
        "Start an authenticated session. Send either Secret in clear text, or AuthType: MD5\n"
        "with Key set to the MD5 digest of the Challenge you were given followed by the\n"
        "secret. A wrong user or secret is answered after a pause, then the connection\n"
        "closes."
    ),
    arguments=[
        ("Username", True, "The manager user to log in as."),
        ("Secret", False, "That user's secret, in clear text."),
        ("AuthType", False, "MD5 to log in with Key instead of Secret."),
        ("Key", False, "md5(challenge + secret) in lower-case hex, after a Challenge action."),
        ("Events", False, "Event classes this session wants: on, off, or a list like system,call."),
    ],
    see_also=["Challenge", "Logoff"],
    since="0.2.0",
)
async def login(session: ManagerSession, request: Request) -> Reply:
    if session.authenticated:
        return wire.success(request, "Already authenticated")
    if not _authenticate(session, request):
        await asyncio.sleep(session.core.auth_failure_delay)
        return Close(wire.error(request, "Authentication failed"))
    text = wire.success(request, "Authentication accepted")
    if session.send_events & SYSTEM and session.readperm & SYSTEM:
        uptime = int(time.time() - session.pbx.started)
        text += (
            f"Event: FullyBooted\r\nPrivilege: {authority_to_str(SYSTEM)}\r\n"
            f"Uptime: {uptime}\r\nLastReload: {uptime}\r\nStatus: Fully Booted\r\n\r\n"
        )
    return text


def _authenticate(session: ManagerSession, request: Request) -> bool:
    username = request.header("Username")
    if not username:
        return False
    user = session.core.find_user(username)
    if user is None:
        session.security("InvalidAccountID", account=username)
        return False
    if request.header("AuthType").lower() == "md5":
        key = request.header("Key")
        if not (key and session.challenge and user.secret):
            return False
        expected = hashlib.md5((session.challenge + user.secret).encode()).hexdigest()
        if key != expected:
            specific = [
                ("Challenge", session.challenge),
                ("Response", key),
                ("ExpectedResponse", expected),
            ]
            session.security("ChallengeResponseFailed", specific, account=username)
            return False
    elif request.header("Secret") != user.secret:
        session.security("InvalidPassword", account=username)
        return False
    session.authenticated = True
    session.username = username
    session.user = user
    session.readperm, session.writeperm = user.read_mask, user.write_mask
    session.login_time = time.time()
    mask = event_mask(request.header("Events"))
    if mask >= 0:
        session.send_events = mask
    session.core.logged_in(session)
    session.security("SuccessfulAuth", [("UsingPassword", 0)])
    return True


@ACTIONS.action(
    "Challenge",
    0,
    "Get a one-time challenge for an MD5 login.",
    description="Returns a random number to combine with your secret for Login with AuthType: MD5.",
    arguments=[("AuthType", True, "Must be MD5.")],
    see_also=["Login"],
)
async def challenge(session: ManagerSession, request: Request) -> Reply:
    if request.header("AuthType").lower() != "md5":
        return wire.error(request, "Must specify AuthType")
    if not session.challenge:
        session.challenge = str(_challenges.randrange(2**31))
    return wire.success(request, fields=[("Challenge", session.challenge)])


@ACTIONS.action(
    "Logoff",
    0,
    "End the session.",
    description="Says goodbye and closes the connection.",
    see_also=["Login"],
    since="0.2.0",
)
async def logoff(session: ManagerSession, request: Request) -> Reply:
    return Close(wire.response(request, "Goodbye", "Thanks for all the fish."))


@ACTIONS.action(
    "Ping",
    0,
    "Check that the connection is alive.",
    description="Answers Pong with the server's clock, to keep a connection open or time a round trip.",
    since="0.2.0",
)
async def ping(session: ManagerSession, request: Request) -> Reply:
    return wire.success(request, fields=[("Ping", "Pong"), ("Timestamp", wire.timestamp())])


@ACTIONS.action(
    "Events",
    0,
    "Choose which events this session receives.",
    description=(
        "EventMask: on receives every class you may read, off none, and a list such as\n"
        "system,call only those. An unknown list means none."
    ),
    arguments=[("EventMask", True, "on, off, or a comma-separated list of event classes.")],
    see_also=["Filter"],
)
async def events_action(session: ManagerSession, request: Request) -> Reply:
    mask = event_mask(request.header("EventMask"))
    if mask < 0:
        return wire.error(request, "Invalid event mask")
    session.send_events = mask
    state = "On" if mask > 0 else "Off"
    return f"Response: Success\r\n{wire.id_line(request)}Events: {state}\r\n\r\n"


@ACTIONS.action(
    "Filter",
    SYSTEM,
    "Add an event filter to this session.",
    description=(
        "Filter: a regular expression matched against each whole event; a leading ! turns it\n"
        "into an exclusion. MatchCriteria narrows it, e.g. name(Newchannel),header(Channel),\n"
        "method(starts_with). Filters last until the session ends."
    ),
    arguments=[
        ("Operation", True, "Add (the only operation)."),
        ("Filter", False, "The pattern; ! in front excludes what matches."),
        ("MatchCriteria", False, "action(), name(), header() and method() options."),
    ],
    see_also=["Events"],
)
async def filter_action(session: ManagerSession, request: Request) -> Reply:
    if request.header("Operation").lower() != "add":
        return wire.error(request, "Unknown operation")
    try:
        entry = parse_filter(request.header("MatchCriteria"), request.header("Filter"))
    except FilterError as exc:
        return wire.error(request, str(exc))
    (session.excludes if entry.exclude else session.includes).append(entry)
    return wire.success(request, "Success")


@ACTIONS.action(
    "ListCommands",
    0,
    "List the actions this user may send.",
    description="One line per action: its name, what it does, and the write classes it needs.",
)
async def list_commands(session: ManagerSession, request: Request) -> Reply:
    allowed = [
        spec
        for spec in sorted_actions(session.core.actions)
        if not spec.privilege or session.writeperm & spec.privilege
    ]
    lines = "".join(f"{spec.name}: {spec.synopsis}  (Priv: {authority_to_str(spec.privilege)})\r\n" for spec in allowed)
    return f"Response: Success\r\n{wire.id_line(request)}{lines}\r\n"


@ACTIONS.action(
    "UserEvent",
    USER,
    "Send an event of your own to every session.",
    description=(
        "Publishes an event named UserEvent, carrying UserEvent: <name> and every other header\n"
        "of this request, to all sessions that read the user class."
    ),
    arguments=[
        ("UserEvent", True, "The name other sessions will see."),
        ("Header1", False, "Any further header is copied into the event as it is."),
    ],
)
async def user_event(session: ManagerSession, request: Request) -> Reply:
    name = request.header("UserEvent")
    body = "".join(f"{line}\r\n" for line in request.lines if not line.lower().startswith(("userevent:", "action:")))
    reply = wire.success(request, "Event Sent")
    session.write(reply)
    session.pbx.publish(wire.Event.build("UserEvent", USER, [("UserEvent", name)], body))
    return ""
