"""Running scenarios: place the call, follow it, check it, leave nothing behind.

For each scenario the runner sends an Originate (Async) whose ``ChannelId`` it made up: the
new channel's Uniqueid, and so the Linkedid of every channel of the call, is known before
the first event. It follows that call's events alone (:class:`CallRecord`), ticks each check
as soon as it passes, and when the call is over (or its ``timeout`` passed, or the run was
stopped) it hangs up every channel of the call still up, asks CoreShowChannels until none
of the call's channels is listed, and decides every check.

One :class:`ScenarioRunner` works over one :class:`~ami_console.session.Session`; give its
:meth:`ScenarioRunner.feed` as the session's ``on_events`` and its :meth:`ScenarioRunner.lost`
as ``on_lost``. :meth:`ScenarioRunner.run_all` runs scenarios one at a time, or ``jobs`` at
once on threads of its own. What happens is told to a :class:`Listener` as it happens
(from the runner's threads).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ami_console import clock
from ami_console.protocol import Message
from ami_console.scenarios.checks import CheckResult, evaluate
from ami_console.scenarios.record import CallRecord
from ami_console.scenarios.scenario import Expectation, Scenario
from ami_console.session import Session

__all__ = ["Listener", "ScenarioResult", "ScenarioRunner", "new_channel_id"]

CLEANUP_TIMEOUT = 10.0  # seconds to see the call's channels gone after hanging them up
POLL = 0.25  # how often a waiting scenario looks at the clock and at cancellation


def new_channel_id() -> str:
    """A ChannelId no other call has: the scenario's call's Uniqueid and Linkedid."""
    return f"amitest-{secrets.token_hex(8)}"


@dataclass
class ScenarioResult:
    scenario: Scenario
    checks: list[CheckResult] = field(default_factory=list)
    record: CallRecord | None = None
    problem: str = ""  # what went wrong beside the checks: refused, timed out, left up, stopped
    left: list[str] = field(default_factory=list)  # channels still listed after the cleanup
    seconds: float = 0.0  # how long the scenario took

    @property
    def passed(self) -> bool:
        return not self.problem and not self.left and all(c.passed for c in self.checks)

    @property
    def failures(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.passed]


class Listener:
    """What a runner tells as it goes; every method is called from the runner's threads."""

    def started(self, scenario: Scenario, linkedid: str) -> None:
        """The call is about to be placed, with this Linkedid."""

    def checked(self, scenario: Scenario, result: CheckResult) -> None:
        """A check was decided (a pass may come while the call goes on)."""

    def finished(self, result: ScenarioResult) -> None:
        """The scenario is over, its call gone."""


class ScenarioRunner:
    def __init__(
        self,
        session: Session | None = None,
        *,
        listener: Listener | None = None,
        cancelled: Callable[[], bool] | None = None,
        cleanup_timeout: float = CLEANUP_TIMEOUT,
    ) -> None:
        self.session = session
        self.listener = listener or Listener()
        self.cancelled = cancelled or (lambda: False)
        self.cleanup_timeout = cleanup_timeout
        self._lock = threading.Condition()
        self._records: list[CallRecord] = []  # the calls being followed
        self._lost = ""

    @property
    def _session(self) -> Session:
        if self.session is None:
            raise RuntimeError("the runner has no session: give it one before running")
        return self.session

    # -- from the session's reader thread ---------------------------------------------------
    def feed(self, events: list[Message]) -> None:
        """Take a batch of events (the session's ``on_events``)."""
        at = clock.now()
        with self._lock:
            changed = False
            for message in events:
                for record in self._records:
                    changed = record.feed(message, at) or changed
            if changed:
                self._lock.notify_all()

    def lost(self, reason: str) -> None:
        """The connection is gone (the session's ``on_lost``): every scenario stops."""
        with self._lock:
            self._lost = reason or "the connection was lost"
            self._lock.notify_all()

    # -- running ------------------------------------------------------------------------------
    def run_all(self, scenarios: Sequence[Scenario], jobs: int = 1) -> list[ScenarioResult]:
        """Every scenario's result, in the order given; ``jobs`` run at once."""
        if jobs <= 1 or len(scenarios) <= 1:
            return [self.run(scenario) for scenario in scenarios]
        with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="scenario") as pool:
            return list(pool.map(self.run, scenarios))

    def run(self, scenario: Scenario) -> ScenarioResult:
        started = time.monotonic()
        linkedid = new_channel_id()
        watch = [e.check for e in scenario.expectations if e.check is not None]
        record = CallRecord(linkedid, watch=watch)
        result = ScenarioResult(scenario, record=record)
        ticked: set[int] = set()  # the checks told already (a pass, while the call went on)
        with self._lock:
            self._records.append(record)
        try:
            self.listener.started(scenario, linkedid)
            if self.cancelled():
                result.problem = "stopped before its call was placed"
            elif self._lost:
                result.problem = f"not run: {self._lost}"
            else:
                result.problem = self._place_and_follow(scenario, record, started, ticked)
            result.left = self._clean_up(record)
        finally:
            with self._lock:
                self._records.remove(record)
                result.checks = [
                    self._final(scenario, e, record, i in ticked) for i, e in enumerate(scenario.expectations)
                ]
        result.seconds = time.monotonic() - started
        self.listener.finished(result)
        return result

    def _place_and_follow(self, scenario: Scenario, record: CallRecord, started: float, ticked: set[int]) -> str:
        exchange = self._session.send(scenario.placement.originate(record.linkedid))
        with self._lock:
            record.action_id = exchange.action_id
        response = exchange.wait(self._session.timeout + 1.0)
        if response is None or (response.header("Response") or "").lower() != "success":
            said = response.header("Message", "no answer") if response is not None else "no answer in time"
            return f"the PBX refused the Originate: {said}"
        deadline = started + scenario.timeout
        with self._lock:
            while True:
                for index, expectation in enumerate(scenario.expectations):
                    if index not in ticked and (found := evaluate(expectation, record, final=False)) is not None:
                        ticked.add(index)
                        self.listener.checked(scenario, found)
                if record.originate_failure and not record.names:
                    return record.originate_failure + ": no channel was made"
                if record.ended:
                    return ""
                if self._lost:
                    return f"the connection was lost: {self._lost}"
                if self.cancelled():
                    return "stopped: its call was hung up"
                left = deadline - time.monotonic()
                if left <= 0:
                    return f"timed out: the call was still up after {scenario.timeout:g} s, and was hung up"
                self._lock.wait(min(left, POLL))

    def _final(self, scenario: Scenario, expectation: Expectation, record: CallRecord, told: bool) -> CheckResult:
        found = evaluate(expectation, record, final=True)
        assert found is not None  # final: always decided
        if not told:
            self.listener.checked(scenario, found)
        return found

    def _clean_up(self, record: CallRecord) -> list[str]:
        """Hang up what is left of the call until CoreShowChannels lists none of it; the
        channels still listed at the deadline."""
        if self._lost:
            return []
        deadline = time.monotonic() + self.cleanup_timeout
        with self._lock:
            up = record.channels_up()
        while True:
            for channel in up:
                self._session.send([("Action", "Hangup"), ("Channel", channel), ("Cause", "16")])
            listed = self._listed(record.linkedid)
            if listed is None:
                return []  # cannot ask: the connection is gone, and the report says so
            if not listed or time.monotonic() >= deadline:
                return listed
            up = listed
            with self._lock:
                self._lock.wait(POLL)

    def _listed(self, linkedid: str) -> list[str] | None:
        """The channels of the call CoreShowChannels lists now (None: no answer)."""
        exchange = self._session.send([("Action", "CoreShowChannels")])
        response = exchange.wait(self._session.timeout + 1.0)
        if response is None or (response.header("Response") or "").lower() != "success":
            return None
        return [
            item.header("Channel", "")
            for item in exchange.items
            if item.name == "CoreShowChannel" and item.header("Linkedid") == linkedid
        ]
