"""The dialplan interpreter, its table of applications, and the simple applications.

A channel's dialplan runs priority by priority: Newexten, then the application. Each
application returns what the interpreter should do next (:data:`NEXT`, :data:`HANGUP`
after the Hangup application, :data:`END` when the channel should simply end) and is
interrupted by a hangup or a redirect through :meth:`Channel.wait`. Dialplan time is
real time scaled by ``PBX.time_scale``: Wait(2) takes two seconds at scale 1.

The interpreter runs the applications of ``PBX.apps``. Each module with applications
keeps a table of its own (:data:`APPLICATIONS` here; Dial's in :mod:`.dial`, Queue's in
:mod:`.queue`: they need phones and Local channels, which run dialplan of their own, so
they import this module, never the other way round); :func:`.applications.build_apps`
gathers the tables for the server's PBX.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from . import manager_events
from .call_control import answer, end_channel
from .channels import BUSY, NORMAL_CLEARING, UP, USER_BUSY, Channel
from .config import find_extension
from .pbx import PBX

NEXT = "next"
JUMP = "jump"  # the application moved the channel (Goto, Gosub, Return): run from there
HANGUP = "hangup"  # the Hangup application ran
END = "end"  # end the channel (its Dial partner hung up, unknown application...)
INTERRUPTED = "interrupted"

App = Callable[[PBX, Channel, str], Awaitable[str]]


class AppTable(dict[str, App]):
    """The dialplan applications one module defines, by lower-case name."""

    def application(self, name: str) -> Callable[[App], App]:
        """Add an application to this table; the dialplan may name it in any case."""

        def add(app: App) -> App:
            self[name.lower()] = app
            return app

        return add


APPLICATIONS = AppTable()  # the interpreter's own: branching and the simple applications


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
        # Asterisk substitutes variables before the application runs; Newexten shows the
        # substituted data.
        data = substitute(pbx, chan, step.data)
        chan.appl, chan.data = step.app, data
        if not chan.cdr.get("final"):
            chan.cdr["last_app"], chan.cdr["last_data"] = step.app, data
        pbx.publish(manager_events.newexten(chan, step.app, data))
        result = await pbx.apps.get(step.app.lower(), app_unknown)(pbx, chan, data)
        if result in (HANGUP, END):
            return result
        if chan.redirect_to is not None or result == JUMP:
            continue
        if chan.dead or chan.softhangup:
            return INTERRUPTED
        chan.priority += 1


# -- variables and expressions ---------------------------------------------------------------
_VARIABLE = re.compile(r"\$\{([^${}]*)\}")
_EXPRESSION = re.compile(r"\$\[([^$\[\]]*)\]")
_OPERATORS = ("!=", ">=", "<=", "=", ">", "<", "+", "-")


def substitute(pbx: PBX, chan: Channel, text: str) -> str:
    """``${VAR}`` and ``$[expression]``, innermost first, as pbx_substitute_variables does."""
    while True:
        replaced = _VARIABLE.sub(lambda m: pbx.get_variable(chan, m.group(1)), text)
        replaced = _EXPRESSION.sub(lambda m: evaluate(m.group(1)), replaced)
        if replaced == text:
            return text
        text = replaced


def evaluate(expression: str) -> str:
    """A small part of Asterisk's expression language: one comparison (1 or 0) or one sum
    or difference; numbers compare as numbers, anything else as text."""
    for operator in _OPERATORS:
        left, found, right = expression.partition(f" {operator} ")
        if found:
            return _apply(operator, left.strip(), right.strip())
    return expression.strip()


def _apply(operator: str, left: str, right: str) -> str:
    try:
        a: float | str = float(left)
        b: float | str = float(right)
    except ValueError:
        a, b = left, right
    if operator in ("+", "-"):
        if isinstance(a, str) or isinstance(b, str):
            return "0"  # Asterisk: "non-numeric argument", treated as 0
        value = a + b if operator == "+" else a - b
        return str(int(value)) if value.is_integer() else str(value)
    if operator in ("=", "!="):
        return "1" if (a == b) == (operator == "=") else "0"
    if isinstance(a, str) != isinstance(b, str):
        a, b = str(a), str(b)
    ordered = {">=": a >= b, "<=": a <= b, ">": a > b, "<": a < b}  # type: ignore[operator]
    return "1" if ordered[operator] else "0"


def is_true(condition: str) -> bool:
    """pbx_checkcondition: empty is false, a number is true unless 0, other text is true."""
    text = condition.strip()
    if not text:
        return False
    try:
        return float(text) != 0
    except ValueError:
        return True


# -- branching ---------------------------------------------------------------------------------
def jump(pbx: PBX, chan: Channel, target: str) -> bool:
    """Move to ``[[context,]exten,]priority`` (a number or a label); False if there is no
    such place, which ends the channel as Asterisk does."""
    parts = [part.strip() for part in target.split(",")]
    if not parts or len(parts) > 3 or not parts[-1]:
        return False
    context = parts[0] if len(parts) == 3 else chan.context
    exten = parts[-2] if len(parts) >= 2 else chan.exten
    extension = find_extension(pbx.contexts, context, exten)
    if extension is None:
        return False
    wanted = parts[-1]
    if wanted.isdigit():
        priority = int(wanted)
    else:
        priority = next((p.number for p in extension.priorities if p.label == wanted), 0)
    if extension.priority(priority) is None:
        return False
    chan.context, chan.exten, chan.priority = context, exten, priority
    return True


@APPLICATIONS.application("Goto")
async def app_goto(pbx: PBX, chan: Channel, data: str) -> str:
    return JUMP if jump(pbx, chan, data) else END


@APPLICATIONS.application("GotoIf")
async def app_gotoif(pbx: PBX, chan: Channel, data: str) -> str:
    """GotoIf(condition?[iftrue][:iffalse]): an empty branch goes on to the next priority."""
    condition, _, branches = data.partition("?")
    when_true, _, when_false = branches.partition(":")
    target = when_true if is_true(condition) else when_false
    if not target.strip():
        return NEXT
    return JUMP if jump(pbx, chan, target) else END


@APPLICATIONS.application("Gosub")
async def app_gosub(pbx: PBX, chan: Channel, data: str) -> str:
    """Gosub([[context,]exten,]priority[(arg1,...)]): remember where to come back, set
    ARG1... (each a VarSet) and jump."""
    target, _, args = data.partition("(")
    arguments = args[:-1].split(",") if args.endswith(")") else []
    saved = {name: value for name, value in chan.variables.items() if name.startswith("ARG")}
    here = (chan.context, chan.exten, chan.priority + 1, saved)
    if not jump(pbx, chan, target):
        return END
    chan.gosub_stack.append(here)
    for number, value in enumerate(arguments, 1):
        pbx.set_variable(chan, f"ARG{number}", value)
    return JUMP


@APPLICATIONS.application("Return")
async def app_return(pbx: PBX, chan: Channel, data: str) -> str:
    """Return([value]): GOSUB_RETVAL is set (also when empty), then back after the Gosub."""
    if not chan.gosub_stack:
        return END  # Asterisk: "Return without Gosub: stack is empty"
    context, exten, priority, saved = chan.gosub_stack.pop()
    pbx.set_variable(chan, "GOSUB_RETVAL", data)
    for name in [n for n in chan.variables if n.startswith("ARG")]:
        del chan.variables[name]
    chan.variables.update(saved)
    chan.context, chan.exten, chan.priority = context, exten, priority
    return JUMP


# -- simple applications -----------------------------------------------------------------------
@APPLICATIONS.application("Answer")
async def app_answer(pbx: PBX, chan: Channel, data: str) -> str:
    if chan.state != UP:
        answer(pbx, chan)
        # Answer on a ringing channel waits up to 500 ms for media to flow.
        await chan.sleep(pbx.scaled(0.5))
    return NEXT


@APPLICATIONS.application("Set")
async def app_set(pbx: PBX, chan: Channel, data: str) -> str:
    name, _, value = data.partition("=")
    if name:
        pbx.set_variable(chan, name.strip(), value)
    return NEXT


@APPLICATIONS.application("Wait")
async def app_wait(pbx: PBX, chan: Channel, data: str) -> str:
    try:
        seconds = float(data or 0)
    except ValueError:
        seconds = 0.0
    await chan.sleep(pbx.scaled(max(0.0, seconds)))
    return NEXT


@APPLICATIONS.application("Hangup")
async def app_hangup(pbx: PBX, chan: Channel, data: str) -> str:
    if data.strip().isdigit():
        chan.hangup_cause = int(data)
    elif chan.hangup_cause == 0:
        chan.hangup_cause = NORMAL_CLEARING
    pbx.publish(manager_events.soft_hangup_request(chan))
    return HANGUP


@APPLICATIONS.application("Busy")
async def app_busy(pbx: PBX, chan: Channel, data: str) -> str:
    """Busy([timeout]): a channel not answered yet turns Busy (cause 17), which tells a
    caller dialling it; then it waits for the hangup, at most ``timeout`` seconds."""
    if chan.state != UP:
        chan.hangup_cause = USER_BUSY
        chan.state = BUSY
        pbx.publish(manager_events.newstate(chan))
        for other in (chan.peer, chan.peer.owner if chan.peer is not None else None):
            if other is not None:
                other.poke()
    try:
        seconds: float | None = float(data) if data.strip() else None
    except ValueError:
        seconds = None
    await chan.sleep(pbx.scaled(seconds) if seconds is not None else None)
    return END


@APPLICATIONS.application("Echo")
async def app_echo(pbx: PBX, chan: Channel, data: str) -> str:
    await chan.sleep(None)  # echoes until someone hangs up
    return NEXT


@APPLICATIONS.application("Playback")
async def app_playback(pbx: PBX, chan: Channel, data: str) -> str:
    if chan.state != UP:
        answer(pbx, chan)
    await chan.sleep(pbx.scaled(3.0))
    return NEXT


@APPLICATIONS.application("NoOp")
@APPLICATIONS.application("Verbose")
async def app_noop(pbx: PBX, chan: Channel, data: str) -> str:
    return NEXT


@APPLICATIONS.application("UserEvent")
async def app_userevent(pbx: PBX, chan: Channel, data: str) -> str:
    name, *headers = data.split(",")
    pbx.publish(manager_events.user_event(chan, name, headers))
    return NEXT


async def app_unknown(pbx: PBX, chan: Channel, data: str) -> str:
    return END
