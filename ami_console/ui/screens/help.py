"""F1: the keys, and AMI explained for someone who has never used it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# ami-console help

Press **Esc** or **F1** to close. **ctrl+p** opens the command palette.

## Keys

| Key | Does |
|---|---|
| **ctrl+s** (or F5) | send the action in the composer |
| **F2** / **F3** / **F4** / **F6** | go to the composer / the response / the event log / the event filter |
| **F7** / **F8** | show the older / newer response of this session |
| **F9** | pause or resume following new events |
| **F11** | zoom: give the whole screen to the panel with the focus (again to undo) |
| **F10** | the connection form: connect elsewhere or as another user |
| **F12** | the transcript: every line sent (`>>`) and received (`<<`), secrets masked; **s** saves it |
| **ctrl+o** | history: every action sent, this session and before; **enter** loads one, **ctrl+s** sends it again |
| **ctrl+b** | saved actions (and a starter set): **enter** loads, **s** saves the composer, **r** renames, **delete** deletes |
| **ctrl+f** | server-side filtering: the `Events` mask and `Filter`s of this connection |
| **ctrl+l** | clear the event log |
| **ctrl+r** | reconnect with the same settings (after the connection was lost) |
| **ctrl+q** | quit |

In the composer: type an action name, pick it with **enter** or **tab** (up/down move
in the list). In the fields: **ctrl+n** adds a row, **ctrl+y** duplicates the current
row (for repeated headers such as `Variable`), **ctrl+t** switches a row off without
deleting it, **ctrl+g** removes it. Required parameters are marked `*`; the key field
completes parameter names from the server's own documentation.

In the response: **/** searches the Output view (**enter** jumps to the next match).

In the event log: **up/down**, **pageup/pagedown**, **home** move (and stop following),
**end** follows the newest event again, **space** pauses or resumes, **enter** shows
every header of the event under the cursor (**Esc** hides them), **c** copies the event.

## Debugging a call

In the event log, **f** follows the call of the event under the cursor: the log narrows to
that call (by its Linkedid, or Uniqueid or channel), its later events included; **f** or
**Esc** shows every call again. **t** opens the call trace: per channel, the dialplan steps
it walked (context, extension, priority, application and data), the variables it set, what
it dialled and how that ended, its bridges and its hangup cause, on a timeline, explained in
plain words. In the List view of a response (CoreShowChannels, Status...), **f** and **t**
work on the row under the cursor.

**x** in the log exports it (all of it, or what the filter shows) to JSON Lines or to raw
AMI text; `ami-console --replay FILE` opens such a file to browse, filter and trace offline.
**c** copies: an event in the log, the value under the cursor in the Fields view or in an
event's headers, or the whole response.

## Filtering events

Type in the filter (F6); terms combine:

| Term | Keeps |
|---|---|
| `Hangup,New*` | events with one of these names (globs) |
| `!VarSet,Newexten` | everything except these names |
| `Channel=PJSIP/alice*` | events whose header matches (glob, any case); `!Channel=Local/*` excludes |
| `alice` or `"two words"` | events with this text in any header |

A word that starts with a capital letter is an event name; other words are free text.

## AMI in five minutes

The **Asterisk Manager Interface** is a text protocol on TCP port 5038. A client logs in
(`Action: Login` with `Username` and `Secret`, or an MD5 challenge), then sends
**actions** and receives **responses** and **events**. Every message is a block of
`Key: Value` lines ended by a blank line.

- An **action** asks for something: `Action: Originate` places a call, `Action: Command`
  runs a CLI command, `Action: Hangup` ends a channel. `ListCommands` lists every action
  the server knows; `manager show command <Action>` (a CLI command) documents one.
- A **response** answers an action: `Response: Success`, `Error` (with a `Message` saying
  why) or, for Logoff, `Goodbye`.
- The **ActionID** is a label the client puts on each action; the server copies it into
  the response (and into events that belong to the action). That is how a client knows
  which response answers which action when several are in flight. This console numbers
  them for you: the preview shows the one the next action will carry.
- **Events** arrive on their own, whenever something happens: `Newchannel` when a channel
  is created, `Newexten` at each dialplan step, `VarSet`, `DialBegin`/`DialEnd`,
  `Hangup` with its cause, `Cdr` when a call is billed. The user's `read` classes in
  manager.conf, and the `Events` setting of the session, decide which ones you get.
- **Event lists**: actions that return many items (`CoreShowChannels`, `QueueStatus`,
  `Status`, `ShowDialPlan`) answer `Response: Success` with `EventList: start`, then send
  one event per item carrying the same ActionID, and end with a `...Complete` event saying
  `EventList: Complete` and `ListItems: N`. The List view shows them as a table.
- A call's channels share a **Linkedid**; each channel has its own **Uniqueid**.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "close", "Close help")]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen VerticalScroll { width: 100; max-width: 95%; height: 90%; border: round $primary; background: $surface; padding: 0 1; }
    """

    def __init__(self, note: str = "") -> None:
        super().__init__()
        self.note = note  # e.g. where the demo PBX listens and how to log in to it

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            if self.note:
                yield Markdown(f"> {self.note}")
            yield Markdown(HELP)

    def action_close(self) -> None:
        self.dismiss(None)
