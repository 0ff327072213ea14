"""Pictures of the console (pytest-textual-snapshot): fixed size, frozen clock, seeded PBX.

After a deliberate change of the screens, review and update them with
``python -m pytest tests/ui/test_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

import pytest
import textual._doc

from tests.scenes import SCENES, SIZE, shown_port, stage

BY_NAME = {scene.name: scene for scene in SCENES}


SMALL = (80, 24)  # a classroom's default terminal


@pytest.fixture
def check(snap_compare, tmp_path, monkeypatch):
    def check(name: str, size: tuple[int, int] = SIZE) -> None:
        scene = BY_NAME[name]
        with stage(scene, tmp_path) as (app, pbx):
            take = textual._doc.take_svg_screenshot
            monkeypatch.setattr(textual._doc, "take_svg_screenshot", lambda **kw: shown_port(take(**kw), pbx.port))
            assert snap_compare(app, terminal_size=size, run_before=lambda pilot: scene.play(pilot, pbx))
            assert pbx.errors == []

    return check


def test_connection_form_with_an_error(check):
    """The form after a wrong secret: 'Asterisk refused the login: Authentication failed...'
    in red under the buttons, every field still filled in, the secret masked."""
    check("login_refused")


def test_composer_with_repeated_fields(check):
    """Originate to 1002@internal with two Variable rows (the second one focused), an Async
    row switched off (✗, struck through), Channel marked required (*), the parameter's help,
    and the preview with both Variable lines and no Async line."""
    check("repeated_fields")


def test_success_response(check):
    """'● Success' in green for CoreSettings, every header in the Fields table."""
    check("success_response")


def test_error_response(check):
    """'● Error' in red for an Originate to a missing extension, with Asterisk's Message."""
    check("error_response")


def test_list_response(check):
    """ShowDialPlan for context demo in the List view: 16 rows, the columns the items
    share, '16 items · ShowDialPlanComplete says ListItems: 16'."""
    check("list_response")


def test_event_log_with_a_filter(check):
    """A call from alice to bob: the filter keeps alice's channel without VarSet, Newexten
    and device events; the counters above; the headers of the selected event on the right."""
    check("events_filtered")


def test_call_trace(check):
    """The trace of the captured Originate of Local/100@demo, replayed from a file: each
    channel with its dialplan steps at +0.50 s and +2.50 s, FOO=bar set, the hangup with
    cause 16 Normal Clearing, and both CDRs."""
    check("call_trace")


def test_history(check):
    """Four actions sent, newest first, with their key fields, status (Error in red) and ms."""
    check("history")


def test_saved_actions(check):
    """The starter set, one highlighted with its explanation and its fields below."""
    check("saved_actions")


def test_transcript(check):
    """The transcript tab: the greeting, '>> Secret: ********' in the Login, the Ping and its Pong."""
    check("transcript")


def test_server_filters(check):
    """The server-side filtering screen with one Filter in force and what the server said."""
    check("server_filters")


def test_calls_tab(check):
    """The Calls tab (ctrl+g): '"Alice" <1001>  1002  bridged with PJSIP/bob  Dial(PJSIP/bob,20)  2',
    under it the ended Local/100@demo call dimmed ('hung up: ...'), the sort shown in the
    status, and the selected call's first channel on the line under the list."""
    check("calls_tab")


def test_call_ladder(check):
    """The ladder of alice's call to bob: two lifelines headed PJSIP/alice and PJSIP/bob, the
    Dial arrow, ANSWER, the bridge (◄──►), both hangups, and '... hung up first: ...' last."""
    check("call_ladder")


def test_dialplan_pane(check):
    """The dialplan of teach for Local/10@teach;2: 'Answer()' ✓, the label [again] run twice
    (×2), TRIES=... dim beside the Set lines, '→ jumped to ...' under GotoIf and Goto, the
    Gosub into greet with greet's steps under it and the Return back, and 'Hung up at
    teach,150,3' at the end."""
    check("dialplan_pane")


def test_hangup_confirmation(check):
    """The hangup confirmation over the console (h on the Calls tab): 'Call "Alice" <1001> -> 1002
    · bridged with PJSIP/bob', the channel PJSIP/alice-... (Up, Dial), and under 'Will send' the
    lines Action: Hangup, ActionID and Channel, each ending in \\r\\n."""
    check("hangup_confirmation")


def test_lesson_panel(check):
    """Lesson 2 ("Actions and responses") in the panel on the right: step 1 of 4 with its
    text, and the composer holding Ping, filled by "show me" and not sent."""
    check("lesson_panel")


# -- the same views at 80x24 ------------------------------------------------------------------
def test_composer_with_repeated_fields_at_80x24(check):
    """At 80x24: the composer at 55% of the width, whole keys (Variable, Priority), values
    from their beginning, and the border saying the preview is below (F11 shows it all)."""
    check("repeated_fields", SMALL)


def test_calls_tab_at_80x24(check):
    """At 80x24: the Calls tab's rows whole beside the scrollbar's room, the titles over
    their columns."""
    check("calls_tab", SMALL)


def test_lesson_panel_at_80x24(check):
    """At 80x24 in learn: the lesson panel on the right, its keys line at its top."""
    check("lesson_panel", SMALL)


def test_saved_actions_at_80x24(check):
    """At 80x24: the saved actions with every column titled (Kind over the starter marks)."""
    check("saved_actions", SMALL)
