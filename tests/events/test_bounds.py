"""What the console takes from a server is bounded: action docs, action lists, the event log
(by bytes as well as by count), the per-name counters, and values shown on screen.

A hostile server on loopback froze the console with one documentation reply, and grew it to
gigabytes with big or oddly named events; these tests feed the same shapes to the model."""

from __future__ import annotations

from ami_console.actiondocs import (
    MAX_ACTIONS,
    MAX_NAME,
    MAX_PARAMETERS,
    MAX_TEXT,
    parse_action_doc,
    parse_list_commands,
)
from ami_console.events.filter import EventFilter
from ami_console.events.store import (
    COUNTED_NAME_LENGTH,
    DISPLAY_LIMIT,
    MAX_COUNTED_NAMES,
    OTHER_NAMES,
    EventStore,
    shorten,
    size_of,
)
from ami_console.protocol import Message

MIB = 1024 * 1024


def huge_doc(count: int) -> list[str]:
    """``manager show command`` output for an action with ``count`` required parameters,
    each documented at length, plus a few absurd names."""
    lines = ["[Synopsis]", "S" * 100_000, "", "[Description]", *["D" * 1000] * 200, "", "[Syntax]", "Action: Big"]
    lines += [f"[{'N' * 1000}:] <value>", f"{'L' * (MAX_NAME + 1)}: <value>"]
    lines += [f"P{i}: <value>" for i in range(count)]
    lines += ["", "[Arguments]"]
    for i in range(count):
        lines += [f"P{i}", *["    " + "h" * 1000] * 20, ""]
    return lines


# -- documentation from the server ---------------------------------------------------------------
def test_a_doc_with_thousands_of_parameters_is_parsed_to_a_bounded_size():
    doc = parse_action_doc("Big", huge_doc(3000))
    assert doc.name == "Big"
    assert len(doc.parameters) == MAX_PARAMETERS
    # The first ones are kept, in order; names too long to be real are left out.
    assert [p.name for p in doc.parameters[:3]] == ["P0", "P1", "P2"]
    assert all(len(p.name) <= MAX_NAME and p.required for p in doc.parameters)
    assert all(len(p.doc) <= MAX_TEXT for p in doc.parameters)
    assert doc.parameters[0].doc.startswith("hhh") and doc.parameters[0].doc.endswith("…")
    assert len(doc.synopsis) <= MAX_TEXT and len(doc.description) <= MAX_TEXT


def test_list_commands_keeps_a_bounded_number_of_short_entries():
    fields = [("Response", "Success"), ("ActionID", "1"), ("X" * 1000, "far too long a name.  (Priv: all)")]
    fields += [(f"Action{i}", "d" * 10_000 + "  (Priv: all)") for i in range(10_000)]
    commands = parse_list_commands(Message(fields))
    assert len(commands) == MAX_ACTIONS
    assert "Action0" in commands and "X" * 1000 not in commands
    assert all(len(name) <= MAX_NAME for name in commands)
    assert all(len(text) <= MAX_TEXT for text in commands.values())


# -- the event log -------------------------------------------------------------------------------------
def big_event(size: int, name: str = "UserEvent") -> Message:
    head = f"Event: {name}\r\nData: ".encode()
    return Message.from_raw(head + b"x" * (size - len(head) - 4) + b"\r\n\r\n")


def test_the_log_is_bounded_by_bytes_as_well_as_by_count():
    store = EventStore(capacity=10_000, max_bytes=64 * MIB)
    event = big_event(MIB)
    for _ in range(2000):
        store.add([event])
        assert store.bytes <= store.max_bytes
    assert store.total == 2000  # every event is counted...
    fit = store.max_bytes // size_of(event)
    assert len(store.entries) == fit  # ...and the newest that fit are kept
    assert store.entries[-1].seq == 2000 and store.bytes == fit * size_of(event)


def test_an_event_bigger_than_the_whole_budget_is_counted_but_not_kept():
    store = EventStore(max_bytes=MIB)
    store.add([big_event(1000)])
    store.add([big_event(2 * MIB)])
    assert store.total == 2 and store.counts["UserEvent"] == 2
    assert store.bytes <= MIB and [e.seq for e in store.entries] == [1]


def test_events_made_up_without_raw_bytes_are_sized_by_their_text():
    replayed = Message([("Event", "UserEvent"), ("Data", "y" * 400)])  # as read from an export
    store = EventStore(max_bytes=2 * size_of(replayed) + 10)
    store.add([replayed, replayed, replayed])
    assert size_of(replayed) > 400 and len(store.entries) == 2


def test_the_view_reports_every_entry_the_byte_bound_drops():
    store = EventStore(capacity=1000, max_bytes=50_000)
    store.set_filter(EventFilter.parse("Hangup"))
    shown = 0
    for i in range(300):
        added, dropped = store.add([big_event(1000 + 37 * (i % 50), "Hangup" if i % 3 else "Newchannel")])
        shown += added - dropped
        assert shown == len(store.view)
        assert store.bytes <= store.max_bytes
        assert all(entry.seq >= store.entries[0].seq for entry in store.view)
    assert list(store.view) == [e for e in store.entries if e.message.name == "Hangup"]


def test_clearing_the_log_forgets_its_bytes():
    store = EventStore(max_bytes=2 * size_of(big_event(4000)))
    store.add([big_event(4000), big_event(4000)])
    store.clear()
    store.add([big_event(4000), big_event(4000)])
    assert len(store.entries) == 2


def test_a_flood_of_distinct_event_names_keeps_the_counters_bounded():
    store = EventStore()
    for start in range(0, 100_000, 10_000):  # 100x the cap makes the point; a million costs 12 s
        store.add([Message.from_raw(b"Event: Name%d\r\n\r\n" % i) for i in range(start, start + 10_000)])
    assert len(store.counts) <= MAX_COUNTED_NAMES + 1
    assert sum(store.counts.values()) == store.total == 100_000
    assert store.counts[OTHER_NAMES] == 100_000 - MAX_COUNTED_NAMES
    assert store.counts["Name0"] == 1  # names seen before the bound are still counted by name
    assert len(store.counts.most_common(12)) == 12


def test_a_huge_event_name_is_counted_under_a_short_key():
    store = EventStore()
    store.add([Message([("Event", "E" * MIB)]), Message([("Event", "E" * MIB)])])
    assert all(len(name) <= COUNTED_NAME_LENGTH for name in store.counts)
    assert sum(store.counts.values()) == 2


# -- values on screen ---------------------------------------------------------------------------------
def test_a_huge_value_is_cut_for_display_with_what_is_left_said():
    value = "v" * MIB + "é"
    shown = shorten(value)
    assert shown.startswith("v" * DISPLAY_LIMIT) and len(shown) < DISPLAY_LIMIT + 40
    assert shown.endswith(f"… ({MIB + 2 - DISPLAY_LIMIT:,} more bytes)")  # é is two bytes
    assert shorten("short") == "short"


def test_the_byte_bound_counts_what_a_kept_event_costs_decoded_not_its_wire_size():
    """A decoded Newexten of a few hundred wire bytes takes several KB: the log's bound
    must count that, or 64 MiB of wire bytes becomes gigabytes."""
    import tracemalloc

    from tests.captures import capture_messages

    newexten = next(m for m in capture_messages("call_dial_bridge") if m.name == "Newexten")
    raw = newexten.raw
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    messages = [Message.from_raw(bytes(raw)) for _ in range(200)]
    for message in messages:
        dict(message)  # decoded, as the log decodes what it shows, filters and follows
    used = (tracemalloc.get_traced_memory()[0] - before) / len(messages)
    tracemalloc.stop()
    assert used > 3 * len(raw)  # what the old bound (the wire size) missed
    # High, not low: a message decoded as a dict keeps no lines (made if asked, and counted then).
    assert 0.8 * used <= size_of(newexten) <= 3 * used
