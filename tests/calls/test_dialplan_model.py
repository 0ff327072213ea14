"""The dialplan as a debugger shows source: listings from ShowDialPlan, and a channel's path."""

from __future__ import annotations

import re

from ami_console.calls.dialplan import (
    MAX_STEPS,
    ChannelPath,
    ContextListing,
    Dialplan,
    debugger_lines,
    dialplan_channels,
    parse_listing,
    render_dialplan,
    render_listing,
)
from ami_console.protocol import Message, Parser
from ami_console.simulator.config import build_dialplan
from tests.captures import capture_messages, transcript

LISTS = capture_messages("dialplan_lists")
DEMO_ITEMS = [m for m in LISTS if m.header("ActionID") == "d1"]
CLI_OUTPUT = next(m for m in LISTS if m.header("ActionID") == "d2").headers("Output")
EXT500_ITEMS = [m for m in LISTS if m.header("ActionID") == "d3"]


def timed_capture(name: str) -> list[tuple[float, Message]]:
    """The capture's messages, each with the time its last bytes arrived."""
    parser = Parser(greeting=True)
    timed = []
    for step in transcript(name):
        if step.kind == "recv":
            parser.receive_data(step.data)
            while (message := parser.next_message()) is not None:
                timed.append((step.at, message))
    return timed


def demo() -> ContextListing:
    listing = parse_listing(DEMO_ITEMS)["demo"]
    return listing


def item(**fields: str) -> Message:
    """A ListDialplan item laid out as Asterisk's manager_show_dialplan_helper writes it."""
    return Message([("Event", "ListDialplan"), ("ActionID", "x"), *fields.items()])


def listed(*items: Message) -> list[Message]:
    """A whole answer: the items, then ShowDialPlanComplete (without it, the answer was cut)."""
    complete = [("Event", "ShowDialPlanComplete"), ("ActionID", "x"), ("EventList", "Complete")]
    return [*items, Message([*complete, ("ListItems", str(len(items)))])]


def first_of(events: list[tuple[float, Message]], name: str) -> str:
    return next(
        m.header("Channel", "")
        for _, m in events
        if m.header("Event") == "Newchannel" and name in m.header("Channel", "")
    )


# -- The listing ---------------------------------------------------------------------------


def test_listing_holds_every_extension_and_priority_in_asterisks_order() -> None:
    complete = next(m for m in DEMO_ITEMS if m.header("Event") == "ShowDialPlanComplete")
    listing = demo()
    assert [e.name for e in listing.extensions] == [
        "100",
        "200",
        "300",
        "400",
        "500",
        "600",
        "700",
        "800",
        "900",
        "950",
    ]
    assert len(listing.extensions) == int(complete.header("ListExtensions", ""))
    assert listing.priority_count == int(complete.header("ListPriorities", ""))
    ext = listing.extension("400")
    assert ext is not None and ext.registrar == "pbx_config"
    assert [(p.number, p.app, p.data) for p in ext.priorities] == [
        (1, "Answer", ""),
        (2, "UserEvent", "DemoEvent,Foo: bar,Answer: 42"),
        (3, "Wait", "1"),
        (4, "Hangup", ""),
    ]


def test_rendering_matches_dialplan_show_except_file_and_line() -> None:
    """ShowDialPlan gives no file:line: the registrar stands in, as Asterisk prints it for
    extensions it has no file for. Everything else is Asterisk's output, space for space."""
    expected = [re.sub(r"\[extensions\.conf:\d+\]$", "[pbx_config]", line) for line in CLI_OUTPUT]
    assert render_dialplan([demo()]) == expected


def test_extension_query_lists_only_that_extension() -> None:
    listing = parse_listing(EXT500_ITEMS)["demo"]
    assert [e.name for e in listing.extensions] == ["500"]
    assert [p.text() for p in listing.extensions[0].priorities] == [
        "1. Set(CALLTYPE=queue)",
        "2. Queue(support,,,,20)",
        "3. Hangup()",
    ]


def test_labels_hints_patterns_includes_as_asterisk_lists_them() -> None:
    """Fields as Asterisk 22's pbx.c writes them: ExtensionLabel before Priority, a hint with
    ``Priority: hint`` and no AppData, an include as IncludeContext."""
    items = [
        item(Context="teach", Extension="_1XX", Priority="hint", Application="PJSIP/100", Registrar="pbx_config"),
        item(Context="teach", Extension="_1XX", Priority="1", Application="Answer", AppData="", Registrar="pbx_config"),
        item(
            Context="teach",
            Extension="_1XX",
            ExtensionLabel="again",
            Priority="2",
            Application="GotoIf",
            AppData="$[${X}]?done",
            Registrar="pbx_config",
        ),
        item(Context="teach", IncludeContext="demo", Registrar="pbx_config"),
        item(Context="teach", IgnorePattern="9", Registrar="pbx_config"),
        item(Context="teach", Switch="Realtime/@", Registrar="pbx_config"),
    ]
    listing = parse_listing(listed(*items))["teach"]
    assert render_listing(listing) == [
        "[ Context 'teach' created by 'pbx_config' ]",
        "  '_1XX' =>         hint: PJSIP/100                               [pbx_config]",
        "                    1. Answer()                                   [pbx_config]",
        "     [again]        2. GotoIf($[${X}]?done)                       [pbx_config]",
        "  Include =>        'demo'                                        [pbx_config]",
        "  Ignore pattern => '9'                                           [pbx_config]",
        "  Alt. Switch =>    'Realtime/@'                                  [pbx_config]",
        "",
    ]
    ext = listing.find("123")
    assert ext is not None and ext.name == "_1XX" and ext.labelled("again") is not None


def test_server_values_are_cleaned() -> None:
    items = [
        item(
            Context="demo",
            Extension="1",
            Priority="1",
            Application="Set",
            AppData="X=\x1b]52;c;AAAA\x07",
            Registrar="r",
        )
    ]
    text = "\n".join(render_listing(parse_listing(listed(*items))["demo"]))
    assert "\x1b" not in text and "\x07" not in text and "\ufffd" in text


def test_items_with_a_broken_priority_are_skipped() -> None:
    items = [item(Context="d", Extension="1", Priority="x", Application="A", Registrar="r")]
    assert parse_listing(items)["d"].extensions == []


# -- The cache -----------------------------------------------------------------------------


def test_cache_replaces_by_context_follows_includes_and_offers_names() -> None:
    dialplan = Dialplan()
    assert Dialplan.request("default") == [("Action", "ShowDialPlan"), ("Context", "default")]
    dialplan.update([item(Context="default", IncludeContext="demo", Registrar="pbx_config")], "default")
    assert dialplan.missing_includes("default") == ["demo"]
    assert dialplan.locate("default", "100") is None  # demo not fetched yet
    assert dialplan.update(DEMO_ITEMS, "demo") == ["demo"]
    assert dialplan.missing_includes("default") == []
    found = dialplan.locate("default", "100")
    assert found is not None and found[0].name == "demo" and found[1].name == "100"
    assert dialplan.extension_names("default")[:3] == ["100", "200", "300"]
    assert dialplan.priority_names("default", "500") == ["1", "2", "3"]
    assert dialplan.context_names() == ["default", "demo"]
    dialplan.update([], "empty")  # a context with nothing in it is still a context
    listing = dialplan.get("empty")
    assert listing is not None and listing.extensions == []
    dialplan.forget("demo")
    assert "demo" not in dialplan and dialplan.locate("default", "100") is None


def test_include_cycles_end() -> None:
    dialplan = Dialplan()
    dialplan.update([item(Context="a", IncludeContext="b", Registrar="r")], "a")
    dialplan.update([item(Context="b", IncludeContext="a", Registrar="r")], "b")
    assert dialplan.locate("a", "1") is None
    assert dialplan.missing_includes("a") == []


# -- Which extension runs (the rules themselves: tests/library/test_patterns.py) -----------


def test_plain_extensions_win_over_patterns_in_listing_order() -> None:
    items = [
        item(Context="p", Extension="123", Priority="1", Application="A", AppData="", Registrar="r"),
        item(Context="p", Extension="_1XX", Priority="1", Application="B", AppData="", Registrar="r"),
        item(Context="p", Extension="_X.", Priority="1", Application="C", AppData="", Registrar="r"),
    ]
    listing = parse_listing(listed(*items))["p"]
    found = [(x, e.name if (e := listing.find(x)) else None) for x in ("123", "124", "5555", "")]
    assert found == [("123", "123"), ("124", "_1XX"), ("5555", "_X."), ("", None)]


# -- A channel's path ----------------------------------------------------------------------


def test_redirect_path_while_live_and_after() -> None:
    events = timed_capture("call_redirect")
    channel = first_of(events, ";2")
    hangup = next(i for i, (_, m) in enumerate(events) if m.header("Event") == "SoftHangupRequest")
    live = ChannelPath.from_events(events[:hangup], channel)
    assert [s.where for s in live.steps] == [f"demo,300,{n}" for n in (1, 2, 3)] + [
        f"demo,100,{n}" for n in (1, 2, 3, 4)
    ]
    jump = live.steps[3].branch
    assert jump is not None and jump.source == "demo,300,3" and jump.how == "" and live.steps[3].ran
    assert live.steps[1].variables == {"CALLTYPE": "wait30"}
    assert live.current is not None and live.current.where == "demo,100,4" and not live.ended

    lines = debugger_lines(demo(), live, 80)
    assert lines[0] == ("[ Context 'demo' created by 'pbx_config' ]", "header")
    current = [text for text, kind in lines if kind == "current"]
    assert len(current) == 1 and current[0].startswith("▶") and "4. Hangup()" in current[0]
    executed = [text for text, kind in lines if kind == "executed"]
    assert len(executed) == 6 and all(re.search(r"\+\d+\.\ds$", t) for t in executed)
    assert any("1. Answer()" in t and "'300' =>" in t for t in executed)
    at = [text for text, _ in lines].index(next(t for t, k in lines if "3. Wait(30)" in t))
    assert lines[at + 1] == ("              → jumped to demo,100,1 (Redirect or transfer)", "branch")
    assert ("              FOO=bar", "variable") in lines
    assert all(len(text) <= 80 for text, _ in lines)

    done = ChannelPath.from_events(events, channel)
    assert done.ended and done.hangup_cause == "16"
    ended = debugger_lines(demo(), done, 80)
    assert not [t for t, k in ended if k == "current"]
    assert ended[-1][1] == "note" and ended[-1][0].startswith("Hung up at demo,100,4: normal clearing")


def test_blind_transfer_lands_on_priority_one_without_running_it() -> None:
    events = timed_capture("call_blind_transfer")
    channel = first_of(events, "Local/600@demo")
    channel = channel.replace(";1", ";2")
    path = ChannelPath.from_events(events, channel)
    assert [(s.where, s.app, s.ran) for s in path.steps] == [
        ("demo,600,1", "Dial", True),
        ("demo,100,1", "Dial", False),  # moved here while still in Dial: Answer never ran
        ("demo,100,2", "Set", True),
        ("demo,100,3", "Wait", True),
        ("demo,100,4", "Hangup", True),
    ]
    branch = path.steps[1].branch
    assert branch is not None and branch.source == "demo,600,1" and branch.via == "blind transfer"
    assert path.steps[0].variables["DIALSTATUS"] == "ANSWER"
    lines = dict(debugger_lines(demo(), path, 100))
    kinds = {text.split("(")[0].strip(): kind for text, kind in lines.items()}
    assert kinds["'100' => 1. Answer"] == "not-run"
    assert kinds["✓          2. Set"] == "executed"
    assert "              → jumped to demo,100,1 (blind transfer)" in lines


def test_queue_caller_path_and_outgoing_sides_have_no_steps() -> None:
    events = timed_capture("call_queue")
    caller = first_of(events, "Local/500@demo")
    caller_two = caller.replace(";1", ";2")
    joined = next(i for i, (_, m) in enumerate(events) if m.header("Event") == "QueueCallerJoin")
    path = ChannelPath.from_events(events[: joined + 1], caller_two)
    assert [s.where for s in path.steps] == ["demo,500,1", "demo,500,2"]
    lines = debugger_lines(demo(), path, 80)
    current = [t for t, k in lines if k == "current"]
    assert len(current) == 1 and re.fullmatch(r"▶          2\. Queue\(support,,,,20\) +\+0\.\ds", current[0])
    assert ("              CALLTYPE=queue", "variable") in lines
    # The ;1 halves only report AppDial2/AppQueue "(Outgoing Line)": no dialplan runs there.
    assert ChannelPath.from_events(events, caller).steps == []
    agent = first_of(events, "Local/300@demo")
    assert ChannelPath.from_events(events, agent).steps == []


def test_gosub_goto_return_and_labels_from_events() -> None:
    """The demo PBX's teaching dialplan walks like this; the branches say which app jumped."""

    def newexten(context: str, exten: str, priority: int, app: str, data: str = "") -> Message:
        return Message(
            [
                ("Event", "Newexten"),
                ("Channel", "PJSIP/alice-00000001"),
                ("Context", context),
                ("Exten", exten),
                ("Priority", str(priority)),
                ("Uniqueid", "1.1"),
                ("Application", app),
                ("AppData", data),
            ]
        )

    events = [
        newexten("teach", "123", 1, "Gosub", "sub,s,1"),
        newexten("sub", "s", 1, "Return"),
        newexten("teach", "123", 2, "GotoIf", "$[1]?again"),
        newexten("teach", "123", 4, "Goto", "demo,100,1"),
        newexten("demo", "100", 1, "Answer"),
    ]
    path = ChannelPath.from_events(events, uniqueid="1.1")
    words = [s.branch.words(s.where) if s.branch else "" for s in path.steps]
    assert words == [
        "",
        "→ Gosub called sub,s,1",
        "→ Return back to teach,123,2",
        "→ jumped to teach,123,4 (GotoIf)",
        "→ jumped to demo,100,1 (Goto)",
    ]
    teach = parse_listing(
        listed(
            item(
                Context="teach", Extension="_1XX", Priority="1", Application="Gosub", AppData="sub,s,1", Registrar="r"
            ),
            item(
                Context="teach",
                Extension="_1XX",
                Priority="2",
                Application="GotoIf",
                AppData="$[1]?again",
                Registrar="r",
            ),
            item(Context="teach", Extension="_1XX", Priority="3", Application="Wait", AppData="1", Registrar="r"),
            item(
                Context="teach",
                Extension="_1XX",
                ExtensionLabel="again",
                Priority="4",
                Application="Goto",
                AppData="demo,100,1",
                Registrar="r",
            ),
        )
    )["teach"]
    lines = debugger_lines(teach, path, 80)
    assert lines == [
        ("[ Context 'teach' created by 'r' ]", "header"),
        ("✓ '_1XX' =>  1. Gosub(sub,s,1)", "executed"),  # 123 runs under _1XX
        ("                → Gosub called sub,s,1", "branch"),
        # The subroutine's steps, elsewhere, under the line that called it, as the call trace writes them.
        ("                  ✓ sub,s,1  Return()", "executed"),
        ("                → Return back to teach,123,2", "branch"),
        ("✓            2. GotoIf($[1]?again)", "executed"),
        ("                → jumped to teach,123,4 (GotoIf)", "branch"),
        ("             3. Wait(1)", "not-run"),
        ("✓    [again] 4. Goto(demo,100,1)", "executed"),
        ("                → jumped to demo,100,1 (Goto)", "branch"),
        ("                  ▶ demo,100,1  Answer()", "current"),
        ("The channel is now in demo,100,1: another context.", "note"),
    ]


def test_replay_without_listing_shows_the_recorded_steps() -> None:
    events = capture_messages("call_redirect")  # no times: a raw replay file
    path = ChannelPath.from_events(events, first_of([(0.0, m) for m in events], ";2"))
    lines = debugger_lines(None, path, 80)
    assert lines[:3] == [
        ("No dialplan listing: the steps the events record, in order.", "note"),
        ("[ Context 'demo' ]", "header"),
        ("✓ '300' => 1. Answer()", "executed"),
    ]
    assert ("           → jumped to demo,100,1 (Redirect or transfer)", "branch") in lines
    assert ("✓ '100' => 1. Answer()", "executed") in lines
    assert debugger_lines(None, None, 80) == [("No dialplan steps recorded for this channel.", "note")]


def test_a_looping_channel_keeps_a_bounded_path() -> None:
    path = ChannelPath(uniqueid="1.1")
    for n in range(MAX_STEPS * 2):
        message = Message(
            [
                ("Event", "Newexten"),
                ("Uniqueid", "1.1"),
                ("Context", "c"),
                ("Exten", "s"),
                ("Priority", str(n % 2 + 1)),
                ("Application", "Goto" if n % 2 else "NoOp"),
                ("AppData", ""),
            ]
        )
        path.add((float(n), message))
    assert len(path.steps) == MAX_STEPS and path.dropped == MAX_STEPS
    listing = parse_listing(
        listed(
            item(Context="c", Extension="s", Priority="1", Application="NoOp", AppData="", Registrar="r"),
            item(Context="c", Extension="s", Priority="2", Application="Goto", AppData="s,1", Registrar="r"),
        )
    )["c"]
    lines = debugger_lines(listing, path, 60)
    assert lines[1][0].endswith(f"×{MAX_STEPS // 2}")


def test_narrow_widths_never_overflow() -> None:
    events = timed_capture("call_blind_transfer")
    path = ChannelPath.from_events(events, first_of(events, "Local/600@demo").replace(";1", ";2"))
    for width in (20, 40, 80):
        assert all(len(text) <= width for text, _ in debugger_lines(demo(), path, width))
        assert all(len(text) <= width for text, _ in debugger_lines(None, path, width))


# -- The pane says exactly what happened (issue 20) ----------------------------------------


def newexten(
    context: str, exten: str, priority: int, app: str, data: str = "", at: float = 0.0
) -> tuple[float, Message]:
    fields = [("Event", "Newexten"), ("Channel", "Local/10@teach-00000001;2"), ("Uniqueid", "1.2")]
    fields += [("Context", context), ("Exten", exten), ("Priority", str(priority))]
    return at, Message([*fields, ("Application", app), ("AppData", data)])


def var_set(name: str, value: str, at: float = 0.0) -> tuple[float, Message]:
    return at, Message([("Event", "VarSet"), ("Uniqueid", "1.2"), ("Variable", name), ("Value", value)])


def squeeze(text: str) -> str:
    """A line without the padding before its time."""
    return re.sub(r" {2,}(\+\d)", r"  \1", text)


def demo_pbx_listing(context: str) -> list[Message]:
    """ShowDialPlan of one of the demo PBX's own contexts, item for item."""
    found = build_dialplan()[context]
    items = [
        item(
            Context=context,
            Extension=e.name,
            Priority=str(p.number),
            Application=p.app,
            AppData=p.data,
            **({"ExtensionLabel": p.label} if p.label else {}),
            Registrar="pbx_config",
        )
        for e in found.extensions
        for p in e.priorities
    ]
    items += [item(Context=context, IncludeContext=name, Registrar="pbx_config") for name in found.includes]
    return listed(*items)


def test_the_demo_tour_shows_the_subroutine_steps_under_the_gosub_as_the_call_trace_does() -> None:
    """Originate Local/10@teach on the demo PBX (tests/simulator checks it walks so): the
    teach listing shows greet's steps under the Gosub line, then the Return back."""
    tour = [
        newexten("teach", "10", 1, "Answer", at=1.0),
        newexten("teach", "10", 2, "Set", "TRIES=1", at=1.0),
        var_set("TRIES", "1", at=1.0),
        newexten("teach", "10", 3, "Wait", "1", at=1.0),
        newexten("teach", "10", 4, "GotoIf", "0?done", at=2.0),
        newexten("teach", "10", 5, "Set", "TRIES=2", at=2.0),
        var_set("TRIES", "2", at=2.0),
        newexten("teach", "10", 6, "Goto", "again", at=2.0),
        newexten("teach", "10", 3, "Wait", "1", at=2.0),
        newexten("teach", "10", 4, "GotoIf", "1?done", at=3.0),
        newexten("teach", "10", 7, "Gosub", "greet,s,1(newcomer)", at=3.0),
        var_set("ARG1", "newcomer", at=3.0),
        newexten("greet", "s", 1, "Set", "GREETING=Hello newcomer", at=3.0),
        var_set("GREETING", "Hello newcomer", at=3.0),
        newexten("greet", "s", 2, "Wait", "1", at=3.0),
        newexten("greet", "s", 3, "Return", "Hello newcomer", at=4.0),
        var_set("GOSUB_RETVAL", "Hello newcomer", at=4.0),
        newexten("teach", "10", 8, "Goto", "150,1", at=4.0),
        newexten("teach", "150", 1, "NoOp", "Dialled 150: Hello newcomer", at=4.0),
        newexten("teach", "150", 2, "Wait", "2", at=4.0),
    ]
    dialplan = Dialplan()
    for context in ("teach", "greet"):
        dialplan.update(demo_pbx_listing(context), context)
    path = ChannelPath.from_events(tour, uniqueid="1.2")
    teach = dialplan.listing_for("teach", "150")
    assert teach is not None and teach.name == "teach"
    lines = debugger_lines(teach, path, 80, dialplan)
    text = [t.rstrip() for t, _ in lines]
    at = text.index(next(t for t in text if "7. Gosub(greet,s,1(newcomer))" in t))
    assert [(squeeze(t), k) for t, k in lines[at + 1 : at + 9]] == [
        ("                ARG1=newcomer", "variable"),
        ("                → Gosub called greet,s,1", "branch"),
        ("                  ✓ greet,s,1  Set(GREETING=Hello newcomer)  +2.0s", "executed"),
        ("                      GREETING=Hello newcomer", "variable"),
        ("                  ✓ greet,s,2  Wait(1)  +2.0s", "executed"),
        ("                  ✓ greet,s,3  Return(Hello newcomer)  +3.0s", "executed"),
        ("                      GOSUB_RETVAL=Hello newcomer", "variable"),
        ("                → Return back to teach,10,8", "branch"),
    ]
    assert text[at + 9].startswith("✓            8. Goto(150,1)")
    assert [t for t, k in lines if k == "current"][0].startswith("▶            2. Wait(12)")
    # Inside the subroutine, the pane shows greet (where the channel is), and how it got there.
    inside = ChannelPath.from_events(tour[:15], uniqueid="1.2")
    greet = dialplan.listing_for("greet", "s")
    assert greet is not None
    lines = debugger_lines(greet, inside, 80, dialplan)
    assert ("Before this context:", "note") in lines and ("→ Gosub called greet,s,1", "branch") in lines
    assert [squeeze(t) for t, k in lines if k == "current"] == ["▶        2. Wait(5)  +2.0s"]


def test_a_transfer_lands_on_the_listings_application_not_the_one_the_event_names() -> None:
    """After BlindTransfer, Newexten names demo,100,1 with the Dial the channel was still in;
    Answer, what demo,100,1 holds, never ran. No view shows Dial there as if it ran."""
    events = timed_capture("call_blind_transfer")
    path = ChannelPath.from_events(events, first_of(events, "Local/600@demo").replace(";1", ";2"))
    dialplan = Dialplan()
    replay = [squeeze(t) for t, k in debugger_lines(None, path, 100)]
    assert "  '100' => 1. (not run: moved here while in Dial)  +1.0s" in replay
    dialplan.update(DEMO_ITEMS, "demo")
    known = [(squeeze(t), k) for t, k in debugger_lines(None, path, 100, dialplan)]
    assert ("  '100' => 1. Answer()  (not run)  +1.0s", "not-run") in known
    assert not [t for t, _ in known if "'100'" in t and "Dial(" in t]


def test_moved_inside_an_application_then_run_there_is_one_step_with_its_own_application() -> None:
    """If the event for the move names the old application and the priority then runs, the
    path holds one step there: the jump, and the application the dialplan runs."""
    events = [
        newexten("demo", "300", 3, "Wait", "30", at=1.0),
        newexten("demo", "100", 1, "Wait", "30", at=2.0),  # moved: the event still names Wait
        newexten("demo", "100", 1, "Answer", "", at=2.1),
        newexten("demo", "100", 2, "Set", "FOO=bar", at=2.2),
    ]
    path = ChannelPath.from_events(events, uniqueid="1.2")
    assert [(s.where, s.app, s.ran) for s in path.steps] == [
        ("demo,300,3", "Wait", True),
        ("demo,100,1", "Answer", True),
        ("demo,100,2", "Set", True),
    ]
    branch = path.steps[1].branch
    assert branch is not None and branch.words(path.steps[1].where) == "→ jumped to demo,100,1 (Redirect or transfer)"


def test_a_stale_listing_is_named_as_such() -> None:
    events = [newexten("demo", "100", 1, "Playback", "hello", at=1.0)]  # the listing says Answer
    lines = debugger_lines(demo(), ChannelPath.from_events(events, uniqueid="1.2"), 120)
    assert ("At demo,100,1 the channel ran Playback; the listing has Answer (refresh it?)", "note") in lines


def test_the_channel_that_runs_the_dialplan_is_the_local_channels_second_half() -> None:
    redirect = capture_messages("call_redirect")
    runners = dialplan_channels(redirect)
    assert [name for name, _ in runners] == [first_of([(0.0, m) for m in redirect], ";2")]
    bridged = capture_messages("call_dial_bridge")
    assert [name.split("-")[0] + name[-2:] for name, _ in dialplan_channels(bridged)] == [
        "Local/600@demo;2",
        "Local/300@demo;2",
    ]
    # Before any step (just originated), the ;2 half by its name.
    created = [m for m in bridged if m.header("Event") == "Newchannel"][:2]
    assert [name[-2:] for name, _ in dialplan_channels(created)] == [";2"]
