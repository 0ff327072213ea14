"""Pictures of the console (pytest-textual-snapshot): fixed size, frozen clock, seeded PBX.

After a deliberate change of the screens, review and update them with
``python -m pytest tests/ui/test_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

import pytest

from tests.scenes import SCENES, SIZE, stage

# The scenes' demo PBX listens on one fixed port (the header shows it): pytest-xdist's
# loadgroup keeps these tests on one worker, one after another.
pytestmark = pytest.mark.xdist_group("snapshot-port")

BY_NAME = {scene.name: scene for scene in SCENES}


def check(name: str, snap_compare, tmp_path) -> None:
    scene = BY_NAME[name]
    with stage(scene, tmp_path) as (app, pbx):
        assert snap_compare(app, terminal_size=SIZE, run_before=lambda pilot: scene.play(pilot, pbx))
        assert pbx.errors == []


def test_connection_form_with_an_error(snap_compare, tmp_path):
    """The form after a wrong secret: 'Asterisk refused the login: Authentication failed...'
    in red under the buttons, every field still filled in, the secret masked."""
    check("login_refused", snap_compare, tmp_path)


def test_composer_with_repeated_fields(snap_compare, tmp_path):
    """Originate to 1002@internal with two Variable rows (the second one focused), an Async
    row switched off (✗, struck through), Channel marked required (*), the parameter's help,
    and the preview with both Variable lines and no Async line."""
    check("repeated_fields", snap_compare, tmp_path)


def test_success_response(snap_compare, tmp_path):
    """'● Success' in green for CoreSettings, every header in the Fields table."""
    check("success_response", snap_compare, tmp_path)


def test_error_response(snap_compare, tmp_path):
    """'● Error' in red for an Originate to a missing extension, with Asterisk's Message."""
    check("error_response", snap_compare, tmp_path)


def test_list_response(snap_compare, tmp_path):
    """ShowDialPlan for context demo in the List view: 16 rows, the columns the items
    share, '16 items · ShowDialPlanComplete says ListItems: 16'."""
    check("list_response", snap_compare, tmp_path)


def test_event_log_with_a_filter(snap_compare, tmp_path):
    """A call from alice to bob: the filter keeps alice's channel without VarSet, Newexten
    and device events; the counters above; the headers of the selected event on the right."""
    check("events_filtered", snap_compare, tmp_path)


def test_call_trace(snap_compare, tmp_path):
    """The trace of the captured Originate of Local/100@demo, replayed from a file: each
    channel with its dialplan steps at +0.50 s and +2.50 s, FOO=bar set, the hangup with
    cause 16 Normal Clearing, and both CDRs."""
    check("call_trace", snap_compare, tmp_path)


def test_history(snap_compare, tmp_path):
    """Four actions sent, newest first, with their key fields, status (Error in red) and ms."""
    check("history", snap_compare, tmp_path)


def test_saved_actions(snap_compare, tmp_path):
    """The starter set, one highlighted with its explanation and its fields below."""
    check("saved_actions", snap_compare, tmp_path)


def test_transcript(snap_compare, tmp_path):
    """The transcript tab: the greeting, '>> Secret: ********' in the Login, the Ping and its Pong."""
    check("transcript", snap_compare, tmp_path)


def test_server_filters(snap_compare, tmp_path):
    """The server-side filtering screen with one Filter in force and what the server said."""
    check("server_filters", snap_compare, tmp_path)


def test_calls_tab(snap_compare, tmp_path):
    """The Calls tab (ctrl+g): '"Alice" <1001>  1002  bridged with PJSIP/bob  Dial(PJSIP/bob,20)  2',
    under it the ended Local/100@demo call dimmed ('hung up: ...'), the sort shown in the
    status, and the selected call's first channel on the line under the list."""
    check("calls_tab", snap_compare, tmp_path)


def test_call_ladder(snap_compare, tmp_path):
    """The ladder of alice's call to bob: two lifelines headed PJSIP/alice and PJSIP/bob, the
    Dial arrow, ANSWER, the bridge (◄──►), both hangups, and '... hung up first: ...' last."""
    check("call_ladder", snap_compare, tmp_path)


def test_dialplan_pane(snap_compare, tmp_path):
    """The dialplan of teach for Local/10@teach;2: 'Answer()' ✓, the label [again] run twice
    (×2), TRIES=... dim beside the Set lines, '→ jumped to ...' under GotoIf and Goto, the
    Gosub into greet with greet's steps under it and the Return back, and 'Hung up at
    teach,150,3' at the end."""
    check("dialplan_pane", snap_compare, tmp_path)


def test_hangup_confirmation(snap_compare, tmp_path):
    """The hangup confirmation over the console (h on the Calls tab): 'Call "Alice" <1001> -> 1002
    · bridged with PJSIP/bob', the channel PJSIP/alice-... (Up, Dial), and under 'Will send' the
    lines Action: Hangup, ActionID and Channel, each ending in \\r\\n."""
    check("hangup_confirmation", snap_compare, tmp_path)


def test_lesson_panel(snap_compare, tmp_path):
    """Lesson 2 ("Actions and responses") in the panel on the right: step 1 of 4 with its
    text, and the composer holding Ping, filled by "show me" and not sent."""
    check("lesson_panel", snap_compare, tmp_path)
