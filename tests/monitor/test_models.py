"""The models, fed on their own thread: one ordered stream of events, answers and the
user's changes; the screen told once until it looks; readers never starved."""

from __future__ import annotations

import threading
import time

from ami_console.events.filter import EventFilter
from ami_console.lessons.checks import Observation, parse_check
from ami_console.lessons.model import Lesson, LessonRun, Step
from ami_console.monitor.models import CHUNK, Models
from ami_console.protocol import Message
from tests.captures import capture_messages
from tests.waiting import wait_until


class Told:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


def running(**options) -> tuple[Models, Told]:
    told = Told()
    models = Models(on_changed=told, **options)
    models.start()
    return models, told


def test_events_reach_the_store_and_the_calls_in_order_off_the_calling_thread():
    events = [m for m in capture_messages("call_dial_bridge") if m.is_event]
    models, told = running()
    try:
        seen: list[str] = []

        def record() -> None:
            seen.append(threading.current_thread().name)

        models.events_arrived(events[: len(events) // 2])
        models.run(record)
        models.events_arrived(events[len(events) // 2 :])
        wait_until(lambda: models.store.total == len(events))
        with models.lock:
            assert [e.message for e in models.store.entries] == events
            assert seen == ["ami-models"]
            linkedid = next(e["Linkedid"] for e in events if "Linkedid" in e)
            call = models.calls.call_for(linkedid)
            assert call is not None and len(call.channels) >= 2
        changes = models.take_changes()
        assert changes.added == len(events) and changes.calls
        assert told.count >= 1
    finally:
        models.stop()


def test_the_screen_is_told_once_until_it_takes_the_changes():
    models, told = running()
    try:
        for n in range(200):
            models.events_arrived([Message.from_raw(f"Event: UserEvent\r\nN: {n}\r\n\r\n".encode())])
        wait_until(lambda: models.store.total == 200)
        assert told.count == 1  # two hundred batches, one word to the screen
        assert models.take_changes().added == 200
        models.events_arrived([Message.from_raw(b"Event: UserEvent\r\n\r\n")])
        wait_until(lambda: told.count == 2)
    finally:
        models.stop()


def test_a_screen_taking_the_changes_at_once_is_told_at_most_once_per_frame(monkeypatch):
    """Each telling wakes the screen's loop, which costs the model thread; a storm taken in
    chunk after chunk tells a screen as quick as this one once per TELL_EVERY, no more."""
    from ami_console.monitor import models as module

    now = [1000.0]
    monkeypatch.setattr(module, "_monotonic", lambda: now[0])  # the clock stands still
    taken: list[int] = []
    models = Models(on_changed=lambda: taken.append(models.take_changes().added))
    models.start()
    try:
        storm = [Message.from_raw(f"Event: UserEvent\r\nN: {n}\r\n\r\n".encode()) for n in range(3 * CHUNK)]
        models.events_arrived(storm)
        wait_until(lambda: models.store.total == len(storm))
        assert taken == [CHUNK]  # three chunks, told after the first only: the clock has not moved
        now[0] += 2 * module.TELL_EVERY
        wait_until(lambda: sum(taken) == len(storm), what="the held changes told once the time came")
        assert len(taken) == 2
    finally:
        models.stop()


def test_a_filter_and_a_clear_are_applied_in_turn_with_the_events():
    models, _ = running()
    try:
        hangup = Message.from_raw(b"Event: Hangup\r\nChannel: A\r\n\r\n")
        other = Message.from_raw(b"Event: Newstate\r\nChannel: A\r\n\r\n")
        models.events_arrived([hangup, other])
        models.run(lambda: models.store.set_filter(EventFilter.parse("Event=Hangup")))
        models.events_arrived([other, hangup])
        wait_until(lambda: models.store.total == 4)
        with models.lock:
            assert [e.message.name for e in models.store.view] == ["Hangup", "Hangup"]
    finally:
        models.stop()


def test_a_reader_waits_at_most_for_one_chunk_while_a_storm_is_taken_in():
    """The model thread lets a waiting reader go first between chunks: the screen reads
    during a storm, not after it."""
    models, _ = running()
    try:
        burst = [Message.from_raw(f"Event: Newexten\r\nUniqueid: 1.{n}\r\n\r\n".encode()) for n in range(20_000)]
        models.events_arrived(burst)
        wait_until(lambda: models.store.total > 0)
        reads = 0
        while models.store.total < len(burst):
            with models.lock:
                reads += 1
                total = models.store.total
            time.sleep(0)
        # Read many times while the storm was taken in, each time seeing it part-way.
        assert reads > 1 and total <= len(burst)
    finally:
        models.stop()


def test_events_passed_over_in_the_inbox_are_counted_and_the_calls_told_of_the_gap():
    models = Models(inbox_bytes=2000)  # not started: the events wait in the inbox
    for n in range(100):
        models.events_arrived([Message.from_raw(f"Event: Newexten\r\nUniqueid: 1.{n}\r\n\r\n".encode())])
    models.start()
    try:
        wait_until(lambda: models.store.total == 100)
        changes = models.take_changes()
        assert models.store.passed_over > 0 and changes.calls_gap
    finally:
        models.stop()


def lesson_pinging() -> Lesson:
    check = parse_check({"sent": "Ping"})
    return Lesson("t", "Ping", "", (Step("Send a Ping", check, ""),), None, 1)


def test_a_lesson_ticks_from_the_stream_and_keeps_its_progress(tmp_path):
    from ami_console.lessons.model import Progress

    models, _ = running()
    try:
        with models.lock:
            models.lesson = LessonRun(lesson_pinging())
            models.progress = Progress(tmp_path / "progress.json")
        models.observe(Observation("sent", action="Ping", fields=(("Action", "Ping"),)))
        wait_until(lambda: models.lesson.finished)
        assert models.take_changes().lesson_ticks == 1
        assert models.progress.done("t") == 1
    finally:
        models.stop()


def test_a_bug_in_one_piece_of_work_is_told_and_the_models_go_on():
    models, _ = running()
    try:
        models.run(lambda: 1 / 0)
        models.events_arrived([Message.from_raw(b"Event: After\r\n\r\n")])
        wait_until(lambda: models.store.total == 1)
        problems = models.take_changes().problems
        assert problems and "ZeroDivisionError" in problems[0]
    finally:
        models.stop()
