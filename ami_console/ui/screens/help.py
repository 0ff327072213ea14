"""F1: the keys, and AMI explained for someone who has never used it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

# What each of the console's keys does, by the action its binding runs: the keys
# themselves are read from the bindings (console_keys), so this list cannot drift from them.
WORDS: dict[str, str] = {
    "send": "send the action in the composer",
    "focus_composer": "go to the action name, selected: typing replaces it",
    "focus_response": "go to the response; there **1** **2** **3** **4** show Fields, Output, List, Raw",
    "focus_events": "go to the event log",
    "focus_filter": "go to the filter of the tab shown: the event log's, or the Calls tab's",
    "focus_transcript": "the transcript: every line sent (`>>`) and received (`<<`), secrets masked; **a** shows "
    "only actions and responses, **/** searches, **s** saves; the console's own queries are marked `(console)`",
    "focus_calls": "the Calls tab: the calls up now, one row each (see *Live calls* below)",
    "older": "show the older response of this session",
    "newer": "show the newer response of this session",
    "pause": "pause or resume following new events",
    "zoom": "zoom: give the whole screen to the panel with the focus (the composer, the response, the tabs, "
    "the lesson); again, or a key that goes to another panel, gives it back",
    "split(1)": "give the event log more of the height (remembered, apart for `ami-console learn`)",
    "split(-1)": "give the event log less of the height",
    "split(0)": "the split between composer and log as at first",
    "history": "history: every action sent, this session and before; **enter** loads one, **ctrl+s** sends it again",
    "saved": "saved actions (and a starter set): **enter** loads, **s** saves the composer, **r** renames, "
    "**delete** deletes",
    "app.reconnect": "reconnect with the same settings; the event mask and filters set with **ctrl+f** are sent again",
    "server_filters": "server-side filtering: the `Events` mask and `Filter`s of this connection",
    "app.connection_form": "the connection form: connect elsewhere or as another user",
    "lesson": "the lesson panel: bring it back (and go to it) or hide it; there **h** shows the hint, **s** fills "
    "the composer with the step's action (never sends it), **l** lists the lessons, **n** starts the next",
    "tests": "the Tests view: the dialplan test scenarios of the tests folder, run one (**enter**) or all (**a**)",
    "app.help": "this help",
    "close_detail": "close the event's details, or stop following a call",
}

# Keys bound elsewhere than the console screen: the widgets' "explain this", Textual's own.
OTHER_KEYS: list[tuple[str, str]] = [
    (
        "?",
        "explain this: what the event (in the log) or the header (in the Fields view, the event's details) "
        "under the cursor means; in a call trace, its kinds of event",
    ),
    ("ctrl+p", "the command palette: every command by name"),
    ("ctrl+q", "quit"),
]


def key_name(key: str) -> str:
    """``f2`` as F2, ``ctrl+backslash`` as ctrl+\\: as the keyboard says them."""
    key = key.strip()
    if key[:1] == "f" and key[1:].isdigit():
        return key.upper()
    return key.replace("backslash", "\\").replace("escape", "esc")


def console_keys() -> list[tuple[str, str]]:
    """Every key of the console screen, from its bindings (keys of one action together),
    then the others; one key or a pair joined by "/" per row, without spaces."""
    from ami_console.ui.screens.console import ConsoleScreen  # loaded with the console already

    by_action: dict[str, list[str]] = {}
    described: dict[str, str] = {}
    for binding in ConsoleScreen.BINDINGS:
        assert isinstance(binding, Binding)
        for key in binding.key.split(","):
            by_action.setdefault(binding.action, []).append(key_name(key))
        described.setdefault(binding.action, binding.description)
    rows = [("/".join(keys), WORDS.get(action, described[action])) for action, keys in by_action.items()]
    return rows + OTHER_KEYS


HELP = """\
# ami-console help

Press **Esc** or **F1** to close. **ctrl+p** opens the command palette. New to AMI? Press
**l** for the lessons: short exercises on the demo PBX, checked as you go (`ami-console learn`).

## Keys

| Key | Does |
|---|---|
{keys}

The footer shows the keys that fit the width; this table has them all.

On the connection form, **enter** in any field (or **ctrl+s**) connects, **space** ticks a
box, **ctrl+t** shows or hides the secret, and **Esc** cancels connecting. On a short
terminal the form's fields take one line each.

In the composer: type an action name, pick it with **enter** or **tab** (up/down move
in the list); **F2** selects the name, so typing replaces it. Choosing an action keeps the
rows it takes and adds its required ones; **ctrl+z** brings back rows a choice, a paste, a
load or **ctrl+d** removed. In the fields: **ctrl+n** adds a row, **ctrl+y** duplicates the
current row (for repeated headers such as `Variable`), **ctrl+t** switches a row off without
deleting it, **ctrl+d** removes it. Required parameters are marked `*`; in a key field **tab**
takes the completion shown. The preview ("Will send") is exactly what ctrl+s sends.

Paste `Action: ...` / `Key: Value` lines (from a note, a log or the wiki) anywhere in the
composer: the name and one row per line are filled in; `ActionID` lines are left out (the
console numbers actions). **ctrl+c** with nothing selected copies the action the same way.

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
AMI text; `ami-console --replay FILE` opens such a file to browse, filter and trace offline
(there is no server then: no composer, and the log takes the whole screen).
**c** copies: an event in the log, the value under the cursor in the Fields view or in an
event's headers, or the whole response.

## Live calls

**ctrl+g** opens the Calls tab: one row per call (its channels grouped by Linkedid, joined
by bridges): the caller, the extension dialled, the state in words (ringing, in queue,
on hold, bridged with..., hung up and why), the application running now, the number of
channels and a duration that ticks. Calls already up when the console connected are listed
too (it asks CoreShowChannels at each connect: each channel's row names its bridge). An ended call stays
a few seconds, dimmed, then moves to the **recent** list below. **s** sorts by duration,
state or start; **F6** (or **/**) goes to its filter, which reads like the event log's.
**left/right** choose the channel of the call the actions apply to (shown under the list).

| Key | On the selected call |
|---|---|
| **enter** | its ladder: a lifeline per channel, time going down, dials, answers, bridges, transfers, queue and agent, hold, hangups; **c** copies it, **x** exports it (text or SVG), **t** opens the trace |
| **t** | the call trace; there **i** switches to one timeline of all the call's channels |
| **d** | the dialplan the chosen channel walks, as a debugger shows source: ▶ the priority it runs now, ✓ those it ran (with times), the variables it set, the jumps it took; it follows the channel into other contexts; **r** fetches the listing again |
| **h** / **r** / **b** | hang up / redirect / blind transfer the chosen channel (asks first, showing the action) |
| **o** | originate a new call (asks first) |
| **p** | pause or unpause a queue member (asks first) |

Each of **h r b o p** opens a confirmation naming the call and showing the exact bytes it will
send, ActionID included: **enter** sends, **esc** cancels (nothing is sent), **tab** moves
between fields, **right** takes the dialplan completion shown in grey.

**Read-only mode** (`--read-only`, the Read-only box on the connection form, or a profile;
the header shows READ-ONLY): actions that change the PBX are refused before they are sent.
These go through: Ping, ListCommands, CoreSettings, CoreStatus, CoreShowChannels, Status,
BridgeList, BridgeInfo, QueueStatus, QueueSummary, ShowDialPlan, Getvar, ExtensionState,
Events, Filter, Login, Challenge, Logoff, and Command with a CLI `show` command
(`core show channels`). Getvar and Status are refused when they read a dialplan function.

## Filtering events

Type in the filter (F6); terms combine:

| Term | Keeps |
|---|---|
| `NOANSWER` or `alice,bob` | events with this name (glob) or this text in any header value, any case |
| `Event=Hangup,New*` | events with one of these names only |
| `!VarSet,Newexten` | everything except these names |
| `Cause=17` | events whose header matches (glob, any case); `!Channel=Local/*` excludes |
| `Channel=PJSIP/bob` | that endpoint's channels (`PJSIP/bob-00000001`): a channel matches by its start |
| `"two words"` | this text in any header |

The line under the filter says how it read what you typed.

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


def help_text() -> str:
    def cell(key: str) -> str:
        return key.replace("\\", "\\\\")  # a backslash is Markdown's escape: doubled, it shows

    return HELP.replace("{keys}", "\n".join(f"| **{cell(key)}** | {does} |" for key, does in console_keys()))


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "close", "Close help"), Binding("l", "lessons", "Lessons")]

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
            yield Markdown(help_text())

    def action_close(self) -> None:
        self.dismiss(None)

    def action_lessons(self) -> None:
        """Close the help and open the list of lessons (over the console, when it shows)."""
        console = getattr(self.app, "console_screen", None)
        self.dismiss(None)
        if console is not None and console.is_mounted and not console.replay:
            console.action_lessons_list()
