"""The dialplan interpreter, its table of applications, and the simple applications.

A channel's dialplan runs priority by priority: Newexten, then the application. Each
application returns what the interpreter should do next (:data:`NEXT`, :data:`HANGUP`
after the Hangup application, :data:`END` when the channel should simply end) and is
interrupted by a hangup or a redirect through :meth:`Channel.wait`. Dialplan time is
real time scaled by ``PBX.time_scale``: Wait(2) takes two seconds at scale 1.

Applications register themselves in :data:`APPS` with :func:`application`. Dial
(:mod:`.dial`) and Queue (:mod:`.queue`) need phones and Local channels, which run
dialplan of their own: they import this module, never the other way round, and the
server imports them to install them (``server.APPLICATIONS``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from . import events
from .calls import answer, end_channel
from .channels import NORMAL_CLEARING, UP, Channel
from .dialplan import find_extension
from .pbx import PBX

NEXT = "next"
HANGUP = "hangup"  # the Hangup application ran
END = "end"  # end the channel (its Dial partner hung up, unknown application...)
INTERRUPTED = "interrupted"

App = Callable[[PBX, Channel, str], Awaitable[str]]

APPS: dict[str, App] = {}  # lower-case application name -> application


def application(name: str) -> Callable[[App], App]:
    """Register a dialplan application; the dialplan may name it in any case."""

    def register(app: App) -> App:
        APPS[name.lower()] = app
        return app

    return register


async def run_channel(pbx: PBX, chan: Channel) -> None:
    """Run a channel's dialplan from where it stands, then hang it up."""
    how = await run_dialplan(pbx, chan)
    if not chan.dead:
        end_channel(pbx, chan, {HANGUP: "dialplan", END: "finished"}.get(how, "outside"))


async def run_dialplan(pbx: PBX, chan: Channel) -> str:
    if not chan.in_dialplan:
        chan.in_dialplan = True
        pbx.processed_calls += 1
    while True:
        if chan.redirect_to is not None:
            chan.context, chan.exten, chan.priority = chan.redirect_to
            chan.redirect_to = None
        if chan.dead or chan.softhangup:
            return INTERRUPTED
        extension = find_extension(pbx.contexts, chan.context, chan.exten)
        step = extension.priority(chan.priority) if extension is not None else None
        if step is None:
            return END  # Asterisk's autofallthrough: no such priority, hang up
        chan.appl, chan.data = step.app, step.data
        chan.cdr["last_app"], chan.cdr["last_data"] = step.app, step.data
        pbx.publish(events.newexten(chan, step.app, step.data))
        result = await APPS.get(step.app.lower(), app_unknown)(pbx, chan, step.data)
        if result in (HANGUP, END):
            return result
        if chan.redirect_to is not None:
            continue
        if chan.dead or chan.softhangup:
            return INTERRUPTED
        chan.priority += 1


# -- simple applications -----------------------------------------------------------------------
@application("Answer")
async def app_answer(pbx: PBX, chan: Channel, data: str) -> str:
    if chan.state != UP:
        answer(pbx, chan)
        # Answer on a ringing channel waits up to 500 ms for media to flow.
        await chan.sleep(pbx.scaled(0.5))
    return NEXT


@application("Set")
async def app_set(pbx: PBX, chan: Channel, data: str) -> str:
    name, _, value = data.partition("=")
    if name:
        pbx.set_variable(chan, name.strip(), value)
    return NEXT


@application("Wait")
async def app_wait(pbx: PBX, chan: Channel, data: str) -> str:
    try:
        seconds = float(data or 0)
    except ValueError:
        seconds = 0.0
    await chan.sleep(pbx.scaled(max(0.0, seconds)))
    return NEXT


@application("Hangup")
async def app_hangup(pbx: PBX, chan: Channel, data: str) -> str:
    if data.strip().isdigit():
        chan.hangup_cause = int(data)
    elif chan.hangup_cause == 0:
        chan.hangup_cause = NORMAL_CLEARING
    pbx.publish(events.soft_hangup_request(chan))
    return HANGUP


@application("Echo")
async def app_echo(pbx: PBX, chan: Channel, data: str) -> str:
    await chan.sleep(None)  # echoes until someone hangs up
    return NEXT


@application("Playback")
async def app_playback(pbx: PBX, chan: Channel, data: str) -> str:
    if chan.state != UP:
        answer(pbx, chan)
    await chan.sleep(pbx.scaled(3.0))
    return NEXT


@application("NoOp")
@application("Verbose")
async def app_noop(pbx: PBX, chan: Channel, data: str) -> str:
    return NEXT


@application("UserEvent")
async def app_userevent(pbx: PBX, chan: Channel, data: str) -> str:
    name, *headers = data.split(",")
    pbx.publish(events.user_event(chan, name, headers))
    return NEXT


async def app_unknown(pbx: PBX, chan: Channel, data: str) -> str:
    return END
