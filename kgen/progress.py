"""The learner's progress through the lessons, stored per user.

The store is one JSON file in the XDG data directory (``$XDG_DATA_HOME/kgen/progress.json``,
``~/.local/share/kgen/progress.json`` by default; ``KGEN_DATA_DIR`` overrides the folder, which
is what the tests do). Writes are atomic (a temporary file renamed over the old one), and a
file that cannot be read — truncated, hand-edited, from another version — is moved aside as
``progress.json.corrupt`` and the learner starts again with a one-line warning instead of a crash.

What is kept, per lesson number: the sections read, the hints revealed, and whether the
lesson's exercise passed ``kgen check``. The grader records a result with
:func:`record_exercise`; :func:`current_exercise` tells it which exercise the learner is on.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

VERSION = 1


def data_dir() -> Path:
    """The folder holding kgen's per-user data (created on first write, not here)."""
    if os.environ.get("KGEN_DATA_DIR"):
        return Path(os.environ["KGEN_DATA_DIR"])
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "kgen"


def progress_file() -> Path:
    return data_dir() / "progress.json"


@dataclass
class LessonProgress:
    sections_read: set[int] = field(default_factory=set)
    hints_shown: int = 0
    exercise_passed: bool = False

    def to_json(self) -> dict:
        return {
            "sections_read": sorted(self.sections_read),
            "hints_shown": self.hints_shown,
            "exercise_passed": self.exercise_passed,
        }

    @classmethod
    def from_json(cls, data: dict) -> "LessonProgress":
        return cls(
            sections_read={int(s) for s in data.get("sections_read", [])},
            hints_shown=int(data.get("hints_shown", 0)),
            exercise_passed=bool(data.get("exercise_passed", False)),
        )


@dataclass
class Progress:
    """Everything the store holds; ``lessons`` is keyed by lesson number."""

    lessons: dict[int, LessonProgress] = field(default_factory=dict)
    last_lesson: int | None = None
    # exercise id -> lesson number, filled when a lesson is opened, so that the grader
    # can record a result by exercise id without knowing the lesson index.
    exercises: dict[str, int] = field(default_factory=dict)

    def lesson(self, number: int) -> LessonProgress:
        return self.lessons.setdefault(number, LessonProgress())

    def to_json(self) -> dict:
        return {
            "version": VERSION,
            "last_lesson": self.last_lesson,
            "exercises": self.exercises,
            "lessons": {str(n): p.to_json() for n, p in sorted(self.lessons.items())},
        }

    @classmethod
    def from_json(cls, data: dict) -> "Progress":
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise ValueError(f"unknown progress format (version {data.get('version')!r})")
        last = data.get("last_lesson")
        return cls(
            lessons={int(n): LessonProgress.from_json(p) for n, p in data["lessons"].items()},
            last_lesson=int(last) if last is not None else None,
            exercises={str(k): int(v) for k, v in data.get("exercises", {}).items()},
        )


def load(path: Path | None = None) -> Progress:
    """Read the store; a missing file is a fresh start, a corrupt one is moved aside."""
    path = path or progress_file()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Progress()
    except OSError as e:  # unreadable (permissions, a file where the folder should be)
        print(f"kgen: cannot read progress file {path}: {e}", file=sys.stderr)
        return Progress()
    try:
        return Progress.from_json(json.loads(text))
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        aside = path.with_name(path.name + ".corrupt")
        try:
            os.replace(path, aside)
            where = f"; the old file was kept as {aside}"
        except OSError:
            where = ""
        print(f"kgen: progress file {path} could not be read ({e}); starting afresh{where}.",
              file=sys.stderr)
        return Progress()


def save(progress: Progress, path: Path | None = None) -> None:
    """Write the store atomically. A read-only home only costs the learner their progress."""
    path = path or progress_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".progress-", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(progress.to_json(), f, indent=1)
        os.replace(tmp, path)
    except OSError as e:
        print(f"kgen: could not save progress to {path}: {e}", file=sys.stderr)


def reset(path: Path | None = None) -> None:
    path = path or progress_file()
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def mark_section_read(lesson: int, section: int, exercise: str | None = None) -> None:
    p = load()
    p.lesson(lesson).sections_read.add(section)
    p.last_lesson = lesson
    if exercise:
        p.exercises[exercise] = lesson
    save(p)


def reveal_hint(lesson: int, n_hints: int, exercise: str | None = None) -> int:
    """Count one more hint as shown (at most ``n_hints``); returns how many are now shown."""
    p = load()
    lp = p.lesson(lesson)
    lp.hints_shown = min(lp.hints_shown + 1, n_hints)
    p.last_lesson = lesson
    if exercise:
        p.exercises[exercise] = lesson
    save(p)
    return lp.hints_shown


def record_exercise(exercise_id: str, passed: bool) -> None:
    """Called by the grader after ``kgen check``: remember that ``exercise_id`` passed.

    An exercise the learner has not opened through a lesson is looked up in the lesson
    index, so grading a file directly still counts.
    """
    p = load()
    number = p.exercises.get(exercise_id)
    if number is None:
        number = _lesson_of_exercise(exercise_id)
    if number is None:
        return
    p.exercises[exercise_id] = number
    lp = p.lesson(number)
    lp.exercise_passed = lp.exercise_passed or passed
    save(p)


def current_exercise() -> str | None:
    """The exercise id of the lesson the learner opened last (the default for ``kgen check``)."""
    p = load()
    if p.last_lesson is None:
        return None
    for ex, n in p.exercises.items():
        if n == p.last_lesson:
            return ex
    return None


def _lesson_of_exercise(exercise_id: str) -> int | None:
    from kgen.lessons import load_index

    for info in load_index():
        if info.exercise == exercise_id:
            return info.number
    return None
