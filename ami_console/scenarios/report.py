"""Results in words: one line per check, the path a failed call really took, and JUnit XML.

Everything shown comes from the server or a file: it passes through
:func:`~ami_console.printable.clean`, so a value cannot move the terminal's cursor.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from ami_console.printable import clean
from ami_console.scenarios.checks import CheckResult, first_missing_step, like
from ami_console.scenarios.record import CallRecord
from ami_console.scenarios.runner import ScenarioResult
from ami_console.scenarios.scenario import ScenarioError

__all__ = ["check_line", "explain_failure", "junit_xml", "path_lines", "result_lines", "summary_line"]


def check_line(check: CheckResult) -> str:
    """``  pass  reaches demo,700,1`` or ``  FAIL  dial status BUSY (got: dial status NOANSWER)``."""
    if check.passed:
        return f"  pass  {clean(check.expected)}"
    return f"  FAIL  {clean(check.expected)} (got: {clean(check.actual)})"


def result_lines(result: ScenarioResult) -> list[str]:
    """The scenario's lines: its verdict, a line per check, and for a failure the path the
    call took beside what was expected."""
    scenario = result.scenario
    verdict = "PASS" if result.passed else "FAIL"
    lines = [f"{verdict} {clean(scenario.label)}: {clean(scenario.name)} ({result.seconds:.1f} s)"]
    lines += [check_line(check) for check in result.checks]
    if result.problem:
        lines.append(f"  FAIL  {clean(result.problem)}")
    if result.left:
        lines.append(f"  FAIL  left on the PBX after hanging up: {clean(', '.join(result.left))}")
    if not result.passed and result.record is not None:
        lines += [f"    {line}" for line in explain_failure(result)]
        lines.append("    the path the call took:")
        lines += [f"      {line}" for line in path_lines(result.record)]
    return lines


def explain_failure(result: ScenarioResult) -> list[str]:
    """For each failed step check, what was expected beside where the call went:
    ``expected demo,700,3; the call went demo,700,1, demo,700,2, then hung up``."""
    record = result.record
    if record is None:
        return []
    went = record.where()
    said: list[str] = []
    for check in result.failures:
        e = check.expectation
        if e.kind == "steps":
            missing = first_missing_step(e.items, went)
            wanted = e.items[missing or 0]
            said.append(f"expected {wanted}; the call went {_went(went, record)}")
        elif e.kind == "reaches":
            for item in e.items:
                if not any(like(w, item) for w in went):
                    said.append(f"expected {item}; the call went {_went(went, record)}")
                    break
        elif e.kind == "never":
            said.append(f"expected never {' nor '.join(e.items)}; the call went {_went(went, record)}")
    return [clean(line) for line in said]


def expected_step(result: ScenarioResult) -> str:
    """The first step a failed scenario expected and its call did not reach ("demo,700,3"),
    or "" when no step check failed: where the dialplan pane marks it."""
    record = result.record
    went = record.where() if record is not None else []
    for check in result.failures:
        e = check.expectation
        if e.kind == "steps":
            return e.items[first_missing_step(e.items, went) or 0]
        if e.kind == "reaches":
            return next((item for item in e.items if not any(like(w, item) for w in went)), "")
    return ""


def _went(went: list[str], record: CallRecord) -> str:
    if not went:
        return "through no dialplan step"
    shown = went if len(went) <= 12 else [*went[:5], "...", *went[-6:]]
    end = ", then hung up" if record.ended else ", and was still up"
    return " then ".join(shown) + end


def path_lines(record: CallRecord) -> list[str]:
    """The call's dialplan steps with times (from its first event), its dial statuses and
    each channel's hangup cause."""
    start = record.started
    lines = []
    if record.dropped_steps:
        lines.append(f"({record.dropped_steps:,} earlier steps not kept)")
    for item in record.steps:
        step = item.step
        at = f"+{step.at - start:6.2f} s" if step.at is not None and start is not None else "    ?    "
        lines.append(f"{at}  {step.where:<20} {step.app}({step.data})  on {item.channel}")
    if not record.steps:
        lines.append("no dialplan step")
    if record.dial_statuses:
        lines.append("dial status: " + ", ".join(record.dial_statuses))
    if record.queues:
        lines.append(
            "queue: "
            + ", ".join(record.queues)
            + ("; answered by " + ", ".join(record.agents) if record.agents else "")
        )
    if record.peers:
        lines.append("bridged with: " + ", ".join(record.peers))
    for hangup in record.hangups:
        at = f"+{hangup.at - start:.2f} s " if hangup.at is not None and start is not None else ""
        lines.append(f"{at}hung up {hangup.channel}: cause {hangup.cause} ({hangup.cause_txt or '?'})")
    if record.originate_failure:  # a fact, not a fault: a busy callee never answers the Originate
        lines.append(record.originate_failure)
    return [clean(line) for line in lines]


def summary_line(results: Sequence[ScenarioResult], errors: Sequence[ScenarioError] = ()) -> str:
    passed = sum(r.passed for r in results)
    failed = len(results) - passed
    text = f"{passed} passed, {failed} failed"
    if errors:
        text += f", {len(errors)} could not be used"
    return text


def junit_xml(results: Sequence[ScenarioResult], errors: Sequence[ScenarioError] = (), name: str = "dialplan") -> bytes:
    """The results as JUnit XML (one testcase a scenario, a failure with its report; an
    unusable file is an error testcase), as CI systems read it."""
    suite = ET.Element(
        "testsuite",
        name=name,
        tests=str(len(results) + len(errors)),
        failures=str(sum(not r.passed for r in results)),
        errors=str(len(errors)),
        time=f"{sum(r.seconds for r in results):.3f}",
    )
    for result in results:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=_xml(str(result.scenario.path or result.scenario.label)),
            name=_xml(result.scenario.name),
            time=f"{result.seconds:.3f}",
        )
        if not result.passed:
            first = result.problem or next((check_line(c).strip() for c in result.failures), "failed")
            failure = ET.SubElement(case, "failure", message=_xml(first))
            failure.text = _xml("\n".join(result_lines(result)))
        else:
            out = ET.SubElement(case, "system-out")
            out.text = _xml("\n".join(result_lines(result)))
    for error in errors:
        case = ET.SubElement(suite, "testcase", classname=_xml(str(error.path)), name=_xml(error.path.name))
        ET.SubElement(case, "error", message=_xml(str(error)))
    return bytes(ET.tostring(suite, encoding="utf-8", xml_declaration=True))


def _xml(text: str) -> str:
    """Text XML 1.0 can hold: its forbidden control characters replaced."""
    return "".join(c if c in "\t\n\r" or (ord(c) >= 0x20 and c not in "\ufffe\uffff") else "\ufffd" for c in text)
