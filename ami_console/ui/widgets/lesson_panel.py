"""The lesson panel: docked beside the console, it shows the lesson in progress, ticks each
step as what it asks for really happens on the wire, and offers a hint and a "show me".

The console stays fully usable beside it: the panel takes the focus only when asked
(ctrl+l), and "show me" fills the composer without ever sending. Everything a lesson says
comes from a file (a trainer may write it), so it is drawn as plain text.

| Key | Does (while the panel has the focus) |
|---|---|
| h | show the hint of the current step |
| s | show me: fill the composer with the step's action (never sent) |
| l | the list of lessons (ticks, progress, restart) |
| n | the next lesson, once this one is done |
"""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static
from textual.worker import get_current_worker

from ami_console.lessons.model import Lesson, LessonError, LessonFolder, LessonRun, Progress, read_lesson_folder
from ami_console.monitor.models import Models
from ami_console.ui.plaintext import PlainText


class LessonPanel(VerticalScroll, can_focus=True):
    ALLOW_MAXIMIZE = True  # F11: the lesson on the whole screen, and back
    BINDINGS = [
        Binding("h", "hint", "Hint"),
        Binding("s", "show_me", "Show me"),
        Binding("l", "list", "Lessons"),
        Binding("n", "next", "Next lesson"),
    ]

    DEFAULT_CSS = """
    LessonPanel {
        dock: right; width: 40; height: 1fr; padding: 0 1;
        border-left: solid $primary-darken-1; background: $surface;
    }
    LessonPanel:focus { border-left: thick $primary; }
    LessonPanel.-narrow { width: 32; }
    LessonPanel.-hidden { display: none; }
    LessonPanel.-maximized { width: 100%; max-width: 100%; }
    LessonPanel #lesson-keys { dock: top; height: auto; color: $accent; background: $surface; padding-bottom: 1; }
    """

    class ShowMeRequested(Message):
        """The learner asked to see the step's action in the composer (not to send it)."""

        def __init__(self, rows: list[tuple[str, str]]) -> None:
            super().__init__()
            self.rows = rows

    class Loaded(Message):
        """The lessons were read (in a worker thread: a trainer's folder is untrusted and may be large)."""

        def __init__(self, folder: LessonFolder) -> None:
            super().__init__()
            self.folder = folder

    def __init__(
        self, models: Models, folder: Path | None = None, progress: Path | None = None, *, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.models = models  # the lesson running is ticked there, from the wire
        self.folder = folder
        self.progress_path = progress
        self.lessons: list[Lesson] = []
        self.errors: list[LessonError] = []
        self.unusable = 0  # lesson files that could not be used (errors lists the first ones)
        self.progress = Progress(progress or Progress.default_path())
        self.loaded = False
        self.hint_shown = False
        self.just_done: list[int] = []  # the steps the last ticks did: their text stays readable
        self.seen_index = 0  # how many steps of the lesson running the panel has shown done
        self.away_from_demo = ""  # the server's address when it is not the demo PBX the lessons are for
        self.shown = ""
        self.focus_when_loaded = False  # ami-console learn: the lesson has the focus from the start

    def compose(self) -> ComposeResult:
        # The keys stay on top, whatever the lesson's text scrolls to: at 80x24 a step's
        # text runs past the panel's foot, where they were out of sight.
        yield Static(self._keys(), id="lesson-keys")
        yield Static(self._text(), id="lesson-text")

    def _keys(self) -> PlainText:
        step = self.run.current if self.run is not None else None
        if not self.has_focus:  # the letters would go to the composer: say how to get here
            return PlainText("ctrl+l: to the lesson (its keys: h, s, l, n)", style="bold")
        keys = ["h hint"] if step is not None else []
        keys += ["s show me"] if step is not None and step.show else []
        keys += ["l lessons", "n next" if step is None else "", "F11 zoom", "ctrl+l back"]
        return PlainText(" · ".join(k for k in keys if k), style="bold")

    def on_focus(self) -> None:
        self.call_after_refresh(self.draw)  # has_focus is set once the focus has moved

    def on_blur(self) -> None:
        self.call_after_refresh(self.draw)

    def on_mount(self) -> None:
        self._load()

    @work(thread=True, exit_on_error=False, group="lessons")
    def _load(self) -> None:
        worker = get_current_worker()
        folder = read_lesson_folder(self.folder, cancelled=lambda: worker.is_cancelled)
        if not worker.is_cancelled:
            self.post_message(self.Loaded(folder))

    def on_lesson_panel_loaded(self, event: Loaded) -> None:
        event.stop()
        folder = event.folder
        self.lessons, self.errors, self.unusable, self.loaded = folder.lessons, folder.errors, folder.unusable, True
        self.start_first_unfinished()
        if self.focus_when_loaded:
            self.focus()
        if folder.summary:  # once, in one line: a folder of broken files must not flood the screen
            self.notify(f"{folder.summary} (l lists them).", title="Lessons", severity="warning", timeout=10)

    @property
    def run(self) -> LessonRun | None:
        return self.models.lesson

    # -- what the console asks ----------------------------------------------------------------
    def start(self, lesson_id: str, *, restart: bool = False) -> None:
        """Start (or continue where the progress says) one lesson."""
        lesson = next((lesson for lesson in self.lessons if lesson.id == lesson_id), None)
        if lesson is None:
            return
        if restart:
            self.progress.restart(lesson_id)
        done = self.progress.done(lesson_id)
        with self.models.lock:
            self.models.lesson = run = LessonRun(lesson, min(done, len(lesson.steps)))
            self.models.progress = self.progress
        self.hint_shown, self.just_done, self.seen_index = False, [], run.index
        self.draw()

    def start_first_unfinished(self) -> None:
        for lesson in self.lessons:
            if self.progress.done(lesson.id) < len(lesson.steps):
                self.start(lesson.id)
                return
        if self.lessons:
            self.start(self.lessons[0].id)
        else:
            self.draw()

    def ticked_now(self) -> None:
        """The models ticked a step of the lesson running (from what crossed the wire)."""
        with self.models.lock:
            run = self.models.lesson
            if run is None:
                return
            done = len(run.lesson.steps) if run.finished else run.index
        # Several steps may tick at once (one action's answer and its events): each one's
        # text stays on the panel until the next tick, so the learner reads what it taught.
        if done > self.seen_index:
            self.just_done = list(range(self.seen_index, done))
            self.seen_index = done
        self.hint_shown = False
        self.draw()

    def next_lesson(self) -> Lesson | None:
        if self.run is None:
            return None
        ids = [lesson.id for lesson in self.lessons]
        at = ids.index(self.run.lesson.id) if self.run.lesson.id in ids else -1
        return self.lessons[at + 1] if at + 1 < len(self.lessons) else None

    # -- drawing --------------------------------------------------------------------------
    def on_resize(self) -> None:
        self.set_class(self.screen.size.width < 100, "-narrow")

    def draw(self) -> None:
        with self.models.lock:
            text, keys = self._text(), self._keys()
        for static in self.query("#lesson-text").results(Static):  # none until composed
            static.update(text)
        for static in self.query("#lesson-keys").results(Static):
            static.update(keys)

    def _text(self) -> PlainText:
        text = PlainText()
        run = self.run
        if run is None:
            text.append("Lessons\n\n", style="bold")
            if not self.loaded:
                text.append("Reading the lessons…\n")
            else:
                text.append("No lesson running. Press l for the list.\n" if self.lessons else "No lessons found.\n")
        else:
            self._draw_run(run, text)
        if self.unusable:
            count = self.unusable
            text.append(f"\n{count} lesson file{'s' if count != 1 else ''} could not be used: l lists ", style="red")
            text.append("them.\n" if count != 1 else "it.\n", style="red")
        self.shown = text.plain  # what the panel says, as plain text (tests read it)
        return text

    def _draw_run(self, run: LessonRun, text: PlainText) -> None:
        lesson, steps = run.lesson, run.lesson.steps
        text.append(f"{lesson.title}\n", style="bold")
        if self.away_from_demo:
            text.append(
                f"Written for the demo PBX: on {self.away_from_demo}, show me leaves out what would change it.\n",
                style="yellow",
            )
        if run.finished:
            text.append(f"All {len(steps)} steps done\n\n", style="dim")
        else:
            text.append(f"Step {run.index + 1} of {len(steps)}\n\n", style="dim")
        for number, each in enumerate(steps):
            first = each.text.strip().splitlines()[0] if each.text.strip() else ""
            if number < run.index:
                text.append(f"✓ {first}\n", style="green")
            elif number == run.index:
                text.append(f"▶ {first}\n", style="bold")
            else:
                text.append(f"· {first}\n", style="dim")
        for number in self.just_done:
            if number < len(steps):
                text.append(f"\n✓ Step {number + 1} done. ", style="bold green")
                text.append(f"{steps[number].text.strip()}\n", style="green")
        step = run.current
        if step is None:
            text.append("\nLesson done. Well done!\n", style="bold green")
            following = self.next_lesson()
            if following is not None:
                text.append(f"Next: {following.title} (n)\n")
            else:
                text.append("That was the last lesson (l lists them all).\n")
            return
        text.append(f"\n{step.text.strip()}\n")
        if self.hint_shown:
            text.append(f"\nHint: {step.hint.strip()}\n", style="italic yellow")

    # -- keys -----------------------------------------------------------------------------
    def action_hint(self) -> None:
        if self.run is not None and self.run.current is not None:
            self.hint_shown = True
            self.draw()

    def action_show_me(self) -> None:
        step = self.run.current if self.run is not None else None
        if step is None or not step.show:
            self.notify("This step has nothing to show: read its hint (h).")
            return
        self.post_message(self.ShowMeRequested([(key, value) for key, value in step.show]))

    def action_list(self) -> None:
        """The list of lessons (l): the one chosen starts here, from where it was left or again."""
        from ami_console.ui.screens.lessons import LessonsScreen

        self.app.push_screen(LessonsScreen(self.lessons, self.errors, self.progress), self._chosen)

    def _chosen(self, choice: tuple[str, bool] | None) -> None:
        if choice is not None:
            self.remove_class("-hidden")
            self.start(choice[0], restart=choice[1])

    def action_next(self) -> None:
        if self.run is not None and self.run.finished and (following := self.next_lesson()) is not None:
            self.start(following.id)
