"""Between the reader and the model thread: everything in order, bounded in bytes; past
the bound the oldest events are counted by name, never queued, and work is never lost."""

from __future__ import annotations

from collections import Counter

from ami_console.events.store import EventStore
from ami_console.monitor.inbox import EventBatch, Inbox, inbox_cost
from ami_console.protocol import Message


def event(name: str, n: int) -> Message:
    return Message.from_raw(f"Event: {name}\r\nUniqueid: {n}\r\n\r\n".encode())


def taken_events(items) -> list[Message]:
    return [m for item in items if isinstance(item, EventBatch) for m in item.events]


def test_batches_and_work_come_out_together_in_the_order_they_went_in():
    inbox = Inbox()
    done: list[str] = []
    for batch in range(50):  # the model thread is busy: fifty batches arrive before it looks
        inbox.put_events([event("Newstate", batch * 10 + i) for i in range(10)])
        if batch == 10:
            inbox.put(lambda: done.append("answer"))
    items, passed = inbox.take(0)
    assert [m["Uniqueid"] for m in taken_events(items)] == [str(n) for n in range(500)]
    assert [type(item) is EventBatch for item in items].index(False) == 11  # the answer, in its place
    assert passed == Counter()
    assert inbox.take(0) == ([], Counter())


def test_past_the_bound_the_oldest_waiting_events_are_counted_not_kept():
    cost = inbox_cost(event("Newchannel", 0))
    inbox = Inbox(max_bytes=5 * cost)
    inbox.put_events([event("Newchannel", 0), event("Newchannel", 1), event("Hangup", 2)])
    inbox.put_events([event("Newstate", n) for n in range(3, 8)])
    assert inbox.waiting_bytes <= 5 * cost
    items, passed = inbox.take(0)
    assert [m["Uniqueid"] for m in taken_events(items)] == ["3", "4", "5", "6", "7"]
    assert passed == Counter({"Newchannel": 2, "Hangup": 1})
    store = EventStore(capacity=5)
    store.count_passed_over(passed)
    store.add(taken_events(items))
    assert store.total == 8 and store.passed_over == 3  # every event counted, exactly
    assert store.counts == {"Newchannel": 2, "Hangup": 1, "Newstate": 5}


def test_work_is_never_passed_over_however_full():
    inbox = Inbox(max_bytes=1000)
    done: list[int] = []
    for n in range(100):
        inbox.put_events([event("Newstate", n)])
        inbox.put(lambda n=n: done.append(n))
    items, passed = inbox.take(0)
    for item in items:
        if not isinstance(item, EventBatch):
            item()
    assert done == list(range(100))
    assert sum(passed.values()) + len(taken_events(items)) == 100


def test_the_byte_bound_counts_big_events_by_their_size():
    big = Message.from_raw(b"Event: UserEvent\r\nData: " + b"x" * 100_000 + b"\r\n\r\n")
    inbox = Inbox(max_bytes=250_000)
    inbox.put_events([big] * 10)
    assert inbox.waiting_bytes <= 250_000
    items, passed = inbox.take(0)
    assert len(taken_events(items)) == 2 and passed == Counter({"UserEvent": 8})


def test_one_event_over_the_bound_still_goes_through_for_the_store_to_refuse():
    huge = Message.from_raw(b"Event: UserEvent\r\nData: " + b"x" * 5000 + b"\r\n\r\n")
    inbox = Inbox(max_bytes=1000)
    inbox.put_events([huge])
    items, passed = inbox.take(0)
    assert taken_events(items) == [huge] and not passed


def test_names_passed_over_are_bounded_like_the_store_counts_them():
    inbox = Inbox(max_bytes=1)
    for n in range(3000):
        inbox.put_events([event(f"Made-up-{n}", n), event("Last", n)])
    _, passed = inbox.take(0)
    assert len(passed) <= 1001 and sum(passed.values()) == 2 * 3000 - 1
