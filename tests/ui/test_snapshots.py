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
