"""The reader's hand-over to the app: one waiting message at a time, whatever the storm,
and events past what the log keeps counted rather than queued."""

from __future__ import annotations

from ami_console.events.store import EventStore
from ami_console.protocol import Message
from ami_console.ui.app import AMIConsoleApp, _Bridge


class RecordingApp:
    def __init__(self) -> None:
        self.posted: list[object] = []

    def post_message(self, message: object) -> bool:
        self.posted.append(message)
        return True


def event(name: str, n: int) -> Message:
    return Message.from_raw(f"Event: {name}\r\nUniqueid: {n}\r\n\r\n".encode())


def test_batches_wait_behind_one_message_and_are_taken_together_in_order():
    app = RecordingApp()
    bridge = _Bridge(app, session=None, most=1000, most_bytes=1 << 20)  # type: ignore[arg-type]
    for batch in range(50):  # the app is busy: fifty batches arrive before it looks
        bridge.events_received([event("Newstate", batch * 10 + i) for i in range(10)])
    assert len(app.posted) == 1 and isinstance(app.posted[0], AMIConsoleApp.EventsArrived)
    events, passed_over = bridge.take()
    assert [m["Uniqueid"] for m in events] == [str(n) for n in range(500)]
    assert passed_over == []
    bridge.events_received([event("Hangup", 500)])  # taken: the next batch says so again
    assert len(app.posted) == 2


def test_past_what_the_log_keeps_the_oldest_waiting_events_are_counted_not_queued():
    app = RecordingApp()
    bridge = _Bridge(app, session=None, most=5, most_bytes=1 << 20)  # type: ignore[arg-type]
    bridge.events_received([event("Newchannel", 0), event("Newchannel", 1), event("Hangup", 2)])
    bridge.events_received([event("Newstate", n) for n in range(3, 8)])
    events, passed_over = bridge.take()
    assert [m["Uniqueid"] for m in events] == ["3", "4", "5", "6", "7"]
    assert passed_over == ["Newchannel", "Newchannel", "Hangup"]
    store = EventStore(capacity=5)
    store.count_passed_over(passed_over)
    store.add(events)
    assert store.total == 8 and store.passed_over == 3
    assert store.counts == {"Newchannel": 2, "Hangup": 1, "Newstate": 5}


def test_the_byte_bound_passes_over_big_events_too():
    app = RecordingApp()
    big = Message.from_raw(b"Event: UserEvent\r\nData: " + b"x" * 1000 + b"\r\n\r\n")
    bridge = _Bridge(app, session=None, most=100, most_bytes=2500)  # type: ignore[arg-type]
    bridge.events_received([big, big, big, big])
    events, passed_over = bridge.take()
    assert len(events) == 2 and passed_over == ["UserEvent", "UserEvent"]
