"""The Tests view: the dialplan test scenarios of a folder, run one or all, ticked live.

The scenarios run on a worker thread, over a connection of their own to the same server
(so the console's own connection is never held up); their calls show in the Calls tab
like any other. Each check is written as it is decided; a failed scenario shows the path
its call took beside what was expected, and ``d`` opens that call in the dialplan pane.

| Key | Does |
|---|---|
| up/down | move in the list |
| enter | run the scenario |
| a | run them all |
| d | the last failed call in the dialplan pane |
| escape | close (a run in progress stops, its calls hung up) |
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Log, OptionList
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from ami_console.files.profiles import ConnectionSettings
from ami_console.scenarios.checks import CheckResult
from ami_console.scenarios.cli import connect
from ami_console.scenarios.report import check_line, expected_step, explain_failure, result_lines, summary_line
from ami_console.scenarios.runner import Listener, ScenarioResult, ScenarioRunner
from ami_console.scenarios.scenario import Scenario, ScenarioError, load_scenarios
from ami_console.ui.plaintext import PlainText, fit


@dataclass(frozen=True)
class FailedCall:
    """A failed scenario's call, for the dialplan pane: where its path runs, the step the
    test expected, and what the test said (expected beside what the call did)."""

    key: str
    uniqueid: str
    step: str
    said: list[str]


class _Poster(Listener):
    """Hands what the runner tells to the screen, as messages (thread-safe)."""

    def __init__(self, screen: TestsScreen) -> None:
        self.screen = screen

    def started(self, scenario: Scenario, linkedid: str) -> None:
        self.screen.post_message(TestsScreen.Lines([f"RUN  {scenario.label}: {scenario.name}"]))

    def checked(self, scenario: Scenario, result: CheckResult) -> None:
        self.screen.post_message(TestsScreen.Lines([("✓ " if result.passed else "✗ ") + check_line(result).strip()]))

    def finished(self, result: ScenarioResult) -> None:
        self.screen.post_message(TestsScreen.Finished(result))


class TestsScreen(ModalScreen["FailedCall | None"]):
    """Dismissed with the failed call to open in the dialplan pane, or None."""

    __test__ = False  # not a pytest test class, whatever its name

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("enter", "run_selected", "Run", priority=True),
        Binding("a", "run_all", "Run all"),
        Binding("d", "open_dialplan", "Dialplan"),
    ]

    DEFAULT_CSS = """
    TestsScreen { align: center middle; }
    TestsScreen #tests-body { width: 95%; height: 90%; }
    TestsScreen OptionList { width: 40%; height: 100%; border: round $primary; background: $surface; }
    TestsScreen Log { width: 60%; height: 100%; border: round $primary; background: $surface; }
    """

    class Lines(Message):
        """Lines for the results log, from the runner's thread."""

        def __init__(self, lines: list[str]) -> None:
            super().__init__()
            self.lines = lines

    class Finished(Message):
        def __init__(self, result: ScenarioResult) -> None:
            super().__init__()
            self.result = result

    def __init__(self, folder: Path | None, settings: ConnectionSettings) -> None:
        super().__init__()
        self.folder = folder
        self.settings = settings
        self.scenarios: list[Scenario] = []
        self.errors: list[ScenarioError] = []
        self.results: list[ScenarioResult] = []
        self.failed_call: FailedCall | None = None
        self._stop = threading.Event()
        self._run_going = False

    def compose(self) -> ComposeResult:
        with Horizontal(id="tests-body"):
            listing = OptionList(id="tests-list")
            listing.border_title = f"Tests in {self.folder}" if self.folder else "Tests"
            yield listing
            log = Log(id="tests-log", highlight=False)
            log.border_title = "Results"
            yield log
        yield Footer(compact=True)

    @property
    def listing(self) -> OptionList:
        return self.query_one("#tests-list", OptionList)

    @property
    def log_view(self) -> Log:
        return self.query_one("#tests-log", Log)

    def on_mount(self) -> None:
        self.listing.focus()
        if self.folder is None:
            self.log_view.write_line("No tests folder: start the console with --tests DIR (kept in the profile).")
            return
        self.load()

    @work(thread=True, exit_on_error=False, group="load")
    def load(self) -> None:
        assert self.folder is not None
        loaded = load_scenarios([self.folder])
        self.app.call_from_thread(self._loaded, loaded.scenarios, loaded.errors)

    def _loaded(self, scenarios: list[Scenario], errors: list[ScenarioError]) -> None:
        self.scenarios, self.errors = scenarios, errors
        # One scenario, two lines (file, name), each cut with an ellipsis rather than wrapped.
        width = max(8, self.listing.scrollable_content_region.width - 5)  # the indent, a scrollbar
        options = [
            Option(PlainText(f"  {fit(s.label, width).rstrip()}\n  {fit(s.name, width).rstrip()}"), id=str(i))
            for i, s in enumerate(scenarios)
        ]
        options += [Option(PlainText(f"✗ {error}", style="red"), disabled=True) for error in errors]
        self.listing.add_options(options)
        if scenarios:
            self.listing.highlighted = 0  # enter runs one at once

    def action_run_selected(self) -> None:
        index = self.listing.highlighted
        if index is not None and index < len(self.scenarios):
            self._start([self.scenarios[index]])

    def action_run_all(self) -> None:
        self._start(list(self.scenarios))

    def _start(self, scenarios: list[Scenario]) -> None:
        if self._run_going or not scenarios:
            if self._run_going:
                self.notify("A run is going on: wait for its end.", severity="warning")
            return
        self._run_going = True
        self._stop.clear()
        self.results = []
        self.log_view.clear()
        self.run_scenarios(scenarios)

    @work(thread=True, exit_on_error=False, group="run")
    def run_scenarios(self, scenarios: list[Scenario]) -> None:
        runner = ScenarioRunner(listener=_Poster(self), cancelled=self._stop.is_set)
        try:
            session = connect(self.settings, runner)
        except (ConnectionError, ValueError) as exc:
            self.post_message(self.Lines([f"Cannot connect to {self.settings.address}: {exc}"]))
            return
        try:
            runner.run_all(scenarios)
        finally:
            session.close()

    @on(Lines)
    def _lines(self, message: Lines) -> None:
        self.log_view.write_lines(message.lines)

    @on(Finished)
    def _finished(self, message: Finished) -> None:
        result = message.result
        self.results.append(result)
        lines = result_lines(result)
        self.log_view.write_lines([lines[0], *lines[1 + len(result.checks) :], ""])
        record = result.record
        if not result.passed and record is not None and record.paths:
            runs = next((u for u, p in record.paths.items() if p.steps), next(iter(record.paths)))
            self.failed_call = FailedCall(record.linkedid, runs, expected_step(result), explain_failure(result))
            self.log_view.write_line("d: open this call in the dialplan pane")

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "load" and event.state == WorkerState.ERROR:  # reported, never swallowed
            self.log_view.write_line(f"The tests could not be read: {event.worker.error}")
        if event.worker.group != "run":
            return
        if event.state == WorkerState.ERROR:
            self.log_view.write_line(f"The run failed: {event.worker.error}")
        if event.state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            self._run_going = False
            if self.results:
                self.log_view.write_line(summary_line(self.results))

    def action_open_dialplan(self) -> None:
        if self.failed_call is None:
            self.notify("No failed call to show.", severity="information")
            return
        self._stop.set()
        self.dismiss(self.failed_call)

    def action_close(self) -> None:
        self._stop.set()  # the runner hangs up what it placed, on its own thread
        self.dismiss(None)
