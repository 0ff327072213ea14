"""Asterisk's extension patterns, one table of its documented rules (the wiki's "Pattern
Matching" page, and ``_extension_match_core`` in ``main/pbx.c`` where the page is silent),
and the console and the demo PBX asking the same function."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ami_console.calls.dialplan as console_dialplan
import ami_console.simulator.config as demo_pbx
from ami_console.patterns import extension_matches, split_caller_id

NO_CALLER = None  # the caller's number is not known: the extension part alone decides

RULES = [
    # rule, pattern, dialled, caller ID, matches
    ("a plain name is that text", "100", "100", NO_CALLER, True),
    ("a plain name is that text", "100", "1000", NO_CALLER, False),
    ("a plain name is that text", "100", "10", NO_CALLER, False),
    ("case counts in plain names", "s", "S", NO_CALLER, False),
    ("- is decoration in plain names", "555-1234", "5551234", NO_CALLER, True),
    ("- is decoration in plain names", "5551234", "555-1234", NO_CALLER, True),
    ("X is any digit", "_1XX", "123", NO_CALLER, True),
    ("X is any digit", "_1XX", "1a3", NO_CALLER, False),
    ("one character each", "_1XX", "12", NO_CALLER, False),
    ("one character each", "_1XX", "1234", NO_CALLER, False),
    ("other characters are themselves", "_1XX", "223", NO_CALLER, False),
    ("X, Z, N in either case", "_1xx", "199", NO_CALLER, True),
    ("Z is 1-9", "_ZX", "09", NO_CALLER, False),
    ("Z is 1-9", "_ZX", "19", NO_CALLER, True),
    ("N is 2-9", "_NXX", "199", NO_CALLER, False),
    ("N is 2-9", "_NXX", "299", NO_CALLER, True),
    ("case counts in other letters", "_aX", "A1", NO_CALLER, False),
    ("[...] is one of a set", "_[135]0", "30", NO_CALLER, True),
    ("[...] is one of a set", "_[135]0", "20", NO_CALLER, False),
    ("[...] takes ranges", "_[1237-9]", "8", NO_CALLER, True),
    ("[...] takes ranges", "_[1237-9]", "5", NO_CALLER, False),
    ("[...] takes ranges", "_[1-5]0", "60", NO_CALLER, False),
    ("[...] takes letters", "_[a-c]", "b", NO_CALLER, True),
    (". is one or more more", "_9.", "9", NO_CALLER, False),
    (". is one or more more", "_9.", "91", NO_CALLER, True),
    (". is one or more more", "_9.", "9123456", NO_CALLER, True),
    (". is anything, letters too", "_.", "s", NO_CALLER, True),
    (". is anything, letters too", "_X.", "s", NO_CALLER, False),
    ("! is zero or more more", "_9!", "9", NO_CALLER, True),
    ("! is zero or more more", "_9!", "95", NO_CALLER, True),
    ("- is decoration in patterns", "_555-XXXX", "5551234", NO_CALLER, True),
    ("- is decoration in numbers too", "_555-XXXX", "555-1234", NO_CALLER, True),
    ("- is decoration in numbers too", "_1XX", "1-23", NO_CALLER, True),
    ("- is decoration in numbers too", "_1XX", "1--2-3-", NO_CALLER, True),
    ("a set without ] matches nothing", "_[12", "1", NO_CALLER, False),
    ("a set without ] matches nothing", "_[1-", "1", NO_CALLER, False),
    ("a set without ] matches nothing", "_[1-", "", NO_CALLER, False),
    ("an empty set is skipped", "_1[]2", "12", NO_CALLER, True),
    ("a pattern matches itself", "_1XX", "_1XX", NO_CALLER, True),
    ("and patterns Asterisk holds the same", "_1XX", "_1x-x", NO_CALLER, True),
    ("and patterns Asterisk holds the same", "_X", "_[0-9]", NO_CALLER, True),
    ("and patterns Asterisk holds the same", "_1XX", "_1NX", NO_CALLER, False),
    ("/cid: without a caller ID, the extension decides", "_1XX/100", "123", NO_CALLER, True),
    ("/cid: without a caller ID, the extension decides", "_1XX/100", "223", NO_CALLER, False),
    ("/cid: the caller's number must match", "_1XX/100", "123", "100", True),
    ("/cid: the caller's number must match", "_1XX/100", "123", "200", False),
    ("/cid: no number matches only an empty one", "_1XX/100", "123", "", False),
    ("/cid: no number matches only an empty one", "123/", "123", "", True),
    ("/cid: a caller pattern", "123/_2XX", "123", "250", True),
    ("/cid: a caller pattern", "123/_2XX", "123", "350", False),
    ("no /cid: any caller", "123", "123", "999", True),
]


@pytest.mark.parametrize(("rule", "pattern", "exten", "caller", "matches"), RULES)
def test_asterisks_pattern_rules(rule: str, pattern: str, exten: str, caller: str | None, matches: bool) -> None:
    assert extension_matches(pattern, exten, caller) is matches, rule


def test_the_caller_id_part_is_after_the_first_slash() -> None:
    assert split_caller_id("_1XX/100") == ("_1XX", "100")
    assert split_caller_id("123/") == ("123", "")
    assert split_caller_id("_1XX") == ("_1XX", None)


def test_the_console_and_the_demo_pbx_ask_the_same_function() -> None:
    assert console_dialplan.extension_matches is extension_matches
    assert demo_pbx.extension_matches is extension_matches


def test_the_demo_pbx_finds_no_extension_for_a_broken_pattern_and_does_not_raise() -> None:
    contexts = {"odd": demo_pbx.Context("odd", [demo_pbx.Extension("_[1-", [demo_pbx.Priority(1, "NoOp")])])}
    assert demo_pbx.find_extension(contexts, "odd", "1") is None
    contexts["odd"].extensions.append(demo_pbx.Extension("_555-XXXX", [demo_pbx.Priority(1, "NoOp")]))
    found = demo_pbx.find_extension(contexts, "odd", "5551234")
    assert found is not None and found.name == "_555-XXXX"


@given(st.text(alphabet="_[]-XZNxzn.!/0123456789ab", max_size=30), st.text(max_size=30))
def test_no_pattern_and_no_number_make_it_raise(pattern: str, exten: str) -> None:
    assert extension_matches(pattern, exten) in (True, False)
    assert extension_matches(pattern, exten, exten) in (True, False)
