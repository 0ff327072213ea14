"""Every built-in lesson, walked at the model level against the demo PBX: a learner sends each
step's "show me" rows (as the user the step names), reconnects when a step asks for it, and
the observations made from what the client sent and received tick every step.

Steps that need the screen (a view opened, the event log's filter) get the observation the
console would make. The run keeps no backlog here (BACKLOG = 0): each step must be ticked by
what comes after the step before it, in the order the server sends it, so a lesson that asks
for events in an order Asterisk does not send them fails here.
"""

from __future__ import annotations

import queue
import time

import pytest

from ami_console.client import AMIClient
from ami_console.events.filter import EventFilter
from ami_console.lessons.model import Lesson, LessonRun, Observation, Step, load_lessons
from ami_console.protocol import Message
from ami_console.simulator import Simulator

PASSWORDS = {"admin": "adminpass", "monitor": "monpass"}
STEP_TIMEOUT = 10.0
LESSONS, ERRORS = load_lessons()


class StrictRun(LessonRun):
    BACKLOG = 0  # nothing seen before a step may tick it


class Learner:
    """Does what each step asks, with a blocking client, and reports it to the run."""

    def __init__(self, pbx: Simulator, run: LessonRun) -> None:
        self.pbx, self.run = pbx, run
        self.events: queue.SimpleQueue[Message] = queue.SimpleQueue()
        self.client: AMIClient | None = None
        self.user = ""
        self.log_in("admin")

    def log_in(self, user: str) -> None:
        self.close()
        self.client = AMIClient(
            username=user, secret=PASSWORDS[user], host=self.pbx.address, event_callback=self.events.put, timeout=5
        )
        assert self.client.connect(), self.client.error
        self.user = user

    @property
    def client_connected(self) -> bool:
        return self.client is not None and self.client.connected

    def close(self) -> None:
        if self.client is not None:
            self.client.disconnect()
            self.client = None

    def send(self, rows: tuple[tuple[str, str], ...], as_list: bool) -> None:
        assert self.client is not None
        action = rows[0][1]
        self.run.observe(Observation("sent", action=action, fields=rows, user=self.user))
        if as_list:
            response, items = self.client.action_list(list(rows))
        else:
            response, items = self.client.action(list(rows)), []
        self.run.observe(Observation("answered", action=action, message=response, items=tuple(items), user=self.user))
        if response.header("Response") == "Goodbye":
            self.log_in(self.user)  # logged off: the learner connects again (ctrl+r)

    def pump(self, past: int, seconds: float) -> None:
        """Read events (in the order they came) until step ``past`` is ticked or time is up."""
        assert self.client is not None
        deadline = time.monotonic() + seconds
        while True:
            while not self.events.empty():
                self.run.observe(Observation("event", message=self.events.get()))
            if self.run.index > past or time.monotonic() >= deadline:
                return
            message = self.client.read_response(0.05)
            if message is not None and message.is_event:
                self.run.observe(Observation("event", message=message))

    def do(self, number: int, step: Step) -> None:
        check = step.check
        if check.kind == "view":
            self.run.observe(Observation("view", text=check.name))
            return
        if check.kind == "filter_keeps":
            text = " ".join(f"{key}={value}" for key, value in check.keeps)
            self.run.observe(Observation("filter", text=text, filter=EventFilter.parse(text)))
            return
        if check.user and check.user != self.user:
            self.log_in(check.user)  # F10, the connection form
        elif check.kind == "event" and not step.show and (not self.client_connected or check.name == "FullyBooted"):
            self.log_in(self.user)  # the step asks to connect again (F10, or ctrl+r once logged off)
        deadline = time.monotonic() + STEP_TIMEOUT
        while self.run.index == number and time.monotonic() < deadline:
            if step.show:
                self.send(step.show, as_list=check.kind.startswith("list"))
            self.pump(number, 1.0)


def test_the_built_in_lessons_load():
    assert ERRORS == [] and len(LESSONS) == 9


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.id for lesson in LESSONS])
def test_each_built_in_lesson_is_walked_to_its_end_on_the_demo_pbx(lesson: Lesson):
    run = StrictRun(lesson)
    with Simulator(time_scale=0.1, auth_failure_delay=0.01) as pbx:
        learner = Learner(pbx, run)
        try:
            for number, step in enumerate(lesson.steps):
                learner.do(number, step)
                title = step.text.splitlines()[0]
                assert run.index > number, (
                    f"{lesson.id}: step {number + 1} ({title}) never ticked: {step.check.describe()}"
                )
        finally:
            learner.close()
        assert pbx.errors == []
    assert run.finished
