"""Hostile listings (issue 19): reading a listing is linear, what is kept is bounded and the
views say what was left out, the pane asks the server for little, and a huge or unfinished
answer costs no more than its bound. Work is counted (lines of the package run, messages
decoded, requests made), never timed."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import ami_console
from ami_console.calls.dialplan import (
    MAX_CACHED_PRIORITIES,
    MAX_CONTEXTS,
    MAX_PANE_FETCHES,
    MAX_PENDING,
    ChannelPath,
    Dialplan,
    FetchBudget,
    ListingRequest,
    debugger_lines,
    parse_listing,
    render_listing,
)
from ami_console.calls.listing import (
    MAX_APP_DATA,
    MAX_ENTRIES,
    MAX_EXTENSIONS,
    MAX_LISTING_BYTES,
    MAX_LISTING_ITEMS,
    MAX_PRIORITIES,
    MAX_READ,
)
from ami_console.patterns import extension_matches
from ami_console.protocol import Message, Parser

PACKAGE = str(Path(ami_console.__file__).parent)


# -- A server's answers, as bytes on the wire ----------------------------------------------


def item(context: str, **fields: str) -> bytes:
    lines = ["Event: ListDialplan", "ActionID: 7", f"Context: {context}", *(f"{k}: {v}" for k, v in fields.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def complete(items: int, extensions: int, priorities: int) -> bytes:
    return (
        "Event: ShowDialPlanComplete\r\nActionID: 7\r\nEventList: Complete\r\n"
        f"ListItems: {items}\r\nListExtensions: {extensions}\r\nListPriorities: {priorities}\r\nListContexts: 1\r\n\r\n"
    ).encode()


def priorities(context: str, extensions: int, each: int, data: str = "") -> Iterator[bytes]:
    for n in range(extensions):
        for priority in range(1, each + 1):
            yield item(context, Extension=str(1000 + n), Priority=str(priority), Application="NoOp", AppData=data)


def answer(context: str, extensions: int, each: int = 1, includes: int = 0, ended: bool = True) -> list[Message]:
    """One ShowDialPlan answer's items as the session hands them over: received, not decoded."""
    chunks = list(priorities(context, extensions, each))
    chunks += [item(context, IncludeContext=f"inc{n}", Registrar="pbx_config") for n in range(includes)]
    if ended:
        chunks.append(complete(len(chunks), extensions, extensions * each))
    return received(b"".join(chunks))


def received(data: bytes) -> list[Message]:
    """The messages in ``data`` as the client receives them: framed, not decoded yet."""
    parser, messages = Parser(), []
    parser.receive_data(data)
    while (message := parser.next_message()) is not None:  # (iter(f, None) would compare, and decode)
        messages.append(message)
    return messages


def decoded(messages: list[Message]) -> int:
    """How many of the messages were read (a received message is decoded on first use)."""
    return sum(type(m) is Message for m in messages)


def lines_run(work: Callable[[], object]) -> int:
    """How many lines of the package ``work`` runs: a count of work that a loop inside a
    loop (a recount per item) cannot hide, as a timing would."""
    count = 0

    def trace(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if not frame.f_code.co_filename.startswith(PACKAGE):
            return None
        if event == "line":
            count += 1
        return trace

    before = sys.gettrace()
    sys.settrace(trace)
    try:
        work()
    finally:
        sys.settrace(before)
    return count


# -- Reading --------------------------------------------------------------------------------


def test_reading_a_listing_is_linear_in_its_size() -> None:
    """Each item used to recount every priority kept before it: 20,000 items took 9.9 s."""
    small, large = answer("big", 250, 4), answer("big", 1000, 4)
    ratio = lines_run(lambda: parse_listing(large)) / lines_run(lambda: parse_listing(small))
    assert ratio < 4.5  # four times the items, four times the work (a recount would make it 16)


def test_a_huge_answer_costs_its_bound_to_read_and_the_view_says_what_is_left_out() -> None:
    """50,000 priorities took the console to 317 MiB: every item was decoded and kept."""
    items = answer("big", 12_500, 4, includes=3)
    listing = parse_listing(items)["big"]
    assert decoded(items) <= MAX_READ + 3 * MAX_ENTRIES + 2  # the rest were never even decoded
    assert len(listing.extensions) == MAX_EXTENSIONS and listing.priority_count == 4 * MAX_EXTENSIONS
    # The includes come last in Asterisk's answer: they are read all the same.
    assert [name for name, _ in listing.includes] == ["inc0", "inc1", "inc2"]
    said = f"… 46,000 more priorities (11,500 more extensions) not shown: the console keeps {MAX_PRIORITIES:,}"
    assert said in "\n".join(render_listing(listing))
    lines = debugger_lines(listing, None, 200)
    assert len(lines) < MAX_PRIORITIES + 10 and any(said in text for text, kind in lines if kind == "note")
    assert lines_run(lambda: parse_listing(items)) < 2 * lines_run(lambda: parse_listing(answer("big", 1300, 4)))


def test_a_context_keeps_a_bounded_number_of_extensions() -> None:
    listing = parse_listing(answer("wide", MAX_EXTENSIONS + 500))["wide"]
    assert len(listing.extensions) == MAX_EXTENSIONS and listing.truncated
    assert listing.cuts()[0].startswith("… 500 more priorities (500 more extensions) not shown")


def test_app_data_names_and_odd_items_are_bounded() -> None:
    chunks = [
        item("c", Extension="1", Priority="1", Application="Set", AppData="X=" + "y" * 100_000),
        item("c", Extension="2", Priority="²", Application="NoOp"),  # a digit to str.isdigit, not to int()
        item("c", Extension="3", Priority="9" * 5000, Application="NoOp"),  # int() refuses it
        item("c" * 300, Extension="4", Priority="1", Application="NoOp"),  # no context is called that
        item("c", Extension="5" * 300, Priority="1", Application="NoOp"),
        complete(5, 4, 4),
    ]
    listing = parse_listing(received(b"".join(chunks)))["c"]
    data = listing.extensions[0].priorities[0].data
    assert len(data) == MAX_APP_DATA and data.endswith("…")
    assert [e.name for e in listing.extensions] == ["1"] and listing.skipped == 3
    assert "3 listing items made no sense and were skipped." in listing.cuts()


def test_an_unfinished_answer_says_so_and_an_endless_one_is_read_no_further_than_its_bound() -> None:
    """A listing that never completed reached 350 MiB before the list bound applied."""
    cut = parse_listing(answer("c", 10, ended=False))["c"]
    assert cut.unfinished and cut.cuts()[-1].startswith("The server's answer stopped before its end")
    taken = 0

    def endless() -> Iterator[Message]:
        nonlocal taken
        while True:
            taken += 1
            yield Message([("Event", "ListDialplan"), ("Context", "c"), ("Extension", "1"), ("Priority", "1")])

    listing = parse_listing(endless())["c"]
    assert taken == MAX_READ + 1 and listing.unfinished and listing.truncated
    assert listing.cuts()[0].startswith("… at least")


def test_the_answer_bound_for_the_session_holds_a_context_of_50000_priorities() -> None:
    items = answer("big", 12_500, 4)
    assert len(items) <= MAX_LISTING_ITEMS and sum(len(m.raw) for m in items) <= MAX_LISTING_BYTES


# -- The cache ------------------------------------------------------------------------------


def test_the_cache_keeps_a_bounded_number_of_contexts_and_priorities() -> None:
    dialplan = Dialplan()
    for n in range(70):  # more contexts than are kept, more priorities in all too
        dialplan.update(answer(f"c{n}", 400), f"c{n}")
    cached = dialplan.context_names()
    assert len(cached) <= MAX_CONTEXTS
    assert sum(dialplan.get(name).priority_count for name in cached) <= MAX_CACHED_PRIORITIES  # type: ignore[union-attr]
    assert "c69" in dialplan and "c0" not in dialplan and dialplan.evicted == 70 - len(cached)


def fake_server(contexts: dict[str, list[tuple[str, list[str]]]]) -> Callable[[ListingRequest], list[Message]]:
    """ShowDialPlan as Asterisk's manager_show_dialplan_helper answers it, for contexts given
    as (extension or "include:name", [apps]) lists: a whole context with its includes, or
    (Extension given) the extensions matching it here and, through the includes, elsewhere."""

    def whole(name: str) -> list[bytes]:
        chunks = []
        for exten, apps in contexts[name]:
            if exten.startswith("include:"):
                chunks.append(item(name, IncludeContext=exten[8:], Registrar="pbx_config"))
            else:
                chunks += [item(name, Extension=exten, Priority=str(n + 1), Application=a) for n, a in enumerate(apps)]
        return chunks

    def matching(name: str, number: str, seen: set[str]) -> list[bytes]:
        seen.add(name)
        chunks = []
        for exten, apps in contexts[name]:
            if not exten.startswith("include:") and extension_matches(exten, number):
                chunks += [item(name, Extension=exten, Priority=str(n + 1), Application=a) for n, a in enumerate(apps)]
        for exten, _ in contexts[name]:
            if exten.startswith("include:") and exten[8:] not in seen:
                chunks += matching(exten[8:], number, seen)
        return chunks

    def answer_(request: ListingRequest) -> list[Message]:
        chunks = matching(request.context, request.exten, set()) if request.exten else whole(request.context)
        return received(b"".join([*chunks, complete(len(chunks), 0, 0)]))

    return answer_


def test_a_context_with_2000_includes_costs_three_requests_not_1025() -> None:
    """The pane asked for every include (1,025 ShowDialPlans): now it asks for the context,
    then where the number runs (Asterisk walks the includes), then that context."""
    contexts: dict[str, list[tuple[str, list[str]]]] = {"big": [(f"include:inc{n}", []) for n in range(2000)]}
    for n in range(2000):
        contexts[f"inc{n}"] = [(str(5000 + n), ["Answer", "Wait", "Hangup"])]
    server = fake_server(contexts)
    dialplan, budget, sent = Dialplan(), FetchBudget(), []
    for _ in range(20):  # the pane draws again and again while the answers come in
        for request in budget.take(dialplan, "big", "6500"):
            sent.append(request)
            dialplan.update(server(request), request)
    assert sent == [ListingRequest("big"), ListingRequest("big", "6500"), ListingRequest("inc1500")]
    listing = dialplan.listing_for("big", "6500")
    assert listing is not None and listing.name == "inc1500"
    assert dialplan.get("big").dropped_entries == 2000 - MAX_ENTRIES  # type: ignore[union-attr]
    assert len(dialplan.missing_includes("big")) <= 8  # what completion fetches is bounded too
    assert not budget.note()


def test_an_extension_past_the_cut_is_asked_for_on_its_own_and_shown() -> None:
    contexts = {"huge": [(str(10_000 + n), ["NoOp"]) for n in range(MAX_EXTENSIONS + 100)]}
    server = fake_server(contexts)
    dialplan, budget = Dialplan(), FetchBudget()
    wanted = str(10_000 + MAX_EXTENSIONS + 50)  # listed, but past what the console keeps
    for _ in range(5):
        for request in budget.take(dialplan, "huge", wanted):
            dialplan.update(server(request), request)
    assert budget.asked == [ListingRequest("huge"), ListingRequest("huge", wanted)]
    listing = dialplan.listing_for("huge", wanted)
    assert listing is not None and listing.extension(wanted) is not None
    assert f"Listed on their own, past the cut: {wanted}." in listing.cuts()


def test_a_pane_asks_for_a_bounded_number_of_listings_and_says_when_it_stopped() -> None:
    dialplan, budget = Dialplan(), FetchBudget()
    events = []
    for n in range(MAX_PANE_FETCHES + 10):  # a channel going through one context after another
        events.append(
            Message(
                [
                    ("Event", "Newexten"),
                    ("Uniqueid", "1.1"),
                    ("Context", f"c{n}"),
                    ("Exten", "s"),
                    ("Priority", "1"),
                    ("Application", "Goto"),
                    ("AppData", f"c{n + 1},s,1"),
                ]
            )
        )
    asked = []
    for context in ChannelPath.from_events(events, uniqueid="1.1").contexts():
        for request in budget.take(dialplan, context, "s"):
            asked.append(request)
            dialplan.update(answer(request.context, 1), request)
    assert len(asked) == MAX_PANE_FETCHES
    assert budget.note().startswith(f"Stopped asking the server for listings after {MAX_PANE_FETCHES}")
    lines = debugger_lines(None, ChannelPath.from_events(events, uniqueid="1.1"), 120, dialplan, [budget.note()])
    assert (budget.note(), "note") in lines
    budget.reset()  # the pane's refresh
    assert budget.take(dialplan, "c40", "s") == [ListingRequest("c40")]


def test_requests_out_at_once_are_bounded_and_refusals_are_not_asked_again() -> None:
    dialplan = Dialplan()
    for n in range(MAX_PENDING):
        for request in dialplan.wanted(f"c{n}"):
            dialplan.asked(request)
    assert dialplan.wanted("another") == []  # the server has enough to answer for now
    dialplan.failed(ListingRequest("c0"), "Did not find context c0")
    assert dialplan.error("c0") == "Did not find context c0"
    assert dialplan.wanted("c0") == [] and dialplan.wanted("another") == [ListingRequest("another")]
    dialplan.forget("c0")
    assert dialplan.wanted("c0") == [ListingRequest("c0")] and dialplan.error("c0") == ""


def test_drawing_asks_where_each_place_is_once() -> None:
    """The pane redraws often: each step used to walk the includes again."""
    dialplan = Dialplan()
    dialplan.update(answer("c", 2), "c")
    events = [
        Message(
            [
                ("Event", "Newexten"),
                ("Uniqueid", "1.1"),
                ("Context", "c"),
                ("Exten", str(1000 + n % 2)),
                ("Priority", "1"),
                ("Application", "NoOp"),
                ("AppData", str(n)),
            ]
        )
        for n in range(500)
    ]
    path = ChannelPath.from_events(events, uniqueid="1.1")
    asked = []
    original = dialplan.locate

    def locate(context: str, exten: str) -> Any:
        asked.append((context, exten))
        return original(context, exten)

    dialplan.locate = locate  # type: ignore[method-assign]
    listing = dialplan.get("c")
    lines = debugger_lines(listing, path, 100, dialplan)
    assert sorted(asked) == [("c", "1000"), ("c", "1001")]
    # 500 steps, 499 jumps: each line once with its count, each way on once with its count.
    assert lines[1][0].endswith("×250") and lines[2][0].endswith("(Redirect or transfer) ×250")
    assert len(lines) == 5
