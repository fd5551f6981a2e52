"""`kgen grader lint`: an exercise is sound when its reference gets full marks, its
starter does not, and it has hints (the rustlings `dev check` habit)."""

from __future__ import annotations

from kgen.grader.grade import Grader, GraderError


def lint_exercise(ex, grader=None) -> list[str]:
    """Problems with one exercise, as sentences (empty when it is sound)."""
    problems = []
    if not ex.hints:
        problems.append("no hints: add hints = [\"...\"] to exercise.toml")
    if not ex.starter_path.is_file():
        problems.append("no starter.py (the scaffold `kgen lesson N --exercise` writes)")
    grader = grader or Grader(ex)
    try:
        ref = grader.grade(ex.reference_path)
    except GraderError as e:
        return problems + [str(e)]
    for c in ref.checks:
        if c.counted and not c.passed:
            problems.append(f"reference.py fails check '{c.name}': {c.message}")
    if ex.starter_path.is_file():
        starter = grader.grade(ex.starter_path)
        if starter.full_marks:
            problems.append("starter.py already gets full marks: it should be unfinished")
    return problems
