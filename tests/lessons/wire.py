"""Observations made from the Asterisk 22 wire captures, as the console would report them:
each action sent (``sent``) and its answer with any event-list items (``answered``) at the
answer's place in the stream, and every other event (``event``)."""

from __future__ import annotations

from ami_console.lessons.model import Observation
from ami_console.protocol import Message
from tests.captures import capture_messages, parse, sent


def wire_observations(name: str, user: str = "admin") -> list[Observation]:
    actions = {m.action_id: m for m in parse([sent(name)])[1] if m.header("Action")}
    received = capture_messages(name)
    # The items of each event list, by ActionID (other events may carry an ActionID too,
    # such as OriginateResponse: those are events).
    listed = {m.action_id for m in received if m.is_response and m.header("EventList", "").lower() == "start"}
    lists: dict[str, list[Message]] = {}
    for message in received:
        if message.is_event and message.action_id in listed:
            lists.setdefault(message.action_id or "", []).append(message)
    found: list[Observation] = []
    for message in received:
        action = actions.get(message.action_id)
        if message.is_event and message.action_id in listed:
            continue  # given with its list's answer
        if message.is_response and action is not None:
            name_sent = action.header("Action", "")
            found.append(Observation("sent", action=name_sent, fields=tuple(action.fields), user=user))
            items = tuple(lists.get(message.action_id or "", []))
            found.append(Observation("answered", action=name_sent, message=message, items=items, user=user))
        elif message.is_event:
            found.append(Observation("event", message=message))
    return found
