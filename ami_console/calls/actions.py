"""The actions the Calls view sends on a live PBX, built as the fields it previews and sends.

Each builder is a pure function returning ``[(key, value), ...]`` with ``Action`` first and
no ``ActionID`` (the client adds it), spelled as Asterisk 22 takes them (see the
``call_redirect``, ``call_blind_transfer`` and ``call_queue`` captures). The confirmation
dialog shows exactly these fields; the console sends exactly them.

:func:`completions` offers contexts, extensions and priorities for Redirect, BlindTransfer
and Originate from the dialplan the console has cached (:class:`ami_console.calls.dialplan.Dialplan`).
"""

from __future__ import annotations

from ami_console.calls.dialplan import Dialplan

__all__ = [
    "ActionFields",
    "blind_transfer",
    "completions",
    "hangup",
    "originate",
    "originate_application",
    "queue_pause",
    "redirect",
]

ActionFields = list[tuple[str, str]]


def hangup(channel: str, cause: int | None = None) -> ActionFields:
    """Hang up ``channel`` (a name; Asterisk also takes ``/regex/``), with a Q.850 cause if given."""
    fields = [("Action", "Hangup"), ("Channel", channel)]
    if cause is not None:
        fields.append(("Cause", str(cause)))
    return fields


def redirect(
    channel: str, context: str, exten: str, priority: int | str = 1, extra_channel: str | None = None
) -> ActionFields:
    """Send ``channel`` (and ``extra_channel``, its peer, to the same place) to context,exten,priority.

    ``priority`` may be a label. Asterisk's fields for the peer are ExtraChannel plus
    ExtraContext/ExtraExten/ExtraPriority; without them the peer would be hung up.
    """
    fields = [
        ("Action", "Redirect"),
        ("Channel", channel),
        ("Context", context),
        ("Exten", exten),
        ("Priority", str(priority)),
    ]
    if extra_channel:
        fields += [
            ("ExtraChannel", extra_channel),
            ("ExtraContext", context),
            ("ExtraExten", exten),
            ("ExtraPriority", str(priority)),
        ]
    return fields


def blind_transfer(channel: str, context: str, exten: str) -> ActionFields:
    """Blind-transfer the bridged peer of ``channel`` to context,exten (``channel`` leaves the call)."""
    return [("Action", "BlindTransfer"), ("Channel", channel), ("Context", context), ("Exten", exten)]


def originate(
    channel: str,
    context: str,
    exten: str,
    priority: int | str = 1,
    caller_id: str | None = None,
    run_async: bool = True,
) -> ActionFields:
    """Call ``channel`` (``PJSIP/alice``, ``Local/100@demo``); when it answers, it runs context,exten,priority.

    ``run_async`` (Async: true) makes Asterisk answer at once (``Originate successfully
    queued``) and report the outcome in an OriginateResponse event, so the session never
    waits for the phone to ring out.
    """
    fields = [
        ("Action", "Originate"),
        ("Channel", channel),
        ("Context", context),
        ("Exten", exten),
        ("Priority", str(priority)),
    ]
    if caller_id:
        fields.append(("CallerID", caller_id))
    if run_async:
        fields.append(("Async", "true"))
    return fields


def originate_application(
    channel: str, application: str, data: str = "", caller_id: str | None = None, run_async: bool = True
) -> ActionFields:
    """Call ``channel``; when it answers, it runs ``application(data)`` instead of the dialplan."""
    fields = [("Action", "Originate"), ("Channel", channel), ("Application", application)]
    if data:
        fields.append(("Data", data))
    if caller_id:
        fields.append(("CallerID", caller_id))
    if run_async:
        fields.append(("Async", "true"))
    return fields


def queue_pause(queue: str, interface: str, paused: bool, reason: str = "") -> ActionFields:
    """Pause (or unpause) member ``interface`` of ``queue``; an empty queue means all its queues.

    The action is QueuePause: ``QueueMemberPause`` is the event it causes, and an action of
    that name is refused by Asterisk as unknown.
    """
    fields = [("Action", "QueuePause")]
    if queue:
        fields.append(("Queue", queue))
    fields += [("Interface", interface), ("Paused", "true" if paused else "false")]
    if reason:
        fields.append(("Reason", reason))
    return fields


def completions(dialplan: Dialplan, context: str = "", exten: str | None = None, prefix: str = "") -> list[str]:
    """Candidates starting with ``prefix`` (any case) from the cached dialplan.

    No ``context``: context names. A ``context`` and no ``exten``: its extensions (and those
    of the contexts it includes, when cached), in Asterisk's order. Both: the extension's
    priorities as numbers, then its labels.
    """
    lowered = prefix.lower()
    if not context:
        names = dialplan.context_names()
    elif exten is None:
        names = dialplan.extension_names(context)
    else:
        names = dialplan.priority_names(context, exten)
    return [name for name in names if name.lower().startswith(lowered)]
